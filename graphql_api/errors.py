"""Domain errors in GraphQL form: the ``ErrorCode`` enum, ``UserError``, GraphQL errors.

The enum is generated from ``users.errors.ErrorCode``, so the GraphQL vocabulary
cannot drift from the REST one. Input problems become ``errors: [UserError!]!`` in
mutation payloads; who-is-asking problems (``TRANSPORT_CODES``: authentication,
permission, rate limit, unavailable dependency) become GraphQL errors with
``extensions.code``, as Apollo clients expect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import graphene
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from users.errors import DESCRIPTIONS, TRANSPORT_CODES, ServiceError
from users.errors import ErrorCode as DomainErrorCode

ErrorCode = graphene.Enum.from_enum(
    DomainErrorCode,
    description=lambda value: (
        "Machine-readable failure codes shared by the GraphQL and REST surfaces."
        if value is None
        else DESCRIPTIONS[DomainErrorCode(value)]
    ),
)

#: Set on the request once any field of the document was rate limited; every
#: later mutation of that document is refused without reaching a service.
RATE_LIMITED_FLAG = "_graphql_rate_limited_retry_after"


def camel_case(field: str | None) -> str | None:
    """Map a service's snake_case field name to the GraphQL input's camelCase.

    graphene's own converter, the one that names the input fields (auto_camelcase),
    so an error names exactly the field the schema shows.
    """
    return None if field is None else to_camel_case(field)


class UserError(graphene.ObjectType):
    """An expected failure of a mutation, tied to an input field where there is one."""

    field = graphene.String(
        description="The input field (camelCase) the error is about; "
        "null for the whole input."
    )
    code = graphene.Field(
        ErrorCode, required=True, description="Machine-readable code."
    )
    message = graphene.String(required=True, description="Human-readable explanation.")


def graphql_error(
    code: DomainErrorCode,
    message: str | None = None,
    *,
    retry_after: int | None = None,
    reason: DomainErrorCode | None = None,
    extra: dict[str, str] | None = None,
) -> GraphQLError:
    extensions: dict[str, object] = {"code": str(code)}
    if retry_after is not None:
        extensions["retryAfter"] = retry_after
    if reason is not None:
        extensions["reason"] = str(reason)
    for name, value in (extra or {}).items():
        # A service's snake_case names, e.g. mfa_token -> extensions.mfaToken.
        extensions[camel_case(name) or name] = value
    return GraphQLError(message or DESCRIPTIONS[code], extensions=extensions)


def from_service_error(
    exc: ServiceError, request: object, fields: Mapping[str, str] | None = None
) -> GraphQLError:
    """Build the GraphQL error for ``exc``; a rate limit also marks the request.

    Once marked, every later field of the same document is refused
    (``refuse_if_rate_limited``), so one request cannot keep trying.
    """
    if exc.code == DomainErrorCode.RATE_LIMITED:
        setattr(request, RATE_LIMITED_FLAG, exc.retry_after or 1)
    error = graphql_error(
        exc.code,
        exc.message,
        retry_after=exc.retry_after,
        reason=exc.reason,
        extra=exc.extra,
    )
    if exc.field is not None:
        # The input field, as a payload's UserError would name it (parity with
        # REST's ``field`` for the token mutations, whose payloads have none);
        # ``fields`` renames a service's argument to the operation's.
        name = (fields or {}).get(exc.field, exc.field)
        error.extensions = {**(error.extensions or {}), "field": camel_case(name)}
    return error


@contextmanager
def service_errors_raised(request: object) -> Iterator[None]:
    """Raise a ``ServiceError`` of the block as its GraphQL error (queries).

    A query field has no payload for ``errors``: the domain's code, message and
    field leave as ``extensions``, exactly as the token mutations' do.
    """
    try:
        yield
    except ServiceError as exc:
        raise from_service_error(exc, request) from exc


def user_errors(exc: ServiceError, request: object) -> list[UserError]:
    """Turn a ServiceError into payload errors, or raise it as a GraphQL error.

    Transport codes (authentication, permission, rate limit) are raised.
    """
    if exc.code in TRANSPORT_CODES:
        raise from_service_error(exc, request) from exc
    return [
        UserError(field=camel_case(error.field), code=error.code, message=error.message)
        for error in exc.errors
    ]


def refuse_if_rate_limited(request: object) -> None:
    """Refuse a field when an earlier field of the same document hit a limit."""
    retry_after = getattr(request, RATE_LIMITED_FLAG, None)
    if retry_after is not None:
        raise graphql_error(
            DomainErrorCode.RATE_LIMITED,
            "An earlier operation in this document was rate limited.",
            retry_after=retry_after,
        )
