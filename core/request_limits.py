"""Refuse a declared-too-large request body before anything reads it.

Django bounds non-file form data and JSON bodies (``DATA_UPLOAD_MAX_MEMORY_SIZE``)
but streams file uploads to disk whatever their size, and the avatar service
only sees the file once it has all arrived. Without nginx in front (``make run``,
a misconfigured proxy), a client could make the server write gigabytes to a
temporary file just to be told "too large". This middleware answers 413 from
the ``Content-Length`` header alone, with the same ceiling as nginx's upload
locations: the avatar limit plus room for the multipart framing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.views import error_response
from users.errors import ErrorCode


def max_request_body_bytes() -> int:
    """Return the largest body any endpoint accepts: an avatar plus its framing."""
    return settings.AVATAR_MAX_BYTES + settings.MULTIPART_OVERHEAD_BYTES


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(
                ErrorCode.INVALID_INPUT, 400, "Content-Length is not a number."
            )
        if declared > max_request_body_bytes():
            return error_response(
                ErrorCode.FILE_TOO_LARGE, 413, "The request body is too large."
            )
        return self.get_response(request)
