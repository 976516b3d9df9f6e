"""Guards against rot on the hot paths: SQL queries and Redis round trips.

Each hot operation has a budget of database queries and Redis round trips; a
change that adds one (a second lookup, a per-bucket counter call, a COUNT on the
staff list) fails here long before a benchmark would notice. The figures the
budgets buy are in bench/README.md.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import GraphQLClient
from tests.rest.utils import client_for, login

pytestmark = pytest.mark.django_db

ME_QUERY = "{ me { id email name } }"


@pytest.fixture
def measure(redis_commands):
    """Run a callable; return (its result, SQL statements, Redis round trips)."""

    def run(call):
        with CaptureQueriesContext(connection) as queries, redis_commands() as sent:
            result = call()
        statements = [
            q["sql"]
            for q in queries.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
        return result, statements, sent

    return run


def _warm(call):
    """One call first: loads the Lua script, compiles lazy objects, fills caches."""
    call()


# --- me ---------------------------------------------------------------------------


def test_rest_me_is_one_query_and_one_redis_round_trip(user, measure):
    api = client_for(login(user).access)
    _warm(lambda: api.get("/api/v1/users/me/"))

    response, statements, sent = measure(lambda: api.get("/api/v1/users/me/"))

    assert response.status_code == 200
    assert len(statements) == 1, statements
    assert len(sent) == 1, sent


def test_graphql_me_is_one_query_and_one_redis_round_trip(client, user, measure):
    gql = GraphQLClient(client, login(user).access)
    _warm(lambda: gql(ME_QUERY))

    result, statements, sent = measure(lambda: gql(ME_QUERY))

    assert result.data["me"]["email"] == user.email
    assert len(statements) == 1, statements
    assert len(sent) == 1, sent


def test_session_and_user_come_from_one_joined_query(user, measure):
    api = client_for(login(user).access)

    _response, statements, _sent = measure(lambda: api.get("/api/v1/users/me/"))

    (lookup,) = statements
    assert '"users_session"' in lookup
    assert '"users_user"' in lookup


def test_rest_profile_patch_costs_a_bounded_number_of_queries(user, measure):
    api = client_for(login(user).access)
    _warm(lambda: api.patch("/api/v1/users/me/", {"bio": "warm"}, format="json"))

    response, statements, sent = measure(
        lambda: api.patch("/api/v1/users/me/", {"bio": "hello"}, format="json")
    )

    assert response.status_code == 200
    # The session+user lookup and the UPDATE; nothing reloads what it just wrote.
    assert len(statements) <= 2, statements
    assert len(sent) == 1, sent


# --- login and refresh --------------------------------------------------------------


def test_rest_login_is_one_redis_round_trip_for_all_its_buckets(user, measure):
    api = APIClient()
    body = {"email": user.email, "password": DEFAULT_PASSWORD}
    warm = api.post("/api/v1/auth/token/", body, format="json")
    # From the device the warm-up login made known (a new one would add the
    # outbox row of its new sign-in notice).
    body["device_token"] = warm.json()["device_token"]

    response, statements, sent = measure(
        lambda: api.post("/api/v1/auth/token/", body, format="json")
    )

    assert response.status_code == 200
    assert len(sent) == 1, sent
    # Find the user, stamp last_login, insert the session, record the LOGIN event.
    assert len(statements) == 4, statements


def test_graphql_login_is_one_redis_round_trip_for_all_its_buckets(
    client, user, measure
):
    gql = GraphQLClient(client)
    document = (
        "mutation($e: String!, $p: String!, $d: String) "
        "{ tokenAuth(email: $e, password: $p, deviceToken: $d) { token deviceToken } }"
    )
    variables = {"e": user.email, "p": DEFAULT_PASSWORD}
    # The device the warm-up login made known sends no new sign-in notice.
    variables["d"] = gql(document, variables).data["tokenAuth"]["deviceToken"]

    result, statements, sent = measure(lambda: gql(document, variables))

    assert result.data["tokenAuth"]["token"]
    assert len(sent) == 1, sent
    assert len(statements) == 4, statements


def test_rest_refresh_is_one_redis_round_trip_and_two_queries(user, measure):
    api = APIClient()
    refresh = login(user).refresh
    refresh = api.post(
        "/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json"
    ).json()["refresh"]

    response, statements, sent = measure(
        lambda: api.post(
            "/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json"
        )
    )

    assert response.status_code == 200, response.content
    assert len(sent) == 1, sent
    # Lock the session joined to its user, then write the rotated state.
    assert len(statements) == 2, statements


def test_graphql_refresh_is_one_redis_round_trip_and_two_queries(client, user, measure):
    gql = GraphQLClient(client)
    document = (
        "mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken } }"
    )
    refresh = gql(document, {"r": login(user).refresh}).data["refreshToken"]
    refresh = refresh["refreshToken"]

    result, statements, sent = measure(lambda: gql(document, {"r": refresh}))

    assert result.data["refreshToken"]["refreshToken"], json.dumps(result.body)
    assert len(sent) == 1, sent
    assert len(statements) == 2, statements


def test_graphql_me_by_persisted_hash_is_one_query_and_one_redis_round_trip(
    client, user, measure
):
    import hashlib

    gql = GraphQLClient(client, login(user).access)
    extensions = {
        "persistedQuery": {
            "version": 1,
            "sha256Hash": hashlib.sha256(ME_QUERY.encode()).hexdigest(),
        }
    }
    gql.raw({"query": ME_QUERY, "extensions": extensions})  # registers the hash

    result, statements, sent = measure(
        lambda: gql.get({"extensions": json.dumps(extensions)})
    )

    assert result.data["me"]["email"] == user.email
    assert len(statements) == 1, statements
    # The general ceiling only: a known hash is resolved in-process.
    assert len(sent) == 1, sent


# --- the staff list ------------------------------------------------------------------

USERS_DOC = "query($after: String) { users(first: 20, after: $after) { edges { node { id email } } pageInfo { endCursor hasNextPage } } }"  # noqa: E501


def _bulk_users(count: int) -> None:
    from users.models import User

    User.objects.bulk_create(
        User(email=f"bulk{n}-{count}@example.com", password="!") for n in range(count)
    )


def _staff_list_costs(surface, staff, measure, client):
    """Statements of a first page and of a deep page, on one surface."""
    token = login(staff).access
    if surface == "rest":
        api = client_for(token)

        def page(after=None):
            params = {"limit": 20, **({"after": after} if after else {})}
            response = api.get("/api/v1/users/", params)
            assert response.status_code == 200, response.content
            body = response.json()
            return body, (body["next"].split("after=")[1].split("&")[0]
                          if body["next"] else None)  # fmt: skip
    else:
        gql = GraphQLClient(client, token)

        def page(after=None):
            result = gql(USERS_DOC, {"after": after})
            assert not result.errors, result.errors
            info = result.data["users"]["pageInfo"]
            return result.data, info["endCursor"]

    page()  # warm
    (_body, cursor), first_statements, first_sent = measure(page)
    for _ in range(3):
        _body, cursor = page(cursor)
    _deep, deep_statements, deep_sent = measure(lambda: page(cursor))
    return first_statements, deep_statements, first_sent, deep_sent


@pytest.mark.parametrize("surface", ["rest", "graphql"])
def test_staff_list_costs_the_same_queries_at_any_size_and_never_counts(
    surface, staff, measure, client
):
    _bulk_users(100)
    small = _staff_list_costs(surface, staff, measure, client)
    _bulk_users(2000)
    large = _staff_list_costs(surface, staff, measure, client)

    for statements in (*small[:2], *large[:2]):
        assert not any("COUNT(" in sql.upper() for sql in statements), statements
        # The session+user lookup and the page itself.
        assert len(statements) == 2, statements
    for sent in (*small[2:], *large[2:]):
        assert len(sent) == 1, sent


def test_graphql_total_count_is_counted_only_when_asked_for(staff, measure, client):
    gql = GraphQLClient(client, login(staff).access)
    gql("{ users(first: 5) { totalCount } }")

    result, statements, _sent = measure(
        lambda: gql("{ users(first: 5) { totalCount } }")
    )

    assert result.data["users"]["totalCount"] == 1
    assert any("COUNT(" in sql.upper() for sql in statements)
