"""The endpoint's edges: document guards, transport rules, GraphiQL, failures."""

import json
import logging

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD
from users.models import Session, User

pytestmark = pytest.mark.django_db

ENDPOINT = "/graphql/"


def _deep_query(levels: int) -> str:
    """``node { ... on Session { ... } }`` cannot nest; nest a selection instead.

    The schema is deliberately shallow, so the only way to exceed the depth is
    a connection repeated inside itself; a query that is invalid anyway still
    must be refused for depth before anything else runs.
    """
    query = "id"
    for _ in range(levels):
        query = f"users(first: 1) {{ edges {{ node {{ {query} }} }} }}"
    return "{ " + query + " }"


def test_a_document_deeper_than_the_limit_is_refused(gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 5
    result = gql("{ users(first: 1) { edges { node { id } } } }")
    assert "QUERY_TOO_COMPLEX" not in result.codes  # 3 levels: fine
    deep = gql(_deep_query(3))  # 9 levels
    assert deep.status == 400
    assert "QUERY_TOO_COMPLEX" in deep.codes
    assert "data" not in deep.body


def test_depth_counts_through_fragments(gql, settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    query = """
    query { users(first: 1) { ...E } }
    fragment E on UserConnection { edges { node { ...N } } }
    fragment N on User { id }
    """
    result = gql(query)
    assert "QUERY_TOO_COMPLEX" in result.codes
    assert "levels deep" in result.errors[0]["message"]


def test_cyclic_fragments_are_refused_without_recursing_forever(gql):
    query = """
    query { me { ...A } }
    fragment A on User { ...B }
    fragment B on User { ...A }
    """
    result = gql(query)
    assert result.status == 400
    assert result.errors  # graphql-core's NoFragmentCycles reports it


def test_too_many_aliases_are_refused_before_anything_runs(gql, user, settings):
    settings.GRAPHQL_MAX_ALIASES = 5
    fields = " ".join(
        f'a{i}: tokenAuth(email: "{user.email}", password: "{DEFAULT_PASSWORD}") {{ token }}'  # noqa: E501
        for i in range(6)
    )
    result = gql(f"mutation {{ {fields} }}")
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert not Session.objects.filter(user=user).exists()


def test_too_many_root_fields_are_refused(gql, settings):
    settings.GRAPHQL_MAX_ALIASES = 3
    result = gql("{ me { id } me { email } mySessions { id } __typename }")
    assert "QUERY_TOO_COMPLEX" in result.codes


def test_a_query_larger_than_the_limit_is_refused(gql, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 200
    result = gql("{ me { id } }" + " " * 300)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_array_batching_is_refused(gql, user):
    login = (
        f'mutation {{ tokenAuth(email: "{user.email}", password: "x") {{ token }} }}'
    )
    batch = [{"query": login} for _ in range(3)]
    result = gql.raw(batch)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]


def test_a_mutation_over_get_is_refused_with_405(gql, user):
    query = f'mutation {{ tokenAuth(email: "{user.email}", password: "{DEFAULT_PASSWORD}") {{ token }} }}'  # noqa: E501
    result = gql.get({"query": query}, HTTP_ACCEPT="application/json")
    assert result.status == 405
    assert result.codes == ["METHOD_NOT_ALLOWED"]
    assert not Session.objects.filter(user=user).exists()


def test_a_query_over_get_is_answered(auth_gql, user):
    response = auth_gql.client.get(
        ENDPOINT,
        {"query": "{ me { email } }"},
        HTTP_ACCEPT="application/json",
        HTTP_AUTHORIZATION=f"Bearer {auth_gql.token}",
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["email"] == user.email


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('"a string"', "application/json"),
        ("\xff\xfe", "application/json"),
        ('{"query": 42}', "application/json"),
        ('{"query": "{ me { id } }", "variables": "nope"}', "application/json"),
        ('{"query": "{ me { id"}', "application/json"),
    ],
)
def test_malformed_bodies_get_a_json_400(gql, body, content_type):
    result = gql.raw(body, content_type)
    assert result.status == 400
    assert result.errors
    assert all(e["extensions"]["code"] for e in result.errors)


def test_an_unknown_operation_name_is_a_400(gql):
    result = gql.raw({"query": "query A { me { id } }", "operationName": "B"})
    assert result.status == 400


def test_a_body_over_one_megabyte_is_413(gql):
    result = gql.raw({"query": "{ me { id } }", "variables": {"x": "a" * 1_100_000}})
    assert result.status == 413
    assert result.codes == ["FILE_TOO_LARGE"]


def test_introspection_is_available_when_enabled(gql, settings):
    settings.GRAPHQL_INTROSPECTION = True
    result = gql("{ __schema { queryType { name } } }")
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


def test_introspection_and_suggestions_are_off_when_disabled(gql, settings):
    settings.GRAPHQL_INTROSPECTION = False
    result = gql("{ __schema { queryType { name } } }")
    assert result.status == 400
    assert "introspection" in result.errors[0]["message"].lower()

    typo = gql("{ mee { id } }")
    assert typo.status == 400
    assert "Did you mean" not in typo.errors[0]["message"]


def test_suggestions_are_offered_when_introspection_is_on(gql, settings):
    settings.GRAPHQL_INTROSPECTION = True
    typo = gql("{ mee { id } }")
    assert "Did you mean" in typo.errors[0]["message"]


def test_graphiql_is_served_to_a_browser_with_the_header_editor(client, settings):
    settings.GRAPHIQL_ENABLED = True
    response = client.get(ENDPOINT, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "graphiql" in html.lower()
    assert '"headerEditorEnabled": true' in html  # Authorization editable
    # Served from this origin (core/vendor.py): the CSP names no other.
    assert "cdn.jsdelivr.net" not in html
    assert "://" not in response["Content-Security-Policy"]


def test_graphiql_is_not_served_when_disabled(client, settings):
    settings.GRAPHIQL_ENABLED = False
    response = client.get(ENDPOINT, HTTP_ACCEPT="text/html")
    assert not response["Content-Type"].startswith("text/html")


def test_posts_need_no_csrf_token_and_cookies_do_not_authenticate(user):
    """Authentication is by header only, so CSRF cannot ride on a cookie."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)  # a Django session cookie, e.g. from the admin
    response = browser.post(
        ENDPOINT,
        data=json.dumps({"query": "{ me { id } }"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"me": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_unexpected_exception_is_internal_error_without_details(
    auth_gql, monkeypatch, caplog
):
    from users import selectors

    def explode(**kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(
        "graphql_api.users.queries.active_sessions", explode, raising=True
    )
    assert selectors.active_sessions is not explode
    with caplog.at_level(logging.ERROR):
        result = auth_gql("{ mySessions { id } }")
    assert result.codes == ["INTERNAL_ERROR"]
    assert "secret" not in json.dumps(result.body)
    assert "RuntimeError" in caplog.text


def test_every_error_has_a_code(gql):
    for query in ["{ me { id } }", "{ nope }", "query ($x: Int!) { me { id } }"]:
        result = gql(query)
        assert result.errors
        assert all("code" in e["extensions"] for e in result.errors), result.body


def test_rate_limited_login_carries_retry_after(gql, user, settings):
    settings.RATE_LIMITS = {"login": ["2/m ip"]}
    mutation = 'mutation ($e: String!) { tokenAuth(email: $e, password: "wrong-wrong") { token } }'  # noqa: E501
    for _ in range(2):
        assert gql(mutation, {"e": user.email}).codes == ["INVALID_CREDENTIALS"]
    result = gql(mutation, {"e": user.email})
    assert result.codes == ["RATE_LIMITED"]
    assert 0 < result.errors[0]["extensions"]["retryAfter"] <= 60
    assert User.objects.count() == 1
