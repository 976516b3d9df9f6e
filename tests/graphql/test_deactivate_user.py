"""``deactivateUser`` over ``/graphql/``: staff only, never oneself."""

import pytest
from graphql_relay import to_global_id

from tests.factories import StaffFactory
from tests.graphql.client import login
from users.models import User

pytestmark = pytest.mark.django_db

DEACTIVATE = """
mutation ($id: ID!) {
  deactivateUser(input: {id: $id}) { ok errors { field code message } }
}
"""
ME = "{ me { email } }"


def _id(user: User) -> str:
    return to_global_id("User", user.pk)


def test_staff_deactivate_an_account_and_its_token_stops_working(staff_gql, user):
    access = login(user).access
    result = staff_gql(DEACTIVATE, {"id": _id(user)})
    assert result.data == {"deactivateUser": {"ok": True, "errors": []}}
    assert not User.objects.get(pk=user.pk).is_active
    assert staff_gql(ME, token=access).codes == ["UNAUTHENTICATED"]


def test_members_are_forbidden(auth_gql, user):
    other = StaffFactory()
    for target in [_id(other), "not-an-id"]:
        result = auth_gql(DEACTIVATE, {"id": target})
        assert result.codes == ["FORBIDDEN"]
        assert result.data == {"deactivateUser": None}
    assert User.objects.get(pk=other.pk).is_active


def test_anonymous_callers_are_unauthenticated(gql, user):
    assert gql(DEACTIVATE, {"id": _id(user)}).codes == ["UNAUTHENTICATED"]


def test_staff_may_not_deactivate_themselves(staff_gql, staff):
    result = staff_gql(DEACTIVATE, {"id": _id(staff)})
    assert result.data == {
        "deactivateUser": {
            "ok": False,
            "errors": [
                {
                    "field": "id",
                    "code": "INVALID_INPUT",
                    "message": "You cannot deactivate your own account.",
                }
            ],
        }
    }
    assert User.objects.get(pk=staff.pk).is_active


@pytest.mark.parametrize(
    "target",
    [to_global_id("User", 10**12), to_global_id("Session", 1), "garbage", ""],
)
def test_an_unknown_or_malformed_id_is_not_found(staff_gql, target):
    result = staff_gql(DEACTIVATE, {"id": target})
    errors = result.data["deactivateUser"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("id", "NOT_FOUND")]


def test_staff_without_totp_are_forbidden_when_mfa_is_required(
    staff_gql, user, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    result = staff_gql(DEACTIVATE, {"id": _id(user)})
    assert result.codes == ["FORBIDDEN"]
    assert result.errors[0]["extensions"]["reason"] == "MFA_SETUP_REQUIRED"
    assert User.objects.get(pk=user.pk).is_active
