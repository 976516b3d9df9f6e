"""The ``Upload`` scalar of the GraphQL multipart request spec."""

from __future__ import annotations

import graphene


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
