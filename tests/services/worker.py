"""A real ``celery worker`` process for task tests, and publishing to it.

The worker is a subprocess, not ``celery.contrib.testing``'s in-process
``start_worker``: the fault tests kill it (or its pool child) with SIGKILL and
restart Redis under it, which only a separate process survives the way a
deployment would. It runs the project's Celery app against the suite's Redis
(the broker database of ``settings.CELERY_BROKER_URL``, never the cache's) and
PostgreSQL (the test database, so it sees what the test committed), and sends
mail over SMTP to whatever ``EMAIL_URL`` it is given.

The test process publishes to the same broker URL its own settings name, so
switching from eager tasks to real publishing is one public setting
(``task_always_eager``): no connection or producer pool is touched by hand.
"""

from __future__ import annotations

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
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

#: Short retry backoff for tests (seconds): SMTP refusals retry within seconds.
TEST_WORKER_ENV = {
    "OUTBOX_RETRY_BACKOFF": "1",
    "OUTBOX_RETRY_BACKOFF_MAX": "2",
}


def broker_url() -> str:
    """The broker the test process publishes to, and so the worker consumes."""
    return settings.CELERY_BROKER_URL


def current_database_url() -> str:
    """The URL of the database the test runs against (``test_<name>``)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def worker_env(email_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker (or relay) process on the suite's services."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings.dev",
        "DEBUG": "false",
        # Links minted by the worker are checked by this process: same key.
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": current_database_url(),
        "CELERY_BROKER_URL": broker_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": email_url,
        "FRONTEND_URL": "https://app.example.test",
        "PYTHONPATH": str(ROOT),
        **TEST_WORKER_ENV,
        **extra,
    }


@dataclass
class CeleryWorker:
    """``celery -A core worker`` that a test can stop, restart and kill.

    ``pool="prefork"`` (one child) is for killing the child that runs a task:
    the parent sees the child lost and, with ``reject_on_worker_lost``, hands
    the message back to the broker. ``solo`` runs tasks in the one process.
    """

    email_url: str
    pool: str = "solo"
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    process: subprocess.Popen | None = None
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))

    def start(self) -> None:
        if self.running:
            return
        command = [sys.executable, "-m", "celery", "-A", "core", "worker"]
        command += [f"--pool={self.pool}", "--loglevel=INFO", "--without-gossip"]
        command += ["--without-mingle", "--without-heartbeat"]
        if self.pool == "prefork":
            command += ["--concurrency=1"]
        command += ["--hostname", f"test-{os.getpid()}-{id(self)}@localhost"]
        start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=worker_env(self.email_url, **self.env),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.timeout
        while " ready." not in self.log_text(start):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the Celery worker did not start:\n" + self.log_text(start)[-3000:]
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Warm shutdown: the task in hand finishes, nothing is lost."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the whole worker: no shutdown, no acknowledgement, nothing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def pool_children(self) -> list[int]:
        """The pids of the prefork pool's children (none for ``solo``)."""
        if not self.running:
            return []
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self, start: int = 0) -> str:
        with self.log.open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", "replace")


@contextmanager
def celery_worker(email_url: str, **options: object) -> Iterator[CeleryWorker]:
    """Run a worker until the block exits; it is ready when the block starts."""
    worker = CeleryWorker(email_url, **options)  # type: ignore[arg-type]
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        worker.log.unlink(missing_ok=True)


def wait_until_idle(timeout: float = 30.0) -> bool:
    """Wait until the broker holds no task, queued or taken and unacknowledged.

    With ``acks_late`` a task is acknowledged after it ran, so an empty broker
    means the worker is done with everything published (retries with a
    countdown included). False if it is still busy after ``timeout`` seconds.
    """
    import redis

    client = redis.Redis.from_url(broker_url())
    try:
        deadline = time.monotonic() + timeout
        while client.llen("celery") or client.hlen("unacked"):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True
    finally:
        client.close()


@contextmanager
def publishing() -> Iterator[None]:
    """Tasks applied inside the block go to the broker instead of running here."""
    from core.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = saved
