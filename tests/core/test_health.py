import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.services.servers import free_port
from tests.services.worker import current_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: pytest-django raises on any database access here.
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_answers_ok_when_database_and_redis_answer(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "outbox": "ok"},
        "outbox": {"pending": 0, "oldest_pending_seconds": None},
    }


def _readyz_in_subprocess(env: dict[str, str]) -> tuple[int, dict]:
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client(HTTP_HOST='localhost').get('/readyz/'); "
        "print(r.status_code); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "core.settings.dev",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    return int(status), json.loads(body)


def test_readyz_answers_503_naming_the_database_when_it_is_unreachable():
    status, body = _readyz_in_subprocess(
        {"DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/nothing"}
    )
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("fail")


@pytest.mark.django_db
def test_readyz_answers_503_naming_redis_when_it_is_unreachable():
    status, body = _readyz_in_subprocess(
        {
            "DATABASE_URL": current_database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    assert status == 503
    assert body["checks"] == {
        "database": "ok",
        "redis": body["checks"]["redis"],
        "outbox": "ok",
    }
    assert body["checks"]["redis"].startswith("fail")


@pytest.mark.django_db
def test_readyz_reports_the_outbox_backlog_and_its_oldest_message(client):
    from users import outbox
    from users.models import OutboxMessage

    outbox.enqueue("password_reset", {"email": "a@example.com"})  # not committed:
    outbox.enqueue("password_reset", {"email": "b@example.com"})  # never published
    OutboxMessage.objects.filter(pk=OutboxMessage.objects.first().pk).update(
        created_at=timezone.now() - timedelta(seconds=90)
    )
    response = client.get("/readyz/")
    assert response.status_code == 200
    backlog = response.json()["outbox"]
    assert backlog["pending"] == 2
    assert 90 <= backlog["oldest_pending_seconds"] < 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"OUTBOX_READY_MAX_AGE": 60}, "older than 60s"),
        ({"OUTBOX_READY_MAX_PENDING": 1}, "more than 1 undelivered"),
    ],
)
def test_readyz_answers_503_when_the_outbox_backlog_passes_a_threshold(
    client, settings, overrides, reason
):
    from users import outbox

    for address in ("a@example.com", "b@example.com"):
        outbox.enqueue("password_reset", {"email": address})
    from users.models import OutboxMessage

    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    for name, value in overrides.items():
        setattr(settings, name, value)
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert reason in response.json()["checks"]["outbox"]


@pytest.mark.django_db
def test_readyz_ignores_the_backlog_when_its_thresholds_are_off(client, settings):
    from users import outbox
    from users.models import OutboxMessage

    outbox.enqueue("password_reset", {"email": "a@example.com"})
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(days=5))
    settings.OUTBOX_READY_MAX_AGE = 0
    settings.OUTBOX_READY_MAX_PENDING = 0
    assert client.get("/readyz/").status_code == 200
