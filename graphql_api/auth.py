"""Who is calling: the bearer token resolved by the one token engine.

Authentication is lazy: it happens when a field needs the caller, so a client
that still sends a stale token can log in or refresh without being refused. A
field that needs the caller answers ``UNAUTHENTICATED`` (with ``reason``
``TOKEN_EXPIRED``/``TOKEN_INVALID`` and the domain's message when a bad token
was sent, REST's ``TOKEN_INVALID`` answer), never silently anonymous data.

The token comes from the ``Authorization`` header only, read by
``core.bearer.bearer_token`` exactly as the REST surface reads it; never from a
cookie (django-graphql-jwt's ``get_credentials`` falls back to its ``JWT``
cookie, so it is not used). The django-graphql-jwt handlers below are configured
in ``GRAPHQL_JWT`` so that its shortcuts decode the very same tokens, through
``users.tokens``, with expiry always verified.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphql_jwt.exceptions import JSONWebTokenError, JSONWebTokenExpired

from core.bearer import bearer_token
from core.client_ip import request_meta
from graphql_api.errors import graphql_error
from users import messages, services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import User
from users.tokens import Authenticated, authenticate_claims, decode_access_token

_CACHE = "_graphql_authenticated"


def _resolve(request: Any) -> Authenticated | ServiceError:
    cached = getattr(request, _CACHE, None)
    if cached is not None:
        return cached
    token = bearer_token(request.META)
    if token is None:
        result: Authenticated | ServiceError = ServiceError(
            ErrorCode.UNAUTHENTICATED, messages.AUTHENTICATION_REQUIRED
        )
    else:
        try:
            result = services.authenticate(token=token, meta=request_meta(request))
        except ServiceError as exc:
            result = exc
    setattr(request, _CACHE, result)
    return result


def current(info: Any) -> Authenticated:
    """Return the caller or raise a GraphQL UNAUTHENTICATED (or RATE_LIMITED) error."""
    result = _resolve(info.context)
    if isinstance(result, Authenticated):
        return result
    if result.code in {ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE}:
        raise graphql_error(result.code, result.message, retry_after=result.retry_after)
    if result.code == ErrorCode.UNAUTHENTICATED:  # no token was sent
        raise graphql_error(ErrorCode.UNAUTHENTICATED, result.message)
    # A refused token: REST's TOKEN_INVALID, as an authentication failure here.
    raise graphql_error(
        ErrorCode.UNAUTHENTICATED, result.message, reason=result.reason or result.code
    )


def optional_caller(info: Any) -> Authenticated | None:
    """Return the caller when a valid token was sent, else None (never an error)."""
    result = _resolve(info.context)
    return result if isinstance(result, Authenticated) else None


def caller_meta(info: Any) -> RequestMeta:
    """Return the request facts a service sees: address, agent, caller's session.

    The session is named only if a field of this document already needed the
    caller; a public mutation never authenticates just for this.
    """
    meta = request_meta(info.context)
    caller = getattr(info.context, _CACHE, None)
    if isinstance(caller, Authenticated):
        meta = replace(meta, session_id=caller.session.pk)
    return meta


def current_user(info: Any) -> User:
    return current(info).user


# --- django-graphql-jwt handlers (GRAPHQL_JWT settings) ----------------------------


def jwt_decode(token: str, context: Any = None) -> dict[str, Any]:
    """Decode with simplejwt's verification (signature, algorithm, type, expiry)."""
    try:
        return decode_access_token(token)
    except ServiceError as exc:
        if exc.code == ErrorCode.TOKEN_EXPIRED:
            raise JSONWebTokenExpired from exc
        raise JSONWebTokenError(exc.message) from exc


def jwt_payload_identity(payload: dict[str, Any]) -> dict[str, Any]:
    """Pass the whole verified payload on: the user lookup needs session and version."""
    return payload


def jwt_user_from_claims(claims: dict[str, Any]) -> User:
    """Load the user exactly as every surface does: session + user, one query."""
    try:
        return authenticate_claims(claims).user
    except ServiceError as exc:
        raise JSONWebTokenError(exc.message) from exc


__all__ = [
    "caller_meta",
    "current",
    "current_user",
    "jwt_decode",
    "jwt_payload_identity",
    "jwt_user_from_claims",
    "optional_caller",
]
