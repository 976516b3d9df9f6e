"""The transactional outbox: how the domain tells someone something, reliably.

A service that owes someone a message (an email today, a security alert from
the events module tomorrow) calls :func:`enqueue` inside its own transaction.
The row commits or rolls back with the change that caused it, so there is never
an email about a change that did not happen, nor a change whose email was lost
because the broker was down at that moment.

The life of a row, all of it in this module:

1. :func:`enqueue` writes it ``pending`` and, once the transaction commits, hands
   its id to the installed publisher (``tasks`` installs one that enqueues the
   Celery delivery task). If the broker is down the row simply waits.
2. :func:`relay` (a beat task, or ``manage.py relay_outbox`` from cron) publishes
   every pending row that is due: never published, or published and not
   delivered within ``OUTBOX_DELIVERY_TIMEOUT`` (a Redis without persistence that
   restarts forgets its queue). Each re-publish doubles the wait, up to
   ``OUTBOX_REPUBLISH_BACKOFF_MAX``.
3. :func:`deliver` runs in the worker: it locks the row, and only if the row is
   still pending does it call the sender and mark it ``delivered`` (or
   ``skipped``) in the same transaction. A redelivered task, a relay that raced
   a slow worker, or two workers holding copies of one message therefore send
   once: the second waits on the lock, then finds the row done.
4. A delivery that keeps failing is marked ``failed`` by :func:`give_up` and the
   row is kept for inspection; finished rows are purged after a retention.

Exactly once, and its one limit: the send and the ``delivered`` mark commit
together, so a duplicate needs the process to die after the SMTP server said
250 and before the commit (a few milliseconds). Each email then carries
``Message-ID: <key@…>`` from the row's idempotency key, so even that duplicate
is recognisable downstream.

The domain imports nothing from ``tasks``: the publisher is installed from
outside (``tasks.apps``), and the sender is passed to :func:`deliver`.
"""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, F, Min, QuerySet
from django.utils import timezone

from users.models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
#: Hands one committed message id to the broker; raises when it cannot.
Publisher = Callable[[int], None]
#: Sends one message; returns False when it no longer applies (nothing sent).
Sender = Callable[[OutboxMessage], bool]

_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> None:
    """Install the function that publishes committed messages (None: relay only).

    Installed by the ``tasks`` app when Django starts, so that the domain never
    imports the delivery layer.
    """
    global _publisher  # one process-wide hook, set at start-up
    _publisher = publisher


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=getattr(settings, name))


def enqueue(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record a message in the caller's transaction; publish it once that commits.

    ``payload`` holds plain JSON values (ids, addresses), never a secret: links
    and tokens are minted by the worker when it delivers.
    """
    now = timezone.now()
    message = OutboxMessage.objects.create(
        kind=kind,
        payload=payload,
        created_at=now,
        # The relay leaves a fresh row to the on-commit publish for this long.
        next_attempt_at=now + _seconds("OUTBOX_PUBLISH_GRACE"),
    )
    callback = partial(_publish_committed, message.pk, kind)
    transaction.on_commit(callback, robust=True)
    return message


def _publish_committed(message_id: int, kind: str) -> None:
    publisher = _publisher
    if publisher is None:
        logger.warning(
            "No outbox publisher; message %s waits for the relay", message_id
        )
        return
    try:
        publisher(message_id)
    except Exception:
        # The change has committed and the row is safe: a broker outage must not
        # turn the caller's success into a 500. The relay publishes it later.
        logger.warning(
            "Could not publish %s message %s; the relay will",
            kind,
            message_id,
            exc_info=True,
        )
        return
    _mark_published(message_id, timezone.now())


def _republish_delay(publish_count: int) -> timedelta:
    """How long to wait for a delivery before publishing the message again."""
    timeout = _seconds("OUTBOX_DELIVERY_TIMEOUT")
    ceiling = _seconds("OUTBOX_REPUBLISH_BACKOFF_MAX")
    delay = min(timeout * 2 ** max(publish_count - 1, 0), max(ceiling, timeout))
    # Up to 10% jitter, so rows published together are not republished together.
    return delay + delay * random.uniform(0, 0.1)  # noqa: S311 - not security


def _mark_published(message_id: int, now: datetime) -> None:
    """Note a publish without waiting on a worker that may already hold the row."""
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.PENDING)
            .values_list("publish_count", flat=True)
            .first()
        )
        if row is None:
            return  # delivered already, or being delivered right now
        OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
            published_at=now,
            publish_count=F("publish_count") + 1,
            next_attempt_at=now + _republish_delay(row + 1),
        )


@dataclass(frozen=True)
class RelayResult:
    published: int
    #: True when publishing failed (broker down) and the run stopped early.
    interrupted: bool = False


def relay(publisher: Publisher, *, batch_size: int | None = None) -> RelayResult:
    """Publish every pending message that is due, in batches; return how many.

    Rows are claimed with ``SKIP LOCKED``: two relays (beat and a cron job) never
    publish the same row twice at once, and a row a worker is delivering right
    now is left alone. A broker error stops the run; the rows stay due.
    """
    size = batch_size or settings.OUTBOX_RELAY_BATCH_SIZE
    published = 0
    while True:
        count, interrupted = _relay_batch(publisher, size)
        published += count
        if interrupted or count < size:
            return RelayResult(published=published, interrupted=interrupted)


def _relay_batch(publisher: Publisher, size: int) -> tuple[int, bool]:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", "publish_count", "kind")[:size]
        )
        for published, (pk, publish_count, kind) in enumerate(due):
            try:
                publisher(pk)
            except Exception:
                logger.warning(
                    "The relay could not publish %s message %s; will retry",
                    kind,
                    pk,
                    exc_info=True,
                )
                return published, True
            # Filtered on the status: an eager publisher has delivered it already.
            OutboxMessage.objects.filter(pk=pk, status=Status.PENDING).update(
                published_at=now,
                publish_count=publish_count + 1,
                next_attempt_at=now + _republish_delay(publish_count + 1),
            )
    return len(due), False


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    SKIPPED = "skipped"
    #: The row was finished by an earlier delivery: a duplicate, not sent again.
    ALREADY_DONE = "already_done"
    MISSING = "missing"
    #: Sending failed in a way worth retrying; the row stays pending.
    RETRY = "retry"
    #: Sending failed for good (a bug, an unknown kind); the row is failed.
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message: OutboxMessage | None = None
    error: BaseException | None = None


def describe_error(exc: BaseException) -> str:
    """Name a failure for the row and the logs: its class and SMTP code, no content."""
    code = getattr(exc, "smtp_code", None)
    name = type(exc).__name__
    return (f"{name} {code}" if code else name)[:255]


def deliver(
    message_id: int,
    send: Sender,
    *,
    transient: Callable[[BaseException], bool],
    retry_in: timedelta,
) -> Delivery:
    """Send one message at most once, holding its row lock while sending.

    Failures that ``transient`` deems worth retrying leave the row pending
    with the attempt counted, and push its relay deadline past ``retry_in``
    (the caller's own retry), so the relay does not republish what a retry is
    about to handle. Database errors propagate untouched: nothing was
    recorded, and the caller retries.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        )
        if message is None:
            return Delivery(Outcome.MISSING)
        if message.status != Status.PENDING:
            return Delivery(Outcome.ALREADY_DONE, message)
        message.attempts += 1
        try:
            sent = send(message)
        except DatabaseError:
            raise
        except Exception as exc:
            if not transient(exc):
                _finish(message, Status.FAILED, error=describe_error(exc))
                return Delivery(Outcome.FAILED, message, exc)
            message.last_error = describe_error(exc)
            message.next_attempt_at = (
                timezone.now() + retry_in + _seconds("OUTBOX_DELIVERY_TIMEOUT")
            )
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return Delivery(Outcome.RETRY, message, exc)
        _finish(message, Status.DELIVERED if sent else Status.SKIPPED)
        return Delivery(Outcome.DELIVERED if sent else Outcome.SKIPPED, message)


def _finish(message: OutboxMessage, status: str, *, error: str = "") -> None:
    message.status = status
    message.finished_at = timezone.now()
    fields = ["status", "finished_at", "attempts"]
    if error:
        message.last_error = error
        fields.append("last_error")
    message.save(update_fields=fields)


def give_up(message_id: int, error: str) -> bool:
    """Mark a still-pending message failed (kept for inspection); False if not."""
    updated = OutboxMessage.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.FAILED, finished_at=timezone.now(), last_error=error[:255]
    )
    return bool(updated)


def retry_failed(*, kind: str | None = None) -> int:
    """Put failed messages back in the queue (after fixing the cause); how many."""
    failed = OutboxMessage.objects.filter(status=Status.FAILED)
    if kind:
        failed = failed.filter(kind=kind)
    return failed.update(
        status=Status.PENDING,
        finished_at=None,
        attempts=0,
        next_attempt_at=timezone.now(),
    )


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_created_at: datetime | None

    def oldest_age(self, now: datetime | None = None) -> timedelta | None:
        if self.oldest_created_at is None:
            return None
        return (now or timezone.now()) - self.oldest_created_at


def backlog() -> Backlog:
    """Count the messages not yet delivered and find the oldest one."""
    totals = OutboxMessage.objects.filter(status=Status.PENDING).aggregate(
        pending=Count("pk"), oldest=Min("created_at")
    )
    return Backlog(pending=totals["pending"], oldest_created_at=totals["oldest"])


def purgeable(*, now: datetime) -> QuerySet[OutboxMessage]:
    """Delivered and skipped messages past ``OUTBOX_RETENTION``; failed ones stay."""
    return OutboxMessage.objects.filter(
        status__in=[Status.DELIVERED, Status.SKIPPED],
        finished_at__lt=now - _seconds("OUTBOX_RETENTION"),
    )
