"""Deliver outbox messages: the Celery side of ``users/outbox.py``.

A task carries only the row id. The worker loads the row, and the row decides:
a message already delivered is not sent again, whichever copy of the task (a
redelivery after a worker died, a relay re-publish) arrives second.

Failures, and what becomes of them:

- SMTP 4xx, a refused or dropped connection, a timeout: retried with
  exponential backoff and full jitter, up to ``OUTBOX_MAX_ATTEMPTS`` attempts
  counted on the row (so re-publishes do not reset the count); then the row is
  marked ``failed``, kept, and an ERROR is logged (a Sentry event).
- SMTP 5xx, an unknown kind, a bug in a sender: failed at once, same ERROR.
- The database unreachable: nothing was recorded; the task retries itself, and
  the row, still pending, is re-published by the relay should the task be lost.

``acks_late`` + ``reject_on_worker_lost``: a worker killed mid-delivery leaves
the message on the broker for another worker; the row lock makes that second
delivery a no-op if the first had committed.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError

from users import outbox
from users.models import OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "tasks.outbox.deliver"
RELAY_TASK = "tasks.outbox.relay"

#: kind -> function(**payload, message_id=...) that sends one message and
#: returns False when it no longer applies. Filled by ``sender``.
SENDERS: dict[str, Callable[..., bool]] = {}


def sender(kind: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Register the function that delivers messages of ``kind``."""

    def register(function: Callable[..., bool]) -> Callable[..., bool]:
        if kind in SENDERS:
            raise ValueError(f"two senders for outbox kind {kind!r}")
        SENDERS[kind] = function
        return function

    return register


def message_id_header(message: OutboxMessage) -> str:
    """Derive the RFC 5322 Message-ID from the idempotency key: one per message."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{message.key}@{domain}>"


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: network trouble and SMTP 4xx; not 5xx or programming errors."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return any(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(
        exc, smtplib.SMTPException | ConnectionError | TimeoutError | OSError
    )


def _send(message: OutboxMessage) -> bool:
    try:
        function = SENDERS[message.kind]
    except KeyError:
        raise LookupError(f"no sender for outbox kind {message.kind!r}") from None
    return function(**message.payload, message_id=message_id_header(message))


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=settings.OUTBOX_RETRY_BACKOFF,
        retries=retries,
        maximum=settings.OUTBOX_RETRY_BACKOFF_MAX,
        full_jitter=True,
    )


@shared_task(
    bind=True,
    name=DELIVER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # Database outages only; delivery failures are handled below, on the row.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=20,
)
def deliver(self: Any, message_id: int) -> str:
    """Deliver one outbox message, at most once; return what happened."""
    countdown = _backoff(self.request.retries)
    result = outbox.deliver(
        message_id,
        _send,
        transient=is_transient,
        retry_in=timedelta(seconds=countdown),
    )
    message, outcome = result.message, result.outcome
    if outcome is outbox.Outcome.RETRY:
        assert message is not None  # noqa: S101 - RETRY always carries the row
        if message.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            logger.warning(
                "Delivery of %s message %s failed (%s), attempt %s; retrying in %ss",
                message.kind,
                message_id,
                message.last_error,
                message.attempts,
                countdown,
            )
            raise self.retry(exc=result.error, countdown=countdown, max_retries=None)
        outbox.give_up(message_id, message.last_error)
        outcome = outbox.Outcome.FAILED
    if outcome is outbox.Outcome.FAILED:
        assert message is not None  # noqa: S101
        # ERROR: Sentry's logging integration turns this into an event.
        logger.error(
            "Gave up delivering %s message %s after %s attempt(s): %s",
            message.kind,
            message_id,
            message.attempts,
            outbox.describe_error(result.error) if result.error else "",
        )
    elif outcome is outbox.Outcome.ALREADY_DONE:
        logger.info(
            "Outbox message %s was delivered already; not sent again", message_id
        )
    elif outcome is outbox.Outcome.MISSING:
        logger.info("Outbox message %s no longer exists", message_id)
    return outcome.value


#: Fail fast when the broker is down: the row is safe, the relay will publish it.
_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def publish(message_id: int) -> None:
    """Hand a committed message to the broker (or run it, in eager mode)."""
    deliver.apply_async((message_id,), retry=True, retry_policy=_PUBLISH_RETRY_POLICY)


@shared_task(name=RELAY_TASK, ignore_result=True)
def relay() -> int:
    """Publish the pending messages that are due; scheduled by beat."""
    result = outbox.relay(publish)
    if result.published:
        logger.info("The relay published %s outbox message(s)", result.published)
    return result.published
