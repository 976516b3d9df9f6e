"""A client that reaches gunicorn directly cannot choose its own address.

The real server: gunicorn with docker/gunicorn.conf.py and the production
settings, on the suite's PostgreSQL and Redis, with NUM_TRUSTED_PROXIES left at
its production default.
"""

import pytest

from tests.services.web import gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), gunicorn_server() as web:
        yield web


def test_a_forged_forwarded_for_does_not_escape_the_per_ip_login_budget(server):
    statuses = []
    for i in range(25):
        answer = server.request(
            "POST",
            "/api/v1/auth/token/",
            {"email": f"nobody{i}@example.com", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"198.18.{i}.1"},
        )
        statuses.append(answer.status)
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 5


def test_a_forged_forwarded_for_does_not_escape_the_registration_budget(server):
    statuses = [
        server.request(
            "POST",
            "/api/v1/auth/register/",
            {"email": f"farm{i}@example.com", "password": "a-long-passphrase-1"},
            headers={"X-Forwarded-For": f"198.19.{i}.1"},
        ).status
        for i in range(12)
    ]
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429, 429]


def test_the_sessions_list_shows_the_real_address(server):
    server.request(
        "POST",
        "/api/v1/auth/register/",
        {"email": "sessions@example.com", "password": "a-long-passphrase-1"},
    )
    tokens = server.request(
        "POST",
        "/api/v1/auth/token/",
        {"email": "sessions@example.com", "password": "a-long-passphrase-1"},
        headers={"X-Forwarded-For": "8.8.8.8"},
    ).json()
    sessions = server.request(
        "GET",
        "/api/v1/users/me/sessions/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
    ).json()
    assert [s["ip_address"] for s in sessions] == ["127.0.0.1"]
