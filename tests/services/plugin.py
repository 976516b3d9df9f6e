"""Pytest plugin: start the real servers before Django reads its settings.

Loaded with ``-p tests.services.plugin`` (pyproject ``addopts``). Django settings
are imported by pytest-django while conftests load, so the servers must be up and
DATABASE_URL / REDIS_URL exported earlier than any fixture could do it: a hook
wrapper around ``pytest_load_initial_conftests`` runs before pytest-django's own.
xdist workers inherit the controller's environment and reuse its servers.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.services.servers import PostgresServer, RedisServer

READY_FLAG = "ACCOUNTS_TEST_SERVICES"
redis_key = pytest.StashKey[RedisServer]()
postgres_key = pytest.StashKey[PostgresServer]()


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if not os.environ.get(READY_FLAG):
        postgres = PostgresServer()
        redis = RedisServer()
        media_root = tempfile.mkdtemp(prefix="accounts-media-")
        early_config.add_cleanup(postgres.stop)
        early_config.add_cleanup(redis.stop)
        early_config.add_cleanup(lambda: shutil.rmtree(media_root, ignore_errors=True))
        postgres.start()
        redis.start()
        early_config.stash[redis_key] = redis
        early_config.stash[postgres_key] = postgres
        os.environ.update(
            {
                READY_FLAG: "1",
                "DATABASE_URL": postgres.url,
                "REDIS_URL": redis.url,
                "TEST_MEDIA_ROOT": media_root,
            }
        )
    return (yield)


@pytest.fixture(scope="session")
def redis_server(pytestconfig) -> RedisServer:
    """The suite's Redis server, which a test may stop and start again."""
    try:
        return pytestconfig.stash[redis_key]
    except KeyError:
        pytest.skip("the Redis server belongs to the xdist controller")


@pytest.fixture(scope="session")
def postgres_server(pytestconfig) -> PostgresServer:
    """The suite's PostgreSQL server, which a test may halt and start again."""
    try:
        return pytestconfig.stash[postgres_key]
    except KeyError:
        pytest.skip("the PostgreSQL server belongs to the xdist controller")
