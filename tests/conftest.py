"""Shared fixtures: factories, API clients and tokens."""

from collections.abc import Iterator

import pytest
from django.core.cache import caches

from tests.services.smtp import FakeSMTPServer


@pytest.fixture(autouse=True, scope="session")
def _reproducible_factories():
    """Generated names and emails are the same on every run (flakes reproduce)."""
    import factory.random

    factory.random.reseed_random("accounts-api")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with empty rate-limit counters and caches."""
    for alias in caches:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def redis_down(redis_server):
    """Stop the suite's Redis for one test and bring it back on the same port."""
    from django.core.cache import cache

    from tests.services.servers import wait_for_port

    redis_server.stop()
    try:
        yield redis_server
    finally:
        if not redis_server.running:  # the test may have brought it back itself
            redis_server.start()
        wait_for_port(redis_server.port)
        cache.clear()


@pytest.fixture
def clock():
    """Freeze the clock 5 s into the next TOTP step; ``clock.shift(s)`` moves it.

    TOTP codes, MFA token expiry and django-otp's back-off all read the clock,
    so tests move it explicitly instead of sleeping. It starts just after the
    real time, so tokens issued by fixtures set up earlier are still valid.
    """
    import time

    import time_machine

    start = (int(time.time()) // 30 + 1) * 30 + 5
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture
def after_reuse_interval(clock, settings):
    """Return a call that moves the frozen clock just past the refresh reuse interval.

    A retired refresh token is a racing tab within REFRESH_TOKEN_REUSE_INTERVAL
    and theft after it; tests of the theft rule step over the interval with it.
    """
    interval = settings.REFRESH_TOKEN_REUSE_INTERVAL.total_seconds()
    return lambda: clock.shift(interval + 1)


@pytest.fixture
def meta():
    from users.meta import RequestMeta

    return RequestMeta(ip_address="203.0.113.7", user_agent="pytest-agent/1.0")


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff(db):
    from tests.factories import StaffFactory

    return StaffFactory()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Return a context manager that runs on_commit callbacks when it exits.

    The test's transaction never commits, so email publishing (registered with
    ``transaction.on_commit``) only happens inside ``with committed(): ...``.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def redis_commands(monkeypatch):
    """Record every round trip this process makes to Redis, as command names.

    Counts at redis-py's socket write (``send_packed_command``), which every
    client in the process goes through (the cache, the limiter); a pipeline or a
    script call is one entry. Behaviour is untouched: the real server answers.
    """
    from contextlib import contextmanager

    from redis.connection import AbstractConnection

    original = AbstractConnection.send_packed_command
    recording: list[list[list[str]]] = []

    def counting(self, command, *args, **kwargs):
        if recording:
            recording[-1].append(_command_names(command))
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)

    @contextmanager
    def record():
        sent: list[list[str]] = []
        recording.append(sent)
        try:
            yield sent
        finally:
            recording.remove(sent)

    return record


def _command_names(packed) -> list[str]:
    chunks = [packed] if isinstance(packed, bytes | str) else list(packed)
    names = []
    for chunk in chunks:
        raw = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
        parts = raw.split(b"\r\n")
        if len(parts) > 2 and parts[0].startswith(b"*"):
            names.append(parts[2].decode(errors="replace").upper())
    return names


@pytest.fixture
def redis_client():
    """A plain client on the rate limiter's Redis database, to look at its keys."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.RATELIMIT_REDIS_URL)
    yield client
    client.close()


# --- A local SMTP server (end-to-end email tests, the soak) -------------------


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
