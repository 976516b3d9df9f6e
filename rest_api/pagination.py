"""Pagination of list endpoints."""

from rest_framework.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class LimitOffset(LimitOffsetPagination):
    """``?limit=&offset=``: simple to document and to jump through, and the
    staff list is small and ordered by id, so offsets stay cheap and stable."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
