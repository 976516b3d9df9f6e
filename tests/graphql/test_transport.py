"""Request parsing at /graphql/: content types, shapes, nesting, multipart maps."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.graphql.client import ENDPOINT

pytestmark = pytest.mark.django_db

ME = "{ me { id } }"


def post(client, body, content_type, **extra):
    response = client.generic("POST", ENDPOINT, body, content_type, **extra)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


def codes(body) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/graphql",
        "application/xml",
        "",
    ],
)
def test_a_body_that_is_neither_json_nor_multipart_is_415(client, content_type):
    body = "query=%7B+me+%7B+id+%7D+%7D"
    status, answer = post(client, body, content_type, CONTENT_TYPE=content_type)
    assert status == 415
    assert codes(answer) == ["UNSUPPORTED_MEDIA_TYPE"]


def test_json_with_a_charset_parameter_is_accepted(client):
    status, answer = post(
        client, json.dumps({"query": ME}), "application/json; charset=utf-8"
    )
    assert status == 200
    assert codes(answer) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": 123},
        {"query": ["{ me { id } }"]},
        {"query": {"a": 1}},
        {"query": True},
        {"query": ME, "variables": [1]},
        {"query": ME, "variables": 5},
        {"query": ME, "variables": "[1]"},
        {"query": ME, "operationName": 7},
        {"query": ME, "operationName": ["a"]},
        {"variables": {}},
        {"query": ""},
    ],
)
def test_parameters_of_the_wrong_type_are_invalid_input(client, body):
    status, answer = post(client, json.dumps(body), "application/json")
    assert status == 400
    assert codes(answer) == ["INVALID_INPUT"]


def test_an_empty_json_body_is_invalid_input(client):
    status, answer = post(
        client, b"", "application/json", CONTENT_TYPE="application/json"
    )
    assert status == 400
    assert codes(answer) == ["INVALID_INPUT"]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [40, 900, 1000, 100_000])
def test_deeply_nested_json_is_invalid_input(client, levels, caplog):
    body = '{"query": "{ me { id } }", "variables": {"a": ' + nested(levels) + "}}"
    status, answer = post(client, body, "application/json")
    assert status == 400
    assert codes(answer) == ["INVALID_INPUT"]
    assert "nests deeper" in answer["errors"][0]["message"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_json_nested_within_the_limit_is_accepted(client, settings):
    settings.JSON_MAX_DEPTH = 8
    body = {"query": ME, "variables": {"a": [[[[1]]]]}}
    status, _ = post(client, json.dumps(body), "application/json")
    assert status == 200


def test_deeply_nested_variables_over_get_are_invalid_input(client):
    response = client.get(
        ENDPOINT,
        {"query": ME, "variables": '{"a": ' + nested(5000) + "}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert codes(response.json()) == ["INVALID_INPUT"]


def test_a_lone_surrogate_in_the_query_text_is_not_a_crash(client, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 100
    body = json.dumps({"query": "{ me { id } } #" + "\ud800" * 10})
    status, answer = post(client, body, "application/json")
    assert status in (200, 400)
    assert "INTERNAL_ERROR" not in codes(answer)


# --- Multipart --------------------------------------------------------------------

UPLOAD = (
    "mutation ($in: UploadAvatarInput!) "
    "{ uploadAvatar(input: $in) { errors { code } } }"
)


def multipart(client, operations, file_map, files=None):
    data = {"operations": json.dumps(operations), "map": json.dumps(file_map)}
    data.update(
        files if files is not None else {"0": SimpleUploadedFile("a.png", b"x")}
    )
    response = client.post(ENDPOINT, data=data)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "path",
    [
        "query",
        "operationName",
        "query.0",
        "variables",
        "variables.in.avatar.deeper",
        "variables.missing.avatar",
        "extensions.x",
        "",
        5,
    ],
)
def test_a_map_path_outside_the_variables_is_invalid_input(client, path):
    operations = {"query": UPLOAD, "variables": {"in": {"avatar": None}}}
    status, answer = multipart(client, operations, {"0": [path]})
    assert status == 400
    assert codes(answer) == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    ("operations", "file_map"),
    [
        (
            {"query": UPLOAD, "variables": {"in": {"avatar": None}}},
            {"0": "variables.in"},
        ),
        (
            {"query": UPLOAD, "variables": {"in": {"avatar": None}}},
            {"9": ["variables.in.avatar"]},
        ),
        (
            {"query": UPLOAD, "variables": {"in": {"avatar": None}}},
            ["variables.in.avatar"],
        ),
        ([{"query": UPLOAD}], {}),
        ("just a string", {}),
    ],
)
def test_malformed_multipart_requests_are_refused_with_a_code(
    client, operations, file_map
):
    status, answer = multipart(client, operations, file_map)
    assert status == 400
    assert codes(answer)[0] in {"INVALID_INPUT", "QUERY_TOO_COMPLEX"}


def test_multipart_without_operations_is_invalid_input(client):
    response = client.post(ENDPOINT, data={"map": "{}"})
    assert response.status_code == 400
    assert codes(response.json()) == ["INVALID_INPUT"]


def test_deeply_nested_multipart_operations_are_invalid_input(client):
    data = {
        "operations": '{"query": "{ me { id } }", "variables": ' + nested(3000) + "}"
    }
    response = client.post(ENDPOINT, data=data)
    assert response.status_code == 400
    assert codes(response.json()) == ["INVALID_INPUT"]


# --- Paging ---------------------------------------------------------------------

USERS = "query ($n: Int) { users(first: $n) { edges { node { id } } } }"


@pytest.mark.parametrize("first", [1_000_000, 101, -1])
def test_a_page_too_large_is_forbidden_for_a_non_staff_caller(auth_gql, first):
    result = auth_gql(USERS, {"n": first})
    assert result.codes == ["FORBIDDEN"]


def test_a_page_too_large_is_unauthenticated_for_an_anonymous_caller(gql):
    assert gql(USERS, {"n": 1_000_000}).codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "arguments",
    [
        "first: 1000000",
        "last: 1000000",
        "first: -1",
        "last: -5",
        # An offset cursor of graphene-django's (the list is keyset-paged now).
        'after: "YXJyYXljb25uZWN0aW9uOjA="',
        "first: 5, last: 5",
    ],
)
def test_paging_arguments_out_of_range_are_invalid_input_for_staff(
    staff_gql, arguments
):
    result = staff_gql(f"{{ users({arguments}) {{ edges {{ node {{ id }} }} }} }}")
    assert result.codes == ["INVALID_INPUT"]
    assert result.data == {"users": None}


def test_a_full_page_is_fine_for_staff(staff_gql):
    result = staff_gql(USERS, {"n": 100})
    assert result.errors == []


def test_answers_set_no_csrf_cookie_and_do_not_vary_on_cookies(client):
    # graphene-django's ensure_csrf_cookie is bypassed: the view is CSRF-exempt
    # and authenticates by header only, so the cookie protected nothing.
    response = client.post(
        ENDPOINT, {"query": "{ __typename }"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "csrftoken" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_graphiql_still_renders_without_a_csrf_cookie(client):
    response = client.get(ENDPOINT, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "csrftoken" not in response.cookies
