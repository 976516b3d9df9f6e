"""The production settings under gunicorn, reached directly (no nginx in front).

A client that reaches gunicorn itself must not choose its own address with
``X-Forwarded-For``: ``NUM_TRUSTED_PROXIES`` is left at its production default.
"""

import json

import pytest
from django.db import connection

from tests.services.live import production_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = production_app(name)
    app.start()
    try:
        yield app
    finally:
        app.stop()


def _post(server, path, payload, headers=None):
    status, answer_headers, body = server.post_json(path, payload, headers)
    return status, {k.lower(): v for k, v in answer_headers.items()}, body


def test_production_trusts_no_forwarded_for_by_default(monkeypatch):
    monkeypatch.delenv("NUM_TRUSTED_PROXIES", raising=False)
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE'] = "
            "'core.settings.production';"
            "from django.conf import settings; print(settings.NUM_TRUSTED_PROXIES)",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.com",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "0"


def test_a_forged_forwarded_for_does_not_escape_the_per_ip_login_budget(server):
    statuses = [
        _post(
            server,
            "/api/v1/auth/token/",
            {"email": f"nobody{i}@example.com", "password": "wrong-password-1"},
            {"X-Forwarded-For": f"198.18.{i}.1"},
        )[0]
        for i in range(25)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 5


def test_a_forged_forwarded_for_does_not_escape_the_registration_budget(server):
    statuses = [
        _post(
            server,
            "/api/v1/auth/register/",
            {"email": f"farm{i}@example.com", "password": "a-long-passphrase-1"},
            {"X-Forwarded-For": f"198.19.{i}.1"},
        )[0]
        for i in range(12)
    ]
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429, 429]


def test_the_sessions_list_shows_the_real_address_and_answers_no_store(
    server, transactional_db
):
    from tests.factories import DEFAULT_PASSWORD, UserFactory

    user = UserFactory(email="sessions@example.com")
    status, headers, body = _post(
        server,
        "/api/v1/auth/token/",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        {"X-Forwarded-For": "8.8.8.8"},
    )
    assert status == 200
    assert "no-store" in headers["cache-control"]
    access = json.loads(body)["access"]
    status, headers, body = server.request(
        "GET",
        "/api/v1/users/me/sessions/",
        headers={"Authorization": f"Bearer {access}"},
    )
    assert [s["ip_address"] for s in json.loads(body)] == ["127.0.0.1"]
    status, headers, _ = _post(server, "/graphql/", {"query": "{ me { email } }"})
    assert "no-store" in headers["cache-control"]
