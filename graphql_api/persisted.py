"""Apollo's automatic persisted queries (APQ), over the Django cache.

A client sends ``extensions.persistedQuery = {version: 1, sha256Hash}``, first
without the document; an unknown hash answers ``PersistedQueryNotFound`` (code
``PERSISTED_QUERY_NOT_FOUND``, HTTP 200, which is what Apollo Client's
``PersistedQueryLink`` expects before it retries with the full text), and the
retry with ``query`` stores it. A hash that does not match the text sent with it
is ``INVALID_INPUT``: a client must never be able to bind one hash to another
document. Hashed queries may come by ``GET`` (cacheable URLs); mutations stay
POST-only as for any document.

The store is bounded by construction: the cache holds a fixed number of slots
(``GRAPHQL_APQ_SLOTS``) and a hash lives in the slot its first bits name, next
to the hash itself, so registering a new document can only overwrite one slot.
A collision or an eviction costs the client one retry with the full text, which
the protocol already handles. Each slot expires after ``GRAPHQL_APQ_TIMEOUT``.
A document is only stored when it is no longer than ``GRAPHQL_MAX_QUERY_BYTES``.

A hash names its text forever (that is what a hash is), so a process also keeps
the hashes it has resolved in a small in-memory LRU: a warm client costs no
cache round trip at all.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.cache import caches

from users.errors import ErrorCode

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
DEFAULT_SLOTS = 4096
DEFAULT_TIMEOUT = 7 * 24 * 3600
_LOCAL_SIZE = 256
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryNotFound(Exception):  # Apollo's own name for it
    """The hash is not in the store: the client must send the document."""

    def formatted(self) -> dict[str, Any]:
        return {
            "message": NOT_FOUND_MESSAGE,
            "extensions": {"code": str(ErrorCode.PERSISTED_QUERY_NOT_FOUND)},
        }


class InvalidPersistedQuery(ValueError):
    """The extension is malformed, or the hash does not match the text."""


class _Recent:
    """Hash -> text for the hashes this process resolved (content-addressed)."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, digest: str) -> str | None:
        with self._lock:
            text = self._entries.get(digest)
            if text is not None:
                self._entries.move_to_end(digest)
            return text

    def put(self, digest: str, text: str) -> None:
        with self._lock:
            self._entries[digest] = text
            self._entries.move_to_end(digest)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


recent = _Recent(_LOCAL_SIZE)


def requested(extensions: Any) -> str | None:
    """Return the requested sha256 hash, None when APQ is not used at all."""
    if extensions is None:
        return None
    if not isinstance(extensions, dict):
        raise InvalidPersistedQuery("'extensions' must be a JSON object.")
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise InvalidPersistedQuery("persistedQuery must be {version: 1, sha256Hash}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise InvalidPersistedQuery("sha256Hash must be 64 lowercase hex digits.")
    return digest


def resolve(digest: str, query: str | None) -> str:
    """Return the document for ``digest``: the one sent (then stored) or a stored one.

    Raises :class:`PersistedQueryNotFound` or :class:`InvalidPersistedQuery`.
    """
    if query is not None:
        encoded = query.encode("utf-8", "surrogatepass")
        if hashlib.sha256(encoded).hexdigest() != digest:
            raise InvalidPersistedQuery("The sha256Hash does not match the query.")
        if len(encoded) <= settings.GRAPHQL_MAX_QUERY_BYTES:
            _store(digest, query)
        return query
    text = recent.get(digest)
    if text is not None:
        return text
    stored = _store_cache().get(_slot(digest))
    if isinstance(stored, tuple | list) and len(stored) == 2 and stored[0] == digest:
        recent.put(digest, stored[1])
        return stored[1]
    raise PersistedQueryNotFound


def _store(digest: str, query: str) -> None:
    if recent.get(digest) is not None:
        return  # stored by this process already (or by another: same text)
    timeout = getattr(settings, "GRAPHQL_APQ_TIMEOUT", DEFAULT_TIMEOUT)
    _store_cache().set(_slot(digest), (digest, query), timeout)
    recent.put(digest, query)


def _slot(digest: str) -> str:
    slots = getattr(settings, "GRAPHQL_APQ_SLOTS", DEFAULT_SLOTS)
    return f"graphql:apq:{int(digest[:12], 16) % slots}"


def _store_cache():
    return caches[getattr(settings, "GRAPHQL_APQ_CACHE", "default")]
