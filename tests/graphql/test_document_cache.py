"""The parsed-and-validated document cache: same answers, bounded, refusals kept."""

from __future__ import annotations

import pytest

from graphql_api import documents, views
from tests.graphql.client import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def checks(monkeypatch):
    """Count the real parse+validate runs behind the cache."""
    calls: list[str] = []
    real = views.check_document

    def counting(schema, query):
        calls.append(query)
        return real(schema, query)

    monkeypatch.setattr(views, "check_document", counting)
    return calls


@pytest.fixture
def auth(client, user):
    from tests.graphql.client import GraphQLClient

    return GraphQLClient(client, login(user).access)


def test_a_repeated_document_is_checked_once(auth, checks):
    first = auth("{ me { id email } }")
    second = auth("{ me { id email } }")

    assert first.body == second.body
    assert first.data["me"]["email"]
    assert checks == ["{ me { id email } }"]


def test_cached_and_uncached_answers_are_identical(auth, settings):
    documents_to_try = [
        "{ me { id email name } }",
        "{ me { id nosuchfield } }",  # a validation error
        "{ me { id ",  # a syntax error
        "query A { me { id } } query B { me { email } }",  # needs operationName
    ]
    cached = [auth(d) for d in documents_to_try] + [auth(d) for d in documents_to_try]
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 0
    uncached = [auth(d) for d in documents_to_try]

    for index, result in enumerate(uncached):
        assert (result.status, result.body) == (
            cached[index].status,
            cached[index].body,
        )
        assert (result.status, result.body) == (
            cached[index + len(documents_to_try)].status,
            cached[index + len(documents_to_try)].body,
        )


def test_a_refused_document_stays_refused_when_sent_again(gql, settings, checks):
    settings.GRAPHQL_MAX_DEPTH = 3
    deep = "{ users(first: 1) { edges { node { id } } } } "

    answers = [gql(deep) for _ in range(3)]

    assert all(a.status == 400 and a.codes == ["QUERY_TOO_COMPLEX"] for a in answers)
    assert all("data" not in a.body for a in answers)
    assert len(checks) == 1


def test_changing_a_guard_setting_is_not_answered_from_the_cache(auth, settings):
    query = "{ users(first: 1) { edges { node { id } } } }"
    settings.GRAPHQL_MAX_DEPTH = 10
    assert "QUERY_TOO_COMPLEX" not in auth(query).codes

    settings.GRAPHQL_MAX_DEPTH = 2

    assert auth(query).codes == ["QUERY_TOO_COMPLEX"]


def test_the_cache_is_bounded_by_entries(gql, settings):
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 3
    for number in range(10):
        gql(f"{{ a{number}: __typename }}")

    assert len(documents.cache()) == 3


def test_the_cache_is_bounded_by_total_text(gql, settings):
    settings.GRAPHQL_DOCUMENT_CACHE_CHARS = 200
    for number in range(10):
        gql("{ " + " ".join(f"f{number}_{i}: __typename" for i in range(5)) + " }")

    assert documents.cache().chars <= 200
    assert len(documents.cache()) >= 1


def test_least_recently_used_documents_leave_first():
    lru = documents.DocumentCache(max_entries=2, max_chars=1000)
    lru.put(("k", "a"), [])
    lru.put(("k", "b"), [])
    lru.get(("k", "a"))
    lru.put(("k", "c"), [])

    assert lru.get(("k", "a")) == []
    assert lru.get(("k", "b")) is None


def test_a_cached_refusal_is_a_fresh_list_each_time(gql):
    first = documents.checked(
        views.AccountsGraphQLView().schema.graphql_schema,
        "{ nosuch }",
        views.check_document,
    )
    first.append("tampered")
    again = documents.checked(
        views.AccountsGraphQLView().schema.graphql_schema,
        "{ nosuch }",
        views.check_document,
    )

    assert "tampered" not in again
