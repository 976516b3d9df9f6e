"""/api/v1/users/me/sessions/ and the staff list /api/v1/users/."""

import uuid

import pytest
from graphql_relay import to_global_id

from tests.factories import UserFactory
from tests.rest.utils import codes, login
from users.models import Session

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/users/me/sessions/"
USERS = "/api/v1/users/"


# --- sessions ---------------------------------------------------------------------


def test_sessions_lists_active_sessions_and_flags_the_current_one(auth_api, user, pair):
    other = login(user)
    response = auth_api.get(SESSIONS)
    assert response.status_code == 200
    current = {s["id"]: s["current"] for s in response.json()}
    assert current == {str(pair.session.pk): True, str(other.session.pk): False}


def test_sessions_show_address_agent_and_times(auth_api, pair):
    (session,) = auth_api.get(SESSIONS).json()
    assert session["ip_address"] == "198.51.100.20"
    assert session["user_agent"] == "rest-tests/1.0"
    assert session["created_at"]
    assert session["last_used_at"]


def test_sessions_leave_out_revoked_sessions(auth_api, user):
    gone = login(user)
    Session.objects.filter(pk=gone.session.pk).update(revoked_at="2020-01-01T00:00Z")
    ids = [s["id"] for s in auth_api.get(SESSIONS).json()]
    assert str(gone.session.pk) not in ids


def test_revoking_another_session_answers_204_and_ends_it(auth_api, user):
    other = login(user)
    response = auth_api.delete(f"{SESSIONS}{other.session.pk}/")
    assert response.status_code == 204
    assert Session.objects.get(pk=other.session.pk).revoked_at is not None


def test_revoking_someone_elses_session_answers_404(auth_api):
    stranger = login(UserFactory())
    response = auth_api.delete(f"{SESSIONS}{stranger.session.pk}/")
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", "id")]
    assert Session.objects.get(pk=stranger.session.pk).revoked_at is None


def test_revoking_an_unknown_session_answers_404(auth_api):
    response = auth_api.delete(f"{SESSIONS}{uuid.uuid4()}/")
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", "id")]


def test_revoking_a_malformed_session_id_answers_json_404(auth_api):
    response = auth_api.delete(f"{SESSIONS}not-a-uuid/")
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", None)]


def test_revoking_the_current_session_logs_this_client_out(auth_api, pair):
    auth_api.delete(f"{SESSIONS}{pair.session.pk}/")
    assert auth_api.get(SESSIONS).status_code == 401


# --- staff list -------------------------------------------------------------------


def test_users_list_pages_forward_and_back_by_cursor(staff_api, staff):
    users = UserFactory.create_batch(4)
    everyone = [to_global_id("User", u.pk) for u in [staff, *users]]

    first = staff_api.get(USERS, {"limit": 2}).json()
    second = staff_api.get(first["next"]).json()
    third = staff_api.get(second["next"]).json()
    back = staff_api.get(third["previous"]).json()

    assert "count" not in first
    assert [u["id"] for u in first["results"]] == everyone[:2]
    assert first["previous"] is None
    assert [u["id"] for u in second["results"]] == everyone[2:4]
    assert [u["id"] for u in third["results"]] == everyone[4:]
    assert third["next"] is None
    assert [u["id"] for u in back["results"]] == everyone[2:4]
    assert "limit=2" in second["next"]


def test_users_list_refuses_a_foreign_cursor(staff_api):
    response = staff_api.get(USERS, {"after": "bm90LWEtY3Vyc29y"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_INPUT"


def test_users_list_uses_global_ids_in_id_order(staff_api, staff):
    user = UserFactory()
    ids = [u["id"] for u in staff_api.get(USERS).json()["results"]]
    assert ids == [to_global_id("User", staff.pk), to_global_id("User", user.pk)]


def test_users_list_searches_email_and_name(staff_api):
    UserFactory(email="findme@example.com")
    UserFactory(name="Findme Person")
    UserFactory(name="Someone Else")
    response = staff_api.get(USERS, {"search": "findme"})
    assert len(response.json()["results"]) == 2


def test_users_list_filters_on_is_active(staff_api):
    UserFactory(is_active=False)
    response = staff_api.get(USERS, {"is_active": "false"})
    assert len(response.json()["results"]) == 1
    assert len(staff_api.get(USERS, {"is_active": "true"}).json()["results"]) == 1


def test_users_list_without_is_active_includes_everyone(staff_api):
    UserFactory(is_active=False)
    assert len(staff_api.get(USERS).json()["results"]) == 2


def test_users_list_refuses_a_limit_over_the_maximum(staff_api):
    response = staff_api.get(USERS, {"limit": 1000})
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", "limit")]


def test_users_list_is_forbidden_to_non_staff(auth_api):
    response = auth_api.get(USERS)
    assert response.status_code == 403
    assert codes(response) == [("FORBIDDEN", None)]


def test_users_list_needs_a_token(api):
    assert api.get(USERS).status_code == 401


def test_delete_sessions_revokes_every_other_session_and_keeps_mine(user):
    from tests.rest.utils import client_for, login

    mine, other, third = login(user), login(user), login(user)
    client = client_for(mine.access)
    response = client.delete("/api/v1/users/me/sessions/")
    assert response.status_code == 204
    assert response.content == b""
    live = set(
        Session.objects.filter(user=user, revoked_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert live == {mine.session.pk}
    assert client_for(other.access).get("/api/v1/users/me/").status_code == 401
    assert client_for(third.access).get("/api/v1/users/me/").status_code == 401
    assert client.get("/api/v1/users/me/").status_code == 200


def test_delete_sessions_needs_a_token(db):
    from rest_framework.test import APIClient

    assert APIClient().delete("/api/v1/users/me/sessions/").status_code == 401
