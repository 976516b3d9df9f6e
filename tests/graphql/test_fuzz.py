"""Property-based fuzzing of /graphql/ over real HTTP (gunicorn), from the schema.

hypothesis-graphql builds documents from the SDL: valid ones (every field and
argument, strings with NUL and control characters) and invalid ones (one schema
violation each); around them this module varies the transport (variables of any
JSON shape, lone surrogates, nesting, with or without a token). Whatever comes
in, the answer is JSON, never a 5xx, never ``INTERNAL_ERROR``, and the server
logs nothing at ERROR. The seed is fixed (``derandomize``) and the number of
examples bounded, so a run is reproducible and takes seconds.
"""

from __future__ import annotations

import json
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from graphql_api.schema import schema
from tests.factories import UserFactory
from tests.graphql.client import login
from tests.services.live import AppServer, unlimited_test_app

pytestmark = [pytest.mark.http]

SCHEMA = schema.graphql_schema
EXAMPLES = 100
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CUSTOM_SCALARS = {"Upload": st.just(graphql.NullValueNode())}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """The application behind gunicorn, on this worker's test database.

    Rate limits are off here so that generated operations reach the services
    (the limits have their own tests).
    """
    with unlimited_test_app(django_db_blocker) as app:
        yield app


@pytest.fixture
def token(transactional_db) -> str:
    """An access token of a committed user, so the server process sees it."""
    return login(UserFactory()).access


#: Characters that broke the API before: NUL, lone surrogates, other controls,
#: bidi overrides and invisible format characters.
HOSTILE = ["\x00", "\ud800", "\udfff", "\x1b", "\x7f", "\x85", "\u202e", "\u200b"]
texts = st.one_of(
    st.text(st.characters(codec=None), max_size=30),
    st.emails(),
    st.tuples(
        st.text(max_size=8) | st.emails(), st.sampled_from(HOSTILE), st.text(max_size=8)
    ).map("".join),
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
documents = from_schema(
    SCHEMA, custom_scalars=CUSTOM_SCALARS, codec=None, mode=Mode.POSITIVE
) | from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, codec=None, mode=Mode.NEGATIVE)


def _value_for(type_: graphql.GraphQLInputType, nullable: bool = True) -> Any:
    """Values of ``type_`` a client could send (wrong types: see ``json_values``)."""
    if isinstance(type_, graphql.GraphQLNonNull):
        return _value_for(type_.of_type, nullable=False)
    if isinstance(type_, graphql.GraphQLList):
        inner = st.lists(_value_for(type_.of_type), max_size=3)
    elif isinstance(type_, graphql.GraphQLInputObjectType):
        required = {
            name: _value_for(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, graphql.GraphQLNonNull)
        }
        optional = {
            name: _value_for(field.type)
            for name, field in type_.fields.items()
            if name not in required
        }
        inner = st.fixed_dictionaries(required, optional=optional)
    elif isinstance(type_, graphql.GraphQLEnumType):
        inner = st.sampled_from(list(type_.values))
    elif type_.name == "Int":
        inner = st.integers(min_value=-(2**40), max_value=2**40)
    elif type_.name == "Boolean":
        inner = st.booleans()
    elif type_.name == "Float":
        inner = st.floats(allow_nan=False, allow_infinity=False)
    else:  # String, ID, custom scalars
        inner = texts
    return inner | st.none() if nullable else inner


def _operations() -> list[tuple[str, dict[str, graphql.GraphQLArgument]]]:
    """One document per root field, every argument passed as a variable."""
    operations = []
    for keyword, root in (
        ("query", SCHEMA.query_type),
        ("mutation", SCHEMA.mutation_type),
    ):
        for name, field in root.fields.items():
            declared = ", ".join(
                f"${arg}: {field.args[arg].type}" for arg in field.args
            )
            passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
            document = (
                f"{keyword}{f'({declared})' if declared else ''} "
                f"{{ {name}{f'({passed})' if passed else ''} {{ __typename }} }}"
            )
            operations.append((document, field.args))
    return operations


@st.composite
def operations_with_variables(draw: st.DrawFn) -> tuple[str, dict]:
    document, arguments = draw(st.sampled_from(_operations()))
    variables = {name: draw(_value_for(arg.type)) for name, arg in arguments.items()}
    return document, variables


def assert_answered(server: AppServer, since: int, status: int, body: bytes) -> None:
    assert status < 500, body[:500]
    answer = json.loads(body)
    codes = [
        (error.get("extensions") or {}).get("code")
        for error in answer.get("errors") or []
    ]
    assert "INTERNAL_ERROR" not in codes, answer
    assert all(codes), answer  # every error has a code
    assert server.errors_logged(since) == []


@FUZZ_SETTINGS
@given(document=documents, authenticated=st.booleans())
def test_generated_documents_never_crash_the_endpoint(
    server, token, document, authenticated
):
    headers = {"Authorization": f"Bearer {token}"} if authenticated else {}
    since = server.log_position()
    status, _, body = server.post_json("/graphql/", {"query": document}, headers)
    assert_answered(server, since, status, body)


@FUZZ_SETTINGS
@given(
    document=documents,
    variables=json_values,
    operation_name=st.none() | json_values,
)
def test_any_json_around_a_document_is_answered_with_a_code(
    server, token, document, variables, operation_name
):
    payload = {"query": document, "variables": variables}
    if operation_name is not None:
        payload["operationName"] = operation_name
    since = server.log_position()
    status, _, body = server.post_json(
        "/graphql/", payload, {"Authorization": f"Bearer {token}"}
    )
    assert_answered(server, since, status, body)


@settings(FUZZ_SETTINGS, max_examples=3 * EXAMPLES)
@given(operation=operations_with_variables(), authenticated=st.booleans())
def test_every_argument_of_every_root_field_takes_any_json(
    server, token, operation, authenticated
):
    document, variables = operation
    headers = {"Authorization": f"Bearer {token}"} if authenticated else {}
    payload = {"query": document, "variables": variables}
    since = server.log_position()
    status, _, body = server.post_json("/graphql/", payload, headers)
    assert_answered(server, since, status, body)


@settings(FUZZ_SETTINGS, max_examples=EXAMPLES // 2)
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies_are_answered_with_a_code(server, token, body):
    since = server.log_position()
    status, _, answer = server.request(
        "POST", "/graphql/", body, {"Content-Type": "application/json"}
    )
    assert_answered(server, since, status, answer)
