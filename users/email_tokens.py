"""The secrets carried by email links: address verification and password reset.

Both are built from Django's own, well-reviewed primitives rather than hand-rolled
crypto, and both honour ``SECRET_KEY_FALLBACKS`` so that rotating the secret key
does not break the links already in people's inboxes.

- A verification token is a ``django.core.signing`` payload (user id and the
  address it proves) with a salt of its own, so no other signed value of the
  project can be replayed as one. It is stateless: whether the address still
  matters is decided by the service that consumes it.
- A password-reset token is a ``django.core.signing`` payload too (the user id),
  timestamped, whose salt is the account's state: the password hash,
  ``last_login``, the email and the user's ``token_version``; changing any of
  them (which using the token does) kills it, which is what makes it single-use
  without storing anything. It is the binding Django's
  ``PasswordResetTokenGenerator`` makes, through public API only: that class
  answers only "valid or not", and telling an authentic, expired link
  (``TOKEN_EXPIRED``) from a forged one needed its private
  ``_make_token_with_timestamp``/``_num_seconds``/``_now``. ``signing.loads``
  raises ``SignatureExpired`` and ``BadSignature`` apart, by documented contract.

Each reader raises ``ServiceError`` with ``TOKEN_EXPIRED`` only when the token is
authentic but too old, and ``TOKEN_INVALID`` for everything else, so a forged
token never learns more than "invalid".
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from users.errors import ErrorCode, ServiceError
from users.models import User

#: Real tokens are a few dozen characters; anything this long is garbage and is
#: refused before any decoding or hashing work is spent on it.
MAX_TOKEN_LENGTH = 1000

_VERIFICATION_SALT = "users.email_tokens.email-verification"
_RESET_SALT = "users.email_tokens.password-reset"
# Separates the user id from the signed value; neither urlsafe base64 nor an
# uncompressed ``signing.dumps`` value contains it, and it needs no URL escaping.
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


def _reset_salt(user: User) -> str:
    """Name the account state a reset link is bound to, as the signature's salt.

    The password hash, ``last_login``, the email and ``token_version`` are what
    Django's own reset tokens cover, plus ``token_version`` (bumped when every
    credential must die at once: deactivation, a revoked-everything). Changing
    any of them, which using the link does, changes the salt and so the signing
    key, and the link stops verifying: single use without storing anything. The
    salt only feeds the key derivation (``salted_hmac``); nothing of it appears
    in the link.
    """
    login = user.last_login
    stamp = "" if login is None else login.replace(microsecond=0).isoformat()
    state = f"{user.pk}:{user.password}:{stamp}:{user.email}:{user.token_version}"
    return f"{_RESET_SALT}:{state}"


def make_password_reset_token(user: User) -> str:
    """Return one opaque string that names the user and proves the reset request.

    Carrying the user id inside the token keeps the link to a single parameter,
    and the user is found without trusting any address the client sends. The
    id comes first, outside the signature, because the signature's salt is the
    account's state, known only once the account is loaded.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    signed = signing.dumps(user.pk, salt=_reset_salt(user))
    return f"{uidb64}{_RESET_SEPARATOR}{signed}"


def check_password_reset_token(token: str) -> User:
    """Return the active user a valid reset token was made for.

    Raises ``ServiceError`` (``TOKEN_EXPIRED`` or ``TOKEN_INVALID``, field
    ``token``). The token stops working as soon as the password is saved.
    ``signing.loads`` checks the signature (current key, then the fallbacks)
    before the age, so only an authentic link is ever told "expired".
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    uidb64, sep, signed = token.partition(_RESET_SEPARATOR)
    if not (uidb64 and sep and signed):
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
    try:
        signed_pk = signing.loads(
            signed, salt=_reset_salt(user), max_age=settings.PASSWORD_RESET_TIMEOUT
        )
    except signing.SignatureExpired as exc:
        raise _expired() from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise _invalid() from exc
    if signed_pk != user.pk:
        raise _invalid()
    return user
