"""Pagination of list endpoints."""

from rest_framework.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class LimitOffset(LimitOffsetPagination):
    """``?limit=&offset=``: simple to document, and any page can be reached.

    The staff list is ordered by id and modest in size, so offsets stay cheap
    and pages stable; a cursor would add opacity for no gain here.
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
