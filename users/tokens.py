"""The one token engine behind both surfaces.

Tokens are simplejwt JWTs. Every token carries ``user_id``, ``sid`` (the session it
belongs to) and ``ver`` (the user's ``token_version`` when it was issued). A token
is valid only while its session is unrevoked and unexpired, its user active and
its ``ver`` current; all of that is checked with a single query that loads the
session joined to its user. GraphQL (django-graphql-jwt's handlers) and REST
(simplejwt's authentication class) both call :func:`authenticate_access_token`,
so there is exactly one place that decides validity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeGuard

import jwt
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt import state as token_backend_state
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken as _SimpleAccessToken
from rest_framework_simplejwt.tokens import Token

from users.errors import ErrorCode, ServiceError
from users.models import Session, User
from users.session_lookup import session_with_user

#: A JWT is a few hundred bytes; anything far larger is garbage, not a token.
MAX_TOKEN_LENGTH = 4096
SESSION_CLAIM = "sid"
VERSION_CLAIM = "ver"


class AccessToken(_SimpleAccessToken):
    """Short-lived bearer token accepted by both surfaces."""


class RefreshToken(Token):
    """Long-lived token that only buys a new pair, once (rotation)."""

    token_type = "refresh"  # noqa: S105 - a claim value, not a secret
    lifetime = api_settings.REFRESH_TOKEN_LIFETIME


@dataclass(frozen=True)
class TokenPair:
    """A freshly issued access + refresh pair and the session it belongs to."""

    access: str
    refresh: str
    access_payload: dict[str, Any]
    access_expires_at: datetime
    refresh_expires_at: datetime
    session: Session
    #: Set by a login (``users.devices``): the client sends it back next time.
    device_token: str | None = None

    @property
    def refresh_expires_in(self) -> int:
        """Seconds until the refresh token expires (django-graphql-jwt's field)."""
        return max(0, int((self.refresh_expires_at - timezone.now()).total_seconds()))


@dataclass(frozen=True)
class Authenticated:
    """The caller behind a valid access token."""

    user: User
    session: Session
    claims: dict[str, Any]


def _stamp(token: Token, user: User, session: Session) -> None:
    token[api_settings.USER_ID_CLAIM] = user.pk
    token[SESSION_CLAIM] = str(session.pk)
    token[VERSION_CLAIM] = user.token_version


def _expiry(token: Token) -> datetime:
    return datetime.fromtimestamp(token["exp"], tz=UTC)


def _refresh_token(
    user: User, session: Session, *, jti: str, issued_at: datetime, expires_at: datetime
) -> RefreshToken:
    """Build the refresh token with exactly these claims (deterministic for HS*).

    Minting the same ``jti``, ``iat`` and ``exp`` again gives the same token, which
    is how a retired token within its reuse interval gets the session's current
    refresh token back without the database ever holding a token.
    """
    refresh = RefreshToken()
    refresh.set_exp(from_time=expires_at, lifetime=timedelta(0))
    refresh.set_iat(at_time=issued_at)
    refresh[api_settings.JTI_CLAIM] = jti
    _stamp(refresh, user, session)
    return refresh


def _pair(user: User, session: Session, refresh: RefreshToken) -> TokenPair:
    access = AccessToken()
    _stamp(access, user, session)
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        access_payload=dict(access.payload),
        access_expires_at=_expiry(access),
        refresh_expires_at=_expiry(refresh),
        session=session,
    )


def issue_pair(user: User, session: Session) -> TokenPair:
    """Mint a pair for ``session`` and make its refresh token the only current one.

    The refresh token expires ``REFRESH_TOKEN_LIFETIME`` from now, but never after
    the session's absolute end (``Session.ends_at``): refreshing cannot stretch a
    session past it. The token it replaces becomes ``previous_refresh_jti``. The
    caller saves the session (``refresh_jti``, ``previous_refresh_jti``,
    ``refresh_issued_at`` and ``expires_at`` change).
    """
    now = timezone.now()
    expires_at = min(now + api_settings.REFRESH_TOKEN_LIFETIME, session.ends_at)
    refresh = _refresh_token(
        user, session, jti=uuid.uuid4().hex, issued_at=now, expires_at=expires_at
    )
    session.previous_refresh_jti = session.refresh_jti or ""
    session.refresh_jti = refresh[api_settings.JTI_CLAIM]
    session.refresh_issued_at = now
    session.expires_at = _expiry(refresh)
    return _pair(user, session, refresh)


def current_pair(user: User, session: Session) -> TokenPair:
    """Return the session's current refresh token again, with a new access token.

    The answer to a retired token within its reuse interval: both racing clients
    end up holding the same, current refresh token, so whichever refreshes next
    rotates the chain as usual. Nothing about the session changes.
    """
    if session.refresh_issued_at is None:
        raise ValueError("the session has no current refresh token to reissue")
    refresh = _refresh_token(
        user,
        session,
        jti=session.refresh_jti,
        issued_at=session.refresh_issued_at,
        expires_at=session.expires_at,
    )
    return _pair(user, session, refresh)


def within_reuse_interval(session: Session, jti: object) -> bool:
    """Whether ``jti`` is the token the last rotation retired, recently enough.

    Only the one token directly replaced counts, and only for
    ``REFRESH_TOKEN_REUSE_INTERVAL`` after its replacement was issued.
    """
    interval = settings.REFRESH_TOKEN_REUSE_INTERVAL
    issued = session.refresh_issued_at
    return (
        interval > timedelta(0)
        and issued is not None
        and bool(session.previous_refresh_jti)
        and session.previous_refresh_jti == jti
        and timezone.now() - issued <= interval
    )


def past_absolute_lifetime(session: Session) -> bool:
    """Whether the session has outlived ``SESSION_ABSOLUTE_LIFETIME``."""
    return session.ends_at <= timezone.now()


@lru_cache(maxsize=4)
def _decoder(backend: TokenBackend) -> tuple[jwt.PyJWT, dict[str, Any]]:
    """PyJWT set up once per simplejwt backend: options, claims required, leeway.

    The backend (``rest_framework_simplejwt.state.token_backend``) is built once
    from ``SIMPLE_JWT``, as simplejwt itself uses it; only the per-request
    wrapping (a ``Token`` object, its datetime conversions, option merging) is
    left out. Every check stays: signature with the algorithm pinned to the
    configured one (a token naming another, ``none`` included, is refused),
    ``exp`` required and checked, ``aud`` and ``iss`` when configured, ``jti``
    and the token type claim required; the type itself is compared by the caller.
    """
    required = ["exp", api_settings.JTI_CLAIM, api_settings.TOKEN_TYPE_CLAIM]
    options = {
        "verify_signature": True,
        "verify_exp": True,
        "verify_aud": backend.audience is not None,
        "verify_iss": backend.issuer is not None,
        "require": [claim for claim in required if claim],
    }
    decode_kwargs = {
        "algorithms": [backend.algorithm],
        "audience": backend.audience,
        "issuer": backend.issuer,
        "leeway": backend.get_leeway(),
    }
    return jwt.PyJWT(options=options), decode_kwargs  # type: ignore[arg-type]


def _verified_payload(token_class: type[Token], raw: str) -> dict[str, Any]:
    """Verify ``raw`` as simplejwt's ``token_class(raw)`` would, in one PyJWT call."""
    backend = token_backend_state.token_backend
    if backend.jwks_client is not None:
        # Keys fetched per token (JWK_URL): simplejwt's own path.
        return dict(token_class(raw).payload)  # type: ignore[arg-type]
    decoder, decode_kwargs = _decoder(backend)
    try:
        payload = decoder.decode(
            raw,
            backend.get_verifying_key(raw),  # type: ignore[arg-type]
            **decode_kwargs,
        )
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredTokenError from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError from exc
    type_claim = api_settings.TOKEN_TYPE_CLAIM
    if type_claim is not None and payload.get(type_claim) != token_class.token_type:
        raise TokenError("Token has wrong type")
    return payload


def _decode(token_class: type[Token], raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise ServiceError(
            ErrorCode.TOKEN_INVALID, "The token is malformed.", field="token"
        )
    try:
        payload = _verified_payload(token_class, raw)
    except ExpiredTokenError as exc:
        raise ServiceError(ErrorCode.TOKEN_EXPIRED, field="token") from exc
    except TokenError as exc:
        raise ServiceError(ErrorCode.TOKEN_INVALID, field="token") from exc
    claims = (api_settings.USER_ID_CLAIM, SESSION_CLAIM, VERSION_CLAIM)
    if not all(isinstance(payload.get(c), int | str) for c in claims):
        raise ServiceError(ErrorCode.TOKEN_INVALID, field="token")
    return payload


def decode_access_token(raw: object) -> dict[str, Any]:
    """Verify signature, algorithm, type and expiry; return the claims."""
    return _decode(AccessToken, raw)


def decode_refresh_token(raw: object) -> dict[str, Any]:
    """Verify a refresh token's signature, type and expiry; return the claims."""
    return _decode(RefreshToken, raw)


def _session_or_none(claims: dict[str, Any]) -> Session | None:
    try:
        session_id = uuid.UUID(str(claims[SESSION_CLAIM]))
        user_id = int(claims[api_settings.USER_ID_CLAIM])
    except (ValueError, TypeError):
        return None  # signed by us yet malformed: treat as unknown
    return session_with_user(session_id, user_id)


def session_is_usable(
    session: Session | None, claims: dict[str, Any]
) -> TypeGuard[Session]:
    """Decide whether tokens of ``session`` may still act for its user."""
    if session is None or session.revoked_at is not None:
        return False
    now = timezone.now()
    if session.expires_at <= now or session.ends_at <= now:
        return False
    user = session.user
    return user.is_active and user.token_version == claims[VERSION_CLAIM]


def authenticate_access_token(raw: object) -> Authenticated:
    """Resolve a bearer token to its user and session, in at most one query.

    Raises ``ServiceError(TOKEN_EXPIRED | TOKEN_INVALID)``; a revoked session, a
    password change, deactivation or deletion all make the token invalid at once.
    """
    return authenticate_claims(decode_access_token(raw))


def authenticate_claims(claims: dict[str, Any]) -> Authenticated:
    """Check already-verified claims against the session and user (one query)."""
    session = _session_or_none(claims)
    if not session_is_usable(session, claims):
        raise ServiceError(
            ErrorCode.TOKEN_INVALID, "The token has been revoked.", field="token"
        )
    return Authenticated(user=session.user, session=session, claims=claims)
