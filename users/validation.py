"""Input rules in the domain, so both surfaces refuse the same input the same way.

``clean_text`` is the one rule for every string: the services apply it to each
string argument (``@clean_strings``) before any other work, rate-limit counters
included, so GraphQL and REST answer the same code, field and message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Field

from users import messages
from users.email_address import InvalidEmailAddress, canonical_email
from users.errors import ErrorCode, FieldError, ServiceError
from users.models import User


def _max_length(name: str) -> int:
    field = User._meta.get_field(name)
    if not isinstance(field, Field) or field.max_length is None:
        raise ImproperlyConfigured(f"User.{name} needs a max_length")
    return field.max_length


#: Most characters each profile field takes (the model's columns decide).
PROFILE_LIMITS = {field: _max_length(field) for field in ("name", "bio", "location")}


#: C0 and C1 controls (Unicode category Cc) and UTF-16 surrogates (Cs): NUL
#: breaks PostgreSQL text, a lone surrogate cannot be encoded as UTF-8 (database,
#: hashers, JSON of other clients), and the rest have no place in an account's
#: data (they rewrite terminals and logs).
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: What multi-line text (a bio) may keep: tab, line feed, carriage return.
_MULTILINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTER_MESSAGE = (
    "Must not contain control characters or unpaired surrogates."
)


def clean_text(value: str, *, field: str | None, multiline: bool = False) -> str:
    """Return ``value`` or refuse it: ``INVALID_INPUT`` on ``field``.

    Refuses NUL and every other control character (tab and line breaks allowed
    when ``multiline``) and lone surrogates. Other rules (length, email form)
    come after this one, in their own functions.
    """
    forbidden = _MULTILINE_FORBIDDEN if multiline else _FORBIDDEN
    if forbidden.search(value):
        raise ServiceError(
            ErrorCode.INVALID_INPUT, CONTROL_CHARACTER_MESSAGE, field=field
        )
    return value


#: Free-text fields that may hold line breaks and tabs.
MULTILINE_FIELDS = frozenset({"bio"})

P = ParamSpec("P")
R = TypeVar("R")


def check_strings(values: Mapping[str, object]) -> None:
    """Apply ``clean_text`` to every string in ``values``; report every field at once.

    Each error names its key (``current_password``); ``MULTILINE_FIELDS`` may
    keep line breaks.
    """
    errors: list[FieldError] = []
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        try:
            clean_text(value, field=name, multiline=name in MULTILINE_FIELDS)
        except ServiceError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ServiceError.from_errors(errors)


def clean_strings(service: Callable[P, R]) -> Callable[P, R]:
    """Refuse a call whose string keyword arguments break ``clean_text``.

    On every service that takes text from a client, before its first line: no
    rate-limit counter is charged, no password hashed, no query run for input
    that could never be valid.
    """

    @functools.wraps(service)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        check_strings(kwargs)
        return service(*args, **kwargs)

    return checked


def require_credentials(*, email: object, password: object) -> None:
    """Refuse a login whose email or password is blank: ``REQUIRED`` on each.

    Before any budget is charged or hash computed: a blank field is a form
    left unfilled, not an attempt on an account.
    """
    errors = []
    if not isinstance(email, str) or not email.strip():
        errors.append(FieldError(ErrorCode.REQUIRED, messages.EMAIL_REQUIRED, "email"))
    if not isinstance(password, str) or not password:
        errors.append(
            FieldError(ErrorCode.REQUIRED, messages.PASSWORD_REQUIRED, "password")
        )
    if errors:
        raise ServiceError.from_errors(errors)


def clean_email(value: object, *, field: str = "email") -> str:
    """Return the canonical spelling of an address or raise EMAIL_INVALID/REQUIRED.

    The one email rule of every service that takes an address (register, login,
    email change, reset request): ``users.email_address.canonical_email``
    refuses whitespace, control and invisible format characters, a non-ASCII or
    quoted local part, and encodes an IDN domain to punycode. Control
    characters never get here: ``clean_strings`` refuses them first
    (``INVALID_INPUT``), as in every other string.
    """
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(ErrorCode.REQUIRED, messages.EMAIL_REQUIRED, field=field)
    try:
        return canonical_email(value)
    except InvalidEmailAddress as exc:
        raise ServiceError(
            ErrorCode.EMAIL_INVALID, messages.email_invalid(str(exc)), field=field
        ) from exc


def clean_profile_fields(values: dict[str, object]) -> dict[str, str]:
    """Strip and length-check name/bio/location; collect every problem at once."""
    cleaned: dict[str, str] = {}
    errors: list[FieldError] = []
    for field, value in values.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(FieldError(ErrorCode.INVALID_INPUT, messages.NOT_TEXT, field))
            continue
        value = value.strip()
        limit = PROFILE_LIMITS[field]
        if len(value) > limit:
            errors.append(
                FieldError(ErrorCode.INVALID_INPUT, messages.too_long(limit), field)
            )
            continue
        try:
            clean_text(value, field=field, multiline=field in MULTILINE_FIELDS)
        except ServiceError as exc:
            errors.extend(exc.errors)
            continue
        cleaned[field] = value
    if errors:
        raise ServiceError.from_errors(errors)
    return cleaned
