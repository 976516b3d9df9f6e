"""The public ids both surfaces show: Relay global ids, ``base64("Type:pk")``.

GraphQL's ``node(id:)`` and REST's ``id`` fields use the same ids, so a client
can mix surfaces without translating. Decoding lives here, once, because both
surfaces accept a user's id as an argument.
"""

from __future__ import annotations

import base64
import binascii

from users.errors import ErrorCode, ServiceError

#: The GraphQL type name whose global ids name users on both surfaces.
USER_TYPE = "User"
#: A global id of a bigint key is under 40 characters.
_MAX_LENGTH = 100


def decode_pk(global_id: object, type_name: str) -> int:
    """Return the database key of a ``type_name`` global id.

    Raises ``NOT_FOUND`` (field ``id``) for anything else: a malformed id, another
    type's id, or a key out of range are all "no such object" to the caller.
    """
    if isinstance(global_id, str) and len(global_id) <= _MAX_LENGTH:
        try:
            raw = base64.b64decode(global_id, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raw = ""
        kind, _, pk = raw.partition(":")
        if kind == type_name and pk.isascii() and pk.isdigit() and 0 < int(pk) < 2**63:
            return int(pk)
    raise ServiceError(ErrorCode.NOT_FOUND, "No such object.", field="id")
