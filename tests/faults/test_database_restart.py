"""PostgreSQL restarted under traffic, through gunicorn with production settings.

While the database is down every request that needs it fails at once with the
JSON ``503 SERVICE_UNAVAILABLE`` (both surfaces, ``Retry-After`` set), never a
500 nor a hang; once it is back the same gunicorn process serves again: its
persistent connections (``CONN_MAX_AGE``) died with the server and are
replaced (``CONN_HEALTH_CHECKS``), with no restart of the web process.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from tests.factories import UserFactory
from tests.graphql.client import login
from tests.services.live import AppServer, production_app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.http]

ME_QUERY = {"query": "{ me { email } }"}


@pytest.fixture
def server(django_db_blocker):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = production_app(name, workers=2)
    # Persistent connections, as deployed: they die with the server.
    app.env["CONN_MAX_AGE"] = "60"
    app.start()
    try:
        yield app
    finally:
        app.stop()


class Traffic(threading.Thread):
    """Authenticated reads and writes on both surfaces, one after another."""

    def __init__(self, server: AppServer, access: str) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.auth = {"Authorization": f"Bearer {access}"}
        self.stopping = threading.Event()
        self.results: list[tuple[str, int, dict]] = []
        self.lock = threading.Lock()

    def requests(self):
        yield (
            "rest-me",
            lambda: self.server.request("GET", "/api/v1/users/me/", None, self.auth),
        )
        yield (
            "graphql-me",
            lambda: self.server.post_json("/graphql/", ME_QUERY, self.auth),
        )
        yield (
            "rest-edit",
            lambda: self.server.request(
                "PATCH",
                "/api/v1/users/me/",
                json.dumps({"name": "Edited"}).encode(),
                {**self.auth, "Content-Type": "application/json"},
            ),
        )

    def run(self) -> None:
        while not self.stopping.is_set():
            for name, send in self.requests():
                status, headers, body = send()
                with self.lock:
                    self.results.append(
                        (name, status, _outage_details(status, headers, body))
                    )

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for _, s, _ in self.results if s == status)

    def wait_for(self, status: int, more: int, timeout: float = 30.0) -> None:
        target = self.count(status) + more
        deadline = time.monotonic() + timeout
        while self.count(status) < target:
            if time.monotonic() > deadline or not self.is_alive():
                raise AssertionError(f"no {more} more {status} answers in {timeout}s")
            time.sleep(0.05)


def _outage_details(status: int, headers: dict[str, str], body: bytes) -> dict:
    if status != 503:
        return {}
    answer = json.loads(body)
    lower = {k.lower(): v for k, v in headers.items()}
    error = answer["errors"][0]
    code = error.get("code") or error.get("extensions", {}).get("code")
    return {"code": code, "retry_after": lower.get("retry-after")}


def test_postgres_restarted_under_traffic_fails_fast_with_503_and_recovers(
    server, postgres_server, fault_figures
):
    user = UserFactory()
    access = login(user).access
    arbiter = server.process.pid
    traffic = Traffic(server, access)
    traffic.start()
    try:
        traffic.wait_for(200, more=6)
        postgres_server.halt()
        try:
            traffic.wait_for(503, more=9)
            # A plain Django view (the admin reading its session) gets the
            # same JSON 503 from the middleware.
            status, headers, body = server.request(
                "GET", "/admin/", None, {"Cookie": "sessionid=no-such-session"}
            )
            assert (status, _outage_details(status, headers, body)) == (
                503,
                {"code": "SERVICE_UNAVAILABLE", "retry_after": "5"},
            )
        finally:
            postgres_server.start()
        traffic.wait_for(200, more=9)
    finally:
        traffic.stopping.set()
        traffic.join(timeout=30)
        connections.close_all()  # this process's connection died with the server

    statuses = Counter(status for _, status, _ in traffic.results)
    assert set(statuses) == {200, 503}, statuses
    outages = [details for _, status, details in traffic.results if status == 503]
    assert all(
        d == {"code": "SERVICE_UNAVAILABLE", "retry_after": "5"} for d in outages
    ), outages
    refused = {name for name, status, _ in traffic.results if status == 503}
    assert refused == {"rest-me", "graphql-me", "rest-edit"}
    assert server.process.poll() is None
    assert server.process.pid == arbiter
    fault_figures.append(
        f"PostgreSQL restarted under traffic: {len(traffic.results)} requests, "
        f"by status {dict(sorted(statuses.items()))}"
    )
