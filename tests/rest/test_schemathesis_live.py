"""Schemathesis ``--checks all`` against the live Swagger document, over real HTTP.

The application runs behind gunicorn on this worker's test database (as in
production: gunicorn's parser, Django's WSGI handler), and schemathesis' own
command line reads ``/api/schema.json`` from it, generates requests from it
(positive and negative data, every phase but the endless ones) and runs every
check, once anonymous and once with a real access token. A clean run means the
document tells the truth: every constraint the API enforces is declared, every
answer is documented as it is sent, and no valid request is refused.
Deterministic (fixed seed, bounded examples), so a failure reproduces.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import StaffFactory
from tests.rest.utils import login
from tests.services.live import ROOT, AppServer, unlimited_test_app

# Committed data, so the server process sees it (and the tables exist).
pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = ROOT / "tests" / "rest" / "schemathesis.toml"
SEED = 20261202
MAX_EXAMPLES = 8


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """The application behind gunicorn, on this worker's test database.

    Rate limits are off so that generated requests reach the services (the
    limits have their own tests); 429s would only hide what lies behind.
    """
    with unlimited_test_app(django_db_blocker) as app:
        yield app


def schemathesis_run(
    server: AppServer, config: Path, token: str | None = None
) -> subprocess.CompletedProcess:
    """Run ``schemathesis run --checks all`` against the server's document.

    With a ``token``, it is the value of the document's ``Bearer`` security
    scheme (schemathesis' OpenAPI-aware authentication), so every operation
    that declares the scheme gets it and schemathesis' ``ignored_auth`` check
    can still try the same operations without it.
    """
    text = CONFIG.read_text()
    if token is not None:
        text += f'\n[auth.openapi.Bearer]\napi_key = "Bearer {token}"\n'
    config.write_text(text)
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(config),
        "run", f"http://127.0.0.1:{server.port}/api/schema.json",
        "--checks", "all",
        "--seed", str(SEED),
        "--generation-deterministic",
        "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing,stateful",
        "--workers", "1",
        "--no-color",
    ]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )


def _assert_clean(result: subprocess.CompletedProcess, server: AppServer) -> None:
    assert result.returncode == 0, (
        result.stdout + result.stderr + f"\n(server log: {server.log})"
    )
    assert server.errors_logged() == []


def test_schemathesis_finds_nothing_anonymous(server, tmp_path):
    _assert_clean(schemathesis_run(server, tmp_path / "schemathesis.toml"), server)


def test_schemathesis_finds_nothing_with_a_staff_token(server, tmp_path):
    # Staff, so that the staff-only operations are exercised past the 403.
    token = login(StaffFactory()).access
    result = schemathesis_run(server, tmp_path / "schemathesis.toml", token)
    _assert_clean(result, server)


def test_a_long_request_line_gets_the_json_error_not_gunicorn_html(server):
    # 5 KB of cursor: over gunicorn's default 4094-byte line, under nginx's 8 KB.
    status, headers, body = server.request(
        "GET", "/api/v1/users/me/activity/?after=" + "a" * 5000
    )
    assert headers["Content-Type"].startswith("application/json"), body[:200]
    assert status == 401  # anonymous: refused as such, in the API's error shape
