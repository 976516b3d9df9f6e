"""gunicorn's preload: warm workers, and no socket shared across a fork.

With ``preload_app`` the master imports and warms the app, then forks. If the
master held a PostgreSQL or Redis connection at that moment, every worker would
inherit the same socket and their queries would interleave on it. These tests
run the real gunicorn config on the suite's databases and look at the sockets
each process actually holds (``/proc``), after both workers have served
authenticated requests (one session lookup in PostgreSQL, one rate-limit call
in Redis each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.rest.utils import login
from tests.services.live import AppServer, database_url, production_app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = production_app(name, workers=2)
    app.env.update(
        {
            "MFA_REQUIRED_FOR_STAFF": "false",
            # Counted (a Redis call per request) but never reached, whatever
            # other tests spent from 127.0.0.1 in the same minute.
            "RATE_LIMITS": json.dumps(
                {"general": ["100000000/m user", "100000000/m ip"]}
            ),
        }
    )
    # Whatever the caller's shell says, the config's own default is under test.
    os.environ.pop("GUNICORN_PRELOAD", None)
    app.start()
    try:
        yield app
    finally:
        app.stop()


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _tcp_peers(pid: int) -> dict[int, int]:
    """Map each TCP socket inode of ``pid``'s network namespace to its remote port."""
    peers = {}
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            peers[int(fields[9])] = remote_port
    return peers


def _connections_to(pid: int, port: int) -> set[int]:
    peers = _tcp_peers(pid)
    return {inode for inode in _socket_inodes(pid) if peers.get(inode) == port}


def _workers(server: AppServer, count: int) -> list[int]:
    """The master's ``count`` children, waiting for the last fork if need be."""
    assert server.process is not None
    master = server.process.pid
    deadline = time.monotonic() + 30
    while True:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) >= count or time.monotonic() > deadline:
            return [int(pid) for pid in children]
        time.sleep(0.1)


def _ports() -> tuple[int, int]:
    postgres = urlsplit(os.environ["DATABASE_URL"]).port
    redis = urlsplit(os.environ["REDIS_URL"]).port
    assert postgres
    assert redis
    return postgres, redis


def test_each_worker_holds_its_own_database_and_redis_connections(server, user):
    access = login(user).access
    headers = {"Authorization": f"Bearer {access}"}
    postgres, redis = _ports()
    workers = _workers(server, 2)
    assert len(workers) == 2

    def me(_):
        return server.request("GET", "/api/v1/users/me/", headers=headers)[0]

    held: dict[int, tuple[set[int], set[int]]] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _attempt in range(20):
            statuses = list(pool.map(me, range(40)))
            assert set(statuses) == {200}, statuses
            held = {
                pid: (_connections_to(pid, postgres), _connections_to(pid, redis))
                for pid in workers
            }
            if all(pg and rd for pg, rd in held.values()):
                break
    assert all(pg and rd for pg, rd in held.values()), held

    master = server.process.pid
    assert not _connections_to(master, postgres)
    assert not _connections_to(master, redis)
    (pg_a, redis_a), (pg_b, redis_b) = held.values()
    assert not pg_a & pg_b
    assert not redis_a & redis_b


def test_the_config_preloads_and_recycles_workers_far_apart():
    probe = (
        "import runpy; ns = runpy.run_path('docker/gunicorn.conf.py'); "
        "print(ns['preload_app'], ns['max_requests'], ns['max_requests_jitter'])"
    )
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    preload, limit, jitter = result.stdout.split()
    assert preload == "True"
    # Workers draw their limits from [limit, limit + jitter]: spread wide.
    assert int(limit) >= 10_000
    assert int(jitter) >= int(limit) // 2


WARM_UP_PROBE = """
import json, sys
import django
django.setup()
from django.db import connections
connections["default"].ensure_connection()
from core.warmup import warm_up
warm_up()
print(json.dumps({
    "open": connections["default"].connection is not None,
    "modules": [m for m in ("rest_api.users.views", "graphql_api.schema", "argon2")
                if m in sys.modules],
}))
"""


def test_warm_up_imports_the_views_and_leaves_no_database_connection_open():
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings.production",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(name),
    }
    result = subprocess.run(
        [sys.executable, "-c", WARM_UP_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["open"] is False
    assert answer["modules"] == ["rest_api.users.views", "graphql_api.schema", "argon2"]
