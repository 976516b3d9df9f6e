"""UserSerializer's shallow field copies render exactly as DRF's deep copies do."""

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from rest_api.users.serializers import UserSerializer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class DeepCopiedUserSerializer(UserSerializer):
    """The same shape with DRF's own per-instance deep copy of the fields."""

    def get_fields(self):
        return serializers.Serializer.get_fields(self)


def test_shallow_field_copies_render_every_user_as_deep_copies_do():
    context = {"request": RequestFactory().get("/api/v1/users/me/")}
    plain = UserFactory(bio="", location="")
    rich = UserFactory(
        bio="bio", location="Oslo", pending_email="next@example.com",
        avatar="avatars/a.png", mfa_enabled=True, email_verified=False,
    )  # fmt: skip

    for user in (plain, rich, plain):
        assert UserSerializer(user, context=context).data == (
            DeepCopiedUserSerializer(user, context=context).data
        )
    many = UserSerializer([plain, rich], many=True, context=context).data
    assert (
        many == DeepCopiedUserSerializer([plain, rich], many=True, context=context).data
    )
    assert many[1]["avatar_url"] == "http://testserver/media/avatars/a.png"


def test_two_serializers_share_no_field_objects():
    first, second = UserSerializer(), UserSerializer()
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field is not UserSerializer._declared_fields[name]
        assert field.parent is first
