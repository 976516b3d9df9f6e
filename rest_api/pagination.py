"""Pagination of list endpoints."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from users.pagination import Page, newest_first_page

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class LimitOffset(LimitOffsetPagination):
    """``?limit=&offset=``: simple to document, and any page can be reached.

    The staff list is ordered by id and modest in size, so offsets stay cheap
    and pages stable; a cursor would add opacity for no gain here.
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT


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
    size = limit or DEFAULT_LIMIT
    if before is not None:
        page = newest_first_page(
            queryset, last=size, after=after, before=before, max_size=MAX_LIMIT
        )
    else:
        page = newest_first_page(queryset, first=size, after=after, max_size=MAX_LIMIT)
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
