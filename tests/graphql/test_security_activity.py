"""``mySecurityEvents`` and the staff ``securityEvents`` over ``/graphql/``."""

import pytest
from graphql_relay import to_global_id

from tests.factories import UserFactory
from tests.feeds.helpers import make_events
from tests.graphql.client import login
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

FIELDS = """
    edges { cursor node { id kind createdAt ipAddress userAgent sessionId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
"""
MINE = (
    "query ($first: Int, $after: String, $last: Int, $before: String) {"
    " mySecurityEvents(first: $first, after: $after, last: $last, before: $before)"
    " {" + FIELDS + "} }"
)
STAFF = (
    "query ($user: ID!, $first: Int, $after: String) {"
    " securityEvents(user: $user, first: $first, after: $after) {" + FIELDS + "} }"
)
NODE = "query ($id: ID!) { node(id: $id) { ... on SecurityEvent { kind } } }"


def _ids(connection) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def _gid(event: SecurityEvent) -> str:
    return to_global_id("SecurityEvent", event.pk)


def _walk(gql, query, key, size, **variables) -> list[str]:
    seen, after = [], None
    while True:
        page = gql(query, {**variables, "first": size, "after": after}).data[key]
        seen += _ids(page)
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def test_my_security_events_lists_the_login_with_its_details(auth_gql, pair):
    [edge] = auth_gql(MINE).data["mySecurityEvents"]["edges"]
    node = edge["node"]
    assert node["kind"] == "NEW_DEVICE_LOGIN"
    assert (node["ipAddress"], node["userAgent"]) == (
        "198.51.100.30",
        "graphql-tests/1.0",
    )
    assert node["sessionId"] == to_global_id("Session", str(pair.session.pk))
    assert node["createdAt"]


def test_pages_walk_every_event_once_newest_first(auth_gql, user):
    make_events(user, 23, ties=True)
    expected = [
        _gid(e)
        for e in SecurityEvent.objects.filter(user=user).order_by("-created_at", "-pk")
    ]
    assert _walk(auth_gql, MINE, "mySecurityEvents", 5) == expected


def test_an_event_written_while_paging_does_not_shift_the_pages(auth_gql, user):
    make_events(user, 10)
    first = auth_gql(MINE, {"first": 4}).data["mySecurityEvents"]
    login(user)  # a new event at the head of the feed
    second = auth_gql(MINE, {"first": 4, "after": first["pageInfo"]["endCursor"]}).data[
        "mySecurityEvents"
    ]
    assert not set(_ids(first)) & set(_ids(second))
    everything = [
        _gid(e)
        for e in SecurityEvent.objects.filter(user=user).order_by("-created_at", "-pk")
    ]
    assert _ids(first) + _ids(second) == everything[1:9]


def test_last_and_before_walk_back_towards_the_newest(auth_gql, user):
    make_events(user, 9)
    everything = [
        _gid(e)
        for e in SecurityEvent.objects.filter(user=user).order_by("-created_at", "-pk")
    ]
    tail = auth_gql(MINE, {"first": 6}).data["mySecurityEvents"]
    back = auth_gql(MINE, {"last": 3, "before": tail["edges"][4]["cursor"]}).data[
        "mySecurityEvents"
    ]
    assert _ids(back) == everything[1:4]
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert back["pageInfo"]["hasNextPage"] is True


def test_the_feed_shows_only_the_callers_events(auth_gql, user):
    other = UserFactory()
    theirs = make_events(other, 3)
    login(other)
    ids = set(_ids(auth_gql(MINE).data["mySecurityEvents"]))
    assert len(ids) == 1
    assert not ids & {_gid(e) for e in theirs}
    assert auth_gql(NODE, {"id": _gid(theirs[0])}).data["node"] is None


def test_a_node_fetch_returns_the_callers_own_event(auth_gql, user):
    [event] = make_events(user, 1)
    assert auth_gql(NODE, {"id": _gid(event)}).data["node"] == {"kind": event.kind}


def test_anonymous_callers_are_unauthenticated(gql):
    result = gql(MINE)
    assert result.codes == ["UNAUTHENTICATED"]
    assert result.data is None or result.data["mySecurityEvents"] is None


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 101},
        {"last": 101},
        {"first": -1},
        {"first": 2, "last": 2},
        {"after": "not-a-cursor"},
        {"before": "bm90fGE"},
    ],
)
def test_oversized_pages_and_bad_cursors_are_invalid_input(auth_gql, variables):
    result = auth_gql(MINE, variables)
    assert result.status == 200
    assert result.codes == ["INVALID_INPUT"]


def test_a_page_costs_the_same_queries_whatever_the_number_of_events(
    auth_gql, user, django_assert_num_queries
):
    make_events(user, 5)
    # Authentication (1) and the page (1).
    with django_assert_num_queries(2):
        small = auth_gql(MINE, {"first": 100})
    make_events(user, 95)
    with django_assert_num_queries(2):
        large = auth_gql(MINE, {"first": 100})
    assert len(small.data["mySecurityEvents"]["edges"]) == 6
    assert len(large.data["mySecurityEvents"]["edges"]) == 100


def test_staff_read_one_accounts_events(staff_gql):
    member = UserFactory()
    expected = [_gid(e) for e in make_events(member, 7)]
    user_id = to_global_id("User", member.pk)
    assert _walk(staff_gql, STAFF, "securityEvents", 3, user=user_id) == expected


def test_staff_feed_costs_the_same_queries_whatever_the_number_of_events(
    staff_gql, django_assert_num_queries
):
    member = UserFactory()
    user_id = to_global_id("User", member.pk)
    make_events(member, 3)
    # Authentication, the account's existence, the page.
    with django_assert_num_queries(3):
        staff_gql(STAFF, {"user": user_id})
    make_events(member, 80)
    with django_assert_num_queries(3):
        staff_gql(STAFF, {"user": user_id})


def test_members_may_not_read_another_accounts_events(auth_gql, user):
    other = UserFactory()
    make_events(other, 2)
    for target in (other, user):
        result = auth_gql(
            STAFF, {"user": to_global_id("User", target.pk), "first": 1000}
        )
        # FORBIDDEN first, before the page size is even looked at.
        assert result.codes == ["FORBIDDEN"]


@pytest.mark.parametrize("user_id", ["nonsense", to_global_id("Session", 1)])
def test_staff_asking_for_no_such_account_get_not_found(staff_gql, user_id):
    assert staff_gql(STAFF, {"user": user_id}).codes == ["NOT_FOUND"]


def test_staff_get_not_found_for_a_deleted_account(staff_gql):
    gone = UserFactory()
    user_id = to_global_id("User", gone.pk)
    gone.delete()
    assert staff_gql(STAFF, {"user": user_id}).codes == ["NOT_FOUND"]


def test_staff_may_fetch_any_accounts_event_as_a_node(staff_gql):
    [event] = make_events(UserFactory(), 1)
    assert staff_gql(NODE, {"id": _gid(event)}).data["node"] == {"kind": event.kind}
