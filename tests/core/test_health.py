import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services.servers import free_port

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
        "checks": {"database": "ok", "redis": "ok"},
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


def test_readyz_answers_503_naming_redis_when_it_is_unreachable():
    status, body = _readyz_in_subprocess(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    assert status == 503
    assert body["checks"] == {"database": "ok", "redis": body["checks"]["redis"]}
    assert body["checks"]["redis"].startswith("fail")
