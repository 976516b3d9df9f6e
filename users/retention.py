"""What the scheduled purges may delete: one query per kind of finished row.

Each policy maps a name to a function of ``now`` returning the rows past their
retention; ``tasks.maintenance`` deletes them in batches, and a beat entry in
settings (``CELERY_BEAT_SCHEDULE``) says how often. Adding a purge is one
function here, one entry in :data:`POLICIES` and one beat entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from users import events, outbox
from users.models import SecurityEvent, Session, UsedActionLink


def ended_sessions(*, now: datetime) -> QuerySet[Session]:
    """Select sessions expired or revoked over ``SESSION_RETENTION`` seconds ago.

    Kept that long so that the owner's session list and support can still see
    a recent revocation; after that the row serves nobody.
    """
    cutoff = now - timedelta(seconds=settings.SESSION_RETENTION)
    return Session.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff))


def expired_action_links(*, now: datetime) -> QuerySet[UsedActionLink]:
    """Select the records of used single-use links that have expired anyway.

    A used link is remembered only to refuse it a second time; once its
    signature has expired it is refused without the record.
    """
    return UsedActionLink.objects.filter(expires_at__lt=now)


def old_security_events(*, now: datetime) -> QuerySet[SecurityEvent]:
    """Select events older than ``SECURITY_EVENT_RETENTION_DAYS``."""
    return SecurityEvent.objects.filter(created_at__lt=events.retention_cutoff(now))


POLICIES: dict[str, Callable[..., QuerySet]] = {
    "sessions": ended_sessions,
    "outbox": outbox.purgeable,
    "action_links": expired_action_links,
    "security_events": old_security_events,
}
