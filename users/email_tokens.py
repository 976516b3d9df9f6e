"""The secrets carried by email links: address verification and password reset.

Both are built from Django's own, well-reviewed primitives rather than hand-rolled
crypto, and both honour ``SECRET_KEY_FALLBACKS`` so that rotating the secret key
does not break the links already in people's inboxes.

- A verification token is a ``django.core.signing`` payload (user id and the
  address it proves) with a salt of its own, so no other signed value of the
  project can be replayed as one. It is stateless: whether the address still
  matters is decided by the service that consumes it.
- A password-reset token is Django's ``PasswordResetTokenGenerator`` token, whose
  hash covers the password hash, ``last_login``, the email and the user's
  ``token_version``; changing any of them (which using the token does) kills it,
  which is what makes it single-use without storing anything.

Each reader raises ``ServiceError`` with ``TOKEN_EXPIRED`` only when the token is
authentic but too old, and ``TOKEN_INVALID`` for everything else, so a forged
token never learns more than "invalid".
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import (
    base36_to_int,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)

from users.errors import ErrorCode, ServiceError
from users.models import User

#: Real tokens are a few dozen characters; anything this long is garbage and is
#: refused before any decoding or hashing work is spent on it.
MAX_TOKEN_LENGTH = 1000

_VERIFICATION_SALT = "users.email_tokens.email-verification"
# Separates the user id from Django's "<timestamp>-<hash>" token; neither
# urlsafe base64 nor that token can contain it, and it needs no URL escaping.
_RESET_SEPARATOR = "."
# A primary key as encoded by make_password_reset_token: plain digits that fit
# a PostgreSQL bigint (so a forged id cannot make the lookup itself fail).
_PK_PATTERN = re.compile(r"[1-9][0-9]{0,18}")
_MAX_PK = 2**63 - 1


def _invalid() -> ServiceError:
    return ServiceError(ErrorCode.TOKEN_INVALID, field="token")


def _expired() -> ServiceError:
    return ServiceError(ErrorCode.TOKEN_EXPIRED, field="token")


# --- Email verification ----------------------------------------------------------


def make_verification_token(user: User, email: str) -> str:
    """Sign the claim "this link was sent to ``email`` for this user".

    The address is part of the payload because the same mechanism verifies the
    account's own address and a pending new one; the service checks it against
    what the account has or wants when the link is followed.
    """
    return signing.dumps({"u": user.pk, "e": email}, salt=_VERIFICATION_SALT)


def read_verification_token(token: str) -> tuple[int, str]:
    """Return ``(user_id, email)`` from an authentic, unexpired token.

    Raises ``ServiceError`` (``TOKEN_EXPIRED`` or ``TOKEN_INVALID``, field
    ``token``); the signature is checked before anything in the payload is
    decoded, so tampered input never reaches the deserializer.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    try:
        payload = signing.loads(
            token,
            salt=_VERIFICATION_SALT,
            max_age=settings.EMAIL_VERIFICATION_TIMEOUT,
        )
    except signing.SignatureExpired as exc:
        raise _expired() from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise _invalid() from exc
    if not isinstance(payload, dict):
        raise _invalid()
    user_id, email = payload.get("u"), payload.get("e")
    if type(user_id) is not int or not isinstance(email, str) or not email:
        raise _invalid()
    return user_id, email


# --- Password reset --------------------------------------------------------------


class PasswordResetTokens(PasswordResetTokenGenerator):
    """Django's reset tokens, bound to more of the account's state.

    A salt of its own keeps these apart from any token made by Django's default
    generator (the admin's reset views, say). ``token_version`` is bumped when
    every credential must die at once (deactivation, password change), so a
    pending reset link dies with them.
    """

    key_salt = "users.email_tokens.PasswordResetTokens"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        base = super()._make_hash_value(user, timestamp)
        return f"{base}:{user.token_version}"

    def check_status(self, user: User, token: str) -> ErrorCode | None:
        """Return None for a valid token, else why it is refused.

        ``check_token`` answers only yes or no; this keeps its exact checks
        (including the fallback keys) but tells an authentic, expired token
        apart from a forged one.
        """
        ts_b36, sep, digest = token.partition("-")
        if not (ts_b36 and sep and digest) or "-" in digest:
            return ErrorCode.TOKEN_INVALID
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return ErrorCode.TOKEN_INVALID
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(
                self._make_token_with_timestamp(user, ts, secret), token
            ):
                break
        else:
            return ErrorCode.TOKEN_INVALID
        if self._num_seconds(self._now()) - ts > settings.PASSWORD_RESET_TIMEOUT:
            return ErrorCode.TOKEN_EXPIRED
        return None


#: The one generator; tests patch its ``_now`` to move time.
reset_token_generator = PasswordResetTokens()


def make_password_reset_token(user: User) -> str:
    """Return one opaque string that names the user and proves the reset request.

    Carrying the user id inside the token keeps the link to a single parameter,
    and the user is found without trusting any address the client sends.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{uidb64}{_RESET_SEPARATOR}{reset_token_generator.make_token(user)}"


def check_password_reset_token(token: str) -> User:
    """Return the active user a valid reset token was made for.

    Raises ``ServiceError`` (``TOKEN_EXPIRED`` or ``TOKEN_INVALID``, field
    ``token``). The token stops working as soon as the password is saved.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    uidb64, sep, django_token = token.partition(_RESET_SEPARATOR)
    if not (uidb64 and sep and django_token):
        raise _invalid()
    try:
        uid = urlsafe_base64_decode(uidb64).decode("ascii")
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _invalid() from exc
    if not _PK_PATTERN.fullmatch(uid) or int(uid) > _MAX_PK:
        raise _invalid()
    user = User.objects.filter(pk=int(uid), is_active=True).first()
    if user is None:
        raise _invalid()
    problem = reset_token_generator.check_status(user, django_token)
    if problem is ErrorCode.TOKEN_EXPIRED:
        raise _expired()
    if problem is not None:
        raise _invalid()
    return user
