"""Bearer authentication for the REST surface, over the one token engine.

``core.bearer.bearer_token`` reads the header, the same function the GraphQL
surface uses (scheme case-insensitive, never a cookie); simplejwt supplies the DRF
wiring (the ``WWW-Authenticate`` challenge); deciding whether a token is
valid is left to ``users.services.authenticate`` (``users.tokens.
authenticate_access_token`` underneath), the same function the GraphQL surface
calls. So a token issued on either surface works on both, and a revoked session,
a password change or a deactivated user is refused here at once, in one query,
instead of when the token expires.
"""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.bearer import bearer_token
from core.client_ip import request_meta
from users import services
from users.errors import ErrorCode, ServiceError
from users.models import User
from users.tokens import Authenticated


class TokenRefused(AuthenticationFailed):
    """A bearer token the domain refused, with the domain's reason for the body."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message, code=str(error.code))
        self.reason = error.reason


class BearerAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access>``; ``request.auth`` is the ``Authenticated``.

    Views read the caller's session from ``request.auth.session`` (to mark the
    current one). Another scheme (``Basic ...``) or no header counts as no
    token: the view then answers 401 ``UNAUTHENTICATED``.
    """

    # request.auth is this project's Authenticated, not a simplejwt Token.
    def authenticate(  # type: ignore[override]
        self, request: Request
    ) -> tuple[User, Authenticated] | None:
        raw_token = bearer_token(request.META)
        if raw_token is None:
            return None
        try:
            # With ``meta`` the request also counts against the general per-user
            # and per-IP ceiling, shared with GraphQL.
            caller = services.authenticate(token=raw_token, meta=request_meta(request))
        except ServiceError as exc:
            if exc.code == ErrorCode.TOKEN_INVALID:
                # Translated at the edge, like simplejwt's own InvalidToken; the
                # code and reason survive into the error body.
                raise TokenRefused(exc) from exc
            raise
        return caller.user, caller
