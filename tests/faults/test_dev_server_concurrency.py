"""``make run``'s embedded defaults under concurrent writes: no 5xx.

The dev settings (SQLite, local-memory caches, eager in-process tasks, console
email) served by ``manage.py runserver``, threaded as ``make run`` runs it, on
a SQLite file of this test's own. Concurrent refreshes of one token and
concurrent profile edits used to answer 500 ``database is locked``; with WAL,
``BEGIN IMMEDIATE`` and a busy timeout (core/settings/base.py) writers queue.
A 503 would be the same bug in disguise (a locked SQLite is an
``OperationalError``, which the outage mapping answers with 503), so any 5xx
fails.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.services.live import DevServer

pytestmark = pytest.mark.http

CONCURRENCY = 10
PASSWORD = "dev-server-passphrase-93"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    server = DevServer(database=tmp_path_factory.mktemp("dev-db") / "db.sqlite3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _post(server, path: str, payload: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _, body = server.post_json(path, payload, headers)
    return status, json.loads(body) if body else {}


def _at_once(count: int, call) -> list[tuple[int, dict]]:
    """Run ``call(i)`` in ``count`` threads released together."""
    barrier = threading.Barrier(count)

    def released(i: int):
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count)))


def _session(server, email: str) -> dict:
    status, body = _post(
        server, "/api/v1/auth/register/", {"email": email, "password": PASSWORD}
    )
    assert status == 201, body
    status, pair = _post(
        server, "/api/v1/auth/token/", {"email": email, "password": PASSWORD}
    )
    assert status == 200, pair
    return pair


def test_concurrent_refreshes_of_one_token_give_no_5xx(dev_server):
    pair = _session(dev_server, "refresh.race@example.com")
    answers = _at_once(
        CONCURRENCY,
        lambda _: _post(
            dev_server, "/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}
        ),
    )
    statuses = [status for status, _ in answers]
    # Racing tabs within REFRESH_TOKEN_REUSE_INTERVAL: one refresh rotates,
    # the others get that same current pair, so every tab goes on with one chain.
    assert statuses == [200] * CONCURRENCY, answers
    assert len({body["refresh"] for _, body in answers}) == 1, answers


def test_concurrent_profile_edits_give_no_5xx(dev_server):
    pair = _session(dev_server, "profile.race@example.com")
    auth = {
        "Authorization": f"Bearer {pair['access']}",
        "Content-Type": "application/json",
    }

    def edit(i: int):
        body = json.dumps({"name": f"Name {i}", "bio": f"Bio {i}"}).encode()
        status, _, raw = dev_server.request("PATCH", "/api/v1/users/me/", body, auth)
        return status, json.loads(raw)

    answers = _at_once(CONCURRENCY, edit)
    assert [status for status, _ in answers] == [200] * CONCURRENCY, answers
    status, _, raw = dev_server.request("GET", "/api/v1/users/me/", None, auth)
    assert status == 200
    assert json.loads(raw)["name"] in {f"Name {i}" for i in range(CONCURRENCY)}
