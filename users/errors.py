"""The one error vocabulary of the API, and the one exception services raise.

GraphQL's ``ErrorCode`` enum and the REST exception handler are generated from
``ErrorCode``, so the two surfaces cannot drift apart.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    """Machine-readable failure codes shared by every surface."""

    INVALID_INPUT = "INVALID_INPUT"
    REQUIRED = "REQUIRED"
    EMAIL_INVALID = "EMAIL_INVALID"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    PASSWORD_TOO_COMMON = "PASSWORD_TOO_COMMON"
    PASSWORD_TOO_SIMILAR = "PASSWORD_TOO_SIMILAR"
    PASSWORD_ENTIRELY_NUMERIC = "PASSWORD_ENTIRELY_NUMERIC"
    PASSWORD_INCORRECT = "PASSWORD_INCORRECT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REUSED = "TOKEN_REUSED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_INVALID = "FILE_INVALID"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    MFA_REQUIRED = "MFA_REQUIRED"
    MFA_CODE_INVALID = "MFA_CODE_INVALID"
    MFA_SETUP_REQUIRED = "MFA_SETUP_REQUIRED"
    MFA_ALREADY_ENABLED = "MFA_ALREADY_ENABLED"
    MFA_NOT_ENABLED = "MFA_NOT_ENABLED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


#: Human descriptions, used for the GraphQL enum and the OpenAPI docs.
DESCRIPTIONS: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: "The input is malformed or out of range.",
    ErrorCode.REQUIRED: "A required field is missing or blank.",
    ErrorCode.EMAIL_INVALID: "Not a valid email address.",
    ErrorCode.EMAIL_TAKEN: "Another account uses this email address.",
    ErrorCode.PASSWORD_TOO_SHORT: "The password is shorter than the minimum.",
    ErrorCode.PASSWORD_TOO_LONG: "The password is longer than the maximum.",
    ErrorCode.PASSWORD_TOO_COMMON: "The password is on the list of common passwords.",
    ErrorCode.PASSWORD_TOO_SIMILAR: "The password is too similar to the account data.",
    ErrorCode.PASSWORD_ENTIRELY_NUMERIC: "The password consists of digits only.",
    ErrorCode.PASSWORD_INCORRECT: "The current password is wrong.",
    ErrorCode.INVALID_CREDENTIALS: "Unknown email or wrong password.",
    ErrorCode.ACCOUNT_INACTIVE: "The account is deactivated.",
    ErrorCode.EMAIL_NOT_VERIFIED: "The email address is not verified yet.",
    ErrorCode.TOKEN_INVALID: "The token is malformed, tampered with or revoked.",
    ErrorCode.TOKEN_EXPIRED: "The token has expired.",
    ErrorCode.TOKEN_REUSED: "A retired refresh token was used; the session is revoked.",
    ErrorCode.UNAUTHENTICATED: "Authentication is required.",
    ErrorCode.FORBIDDEN: "The caller may not do this.",
    ErrorCode.NOT_FOUND: "No such object (or not visible to the caller).",
    ErrorCode.RATE_LIMITED: "Too many attempts; retry after the given seconds.",
    ErrorCode.SERVICE_UNAVAILABLE: "A dependency is down; retry later.",
    ErrorCode.FILE_TOO_LARGE: "The upload or request body is too large.",
    ErrorCode.FILE_INVALID: "The file is not an acceptable image.",
    ErrorCode.QUERY_TOO_COMPLEX: "The GraphQL document exceeds a limit.",
    ErrorCode.METHOD_NOT_ALLOWED: "The HTTP method is not allowed here.",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "The request's content type is not accepted.",
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: (
        "Unknown persisted query hash: send the document with its hash."
    ),
    ErrorCode.MFA_REQUIRED: "The password was right; send a second factor with "
    "the mfaToken to verifyMfa.",
    ErrorCode.MFA_CODE_INVALID: "The authentication or recovery code is wrong "
    "or was already used.",
    ErrorCode.MFA_SETUP_REQUIRED: "Staff must turn on two-factor authentication "
    "before using staff features.",
    ErrorCode.MFA_ALREADY_ENABLED: "Two-factor authentication is already on.",
    ErrorCode.MFA_NOT_ENABLED: "Two-factor authentication is not on (or not set up).",
    ErrorCode.INTERNAL_ERROR: "An unexpected error; it has been reported.",
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field (``field`` is snake_case, or None)."""

    code: ErrorCode
    message: str
    field: str | None = None


class ServiceError(Exception):
    """The single domain exception: one or more coded problems.

    Surfaces translate it at the edge: GraphQL into ``errors: [UserError]`` (or a
    GraphQL error for authentication/permission/rate-limit codes), REST into the
    shared ``{"errors": [...]}`` body with a status from ``http_status``.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str | None = None,
        *,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        retry_after: int | None = None,
        extra: Mapping[str, str] | None = None,
        reason: ErrorCode | None = None,
    ) -> None:
        self.errors = errors or [FieldError(code, message or DESCRIPTIONS[code], field)]
        self.code = self.errors[0].code
        self.field = self.errors[0].field
        self.message = self.errors[0].message
        self.retry_after = retry_after
        #: Top-level values the client needs to go on (snake_case names), e.g.
        #: the ``mfa_token`` of an ``MFA_REQUIRED`` answer.
        self.extra = dict(extra or {})
        #: Why a ``FORBIDDEN`` or a refused bearer token was answered, when the
        #: client can act on it (``MFA_SETUP_REQUIRED``, ``TOKEN_EXPIRED``).
        self.reason = reason
        super().__init__(self.message)

    @classmethod
    def from_errors(cls, errors: list[FieldError]) -> ServiceError:
        return cls(errors[0].code, errors=errors)

    def __repr__(self) -> str:
        return f"ServiceError({self.code!s}, field={self.field!r})"


#: Codes that are not about the input but about who is asking; GraphQL raises
#: these as top-level errors with ``extensions.code`` instead of payload errors.
TRANSPORT_CODES = frozenset(
    {
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.FORBIDDEN,
        ErrorCode.RATE_LIMITED,
        ErrorCode.SERVICE_UNAVAILABLE,
        ErrorCode.QUERY_TOO_COMPLEX,
    }
)

#: REST status per code; anything unlisted is a 400 validation failure.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.MFA_REQUIRED: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.TOKEN_REUSED: 401,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.ACCOUNT_INACTIVE: 403,
    ErrorCode.EMAIL_NOT_VERIFIED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}


def http_status(
    code: ErrorCode, overrides: Mapping[ErrorCode, int] | None = None
) -> int:
    """REST status of ``code``; ``overrides`` are a view's own exceptions."""
    if overrides and code in overrides:
        return overrides[code]
    return HTTP_STATUS.get(code, 400)
