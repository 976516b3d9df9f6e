"""A real Celery worker process for task tests.

It runs the project's Celery app against the suite's Redis (a broker database
of its own) and PostgreSQL (the test database, so it sees what the test
committed), and sends mail over SMTP to whatever ``EMAIL_URL`` it is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from kombu import pools

ROOT = Path(__file__).resolve().parents[2]
_POOL_GROUPS = (pools.producers, pools.connections)
BROKER_DB = 5


def broker_url() -> str:
    """A Redis database of its own (one per xdist process), never the cache's."""
    xdist_index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    base = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    return f"{base}/{BROKER_DB + xdist_index}"


def current_database_url() -> str:
    """The URL of the database the test runs against (``test_<name>``)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def celery_worker(email_url: str, timeout: float = 60.0) -> Iterator[None]:
    """Run ``celery worker`` until the block exits; wait until it is ready."""
    env = {
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
    }
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        command = [sys.executable, "-m", "celery", "-A", "core", "worker"]
        command += ["--pool=solo", "--loglevel=INFO", "--without-gossip"]
        command += ["--without-mingle", "--without-heartbeat"]
        command += ["--hostname", f"test-{os.getpid()}@localhost"]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while " ready." not in Path(log.name).read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the Celery worker did not start:\n"
                        + Path(log.name).read_text()[-3000:]
                    )
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def publishing_to(url: str, **overrides: object) -> Iterator[None]:
    """Make this process's Celery app publish to ``url`` instead of running eagerly.

    The app caches its connection and producer pools, and kombu keeps producer
    pools in a process-wide registry keyed by broker URL: the live ones are
    parked so the override takes effect, the ones made inside the block are
    closed and dropped from the registry (or the next block would publish
    through a closed pool), and the parked ones are put back untouched.
    """
    from core.celery import app

    changes = {
        "task_always_eager": False,
        "broker_url": url,
        "broker_write_url": None,
        **overrides,
    }
    saved = {key: app.conf[key] for key in changes}
    saved_pools = app._pool, app.amqp._producer_pool
    registered = {id(pool) for group in _POOL_GROUPS for pool in group.values()}
    app._pool = app.amqp._producer_pool = None
    app.conf.update(changes)
    try:
        yield
    finally:
        app.conf.update(saved)
        if app._pool is not None:
            app._pool.force_close_all()
        for group in _POOL_GROUPS:
            for key, pool in list(group.items()):
                if id(pool) not in registered:
                    pool.force_close_all()
                    dict.__delitem__(group, key)  # keys are already eq-hashed
        app._pool, app.amqp._producer_pool = saved_pools
