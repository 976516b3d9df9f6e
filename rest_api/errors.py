"""The REST surface's one exception handler.

Every failure of every view leaves through :func:`exception_handler` as the shared
body ``{"errors": [{"field", "code", "message"}]}``: domain errors
(``ServiceError``) with the status ``users.errors.http_status`` gives their code,
DRF's own exceptions translated into the same vocabulary, and anything unexpected
as a logged ``500 INTERNAL_ERROR`` instead of Django's HTML page.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import (
    PermissionDenied as DjangoPermissionDenied,
)
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from core import database_outage
from core.views import error_body
from rest_api.authentication import TokenRefused
from users.errors import DESCRIPTIONS, ErrorCode, FieldError, ServiceError, http_status
from users.messages import AUTHENTICATION_REQUIRED

logger = logging.getLogger(__name__)

#: The challenge every 401 carries (RFC 7235 requires one).
BEARER_CHALLENGE = 'Bearer realm="api"'
#: The challenge when the presented access token was refused (RFC 6750 §3.1).
INVALID_TOKEN_CHALLENGE = 'Bearer realm="api", error="invalid_token"'  # noqa: S105

#: DRF validation codes that mean "you left it out"; every other DRF code is
#: INVALID_INPUT unless it names an ``ErrorCode`` itself (e.g. ``email_invalid``).
_MISSING = frozenset({"required", "blank", "null"})

#: For DRF exceptions this module does not name, a code by status.
_CODE_BY_STATUS = {
    400: ErrorCode.INVALID_INPUT,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.FILE_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}
#: Longest field name echoed back; unknown keys are client-chosen.
_MAX_FIELD_NAME = 64


@dataclass
class Problem:
    """What a failure turns into: a status, coded errors and response headers."""

    status: int
    errors: list[FieldError]
    headers: dict[str, str] = field(default_factory=dict)
    #: Why a FORBIDDEN or a refused token was answered (the first error's ``reason``).
    reason: ErrorCode | None = None
    #: Top-level values beside ``errors`` (e.g. ``mfa_token``).
    extra: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = error_body(self.errors)
        if self.reason is not None:
            body["errors"][0]["reason"] = str(self.reason)
        body.update(self.extra)
        return body


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: render any exception as the shared error body."""
    problem = to_problem(exc, context)
    if problem.status == 401:
        problem.headers.setdefault("WWW-Authenticate", BEARER_CHALLENGE)
    set_rollback()
    return Response(problem.body(), status=problem.status, headers=problem.headers)


def to_problem(exc: Exception, context: Mapping[str, Any]) -> Problem:
    """Decide status, codes and headers for ``exc`` (exposed for the tests)."""
    if isinstance(exc, ServiceError):
        view = context.get("view")
        return _service_problem(
            exc,
            getattr(view, "error_fields", {}),
            getattr(view, "error_status", {}),
        )
    if isinstance(exc, exceptions.ValidationError):
        return Problem(400, list(_flatten(exc.detail)))
    if isinstance(exc, RequestDataTooBig):
        # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE when DRF reads them.
        return _single(413, ErrorCode.FILE_TOO_LARGE, "The request body is too large.")
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, and Django's other refusals of a request.
        return _single(400, ErrorCode.INVALID_INPUT, "The request was refused.")
    if isinstance(exc, exceptions.NotAuthenticated):
        # The same words as GraphQL's (one message source in the domain).
        return _single(401, ErrorCode.UNAUTHENTICATED, AUTHENTICATION_REQUIRED)
    if isinstance(exc, exceptions.AuthenticationFailed):
        code = _known_code(exc.get_codes(), default=ErrorCode.TOKEN_INVALID)
        problem = _single(
            401,
            code,
            str(exc.detail),
            headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE},
        )
        if isinstance(exc, TokenRefused):
            problem.reason = exc.reason
        return problem
    if isinstance(exc, Http404 | exceptions.NotFound):
        return _single(404, ErrorCode.NOT_FOUND, "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return _single(403, ErrorCode.FORBIDDEN, DESCRIPTIONS[ErrorCode.FORBIDDEN])
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        return _single(
            429,
            ErrorCode.RATE_LIMITED,
            str(exc.detail),
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, exceptions.APIException):
        # ParseError, UnsupportedMediaType, MethodNotAllowed, PermissionDenied, ...
        code = _CODE_BY_STATUS.get(exc.status_code, ErrorCode.INVALID_INPUT)
        return _single(exc.status_code, code, _message(exc.detail))
    view = context.get("view")
    if database_outage.is_outage(exc):
        database_outage.log_outage(exc, type(view).__name__)
        return _single(
            503,
            ErrorCode.SERVICE_UNAVAILABLE,
            database_outage.MESSAGE,
            headers={"Retry-After": database_outage.RETRY_AFTER},
        )
    logger.exception("Unhandled exception in %s", type(view).__name__)
    return _single(
        500, ErrorCode.INTERNAL_ERROR, DESCRIPTIONS[ErrorCode.INTERNAL_ERROR]
    )


def _service_problem(
    exc: ServiceError,
    error_fields: Mapping[str, str],
    error_status: Mapping[ErrorCode, int],
) -> Problem:
    """Translate the domain error; ``error_fields`` renames service arguments.

    A service names fields after its keyword arguments (``refresh_token``); a view
    whose body calls the field ``refresh`` maps the name back so the client is
    told about the field it actually sent.
    """
    errors = [
        FieldError(e.code, e.message, error_fields.get(e.field, e.field))
        if e.field
        else e
        for e in exc.errors
    ]
    headers = {}
    if exc.code == ErrorCode.RATE_LIMITED and exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    return Problem(
        http_status(exc.code, error_status),
        errors,
        headers,
        reason=exc.reason,
        extra=exc.extra,
    )


def _flatten(detail: Any, prefix: str | None = None) -> Iterable[FieldError]:
    """Walk DRF's nested error detail into one coded error per message."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = prefix
            else:
                name = str(key)[:_MAX_FIELD_NAME]
                name = f"{prefix}.{name}" if prefix else name
            yield from _flatten(value, name)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, prefix)
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield FieldError(_validation_code(code), str(detail), prefix)


def _validation_code(code: str) -> ErrorCode:
    if code in _MISSING:
        return ErrorCode.REQUIRED
    return _known_code([code], default=ErrorCode.INVALID_INPUT)


def _known_code(codes: object, *, default: ErrorCode) -> ErrorCode:
    """Return the first of ``codes`` that names an ErrorCode (case-insensitive)."""
    if isinstance(codes, str):
        codes = [codes]
    for code in codes if isinstance(codes, list | tuple) else []:
        if isinstance(code, str) and code.upper() in ErrorCode.__members__:
            return ErrorCode[code.upper()]
    return default


def _single(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    headers: dict[str, str] | None = None,
) -> Problem:
    return Problem(status, [FieldError(code, message)], headers or {})


def _message(detail: Any) -> str:
    if isinstance(detail, list | tuple) and detail:
        return _message(detail[0])
    if isinstance(detail, Mapping) and detail:
        return _message(next(iter(detail.values())))
    return str(detail)
