"""The Django admin's login: the API's budgets, no Bearer side door, its own URL."""

import importlib
import json

import pytest
from django.test import Client
from django.urls import clear_url_caches

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.graphql.client import login
from users import services
from users.errors import ServiceError

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def _admin_login(client, email, password, ip="198.51.100.9", **headers):
    return client.post(
        ADMIN_LOGIN,
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def staff_user():
    return StaffFactory(email="staff@example.com", is_superuser=True)


def test_the_admin_login_works_with_the_right_password(staff_user):
    client = Client()
    response = _admin_login(client, staff_user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_wrong_admin_passwords_hit_the_per_email_budget_with_a_429(staff_user):
    client = Client()
    statuses = [
        _admin_login(
            client, staff_user.email, f"wrong-{i}", ip=f"203.0.113.{i + 1}"
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10  # the form again, "wrong password"
    assert statuses[10:] == [429, 429]
    refused = _admin_login(client, staff_user.email, DEFAULT_PASSWORD, ip="192.0.2.1")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not _logged_in(client)


def test_admin_failures_count_against_the_apis_login_budget(staff_user):
    client = Client()
    for i in range(10):
        _admin_login(client, staff_user.email, f"wrong-{i}", ip=f"203.0.113.{i + 1}")
    api = client.post(
        "/api/v1/auth/token/",
        json.dumps({"email": staff_user.email, "password": DEFAULT_PASSWORD}),
        content_type="application/json",
    )
    assert api.status_code == 429


def test_api_failures_count_against_the_admin_login_budget(staff_user, meta):
    for _ in range(10):
        with pytest.raises(ServiceError):
            services.login(email=staff_user.email, password="wrong-pass-1", meta=meta)
    response = _admin_login(Client(), staff_user.email, DEFAULT_PASSWORD)
    assert response.status_code == 429


def test_a_bearer_token_never_logs_into_the_admin(staff_user):
    client = Client()
    access = login(staff_user).access
    response = _admin_login(
        client,
        staff_user.email,
        "wrong-password",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not _logged_in(client)
    page = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert page.status_code == 302  # to the login form


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer a.b.c", "Bearer \u00e9\u00e9", "Basic x"]
)
def test_a_malformed_bearer_header_on_the_admin_login_is_no_500(staff_user, header):
    response = _admin_login(
        Client(), staff_user.email, "wrong-password", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 200


def test_a_non_staff_account_cannot_use_the_admin(db):
    user = UserFactory(email="plain@example.com")
    client = Client()
    response = _admin_login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert not _logged_in(client)


def test_revoking_every_session_ends_the_admin_session_too(staff_user):
    client = Client()
    _admin_login(client, staff_user.email, DEFAULT_PASSWORD)
    assert _logged_in(client)
    services.revoke_all_sessions(user=staff_user)
    assert not _logged_in(client)


@pytest.fixture
def admin_url(settings):
    """Serve the admin under ``settings.ADMIN_URL`` for one test."""
    import core.urls

    def use(prefix: str) -> None:
        settings.ADMIN_URL = prefix
        importlib.reload(core.urls)
        clear_url_caches()

    yield use
    settings.ADMIN_URL = "admin/"
    importlib.reload(core.urls)
    clear_url_caches()


def test_the_admin_url_is_a_setting(admin_url, staff_user):
    admin_url("staff-area-7f3a/")
    client = Client()
    assert client.get("/staff-area-7f3a/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    response = client.post(
        "/staff-area-7f3a/login/",
        {"username": staff_user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("prefix", ["", "/", "api/", "graphql/x/", "a b/", "../x/"])
def test_an_admin_url_that_would_shadow_the_api_refuses_to_start(settings, prefix):
    from django.core.exceptions import ImproperlyConfigured

    from core.admin_login import admin_url_prefix

    settings.ADMIN_URL = prefix
    with pytest.raises(ImproperlyConfigured):
        admin_url_prefix()
