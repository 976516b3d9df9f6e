"""The Swagger 2.0 document: served, valid, complete, and committed without drift."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command
from swagger_spec_validator.validator20 import validate_spec

from rest_api.docs import SNAPSHOT_PATH, render_schema

pytestmark = pytest.mark.django_db

#: The REST table of API.md: (method, path under /api/v1).
CONTRACT = {
    ("post", "/auth/register/"),
    ("post", "/auth/token/"),
    ("post", "/auth/token/refresh/"),
    ("post", "/auth/token/verify/"),
    ("post", "/auth/logout/"),
    ("post", "/auth/password/reset/"),
    ("post", "/auth/password/reset/confirm/"),
    ("post", "/auth/email/verify/"),
    ("post", "/auth/email/cancel/"),
    ("post", "/auth/email/resend/"),
    ("get", "/users/me/"),
    ("patch", "/users/me/"),
    ("delete", "/users/me/"),
    ("put", "/users/me/avatar/"),
    ("delete", "/users/me/avatar/"),
    ("post", "/users/me/password/"),
    ("get", "/users/me/sessions/"),
    ("delete", "/users/me/sessions/"),
    ("delete", "/users/me/sessions/{session_id}/"),
    ("get", "/users/"),
    # Revision 2: security activity, and (docs/rest.md) the staff read of it.
    ("get", "/users/me/activity/"),
    ("get", "/users/{user_id}/activity/"),
    ("post", "/auth/mfa/verify/"),
    ("post", "/users/me/mfa/totp/"),
    ("delete", "/users/me/mfa/totp/"),
    ("post", "/users/me/mfa/totp/confirm/"),
    ("post", "/users/me/mfa/recovery-codes/"),
    ("post", "/auth/unrecognized-login/"),
    ("post", "/users/{user_id}/deactivate/"),
}
PUBLIC = {(m, p) for m, p in CONTRACT if p.startswith("/auth/")} - {
    ("post", "/auth/email/resend/")
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SNAPSHOT_PATH.read_text())


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield (method, path), operation


def test_the_served_schema_is_valid_swagger_2(api):
    response = api.get("/api/schema.json")
    assert response.status_code == 200
    document = response.json()
    assert document["swagger"] == "2.0"
    validate_spec(document)


def test_the_committed_snapshot_is_valid_swagger_2(schema):
    validate_spec(copy.deepcopy(schema))  # the validator annotates what it is given


def test_the_committed_snapshot_matches_the_code():
    assert SNAPSHOT_PATH.read_text() == render_schema(), (
        "rest_api/openapi.json is stale: run `manage.py export_openapi_schema`"
    )


def test_the_export_command_check_fails_on_a_stale_snapshot(tmp_path):
    stale = tmp_path / "openapi.json"
    stale.write_text("{}")
    with pytest.raises(CommandError):
        call_command("export_openapi_schema", "--check", "--output", str(stale))


def test_the_snapshot_is_deterministic():
    assert render_schema() == render_schema()


def test_the_schema_documents_exactly_the_rest_table(schema):
    assert schema["basePath"] == "/api/v1"
    assert {key for key, _ in _operations(schema)} == CONTRACT


def test_the_bearer_scheme_is_an_authorization_header(schema):
    assert schema["securityDefinitions"] == {
        "Bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Type `Bearer <access token>`.",
        }
    }
    assert schema["security"] == []


def test_only_protected_operations_require_the_bearer_token(schema):
    for key, operation in _operations(schema):
        expected = None if key in PUBLIC else [{"Bearer": []}]
        assert operation.get("security") == expected, key


def test_protected_operations_document_401_and_429(schema):
    for key, operation in _operations(schema):
        if key not in PUBLIC:
            assert {"401", "429"} <= set(operation["responses"]), key


def test_every_operation_has_a_summary_a_tag_and_a_description(schema):
    for key, operation in _operations(schema):
        assert operation["summary"], key
        assert operation["tags"], key
        assert operation["description"], key
        assert operation["operationId"], key


def test_every_operation_documents_a_success_and_an_error_response(schema):
    for key, operation in _operations(schema):
        statuses = {int(status) for status in operation["responses"]}
        assert any(200 <= s < 300 for s in statuses), key
        assert any(s >= 400 for s in statuses), key


def test_every_error_response_has_the_error_body_and_an_example(schema):
    codes = set(schema["definitions"]["ErrorItem"]["properties"]["code"]["enum"])
    for key, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            assert response["schema"] == {"$ref": "#/definitions/Error"}, key
            (example,) = response["examples"]["application/json"]["errors"]
            assert example["code"] in codes, key
            assert set(example) == {"field", "code", "message"}, key


def test_operations_with_a_body_document_the_body_errors(schema):
    for key, operation in _operations(schema):
        if any(p["in"] in ("body", "formData") for p in operation["parameters"]):
            assert {"400", "413", "415"} <= set(operation["responses"]), key


def test_input_bodies_refuse_undeclared_fields(schema):
    for name, definition in schema["definitions"].items():
        if name.endswith("Input"):
            assert definition["additionalProperties"] is False, name


def test_the_avatar_upload_is_multipart(schema):
    operation = schema["paths"]["/users/me/avatar/"]["put"]
    assert operation["consumes"] == ["multipart/form-data"]
    assert operation["parameters"][0]["type"] == "file"


def test_the_user_list_documents_its_filters_and_pagination(schema):
    operation = schema["paths"]["/users/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"search", "is_active", "limit", "after", "before"}
    page = schema["definitions"]["UserPage"]["properties"]
    assert set(page) == {"next", "previous", "results"}


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_render(api, path):
    response = api.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_swagger_ui_loads_the_schema_with_its_query(api):
    response = api.get("/api/docs/?format=openapi")
    assert response.status_code == 200
    assert response.json()["swagger"] == "2.0"


# --- What the services enforce is declared (issue 13, item 4) ----------------------


def _body(schema, operation_path, method):
    operation = schema["paths"][operation_path][method]
    (body,) = [p for p in operation["parameters"] if p["in"] == "body"]
    ref = body["schema"]["$ref"].rpartition("/")[2]
    return body, schema["definitions"][ref]["properties"]


def test_new_passwords_declare_the_length_the_validators_enforce(schema):
    for path, method, field in [
        ("/auth/register/", "post", "password"),
        ("/auth/password/reset/confirm/", "post", "new_password"),
        ("/users/me/password/", "post", "new_password"),
    ]:
        _, properties = _body(schema, path, method)
        assert properties[field]["minLength"] == 10
        assert properties[field]["maxLength"] == 128


def test_every_request_string_declares_the_no_control_characters_pattern(schema):
    for definition in schema["definitions"].values():
        for name, prop in definition.get("properties", {}).items():
            body = definition.get("additionalProperties") is False
            if body and prop.get("type") == "string" and not prop.get("readOnly"):
                assert "pattern" in prop, name


def test_register_email_is_a_non_blank_address(schema):
    _, properties = _body(schema, "/auth/register/", "post")
    assert properties["email"]["format"] == "email"
    assert properties["email"]["minLength"] == 1


def test_empty_successes_claim_no_media_type(schema):
    assert "produces" not in schema
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            successes = [
                r for s, r in operation["responses"].items() if s.startswith("2")
            ]
            has_body = any("schema" in r for r in successes)
            assert (operation.get("produces") == ["application/json"]) == has_body, (
                method,
                path,
            )


def test_the_profile_patch_body_is_optional(schema):
    body, _ = _body(schema, "/users/me/", "patch")
    assert body["required"] is False


def test_the_avatar_help_offers_only_the_accepted_formats(schema):
    assert "GIF" not in json.dumps(schema)
