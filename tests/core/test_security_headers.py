import pytest

from core.security import API_POLICY

ALLOWED = "https://app.example.test"


def test_every_response_carries_the_baseline_security_headers(client):
    response = client.get("/healthz/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == API_POLICY
    assert "camera=()" in response["Permissions-Policy"]


def test_production_settings_turn_on_hsts(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "s" * 60)
    monkeypatch.setenv("ALLOWED_HOSTS", "api.example.com")
    sys.modules.pop("core.settings.production", None)
    production = importlib.import_module("core.settings.production")
    try:
        assert production.SECURE_HSTS_SECONDS >= 31536000
        assert production.SECURE_SSL_REDIRECT is True
        assert production.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    finally:
        sys.modules.pop("core.settings.production", None)


def _preflight(client, origin: str, path: str = "/graphql/"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


def test_a_preflight_from_an_allowed_origin_may_send_authorization(client):
    response = _preflight(client, ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("path", ["/graphql/", "/api/v1/auth/token/"])
def test_an_unknown_origin_gets_no_cors_headers(client, path):
    response = _preflight(client, "https://evil.example", path)
    assert "Access-Control-Allow-Origin" not in response


def test_cors_never_allows_every_origin_with_credentials(settings):
    assert "*" not in settings.CORS_ALLOWED_ORIGINS
    assert not (
        settings.CORS_ALLOW_CREDENTIALS
        and getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)
    )


HTML_PAGES = ["/graphql/", "/api/docs/", "/api/redoc/", "/admin/login/", "/"]


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_allows_scripts_from_this_origin_only(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for values in policy.values():
        assert not [v for v in values if "://" in v or v in {"https:", "http:"}]


@pytest.mark.django_db
@pytest.mark.parametrize("path", HTML_PAGES)
def test_no_html_page_carries_an_inline_script_or_an_external_file(client, path):
    import re

    page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page)


@pytest.mark.django_db
def test_graphiql_loads_every_vendored_file_with_its_integrity_hash(client):
    from core.vendor import page_assets

    page = client.get("/graphql/", HTTP_ACCEPT="text/html").content.decode()
    assets = page_assets("graphiql")
    assert {a.static_path.rsplit("/", 1)[1] for a in assets} >= {
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
    }
    for asset in assets:
        assert f'integrity="{asset.integrity}"' in page


def test_vendored_files_match_the_hashes_recorded_in_the_manifest():
    from core.management.commands.refresh_vendored_assets import mismatches

    assert mismatches() == []


def test_vendored_graphiql_is_the_release_graphene_django_pins():
    """The same bytes graphene-django's CDN page names (its SRI values, sha256)."""
    import base64
    import hashlib

    from graphene_django.views import GraphQLView

    from core.vendor import STATIC_ROOT, static_path

    def sha256(name: str, version: str, file: str) -> str:
        content = (STATIC_ROOT / static_path(name, version, file)).read_bytes()
        return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()

    view = GraphQLView
    assert sha256("graphiql", view.graphiql_version, "graphiql.min.js") == (
        view.graphiql_sri
    )
    assert sha256("react", view.react_version, "umd/react.production.min.js") == (
        view.react_sri
    )
