"""Serializer building blocks shared by every REST view (shape only, no rules).

The rules (lengths that matter, password strength, email uniqueness) live in the
services, so both surfaces answer the same codes; these classes only say which
fields a body has and what type each is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.validators import EmailValidator
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

#: Longest unknown field name echoed back in an error.
_MAX_NAME = 64


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
            unknown = {
                str(name)[:_MAX_NAME]: [
                    ErrorDetail("This field is not accepted here.", code="unknown_field")
                ]
                for name in data
                if name not in self.fields or self.fields[name].read_only
            }
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
        ] + [EmailValidator(message=self.error_messages["invalid"], code="email_invalid")]


class PasswordField(serializers.CharField):
    """A password: never trimmed (spaces are characters), never echoed back."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)
