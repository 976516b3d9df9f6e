"""Apollo automatic persisted queries: the protocol, GET, hash checks, bounds."""

from __future__ import annotations

import hashlib
import json

import pytest

from graphql_api import persisted
from tests.graphql.client import GraphQLClient, login

pytestmark = pytest.mark.django_db

ME = "query Me { me { id email } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ext(digest: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


@pytest.fixture(autouse=True)
def _forget_recent_hashes():
    persisted.recent.clear()
    yield
    persisted.recent.clear()


@pytest.fixture
def auth(client, user) -> GraphQLClient:
    return GraphQLClient(client, login(user).access)


def test_unknown_hash_answers_persisted_query_not_found(auth):
    result = auth.raw({"extensions": ext(sha("{ me { id } }"))})

    assert result.status == 200
    assert result.errors == [
        {
            "message": "PersistedQueryNotFound",
            "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
        }
    ]


def test_hash_with_its_query_runs_and_is_remembered(auth, user):
    registered = auth.raw({"query": ME, "extensions": ext(sha(ME))})
    persisted.recent.clear()  # force the shared store, as another worker would

    again = auth.raw({"extensions": ext(sha(ME))})

    assert registered.data == again.data == {"me": {"id": again.data["me"]["id"],
                                                    "email": user.email}}  # fmt: skip


def test_hash_that_does_not_match_the_query_is_invalid_input(auth):
    result = auth.raw({"query": ME, "extensions": ext(sha("{ me { email } }"))})

    assert result.status == 400
    assert result.codes == ["INVALID_INPUT"]
    assert "does not match" in result.errors[0]["message"]
    # Nothing was stored under the foreign hash.
    assert auth.raw({"extensions": ext(sha("{ me { email } }"))}).codes == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": "a" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "xyz"}},
        {"persistedQuery": {"version": 1, "sha256Hash": "A" * 64}},
        {"persistedQuery": "yes"},
        ["not", "an", "object"],
    ],
)
def test_malformed_persisted_query_extension_is_invalid_input(auth, extensions):
    result = auth.raw({"extensions": extensions})

    assert result.status == 400
    assert result.codes == ["INVALID_INPUT"]


def test_hashed_query_over_get(auth, user):
    auth.raw({"query": ME, "extensions": ext(sha(ME))})
    persisted.recent.clear()

    result = auth.get({"extensions": json.dumps(ext(sha(ME)))})

    assert result.status == 200
    assert result.data["me"]["email"] == user.email


def test_hashed_mutation_over_get_is_refused_unrun(auth, user):
    mutation = "mutation { revokeOtherSessions(input: {}) { ok } }"
    other = login(user)
    persisted._store(sha(mutation), mutation)

    result = auth.get({"extensions": json.dumps(ext(sha(mutation)))})

    assert result.status == 405
    assert result.codes == ["METHOD_NOT_ALLOWED"]
    assert user.sessions.get(pk=other.session.pk).revoked_at is None


def test_a_persisted_document_still_meets_the_guards(gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 2
    deep = "{ users(first: 1) { edges { node { id } } } }"
    gql.raw({"query": deep, "extensions": ext(sha(deep))})

    result = gql.raw({"extensions": ext(sha(deep))})

    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_the_store_holds_at_most_its_slots(gql, settings, redis_client):
    settings.GRAPHQL_APQ_SLOTS = 2
    for number in range(8):
        text = f"{{ n{number}: __typename }}"
        gql.raw({"query": text, "extensions": ext(sha(text))})

    assert len(redis_client.keys("*graphql:apq:*")) <= 2


def test_an_evicted_hash_is_not_found_then_registers_again(gql, settings):
    settings.GRAPHQL_APQ_SLOTS = 1
    first, second = "{ a: __typename }", "{ b: __typename }"
    gql.raw({"query": first, "extensions": ext(sha(first))})
    gql.raw({"query": second, "extensions": ext(sha(second))})
    persisted.recent.clear()

    assert gql.raw({"extensions": ext(sha(first))}).codes == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    assert gql.raw({"extensions": ext(sha(second))}).data == {"b": "Query"}


def test_a_document_over_the_size_limit_is_refused_not_stored(gql, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 50
    big = "{ " + " ".join(f"a{i}: __typename" for i in range(10)) + " }"

    result = gql.raw({"query": big, "extensions": ext(sha(big))})

    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert gql.raw({"extensions": ext(sha(big))}).codes == ["PERSISTED_QUERY_NOT_FOUND"]
