"""The REST surface answers every failure with the shared JSON error body."""

import logging

import pytest
from django.test import RequestFactory

from core import views as core_views
from tests.rest.utils import codes
from users import services

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/users/me/"


def test_malformed_json_answers_400_invalid_input(api):
    response = api.post(TOKEN, '{"email": ', content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", None)]


def test_deeply_nested_json_answers_400_not_500(api):
    response = api.post(TOKEN, "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", None)]


def test_a_json_array_instead_of_an_object_answers_400(api):
    response = api.post(TOKEN, "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", None)]


def test_a_nul_character_in_a_field_answers_400(api):
    response = api.post(TOKEN, {"email": "a\x00@example.com", "password": "x"})
    assert codes(response) == [("INVALID_INPUT", "email")]


def test_a_wrong_content_type_answers_415(api):
    response = api.post(TOKEN, "email=a", content_type="text/plain")
    assert response.status_code == 415
    assert codes(response) == [("UNSUPPORTED_MEDIA_TYPE", None)]


def test_form_encoded_bodies_answer_415(api):
    response = api.post(TOKEN, {"email": "a"}, format="multipart")
    assert response.status_code == 415


def test_a_body_over_one_megabyte_answers_413(api):
    body = '{"email": "' + "x" * (1024 * 1024) + '"}'
    response = api.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 413
    assert codes(response) == [("FILE_TOO_LARGE", None)]


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/nothing/", "/api/v2/users/", "/nowhere/"]
)
def test_an_unknown_path_answers_json_404(api, path):
    response = api.post(path, {})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert codes(response) == [("NOT_FOUND", None)]


def test_a_wrong_method_answers_json_405_with_allow(api):
    response = api.get(TOKEN)
    assert response.status_code == 405
    assert codes(response) == [("METHOD_NOT_ALLOWED", None)]
    assert "POST" in response["Allow"]


def test_asking_for_html_still_gets_json(api):
    response = api.get(ME, HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_an_unknown_format_suffix_still_gets_json(api):
    response = api.get(ME + "?format=xml")
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]


def test_an_unexpected_exception_answers_json_500_and_is_logged(
    api, monkeypatch, caplog
):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "login", explode)
    with caplog.at_level(logging.ERROR, logger="rest_api.errors"):
        response = api.post(TOKEN, {"email": "a@example.com", "password": "x"})
    assert response.status_code == 500
    assert codes(response) == [("INTERNAL_ERROR", None)]
    assert "boom" not in response.content.decode()
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


def test_the_django_500_handler_answers_json():
    response = core_views.server_error(RequestFactory().get("/api/v1/users/me/"))
    assert response.status_code == 500
    assert codes(response) == [("INTERNAL_ERROR", None)]


def test_the_django_400_handler_answers_json():
    response = core_views.bad_request(RequestFactory().get("/"), Exception())
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", None)]


def test_the_django_403_handler_answers_json():
    response = core_views.permission_denied(RequestFactory().get("/"), Exception())
    assert codes(response) == [("FORBIDDEN", None)]


def test_an_unknown_key_that_is_no_field_name_is_reported_without_a_field(api):
    response = api.post(TOKEN, {"email": "a@example.com", "password": "x", "": 1})
    assert codes(response) == [("INVALID_INPUT", None)]


def test_an_unknown_api_path_answers_json_404_even_with_debug_on(api, settings):
    settings.DEBUG = True
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert codes(response) == [("NOT_FOUND", None)]


def test_a_path_without_its_trailing_slash_says_so(api):
    response = api.get("/api/v1/users/me")
    assert response.status_code == 404
    assert "slash" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("levels", [40, 900, 1000, 100_000])
def test_deeply_nested_json_is_a_400_like_on_graphql(api, levels):
    body = '{"email": ' + "[" * levels + "]" * levels + ', "password": "x"}'
    response = api.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_INPUT"
    assert "nests deeper" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_a_400(api, constant):
    response = api.generic(
        "POST",
        "/api/v1/auth/token/",
        '{"email": ' + constant + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
