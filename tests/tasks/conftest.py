"""A local SMTP server and a real Celery worker, for the end-to-end task tests."""

from collections.abc import Iterator

import pytest

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
def worker(django_db_setup, django_db_blocker, smtp_server) -> Iterator[None]:
    """A ``celery worker`` process on the suite's Redis and test database."""
    with celery_worker(email_url=smtp_server.url):
        yield


@pytest.fixture
def publishing(worker) -> Iterator[None]:
    """Tasks published by this test go through Redis to the worker."""
    with publishing_to(broker_url()):
        yield
