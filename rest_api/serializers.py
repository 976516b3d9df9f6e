"""Serializer building blocks shared by every REST view (shape only, no rules).

The rules (lengths that matter, password strength, email uniqueness) live in the
services, so both surfaces answer the same codes; these classes only say which
fields a body has and what type each is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.settings import api_settings

from users.email_address import MAX_EMAIL_LENGTH
from users.validation import check_strings

#: Unknown field names echoed back in an error must look like field names.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class StrictSerializer(serializers.Serializer):
    """An input body that refuses fields it does not declare.

    Silently dropping unknown fields would let ``{"is_staff": true}`` in a profile
    update look accepted; refusing them (``INVALID_INPUT`` on that field) tells
    the client at once, and the schema says so (``additionalProperties: false``).
    """

    class Meta:
        swagger_schema_fields = {"additionalProperties": False}

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[ErrorDetail]] = {}
        if isinstance(data, Mapping):
            # The domain's string rule first, so a NUL or a lone surrogate gets
            # the same code, field and message as on GraphQL (where the service
            # applies it), before any field-specific check of this serializer.
            check_strings({name: data[name] for name in data if name in self.fields})
            for name in data:
                if name in self.fields and not self.fields[name].read_only:
                    continue
                # A plausible field name is echoed back; anything else (empty,
                # control characters, a kilobyte of junk) is reported unnamed.
                key = name if _FIELD_NAME.fullmatch(str(name)) else NON_FIELD
                unknown[key] = [
                    ErrorDetail(
                        "This field is not accepted here."
                        if key != NON_FIELD
                        else "The body has fields this operation does not accept.",
                        code="unknown_field",
                    )
                ]
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise ValidationError(unknown)
        return value


#: What the domain's string rule (``users.validation.clean_text``) lets through,
#: as a schema pattern: no C0/C1 control characters. Multi-line text may keep
#: tab, line feed and carriage return.
NO_CONTROLS = r"^[^\u0000-\u001f\u007f-\u009f]*$"
NO_CONTROLS_MULTILINE = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


class _SchemaRules:
    """What drf-yasg reads as a field's ``Meta.swagger_schema_fields``.

    Computed when the schema is built, not at import (settings may change).
    """

    def __init__(self, rules: Callable[[], dict[str, Any]]) -> None:
        self._rules = rules

    @property
    def swagger_schema_fields(self) -> dict[str, Any]:
        return self._rules()


class TextField(serializers.CharField):
    """A string whose rules are the domain's: declared here, checked there.

    Shape only: the value reaches the service as sent (not trimmed, blank
    allowed), so GraphQL and REST refuse the same input with the same code,
    field and message. ``rules`` (``max_length``, ``min_length``, ``format``,
    ``pattern``...) only describe for the schema what the service enforces.
    """

    def __init__(
        self,
        *,
        rules: dict[str, Any] | None = None,
        multiline: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        # CharField's own NUL/surrogate validators: the domain's rule runs first.
        self.validators = []
        pattern = NO_CONTROLS_MULTILINE if multiline else NO_CONTROLS
        self.Meta = _SchemaRules(lambda: {"pattern": pattern, **(rules or {})})

    def to_internal_value(self, data: Any) -> str:
        # A JSON number is not a string (DRF's CharField would take 0 as "0"):
        # the schema says string, so a client sending 0 has a bug to hear about.
        if not isinstance(data, str):
            self.fail("invalid")
        return data


def email_field(**kwargs: Any) -> TextField:
    """Declare an email address; its form and length are ``clean_email``'s."""
    return TextField(
        rules={"format": "email", "min_length": 1, "max_length": MAX_EMAIL_LENGTH},
        **kwargs,
    )


class PasswordField(TextField):
    """A password: never trimmed (spaces are characters), never echoed back.

    ``new=True`` declares the rules a new password must meet (the domain's
    ``validate_new_password`` checks them, with the validators' other rules).
    """

    def __init__(self, *, new: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)
        if new:
            self.Meta = _SchemaRules(
                lambda: {
                    "pattern": NO_CONTROLS,
                    "min_length": settings.PASSWORD_MIN_LENGTH,
                    "max_length": settings.PASSWORD_MAX_LENGTH,
                }
            )
