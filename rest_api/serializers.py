"""Serializer building blocks shared by every REST view (shape only, no rules).

The rules (lengths that matter, password strength, email uniqueness) live in the
services, so both surfaces answer the same codes; these classes only say which
fields a body has and what type each is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.validators import EmailValidator
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.settings import api_settings

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


class EmailField(serializers.EmailField):
    """An email address whose format errors carry the shared ``EMAIL_INVALID`` code.

    Length and normalisation are the service's business (it answers the same
    code), so no ``max_length`` here.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, EmailValidator)
        ] + [
            EmailValidator(message=self.error_messages["invalid"], code="email_invalid")
        ]


class PasswordField(serializers.CharField):
    """A password: never trimmed (spaces are characters), never echoed back."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)
