"""Pagination of list endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from users.pagination import Page, newest_first_page, oldest_first_page

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def newest_first(
    queryset: QuerySet[Any],
    request: Request,
    *,
    limit: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> tuple[Page, dict[str, str | None]]:
    """Page a feed newest first; return the page and its ``next``/``previous`` links.

    The cursors are GraphQL's (``users.pagination``): ``?after=`` walks to older
    items, ``?before=`` back to newer ones, and no offset ever shifts a page.
    """
    return _keyset(newest_first_page, queryset, request, limit, after, before)


def oldest_first(
    queryset: QuerySet[Any],
    request: Request,
    *,
    limit: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> tuple[Page, dict[str, str | None]]:
    """Page an id-ordered list (the staff user list) by keyset: no COUNT, no offset.

    ``?after=`` walks to higher ids, ``?before=`` back; each page is one indexed
    range query, whatever its depth and the table's size.
    """
    return _keyset(oldest_first_page, queryset, request, limit, after, before)


def _keyset(
    paginate: Callable[..., Page],
    queryset: QuerySet[Any],
    request: Request,
    limit: int | None,
    after: str | None,
    before: str | None,
) -> tuple[Page, dict[str, str | None]]:
    size = limit or DEFAULT_LIMIT
    if before is not None:
        page = paginate(
            queryset, last=size, after=after, before=before, max_size=MAX_LIMIT
        )
    else:
        page = paginate(queryset, first=size, after=after, max_size=MAX_LIMIT)
    url = remove_query_param(
        remove_query_param(request.build_absolute_uri(), "after"), "before"
    )
    return page, {
        "next": replace_query_param(url, "after", page.end_cursor)
        if page.has_next and page.end_cursor
        else None,
        "previous": replace_query_param(url, "before", page.start_cursor)
        if page.has_previous and page.start_cursor
        else None,
    }
