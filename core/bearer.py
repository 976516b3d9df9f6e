"""Read the access token of a request: the ``Authorization`` header, nothing else.

One parser for both surfaces, so ``/graphql/`` and ``/api/`` accept and refuse
the same headers. Cookies, form fields and query strings never carry a
credential: a browser attaches cookies to cross-site requests by itself, and the
API's views are CSRF-exempt because nothing but this header authenticates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The scheme, compared case-insensitively (RFC 7235 §2.1).
SCHEME = "bearer"


def bearer_token(meta: Mapping[str, Any]) -> str | None:
    """Return what follows ``Bearer`` in ``Authorization`` (from ``request.META``).

    ``None`` when there is no such header or it names another scheme (``Basic``):
    the caller is then anonymous. A ``Bearer`` header whose rest is not exactly
    one token (``Bearer``, ``Bearer a b``) returns that rest as it is, so it fails
    verification as ``TOKEN_INVALID`` instead of passing for anonymous.
    """
    header = meta.get("HTTP_AUTHORIZATION")
    if not isinstance(header, str):
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != SCHEME:
        return None
    return rest.strip()
