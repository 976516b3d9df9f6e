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
