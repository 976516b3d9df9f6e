import tomllib
from pathlib import Path

import pytest

from core.index import links
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _pyproject_version() -> str:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    return tomllib.loads(pyproject.read_text())["project"]["version"]


def test_the_root_answers_a_json_index_with_name_version_and_links(client):
    response = client.get("/", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["name"] == "Accounts API"
    assert body["version"] == _pyproject_version()
    assert body["links"]["graphql"] == "/graphql/"
    assert body["links"]["swagger_ui"] == "/api/docs/"
    assert body["links"]["openapi_schema"] == "/api/schema.json"
    assert body["links"]["health"] == "/healthz/"


def test_the_root_answers_json_without_any_accept_header(client):
    assert client.get("/")["Content-Type"] == "application/json"


def test_a_browser_gets_a_plain_page_with_the_same_links(client):
    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    page = response.content.decode()
    for href in set(links().values()):
        assert f'href="{href}"' in page or href == "/api/v1/"
    assert "<script" not in page


@pytest.mark.parametrize("name", ["graphql", "swagger_ui", "redoc", "openapi_schema"])
def test_every_link_of_the_index_leads_somewhere(client, name):
    response = client.get(links()[name], HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200


def test_only_get_is_allowed_on_the_root_and_the_refusal_is_json(client):
    response = client.post("/", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["errors"][0]["code"] == "METHOD_NOT_ALLOWED"


def test_the_graphiql_link_is_only_offered_where_graphiql_is_on(client, settings):
    settings.GRAPHIQL_ENABLED = False
    assert "graphiql" not in client.get("/").json()["links"]


def test_a_host_outside_allowed_hosts_answers_json_in_the_error_shape(client):
    response = client.get("/healthz/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": [{"field": None, "code": "INVALID_INPUT", "message": "Bad request."}]
    }


def test_a_permission_denied_outside_drf_answers_json_in_the_error_shape(client):
    """handler403: the admin refuses a staff member without model permissions."""
    client.force_login(StaffFactory(is_superuser=False))
    response = client.get("/admin/users/user/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "FORBIDDEN"


def test_too_many_form_fields_answer_json_in_the_error_shape(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = client.post(
        "/admin/login/", "a=1&b=2&c=3&d=4", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_INPUT"


def test_the_favicon_is_an_empty_answer_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 204
    assert "max-age" in response["Cache-Control"]
