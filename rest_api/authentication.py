"""Bearer authentication for the REST surface, over the one token engine.

simplejwt supplies the header parsing and DRF wiring; deciding whether a token is
valid is left to ``users.tokens.authenticate_access_token`` (through
``users.services.authenticate``), the same function the GraphQL surface calls.
So a token issued on either surface works on both, and a revoked session, a
password change or a deactivated user is refused here at once, in one query,
instead of when the token expires.
"""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

from users import services
from users.errors import ServiceError
from users.models import User
from users.tokens import Authenticated


class BearerAuthentication(JWTAuthentication):
    """``Authorization: Bearer <access>``; ``request.auth`` is the ``Authenticated``.

    Views read the caller's session from ``request.auth.session`` (to mark the
    current one, or to keep it when revoking the others).
    """

    def get_validated_token(self, raw_token: bytes) -> Authenticated:  # type: ignore[override]
        try:
            return services.authenticate(token=raw_token.decode("latin-1"))
        except ServiceError as exc:
            # Translated at the edge, like simplejwt's own InvalidToken; the code
            # (TOKEN_INVALID / TOKEN_EXPIRED) survives into the error body.
            raise AuthenticationFailed(exc.message, code=str(exc.code)) from exc

    def get_user(self, validated_token: Authenticated) -> User:  # type: ignore[override]
        return validated_token.user
