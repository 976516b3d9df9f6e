"""Periodic clean-up run by celery beat (``CELERY_BEAT_SCHEDULE``).

Each task takes no arguments and calls one domain function, which does the work
in small batches: beat may fire while the previous run is still going, and a
purge must never hold a long lock on a table that logins write to.
"""

from __future__ import annotations

import logging

from celery import shared_task

from users import events

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def purge_security_events() -> int:
    """Delete security events older than ``SECURITY_EVENT_RETENTION_DAYS``."""
    deleted = events.purge_expired()
    logger.info("Purged %s security events past their retention", deleted)
    return deleted
