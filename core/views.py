"""JSON error pages for requests that never reach an API view.

This service is an API: an unknown path, a request Django refuses before routing
or a crash outside DRF must still answer the shared error body, never Django's
HTML pages, so a client can parse every failure the same way. DRF views have
their own handler (``rest_api.errors``); these cover everything else.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control

from users.errors import DESCRIPTIONS, ErrorCode, FieldError


def error_body(errors: list[FieldError]) -> dict[str, list[dict[str, str | None]]]:
    """Render coded problems as the one error body both API surfaces share."""
    return {
        "errors": [
            {"field": e.field, "code": str(e.code), "message": str(e.message)}
            for e in errors
        ]
    }


def error_response(code: ErrorCode, status: int, message: str) -> JsonResponse:
    return JsonResponse(error_body([FieldError(code, message)]), status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404`` and the API's catch-all route.

    The exception text is not echoed: it may name internals.
    """
    message = "Not found."
    if not request.path.endswith("/"):
        message = "Not found. API paths end with a slash."
    return error_response(ErrorCode.NOT_FOUND, 404, message)


def server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: Django has logged the exception already; say nothing more."""
    return error_response(
        ErrorCode.INTERNAL_ERROR, 500, DESCRIPTIONS[ErrorCode.INTERNAL_ERROR]
    )


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    """``handler400``: a request Django refused (bad Host, too many fields, ...)."""
    return error_response(ErrorCode.INVALID_INPUT, 400, "Bad request.")


def permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    """``handler403``: a PermissionDenied raised outside DRF."""
    return error_response(ErrorCode.FORBIDDEN, 403, DESCRIPTIONS[ErrorCode.FORBIDDEN])


@cache_control(max_age=86400, public=True)
def no_favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``: nothing to show, and not a 404 in every browser console."""
    return HttpResponse(status=204)
