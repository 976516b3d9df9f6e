"""``GET /api/v1/users/me/activity/`` and the staff ``/users/{id}/activity/``."""

from urllib.parse import parse_qs, urlsplit

import pytest
from graphql_relay import to_global_id

from tests.factories import UserFactory
from tests.feeds.helpers import make_events
from tests.graphql.client import GraphQLClient
from tests.rest.utils import codes, login
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

MINE = "/api/v1/users/me/activity/"


def _theirs(user) -> str:
    return f"/api/v1/users/{to_global_id('User', user.pk)}/activity/"


def _everything(user) -> list[str]:
    return [
        to_global_id("SecurityEvent", e.pk)
        for e in SecurityEvent.objects.filter(user=user).order_by("-created_at", "-pk")
    ]


def _walk(api, url: str) -> list[str]:
    seen = []
    while url:
        body = api.get(url).json()
        seen += [event["id"] for event in body["results"]]
        url = body["next"]
    return seen


def test_my_activity_lists_the_login_with_its_details(auth_api, pair):
    response = auth_api.get(MINE)
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event == {
        "id": event["id"],
        "kind": "NEW_DEVICE_LOGIN",
        "created_at": event["created_at"],
        "ip_address": "198.51.100.20",
        "user_agent": "rest-tests/1.0",
        "session_id": str(pair.session.pk),
    }
    assert event["created_at"].endswith("Z")


def test_pages_walk_every_event_once_newest_first(auth_api, user):
    make_events(user, 12, ties=True)
    assert _walk(auth_api, MINE + "?limit=5") == _everything(user)


def test_previous_walks_back_to_the_newest(auth_api, user):
    make_events(user, 8)
    first = auth_api.get(MINE + "?limit=3").json()
    assert first["previous"] is None
    second = auth_api.get(first["next"]).json()
    back = auth_api.get(second["previous"]).json()
    assert back["results"] == first["results"]
    assert back["previous"] is None


def test_the_ids_and_cursors_are_graphqls(auth_api, user, client, pair):
    make_events(user, 6)
    rest_page = auth_api.get(MINE + "?limit=2").json()
    [after] = parse_qs(urlsplit(rest_page["next"]).query)["after"]
    gql = GraphQLClient(client, pair.access)
    result = gql(
        "query ($a: String) { mySecurityEvents(first: 2, after: $a) "
        "{ edges { node { id } } } }",
        {"a": after},
    )
    rest_next = auth_api.get(rest_page["next"]).json()["results"]
    assert [e["node"]["id"] for e in result.data["mySecurityEvents"]["edges"]] == [
        e["id"] for e in rest_next
    ]


def test_the_feed_shows_only_the_callers_events(auth_api, user):
    other = UserFactory()
    make_events(other, 4)
    login(other)
    assert _walk(auth_api, MINE) == _everything(user)
    assert len(_everything(user)) == 1


def test_anonymous_callers_get_401(api):
    response = api.get(MINE)
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("after=not-a-cursor", "after"),
        ("before=bm90fGE", "before"),
    ],
)
def test_oversized_pages_and_bad_cursors_are_400_invalid_input(auth_api, query, field):
    response = auth_api.get(f"{MINE}?{query}")
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", field)]


def test_a_page_costs_the_same_queries_whatever_the_number_of_events(
    auth_api, user, django_assert_num_queries
):
    make_events(user, 3)
    with django_assert_num_queries(2):
        assert len(auth_api.get(MINE + "?limit=100").json()["results"]) == 4
    make_events(user, 120)
    with django_assert_num_queries(2):
        assert len(auth_api.get(MINE + "?limit=100").json()["results"]) == 100


def test_staff_read_one_accounts_events(staff_api):
    member = UserFactory()
    make_events(member, 7)
    assert _walk(staff_api, _theirs(member) + "?limit=3") == _everything(member)


def test_members_may_not_read_any_accounts_events_through_the_staff_path(
    auth_api, user
):
    for target in (UserFactory(), user):
        response = auth_api.get(_theirs(target))
        assert response.status_code == 403
        assert codes(response) == [("FORBIDDEN", None)]


@pytest.mark.parametrize("user_id", ["nonsense", to_global_id("Session", 1)])
def test_staff_asking_for_no_such_account_get_404(staff_api, user_id):
    response = staff_api.get(f"/api/v1/users/{user_id}/activity/")
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", "id")]


def test_a_session_revoked_through_rest_is_recorded_for_the_callers_request(
    auth_api, user, pair
):
    other = login(user)
    assert (
        auth_api.delete(f"/api/v1/users/me/sessions/{other.session.pk}/").status_code
        == 204
    )
    newest = auth_api.get(MINE).json()["results"][0]
    assert (newest["kind"], newest["session_id"]) == (
        "SESSION_REVOKED",
        str(other.session.pk),
    )


def test_a_logout_through_rest_records_the_clients_address(api, user):
    pair = login(user)
    response = api.post(
        "/api/v1/auth/logout/",
        {"refresh": pair.refresh},
        format="json",
        REMOTE_ADDR="192.0.2.77",
        HTTP_USER_AGENT="logout-client/2",
    )
    assert response.status_code == 204
    event = SecurityEvent.objects.filter(user=user).first()
    assert (event.kind, event.ip_address, event.user_agent) == (
        "LOGOUT",
        "192.0.2.77",
        "logout-client/2",
    )


def test_a_graphql_change_password_names_the_callers_session(client, user, pair):
    gql = GraphQLClient(client, pair.access)
    result = gql(
        "mutation { changePassword(input: {currentPassword: "
        '"correct-horse-battery-staple", newPassword: "a-brand-new-passphrase-7"})'
        " { errors { code } } }"
    )
    assert result.data["changePassword"]["errors"] == []
    event = SecurityEvent.objects.filter(user=user).first()
    assert (event.kind, event.session_id) == ("PASSWORD_CHANGED", pair.session.pk)
