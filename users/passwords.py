"""Password rules shared by every operation that accepts a password."""

from __future__ import annotations

import unicodedata
from typing import TypeGuard

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from users import messages
from users.errors import ErrorCode, FieldError, ServiceError
from users.models import User

_VALIDATOR_CODES = {
    "password_too_short": ErrorCode.PASSWORD_TOO_SHORT,
    "password_too_common": ErrorCode.PASSWORD_TOO_COMMON,
    "password_too_similar": ErrorCode.PASSWORD_TOO_SIMILAR,
    "password_entirely_numeric": ErrorCode.PASSWORD_ENTIRELY_NUMERIC,
}


def normalize_password(password: object) -> str:
    """NFKC-normalise, so the same passphrase typed on any keyboard matches.

    Applied before hashing and before checking, at every entry point.
    """
    if not isinstance(password, str):
        return ""
    return unicodedata.normalize("NFKC", password)


def _too_long(password: str) -> bool:
    # Checked before any hashing: an attacker must not make us hash a megabyte.
    return len(password) > settings.PASSWORD_MAX_LENGTH


def validate_new_password(password: str, *, user: User | None, field: str) -> str:
    """Return the normalised password or raise every rule it breaks at once."""
    if not password:
        raise ServiceError(ErrorCode.REQUIRED, messages.PASSWORD_REQUIRED, field=field)
    password = normalize_password(password)
    if _too_long(password):
        raise ServiceError(
            ErrorCode.PASSWORD_TOO_LONG,
            messages.too_long(settings.PASSWORD_MAX_LENGTH),
            field=field,
        )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        errors = [
            FieldError(
                _VALIDATOR_CODES.get(error.code or "", ErrorCode.INVALID_INPUT),
                " ".join(error.messages),
                field,
            )
            for error in exc.error_list
        ]
        raise ServiceError.from_errors(errors) from exc
    return password


def check_password(user: User | None, password: object) -> TypeGuard[User]:
    """Check a password in constant-ish time whether or not the user exists.

    An unknown user still costs one hash (of a throwaway password), so response
    timing does not tell which emails have accounts.
    """
    candidate = normalize_password(password)
    if _too_long(candidate) or not candidate:
        candidate = ""
    if user is None or not user.has_usable_password():
        make_password(candidate or "timing-equaliser")
        return False
    if not candidate:
        make_password("timing-equaliser")
        return False
    return user.check_password(candidate)
