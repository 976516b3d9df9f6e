"""Scalars of the schema: ``Upload`` (multipart spec) and a UTC ``DateTime``."""

from __future__ import annotations

import datetime as dt

import graphene
from django.db import models
from graphene_django.converter import (
    convert_django_field,
    get_django_field_description,
)
from graphql import GraphQLError

from core.timestamps import rfc3339


class Upload(graphene.Scalar):
    """A file sent with the GraphQL multipart request spec (apollo-upload-client).

    It can only arrive through variables: the view puts each uploaded file where
    the request's ``map`` says, and this scalar passes it through untouched.
    """

    @staticmethod
    def serialize(value: object) -> None:
        return None

    @staticmethod
    def parse_value(value: object) -> object:
        return value

    @staticmethod
    def parse_literal(node: object, _variables: object = None) -> None:
        return None


class DateTime(graphene.DateTime):
    """An instant: RFC 3339 in UTC, ending in `Z` (`2026-12-02T14:52:15.123456Z`).

    The same text REST answers for the same instant.
    """

    @staticmethod
    def serialize(value: object) -> str:
        if not isinstance(value, dt.datetime):
            raise GraphQLError(f"DateTime cannot represent value: {value!r}")
        return rfc3339(value)


@convert_django_field.register(models.DateTimeField)
def _convert_datetime(field: models.DateTimeField, registry: object = None) -> DateTime:
    """Give every model ``DateTimeField`` this schema's ``DateTime``.

    graphene-django documents registering a converter as the way to map a
    model field to a scalar.
    """
    return DateTime(
        description=get_django_field_description(field), required=not field.null
    )
