"""Shared fixtures: factories, API clients and tokens."""

import pytest
from django.core.cache import cache


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
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (email publishing) inside the test's transaction."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        yield callbacks
