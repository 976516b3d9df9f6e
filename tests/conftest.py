"""Shared fixtures: factories, API clients and tokens."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True, scope="session")
def _reproducible_factories():
    """Generated names and emails are the same on every run (flakes reproduce)."""
    import factory.random

    factory.random.reseed_random("accounts-api")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start every test with empty rate-limit counters and caches."""
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


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
