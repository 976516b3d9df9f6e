"""The one way a timestamp is written in an API answer: RFC 3339, UTC, ``Z``.

Both surfaces render every datetime through :func:`rfc3339`, so a client
parses one format and the same instant reads the same on GraphQL and REST.
"""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(value: datetime) -> str:
    """Return ``value`` in UTC as ``2026-12-02T14:52:15.123456Z``.

    A naive value is taken to be UTC already (the project stores aware UTC
    times only; this keeps a stray naive one from gaining a local offset).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
