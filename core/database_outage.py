"""A database that cannot be reached is a JSON 503, not a 500, on every surface.

PostgreSQL restarting, failing over or refusing connections surfaces in Django
as ``OperationalError`` (cannot connect, server closed the connection, the
connection was terminated) or ``InterfaceError`` (a connection already closed
is used). Neither is a bug in the request: the client should retry, so both
surfaces answer ``503 SERVICE_UNAVAILABLE`` with ``Retry-After``, logged at
WARNING (the outage is the news, not each request).

Where each surface catches it: the REST exception handler
(``rest_api.errors``), the GraphQL view (``graphql_api.views``, which would
otherwise render a resolver's exception as ``INTERNAL_ERROR``), and
:class:`DatabaseOutageMiddleware` for every other view (the admin, the docs).
Fast failure comes from settings: ``connect_timeout`` bounds a connection
attempt to an unreachable host, and ``CONN_HEALTH_CHECKS`` replaces a
persistent connection that died with the server once it is back, so the web
process recovers without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from users.errors import DESCRIPTIONS, ErrorCode

logger = logging.getLogger(__name__)

#: What the database driver raises when the server is down or went away.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
#: Seconds a client is told to wait before retrying.
RETRY_AFTER = "5"
MESSAGE = DESCRIPTIONS[ErrorCode.SERVICE_UNAVAILABLE]


def is_outage(exc: BaseException | None) -> bool:
    """Tell whether ``exc`` means the database is down or dropped the connection."""
    return isinstance(exc, OUTAGE_ERRORS)


def log_outage(exc: BaseException, where: str) -> None:
    """One WARNING per refused request: the class only (never SQL or parameters)."""
    logger.warning("Database unavailable in %s: %s", where, type(exc).__name__)


def rest_response() -> JsonResponse:
    """Build the 503 in the shared REST error body."""
    response = JsonResponse(
        {
            "errors": [
                {
                    "field": None,
                    "code": str(ErrorCode.SERVICE_UNAVAILABLE),
                    "message": MESSAGE,
                }
            ]
        },
        status=503,
    )
    response["Retry-After"] = RETRY_AFTER
    return response


class DatabaseOutageMiddleware:
    """Answer a view's database outage with the JSON 503 instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        log_outage(exception, request.path)
        return rest_response()
