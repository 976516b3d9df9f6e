"""Keyset ("seek") pagination for both surfaces: newest-first feeds, id-ordered lists.

A feed such as the security activity grows at its head while someone pages
through it: with offsets, every new event shifts the pages and an item shows up
twice. A keyset cursor names the last item seen, ``(created_at, id)``, and the
next page is "everything strictly older", served by the ``(user, -created_at,
-id)`` index whatever the page number, in one query per page. The cursor format
is the same on GraphQL and REST, so a client may switch surfaces mid-feed.

Lists ordered by id (the staff user list) page the same way on ``id`` alone
(:func:`oldest_first_page`): one indexed range query per page and no
``COUNT(*)``, so a page costs the same at 50,000 rows as at 1,000.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet

from users.errors import ErrorCode, ServiceError

#: A real cursor is about 50 characters; anything much longer is refused unread.
MAX_CURSOR_LENGTH = 200
_SEPARATOR = "|"


@dataclass(frozen=True)
class Page:
    """One page of a newest-first feed and where it sits in the whole."""

    items: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def cursor_of(item: Model) -> str:
    """Return the opaque cursor that names ``item``'s place in the feed."""
    raw = f"{item.created_at.isoformat()}{_SEPARATOR}{item.pk}"  # type: ignore[attr-defined]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError(ErrorCode.INVALID_INPUT, message, field=field)


def _position(cursor: object, field: str) -> tuple[datetime, int]:
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid(field, "Not a cursor of this list.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        stamp, _, pk = raw.partition(_SEPARATOR)
        created_at = datetime.fromisoformat(stamp)
        position = (created_at, int(pk))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise _invalid(field, "Not a cursor of this list.") from exc
    if created_at.tzinfo is None or not 0 < position[1] < 2**63:
        raise _invalid(field, "Not a cursor of this list.")
    return position


def _size(value: int | None, field: str, max_size: int) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise _invalid(field, "The page size cannot be negative.")
    if value > max_size:
        raise _invalid(field, f"At most {max_size} items per page.")
    return value


def newest_first_page(
    queryset: QuerySet[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    max_size: int,
) -> Page:
    """Return one page of ``queryset`` (rows with ``created_at``), newest first.

    ``first``/``after`` walk towards older items, ``last``/``before`` towards
    newer ones (Relay's connection arguments). Without a size, a page holds
    ``max_size`` items. Bad sizes and cursors are ``INVALID_INPUT`` on their
    field; asking for both ``first`` and ``last`` is refused rather than given
    the rarely useful meaning the Relay spec allows.
    """
    first = _size(first, "first", max_size)
    last = _size(last, "last", max_size)
    if first is not None and last is not None:
        raise _invalid("last", "Give first or last, not both.")
    if after is not None:
        at, pk = _position(after, "after")
        queryset = queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    if before is not None:
        at, pk = _position(before, "before")
        queryset = queryset.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))
    if last is not None:
        rows = list(queryset.order_by("created_at", "pk")[: last + 1])
        items = rows[:last][::-1]
        has_previous, has_next = len(rows) > last, before is not None
    else:
        size = max_size if first is None else first
        rows = list(queryset.order_by("-created_at", "-pk")[: size + 1])
        items = rows[:size]
        has_next, has_previous = len(rows) > size, after is not None
    return Page(
        items=items,
        cursors=[cursor_of(item) for item in items],
        has_next=has_next,
        has_previous=has_previous,
    )


_ID_PREFIX = "id"


def id_cursor_of(item: Model) -> str:
    """Return the opaque cursor naming ``item``'s place in an id-ordered list."""
    raw = f"{_ID_PREFIX}{_SEPARATOR}{item.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _id_position(cursor: object, field: str) -> int:
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid(field, "Not a cursor of this list.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
        prefix, _, pk = raw.partition(_SEPARATOR)
        position = int(pk)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise _invalid(field, "Not a cursor of this list.") from exc
    if prefix != _ID_PREFIX or not 0 < position < 2**63:
        raise _invalid(field, "Not a cursor of this list.")
    return position


def oldest_first_page(
    queryset: QuerySet[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    max_size: int,
) -> Page:
    """Return one page of ``queryset`` in ascending id order (Relay's arguments).

    Same rules as :func:`newest_first_page`: ``first``/``after`` walk towards
    higher ids, ``last``/``before`` back; at most ``max_size`` items; bad sizes
    and cursors are ``INVALID_INPUT`` on their field. ``has_previous`` on a
    forward page (and ``has_next`` on a backward one) says whether a cursor was
    given, as Relay allows, instead of paying a query to look.
    """
    first = _size(first, "first", max_size)
    last = _size(last, "last", max_size)
    if first is not None and last is not None:
        raise _invalid("last", "Give first or last, not both.")
    if after is not None:
        queryset = queryset.filter(pk__gt=_id_position(after, "after"))
    if before is not None:
        queryset = queryset.filter(pk__lt=_id_position(before, "before"))
    if last is not None:
        rows = list(queryset.order_by("-pk")[: last + 1])
        items = rows[:last][::-1]
        has_previous, has_next = len(rows) > last, before is not None
    else:
        size = max_size if first is None else first
        rows = list(queryset.order_by("pk")[: size + 1])
        items = rows[:size]
        has_next, has_previous = len(rows) > size, after is not None
    return Page(
        items=items,
        cursors=[id_cursor_of(item) for item in items],
        has_next=has_next,
        has_previous=has_previous,
    )
