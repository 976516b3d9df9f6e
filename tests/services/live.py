"""The real application behind gunicorn on loopback, on the suite's databases.

For tests that must go over real HTTP (the GraphQL fuzzer): the request passes
through gunicorn's parser and Django's WSGI handler exactly as in production,
and a crash shows up as what a client would see (a 500, a dropped connection),
not as an exception in the test process.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.services.servers import ServiceUnavailable, free_port

ROOT = Path(__file__).resolve().parents[2]


def database_url(name: str) -> str:
    """The suite's PostgreSQL URL, naming database ``name`` (pytest-django's)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class AppServer:
    """``gunicorn core.wsgi:application`` with the given settings and environment."""

    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    log: Path = field(
        default_factory=lambda: (
            Path(tempfile.mkdtemp(prefix="accounts-app-")) / "gunicorn.log"
        )
    )
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn",
                    "--config", str(ROOT / "docker" / "gunicorn.conf.py"),
                    "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(self.workers),
                    "--timeout", "30",
                    "core.wsgi:application",
                ],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceUnavailable(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                if (
                    self.request("GET", "/healthz/")[0] == 200
                    and len(self.worker_pids()) >= self.workers
                ):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise ServiceUnavailable(f"gunicorn did not answer:\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers forked so far (one answering is not all of them)."""
        if self.process is None:
            return []
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def post_json(
        self, path: str, payload: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(payload).encode()  # ensure_ascii: lone surrogates escaped
        return self.request(
            "POST", path, body, {"Content-Type": "application/json", **(headers or {})}
        )

    def log_position(self) -> int:
        return self.log.stat().st_size

    def errors_logged(self, since: int = 0) -> list[str]:
        """Lines logged at ERROR after ``since`` (every unexpected exception is)."""
        with self.log.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if " ERROR " in line]


def production_app(database_name: str, *, workers: int = 1) -> AppServer:
    """The production settings over the suite's database ``database_name``.

    No TLS redirect (plain HTTP on loopback), the test's signing key, warnings
    only in the log; ``NUM_TRUSTED_PROXIES`` stays at its production default.
    """
    from django.conf import settings

    app = AppServer(
        env={
            "DJANGO_SETTINGS_MODULE": "core.settings.production",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url(database_name),
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": "",
        },
        workers=workers,
    )
    app.env.pop("NUM_TRUSTED_PROXIES", None)
    return app


@contextmanager
def unlimited_test_app(django_db_blocker: Any) -> Iterator[AppServer]:
    """Run the application behind gunicorn on this worker's test database.

    Rate limits are off so that generated requests reach the services (the
    limits have their own tests). For module-scoped fixtures of the fuzzers.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = AppServer(
        env={
            "DJANGO_SETTINGS_MODULE": "core.settings.test",
            "DATABASE_URL": database_url(name),
            "RATELIMIT_ENABLE": "false",
        }
    )
    app.start()
    try:
        yield app
    finally:
        app.stop()


#: Variables the suite exports that would take the dev settings off their
#: embedded defaults (SQLite, local memory, eager tasks, console email).
_SUITE_SERVICES = (
    "REDIS_URL",
    "CACHE_REDIS_URL",
    "RATELIMIT_REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_URL",
    "DATABASE_URL",
    "DEBUG",
)


@dataclass
class DevServer(AppServer):
    """``manage.py runserver`` with the dev settings, as ``make run`` serves them.

    Threaded (runserver's default), on a SQLite file of its own, with none of
    the suite's services: what a newcomer's ``make run`` is.
    """

    env: dict[str, str] = field(default_factory=dict)
    database: Path | None = None

    def start(self) -> None:
        database = self.database or Path(tempfile.mkdtemp()) / "db.sqlite3"
        env = {k: v for k, v in os.environ.items() if k not in _SUITE_SERVICES}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "core.settings.dev",
                "DATABASE_URL": f"sqlite:///{database}",
                **self.env,
            }
        )
        manage = [sys.executable, "manage.py"]
        migrated = subprocess.run(
            [*manage, "migrate", "--noinput"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if migrated.returncode != 0:
            raise ServiceUnavailable(f"migrate failed:\n{migrated.stderr[-3000:]}")
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [*manage, "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceUnavailable(f"runserver exited:\n{self.log.read_text()}")
            try:
                if self.request("GET", "/healthz/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise ServiceUnavailable(f"runserver did not answer:\n{self.log.read_text()}")
