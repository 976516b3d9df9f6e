"""A local SMTP server, a local Sentry and a real Celery worker, for task tests."""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.services.sentry import FakeSentry
from tests.services.smtp import FakeSMTPServer
from tests.services.worker import broker_url, celery_worker, publishing_to


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[FakeSMTPServer]:
    server = FakeSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: FakeSMTPServer) -> FakeSMTPServer:
    """The SMTP server, emptied for this test."""
    smtp_server.reset()
    return smtp_server


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
) -> Iterator[None]:
    """A ``celery worker`` process on the suite's Redis and test database.

    It inherits ``SENTRY_DSN`` (set only while it starts), so every task test
    runs with the SDK and its scrubbing on, as a deployed worker does.
    """
    with ExitStack() as stack:
        with pytest.MonkeyPatch.context() as environment:
            environment.setenv("SENTRY_DSN", sentry_ingest.dsn)
            environment.setenv("SENTRY_ENVIRONMENT", "test")
            stack.enter_context(celery_worker(email_url=smtp_server.url))
        yield


@pytest.fixture
def publishing(worker) -> Iterator[None]:
    """Tasks published by this test go through Redis to the worker."""
    with publishing_to(broker_url()):
        yield
