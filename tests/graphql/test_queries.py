"""Queries: me, Relay nodes, the staff users connection, sessions."""

import pytest
from graphql_relay import to_global_id

from tests.factories import StaffFactory, UserFactory
from tests.graphql.client import GraphQLClient, login
from users.models import Session

pytestmark = pytest.mark.django_db

NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { email }
    ... on Session { current userAgent }
  }
}
"""
USERS = """
query ($first: Int, $after: String, $search: String, $isActive: Boolean) {
  users(first: $first, after: $after, search: $search, isActive: $isActive) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id email name avatarUrl } }
  }
}
"""
SESSIONS = (
    "query { mySessions { id current userAgent ipAddress createdAt lastUsedAt } }"
)
REVOKE_SESSION = """
mutation ($id: ID!) { revokeSession(input: {id: $id}) { ok errors { field code } } }
"""
REVOKE_OTHERS = (
    "mutation { revokeOtherSessions(input: {}) { ok revokedCount errors { code } } }"
)


def test_me_returns_the_caller_with_a_global_id(auth_gql, user):
    me = auth_gql(
        "{ me { id email name bio location emailVerified dateJoined avatarUrl } }"
    )
    data = me.data["me"]
    assert data["id"] == to_global_id("User", user.pk)
    assert data["email"] == user.email
    assert data["avatarUrl"] is None
    assert data["dateJoined"].startswith(str(user.date_joined.year))


def test_the_user_type_exposes_no_private_fields(auth_gql):
    result = auth_gql("{ me { password isStaff isSuperuser } }")
    assert result.data is None
    assert {e["extensions"]["code"] for e in result.errors} == {"INVALID_INPUT"}


def test_node_round_trips_the_callers_global_id(auth_gql, user):
    global_id = auth_gql("{ me { id } }").data["me"]["id"]
    node = auth_gql(NODE, {"id": global_id}).data["node"]
    assert node == {"__typename": "User", "id": global_id, "email": user.email}


def test_node_of_another_user_is_null_for_a_regular_user(auth_gql):
    other = UserFactory()
    result = auth_gql(NODE, {"id": to_global_id("User", other.pk)})
    assert result.data == {"node": None}


def test_staff_may_fetch_any_user_node(staff_gql):
    other = UserFactory()
    node = staff_gql(NODE, {"id": to_global_id("User", other.pk)}).data["node"]
    assert node["email"] == other.email


@pytest.mark.parametrize(
    "global_id", ["garbage", to_global_id("Nope", 1), to_global_id("PageInfo", 1), ""]
)
def test_node_with_a_malformed_id_says_invalid_input(auth_gql, global_id):
    result = auth_gql(NODE, {"id": global_id})
    assert result.status == 200
    assert result.data == {"node": None}
    assert result.codes == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    "global_id",
    [to_global_id("User", "not-a-number"), to_global_id("User", 10**12)],
)
def test_node_of_a_user_that_does_not_exist_is_null(auth_gql, global_id):
    result = auth_gql(NODE, {"id": global_id})
    assert result.data == {"node": None}
    assert not result.errors


def test_node_requires_authentication(gql, user):
    result = gql(NODE, {"id": to_global_id("User", user.pk)})
    assert result.data == {"node": None}
    assert result.codes == ["UNAUTHENTICATED"]


def test_session_nodes_round_trip_for_their_owner_only(auth_gql, client, pair):
    sessions = auth_gql(SESSIONS).data["mySessions"]
    assert len(sessions) == 1
    node = auth_gql(NODE, {"id": sessions[0]["id"]}).data["node"]
    assert node["__typename"] == "Session"
    assert node["current"] is True

    stranger = GraphQLClient(client, login(UserFactory()).access)
    assert stranger(NODE, {"id": sessions[0]["id"]}).data == {"node": None}


# --- users (staff) ---------------------------------------------------------------


def test_users_is_forbidden_to_non_staff(auth_gql):
    result = auth_gql(USERS, {"first": 5})
    assert result.data == {"users": None}
    assert result.codes == ["FORBIDDEN"]


def test_users_is_unauthenticated_for_anonymous(gql):
    assert gql(USERS, {"first": 5}).codes == ["UNAUTHENTICATED"]


def test_users_paginates_with_cursors_oldest_first(staff_gql, staff):
    created = [UserFactory() for _ in range(4)]
    everyone = [staff, *created]
    first = staff_gql(USERS, {"first": 3}).data["users"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    second = staff_gql(
        USERS, {"first": 3, "after": first["pageInfo"]["endCursor"]}
    ).data["users"]
    assert second["pageInfo"]["hasNextPage"] is False
    emails = [e["node"]["email"] for e in first["edges"] + second["edges"]]
    assert emails == [u.email for u in everyone]


def test_users_search_matches_email_or_name_case_insensitively(staff_gql):
    UserFactory(name="Ada Lovelace")
    UserFactory(email="ada@analytical.example")
    UserFactory(name="Someone Else")
    result = staff_gql(USERS, {"first": 10, "search": "ADA"}).data["users"]
    assert result["totalCount"] == 2


def test_users_filters_on_is_active(staff_gql):
    UserFactory(is_active=False)
    UserFactory()
    inactive = staff_gql(USERS, {"first": 10, "isActive": False}).data["users"]
    assert inactive["totalCount"] == 1
    active = staff_gql(USERS, {"first": 10, "isActive": True}).data["users"]
    assert active["totalCount"] == 2  # the staff member and one user


def test_users_refuses_a_search_string_too_long_cleanly(staff_gql):
    result = staff_gql(USERS, {"first": 10, "search": "x" * 10_000})
    assert result.status == 200
    assert "INTERNAL_ERROR" not in result.codes


def test_users_pages_cost_a_constant_number_of_queries(
    staff_gql, django_assert_max_num_queries
):
    UserFactory.create_batch(50)
    # Authentication (1), the count (1), the page (1); not one query per user.
    with django_assert_max_num_queries(4):
        result = staff_gql(USERS, {"first": 50})
    assert len(result.data["users"]["edges"]) == 50


def test_users_caps_the_page_size(staff_gql, settings):
    UserFactory.create_batch(3)
    result = staff_gql(USERS, {"first": 10_000})
    assert result.status == 200
    # graphene-django refuses pages above RELAY_CONNECTION_MAX_LIMIT.
    assert result.data["users"] is None or len(result.data["users"]["edges"]) <= 100


# --- sessions --------------------------------------------------------------------


def test_my_sessions_lists_live_sessions_and_marks_the_current_one(
    auth_gql, user, pair
):
    login(user)
    sessions = auth_gql(SESSIONS).data["mySessions"]
    assert len(sessions) == 2
    assert sorted(s["current"] for s in sessions) == [False, True]
    assert {s["userAgent"] for s in sessions} == {"graphql-tests/1.0"}


def test_revoke_session_by_global_id_kills_its_tokens(auth_gql, client, user):
    other = login(user)
    other_id = next(
        s["id"] for s in auth_gql(SESSIONS).data["mySessions"] if not s["current"]
    )
    result = auth_gql(REVOKE_SESSION, {"id": other_id})
    assert result.data["revokeSession"] == {"ok": True, "errors": []}
    assert GraphQLClient(client, other.access)("{ me { id } }").codes == [
        "UNAUTHENTICATED"
    ]


@pytest.mark.parametrize(
    "session_id",
    [
        "garbage",
        to_global_id("Session", "not-a-uuid"),
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_revoke_session_with_an_unknown_id_says_not_found(auth_gql, session_id):
    result = auth_gql(REVOKE_SESSION, {"id": session_id})
    assert result.data["revokeSession"]["ok"] is False
    assert [e["code"] for e in result.data["revokeSession"]["errors"]] == ["NOT_FOUND"]


def test_revoke_session_of_another_user_says_not_found(auth_gql):
    stranger = UserFactory()
    login(stranger)
    theirs = Session.objects.get(user=stranger)
    result = auth_gql(REVOKE_SESSION, {"id": to_global_id("Session", theirs.pk)})
    assert [e["code"] for e in result.data["revokeSession"]["errors"]] == ["NOT_FOUND"]
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoke_other_sessions_keeps_the_current_one(auth_gql, user):
    login(user)
    login(user)
    result = auth_gql(REVOKE_OTHERS).data["revokeOtherSessions"]
    assert result == {"ok": True, "revokedCount": 2, "errors": []}
    sessions = auth_gql(SESSIONS).data["mySessions"]
    assert [s["current"] for s in sessions] == [True]


def test_staff_node_for_an_inactive_user_is_still_visible_to_staff(staff_gql):
    inactive = StaffFactory(is_active=False)
    node = staff_gql(NODE, {"id": to_global_id("User", inactive.pk)}).data["node"]
    assert node["email"] == inactive.email
