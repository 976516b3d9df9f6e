"""Parsed and validated documents, remembered by their text.

Clients send the same few documents over and over; parsing and validating one
again costs more than executing it (``{ me { id email name } }``: 1.4 to 1.7 ms,
16 to 19 % of a request's on-CPU samples before this cache). So the outcome of the
check (parse + every validation rule in force) is kept in a bounded LRU, per
process, keyed by the document's text and by the settings the rules read:

- a document that passed is reused as it is: graphql-core's execution never
  mutates the AST;
- a document that was refused stays refused: its errors are cached with it, so
  a cached refusal answers exactly what the first check answered, and no guard
  can be skipped by sending the same text twice;
- changing any ``GRAPHQL_*`` setting (as tests do) starts from an empty cache.

The bound is on entries and on the total length of their texts (an AST is a
small multiple of its text), so a client sending endless distinct documents
only churns the cache: each of those pays its own check, as without a cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from graphql import DocumentNode, GraphQLError, GraphQLSchema

Checked = DocumentNode | list[GraphQLError]
Check = Callable[[GraphQLSchema, str], Checked]

DEFAULT_MAX_ENTRIES = 512
DEFAULT_MAX_CHARS = 2_000_000


class DocumentCache:
    """A thread-safe LRU bounded by entry count and by total key length."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[tuple[Any, str], Checked] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, key: tuple[Any, str]) -> Checked | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, str], checked: Checked) -> None:
        size = len(key[1])
        if size > self.max_chars or self.max_entries <= 0:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = checked
            self._chars += size
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                old_key, _old = self._entries.popitem(last=False)
                self._chars -= len(old_key[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


_state: dict[str, Any] = {}
_state_lock = threading.Lock()


def cache() -> DocumentCache:
    """Return this process's document cache, sized from settings."""
    found = _state.get("cache")
    if found is None:
        with _state_lock:
            found = _state.get("cache")
            if found is None:
                found = DocumentCache(
                    getattr(
                        settings, "GRAPHQL_DOCUMENT_CACHE_SIZE", DEFAULT_MAX_ENTRIES
                    ),
                    getattr(
                        settings, "GRAPHQL_DOCUMENT_CACHE_CHARS", DEFAULT_MAX_CHARS
                    ),
                )
                _state["cache"] = found
    return found


def rules_fingerprint() -> tuple[tuple[str, str], ...]:
    """Every ``GRAPHQL_*`` setting: what the validation rules may depend on."""
    found = _state.get("fingerprint")
    if found is None:
        found = tuple(
            (name, repr(getattr(settings, name)))
            for name in sorted(dir(settings))
            if name.startswith("GRAPHQL_")
        )
        _state["fingerprint"] = found
    return found


def checked(schema: GraphQLSchema, query: str, check: Check) -> Checked:
    """Return ``check(schema, query)``, from the cache when this text was seen."""
    key = ((id(schema), rules_fingerprint()), query)
    documents = cache()
    found = documents.get(key)
    if found is None:
        found = check(schema, query)
        documents.put(key, found)
    # A fresh list per request: the cached one must never be appended to.
    return list(found) if isinstance(found, list) else found


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting.startswith("GRAPHQL_") or setting == "GRAPHENE":
        with _state_lock:
            _state.clear()
