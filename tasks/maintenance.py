"""Scheduled clean-up: delete finished rows past their retention, in batches.

One task, ``tasks.maintenance.purge``, takes the name of a retention policy
(``users.retention.POLICIES``); beat runs it once per entry of
``CELERY_BEAT_SCHEDULE``. Rows go in batches of ``PURGE_BATCH_SIZE`` primary keys,
each batch its own short transaction, so a purge of millions of rows never
holds locks on a big table for long nor bloats one transaction.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from users.retention import POLICIES

logger = logging.getLogger(__name__)

PURGE_TASK = "tasks.maintenance.purge"


def delete_in_batches(rows: QuerySet, *, batch_size: int, pause: float = 0.0) -> int:
    """Delete ``rows`` a batch of primary keys at a time; return how many went."""
    deleted = 0
    model = rows.model
    while True:
        batch = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        model.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
        if len(batch) < batch_size:
            return deleted
        if pause:
            time.sleep(pause)  # let other writers through between batches


def purge(name: str) -> int:
    """Run one retention policy now; return the number of rows deleted."""
    try:
        policy = POLICIES[name]
    except KeyError:
        raise ValueError(f"no retention policy named {name!r}") from None
    deleted = delete_in_batches(
        policy(now=timezone.now()),
        batch_size=settings.PURGE_BATCH_SIZE,
        pause=settings.PURGE_BATCH_PAUSE,
    )
    logger.info("Purged %s %s row(s)", deleted, name)
    return deleted


@shared_task(name=PURGE_TASK, ignore_result=True)
def purge_task(name: str) -> int:
    """Beat's entry point for :func:`purge`."""
    return purge(name)


@shared_task(ignore_result=True)
def purge_security_events() -> int:
    """Delete security events past ``SECURITY_EVENT_RETENTION_DAYS`` (by hand)."""
    return purge("security_events")
