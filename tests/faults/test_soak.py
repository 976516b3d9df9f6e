"""A bounded soak: mixed traffic through gunicorn while Redis and the worker restart.

Client threads register, log in (a new device: a sign-in notice), refresh,
read and edit the profile and request password resets through gunicorn, on
the suite's PostgreSQL and Redis, for ``SOAK_SECONDS`` (default 100). Emails go
through the outbox to a ``celery worker`` and a local SMTP server; the relay
runs as ``manage.py relay_outbox --loop`` (the cron-only deployment). Midway
Redis restarts without persistence (its queue and counters are lost), later
the worker restarts.

Passes when no answer is a 5xx other than the documented 503
``SERVICE_UNAVAILABLE`` (fail-closed operations while Redis is down), no
connection is dropped, every outbox row is finished, none failed, and the
SMTP server received each delivered message exactly once (by Message-ID).
The figures are printed (``-s`` shows them; ``-ra`` keeps them in the report).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import count

import pytest
from django.conf import settings
from django.db import connection

from tasks.outbox import message_id_header
from tests.services.live import ROOT, AppServer, database_url
from tests.services.worker import celery_worker, worker_env
from users.models import OutboxMessage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.http,
    pytest.mark.soak,
]

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "100"))
CLIENTS = 4
PASSWORD = "soak-passphrase-4821"
#: Re-publish after seconds, not minutes, so what Redis lost comes back quickly.
OUTBOX_ENV = {
    "OUTBOX_DELIVERY_TIMEOUT": "5",
    "OUTBOX_REPUBLISH_BACKOFF_MAX": "10",
    "OUTBOX_PUBLISH_GRACE": "2",
}
#: Budgets one loopback address can soak in; the limiter still runs (and fails
#: closed while Redis is down).
RATE_LIMITS = {
    name: ["1000000/m ip"]
    for name in (
        "register",
        "login",
        "login_known_device",
        "refresh",
        "password_reset_request",
        "general",
    )
}
ALLOWED = {200, 201, 202, 204, 400, 401, 429, 503}


@dataclass
class Figures:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def record(self, operation: str, status: int, body: bytes) -> dict:
        answer: dict = {}
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        with self.lock:
            self.statuses[status] += 1
            self.by_operation[(operation, status)] += 1
            if status not in ALLOWED:
                self.problems.append(f"{operation}: {status} {body[:200]!r}")
            elif status == 503:
                codes = [e.get("code") for e in answer.get("errors", [])]
                if codes != ["SERVICE_UNAVAILABLE"]:
                    self.problems.append(f"{operation}: 503 {body[:200]!r}")
        return answer

    def dropped(self, operation: str, exc: Exception) -> None:
        with self.lock:
            self.statuses["dropped"] += 1
            self.problems.append(f"{operation}: {type(exc).__name__} {exc}")


class Client(threading.Thread):
    def __init__(self, server: AppServer, figures: Figures, numbers, stop) -> None:
        super().__init__(daemon=True)
        self.server, self.figures, self.numbers, self.stop = (
            server,
            figures,
            numbers,
            stop,
        )

    def call(
        self, operation, method, path, payload=None, token=None
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps(payload).encode() if payload is not None else None
        try:
            status, _, raw = self.server.request(method, path, body, headers)
        except OSError as exc:
            self.figures.dropped(operation, exc)
            return 0, {}
        answer = self.figures.record(operation, status, raw)
        if status == 503:
            time.sleep(0.2)  # a client told to come back later pauses
        return status, answer

    def run(self) -> None:
        while not self.stop.is_set():
            email = f"soak{next(self.numbers)}@example.com"
            status, _ = self.call(
                "register",
                "POST",
                "/api/v1/auth/register/",
                {"email": email, "password": PASSWORD},
            )
            if status != 201:
                continue
            status, pair = self.call(
                "login",
                "POST",
                "/api/v1/auth/token/",
                {"email": email, "password": PASSWORD},
            )
            if status != 200:
                continue
            status, refreshed = self.call(
                "refresh",
                "POST",
                "/api/v1/auth/token/refresh/",
                {"refresh": pair["refresh"]},
            )
            access = refreshed.get("access", pair["access"])
            self.call("profile", "GET", "/api/v1/users/me/", token=access)
            self.call(
                "profile_edit",
                "PATCH",
                "/api/v1/users/me/",
                {"name": "Soak Tester"},
                token=access,
            )
            self.call(
                "graphql_me", "POST", "/graphql/", {"query": "{ me { email } }"}, access
            )
            # The same device again: a known device gets no sign-in notice.
            status, again = self.call(
                "login_known_device",
                "POST",
                "/api/v1/auth/token/",
                {
                    "email": email,
                    "password": PASSWORD,
                    "device_token": pair.get("device_token", ""),
                },
            )
            if status == 200:
                self.call(
                    "refresh",
                    "POST",
                    "/api/v1/auth/token/refresh/",
                    {"refresh": again["refresh"]},
                )
                self.call("profile", "GET", "/api/v1/users/me/", token=again["access"])
            self.call("reset", "POST", "/api/v1/auth/password/reset/", {"email": email})


@pytest.fixture
def stack(django_db_blocker, smtp_server, tmp_path):
    """gunicorn, a worker and a relay on the suite's PostgreSQL and Redis."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    smtp_server.reset()
    app = AppServer(
        env={
            "DJANGO_SETTINGS_MODULE": "core.settings.test",
            "DATABASE_URL": database_url(name),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "RATE_LIMITS": json.dumps(RATE_LIMITS),
            "GUNICORN_ACCESS_LOG": "",
            **OUTBOX_ENV,
        },
        workers=2,
    )
    app.start()
    relay_log = (tmp_path / "relay.log").open("w")
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "relay_outbox", "--loop", "1"],
        cwd=ROOT,
        env=worker_env(smtp_server.url, **OUTBOX_ENV),
        stdout=relay_log,
        stderr=subprocess.STDOUT,
    )
    try:
        with celery_worker(smtp_server.url, env=OUTBOX_ENV) as worker:
            yield app, worker
    finally:
        relay.terminate()
        relay.wait(timeout=15)
        relay_log.close()
        app.stop()


def _wait_until_finished(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while OutboxMessage.objects.filter(status="pending").exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def test_mixed_traffic_survives_redis_and_worker_restarts(
    stack, redis_server, smtp_server, fault_figures
):
    app, worker = stack
    figures, stop, numbers = Figures(), threading.Event(), count()
    clients = [Client(app, figures, numbers, stop) for _ in range(CLIENTS)]
    started = time.monotonic()
    for client in clients:
        client.start()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + SOAK_SECONDS * fraction - time.monotonic()))

    at(0.3)
    redis_server.stop()
    time.sleep(3)
    redis_server.start()
    at(0.6)
    worker.stop()
    worker.start()
    at(1.0)
    stop.set()
    for client in clients:
        client.join(timeout=30)
    traffic_seconds = time.monotonic() - started
    _wait_until_finished(timeout=60)

    rows = Counter(OutboxMessage.objects.values_list("status", flat=True))
    delivered_ids = {
        message_id_header(row)
        for row in OutboxMessage.objects.filter(status="delivered")
    }
    copies = smtp_server.copies_by_message_id()
    requests = sum(v for k, v in figures.statuses.items() if k != "dropped")
    fault_figures.append(
        f"Soak: {traffic_seconds:.0f}s of traffic, {requests} requests, "
        f"{figures.statuses.get('dropped', 0)} dropped; by status "
        f"{dict(sorted((str(k), v) for k, v in figures.statuses.items()))}; "
        f"503s by operation "
        f"{ {op: n for (op, s), n in figures.by_operation.items() if s == 503} }; "
        f"outbox rows {dict(rows)}; emails recorded {len(delivered_ids)}, "
        f"delivered {sum(copies.values())} ({len(copies)} distinct Message-IDs)"
    )
    assert figures.problems == [], figures.problems[:20]
    assert rows.get("pending", 0) == 0, rows
    assert rows.get("failed", 0) == 0, rows
    assert delivered_ids, "the soak sent no email at all"
    assert set(copies) == delivered_ids
    assert set(copies.values()) == {1}
    assert settings.CELERY_BROKER_URL  # the stack ran on the real broker
