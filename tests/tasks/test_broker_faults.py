"""Faults survived on purpose: Redis, the worker and the SMTP server misbehave.

Real everything: the Django test client's request commits to PostgreSQL, the
task goes through the suite's Redis to a ``celery worker`` process, which
delivers over SMTP to a local server. Each test breaks one of them at the worst
moment and then counts what the SMTP server received, by Message-ID (the
outbox's idempotency key): every message arrives, and arrives once.

The operation is ``POST /api/v1/auth/email/resend/``: authenticated, no password
checked, so it fails open while the rate-limit store (the same Redis) is down.
Operations that check a password answer 503 by design then (docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tasks import outbox as outbox_tasks
from tests.factories import UserFactory
from tests.services.smtp import FakeSMTPServer
from tests.services.worker import celery_worker, wait_until_idle
from users import devices
from users.emails import Kind
from users.models import OutboxMessage, User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("publishing"),
]

RESEND = "/api/v1/auth/email/resend/"


@pytest.fixture(autouse=True)
def _short_outbox_timeouts(settings):
    """The relay (run here, in the test process) waits seconds, not minutes."""
    settings.OUTBOX_PUBLISH_GRACE = 0
    settings.OUTBOX_DELIVERY_TIMEOUT = 1
    settings.OUTBOX_REPUBLISH_BACKOFF_MAX = 2


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    client.close()


def _session(client, user: User) -> str:
    """An access token from a device the account knows (so no sign-in notice)."""
    response = client.post(
        "/api/v1/auth/token/",
        {
            "email": user.email,
            "password": "correct-horse-battery-staple",
            "device_token": devices.mint(user),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    return response.json()["access"]


def _resend(client, access: str) -> int:
    response = client.post(
        RESEND,
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    return response.status_code


def _unverified_sessions(client, count: int) -> list[str]:
    return [_session(client, UserFactory(email_verified=False)) for _ in range(count)]


def _relay_until_delivered(timeout: float = 30.0) -> None:
    """Run the relay (as beat would) until no message is pending."""
    deadline = time.monotonic() + timeout
    while OutboxMessage.objects.filter(status="pending").exists():
        if time.monotonic() > deadline:
            rows = list(OutboxMessage.objects.values("pk", "status", "publish_count"))
            raise AssertionError(f"still pending after {timeout}s: {rows}")
        outbox_tasks.relay.apply()
        time.sleep(0.2)


def _assert_each_delivered_once(smtp: FakeSMTPServer) -> None:
    assert wait_until_idle(), "the broker still holds tasks"
    rows = list(OutboxMessage.objects.all())
    assert {row.status for row in rows} == {"delivered"}
    expected = {outbox_tasks.message_id_header(row) for row in rows}
    copies = smtp.copies_by_message_id()
    assert set(copies) == expected
    assert set(copies.values()) == {1}, copies


def test_redis_stopped_at_commit_the_request_succeeds_and_the_row_waits(
    client, smtp, broker, redis_server
):
    [access] = _unverified_sessions(client, 1)
    redis_server.stop()
    try:
        assert _resend(client, access) == 202
        row = OutboxMessage.objects.get()
        assert (row.kind, row.status, row.published_at) == (
            Kind.VERIFY_EMAIL,
            "pending",
            None,
        )
        assert outbox_tasks.relay.apply().get() == 0  # the broker is still down
    finally:
        redis_server.start()

    _relay_until_delivered()
    _assert_each_delivered_once(smtp)


def test_redis_restarted_without_persistence_loses_the_queue_not_the_mail(
    client, smtp, broker, redis_server, worker
):
    sessions = _unverified_sessions(client, 3)
    worker.stop()  # nothing consumes: the tasks sit in Redis
    for access in sessions:
        assert _resend(client, access) == 202
    assert broker.llen("celery") == 3
    assert OutboxMessage.objects.filter(publish_count=1).count() == 3

    redis_server.stop()
    redis_server.start()  # no persistence: an empty Redis
    assert broker.llen("celery") == 0
    worker.start()

    # Past OUTBOX_DELIVERY_TIMEOUT the relay publishes each message again.
    _relay_until_delivered()
    _assert_each_delivered_once(smtp)
    assert all(row.publish_count >= 2 for row in OutboxMessage.objects.all())


def test_a_worker_child_killed_mid_delivery_is_redelivered_once(
    client, smtp, broker, worker
):
    [access] = _unverified_sessions(client, 1)
    worker.stop()
    with celery_worker(smtp.url, pool="prefork") as prefork:
        smtp.stall_next(1, seconds=4)
        assert _resend(client, access) == 202
        smtp.wait_until_stalled()  # the child is mid-conversation with SMTP
        [child] = prefork.pool_children()
        os.kill(child, signal.SIGKILL)

        # No relay runs here: the redelivery is the broker's (acks_late and
        # reject_on_worker_lost put the message back when the child died).
        [message] = smtp.wait_for(1, timeout=30)
        assert wait_until_idle()
        assert "WorkerLostError" in prefork.log_text()
    row = OutboxMessage.objects.get()
    assert (row.status, row.publish_count, row.attempts) == ("delivered", 1, 1)
    assert message["Message-ID"] == outbox_tasks.message_id_header(row)
    _assert_each_delivered_once(smtp)


def test_a_worker_killed_mid_delivery_is_republished_and_delivered_once(
    client, smtp, broker, worker
):
    [access] = _unverified_sessions(client, 1)
    smtp.stall_next(1, seconds=4)
    assert _resend(client, access) == 202
    smtp.wait_until_stalled()
    worker.kill()  # SIGKILL: the message stays unacknowledged in Redis
    assert broker.hlen("unacked") == 1
    worker.start()

    # Redis would hand the dead worker's copy out again only after its
    # visibility timeout (an hour); the relay re-publishes after
    # OUTBOX_DELIVERY_TIMEOUT instead.
    _relay_until_delivered()
    row = OutboxMessage.objects.get()
    assert row.publish_count >= 2
    [message] = smtp.wait_for(1)
    assert message["Message-ID"] == outbox_tasks.message_id_header(row)
    # That old copy, once restored, finds the row delivered and sends nothing
    # (the once-only rule, tested in test_outbox); drop it so that it cannot
    # surface in a later test.
    broker.delete("unacked", "unacked_index")
    _assert_each_delivered_once(smtp)


def test_an_smtp_server_refusing_for_a_while_is_retried_until_it_answers(
    client, smtp, broker
):
    [access] = _unverified_sessions(client, 1)
    smtp.refuse_for(2.0)
    assert _resend(client, access) == 202

    smtp.wait_for(1, timeout=45)
    _assert_each_delivered_once(smtp)
    row = OutboxMessage.objects.get()
    assert smtp.refused >= 1
    assert row.attempts == smtp.refused + 1
    assert row.last_error == "SMTPDataError 421"


def test_a_cache_flush_touches_neither_queued_tasks_nor_rate_limit_counters(
    client, broker, worker, redis_client
):
    [access] = _unverified_sessions(client, 1)
    worker.stop()
    assert _resend(client, access) == 202
    counters = redis_client.dbsize()
    assert broker.llen("celery") == 1
    assert counters > 0

    cache.clear()  # FLUSHDB on the cache's database only

    assert broker.llen("celery") == 1
    assert redis_client.dbsize() == counters
    broker.delete("celery")  # the task would outlive its row
