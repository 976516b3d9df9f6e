"""``POST /api/v1/users/{id}/deactivate/``: staff only, never oneself."""

import pytest
from graphql_relay import to_global_id

from tests.factories import StaffFactory
from tests.rest.utils import client_for, codes, login
from users.models import User

pytestmark = pytest.mark.django_db


def _url(user_id: str) -> str:
    return f"/api/v1/users/{user_id}/deactivate/"


def _id(user: User) -> str:
    return to_global_id("User", user.pk)


def test_staff_deactivate_an_account_and_its_token_stops_working(staff_api, user):
    access = login(user).access
    response = staff_api.post(_url(_id(user)))
    assert response.status_code == 204
    assert response.content == b""
    assert not User.objects.get(pk=user.pk).is_active
    assert client_for(access).get("/api/v1/users/me/").status_code == 401


def test_members_are_forbidden(auth_api):
    other = StaffFactory()
    for target in [_id(other), "not-an-id"]:
        response = auth_api.post(_url(target))
        assert response.status_code == 403
        assert codes(response) == [("FORBIDDEN", None)]
    assert User.objects.get(pk=other.pk).is_active


def test_anonymous_callers_are_unauthenticated(api, user):
    response = api.post(_url(_id(user)))
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]


def test_staff_may_not_deactivate_themselves(staff_api, staff):
    response = staff_api.post(_url(_id(staff)))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "field": "id",
                "code": "INVALID_INPUT",
                "message": "You cannot deactivate your own account.",
            }
        ]
    }
    assert User.objects.get(pk=staff.pk).is_active


@pytest.mark.parametrize(
    "target", [to_global_id("User", 10**12), to_global_id("Session", 1), "garbage"]
)
def test_an_unknown_or_malformed_id_is_not_found(staff_api, target):
    response = staff_api.post(_url(target))
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", "id")]


def test_only_post_is_allowed(staff_api, user):
    response = staff_api.get(_url(_id(user)))
    assert response.status_code == 405
    assert User.objects.get(pk=user.pk).is_active
