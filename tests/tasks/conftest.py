"""A local Sentry and a real Celery worker, for task tests (SMTP: tests/conftest.py)."""

from collections.abc import Iterator

import pytest

from tests.services.sentry import FakeSentry
from tests.services.worker import CeleryWorker, celery_worker, wait_until_idle
from tests.services.worker import publishing as publishing_to_broker


@pytest.fixture(scope="session")
def sentry_ingest() -> Iterator[FakeSentry]:
    """Sentry's ingest endpoint on loopback; the worker reports to it."""
    server = FakeSentry()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker(
    django_db_setup, django_db_blocker, smtp_server, sentry_ingest
) -> Iterator[CeleryWorker]:
    """A ``celery worker`` process on the suite's Redis and test database.

    It reports to the local Sentry (``SENTRY_DSN``, on every restart too), so
    every task test runs with the SDK and its scrubbing on, as a deployed
    worker does.
    """
    sentry = {"SENTRY_DSN": sentry_ingest.dsn, "SENTRY_ENVIRONMENT": "test"}
    with celery_worker(email_url=smtp_server.url, env=sentry) as running:
        yield running


@pytest.fixture
def publishing(worker: CeleryWorker) -> Iterator[CeleryWorker]:
    """Tasks published by this test go through Redis to the worker.

    A test may stop or kill the worker; it runs again for the next test, and
    the test's database is emptied only once the worker is done with what the
    test published (a delivery still running would deadlock with the flush).
    """
    with publishing_to_broker():
        yield worker
    worker.start()
    wait_until_idle()
