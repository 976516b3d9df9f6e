"""Input rules for profile fields, shared by registration and profile updates."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email

from users.errors import ErrorCode, FieldError, ServiceError
from users.models import User, normalize_email

MAX_EMAIL_LENGTH = 254
PROFILE_LIMITS = {
    field: User._meta.get_field(field).max_length
    for field in ("name", "bio", "location")
}


def clean_email(value: object, *, field: str = "email") -> str:
    """Normalise an address (trim, lowercase domain) or raise EMAIL_INVALID/REQUIRED."""
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(
            ErrorCode.REQUIRED, "An email address is required.", field=field
        )
    email = normalize_email(value)
    if len(email) > MAX_EMAIL_LENGTH:
        raise ServiceError(
            ErrorCode.EMAIL_INVALID,
            f"Use at most {MAX_EMAIL_LENGTH} characters.",
            field=field,
        )
    try:
        django_validate_email(email)
    except ValidationError as exc:
        raise ServiceError(
            ErrorCode.EMAIL_INVALID, "Enter a valid email address.", field=field
        ) from exc
    return email


def clean_profile_fields(values: dict[str, object]) -> dict[str, str]:
    """Strip and length-check name/bio/location; collect every problem at once."""
    cleaned: dict[str, str] = {}
    errors: list[FieldError] = []
    for field, value in values.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(FieldError(ErrorCode.INVALID_INPUT, "Must be text.", field))
            continue
        value = value.strip()
        limit = PROFILE_LIMITS[field]
        if len(value) > limit:
            errors.append(
                FieldError(
                    ErrorCode.INVALID_INPUT, f"Use at most {limit} characters.", field
                )
            )
            continue
        if "\x00" in value:
            errors.append(
                FieldError(ErrorCode.INVALID_INPUT, "Invalid character.", field)
            )
            continue
        cleaned[field] = value
    if errors:
        raise ServiceError.from_errors(errors)
    return cleaned
