"""The account's security activity: the one module that writes it.

A service calls :func:`record` inside the transaction of the change it
describes, so an event exists exactly when the change committed: a rolled-back
password change leaves no ``PASSWORD_CHANGED``, and a committed one cannot lack
it. Surfaces never write events; they read the feed through
``users.selectors.security_events``.

Failed logins are the delicate case. Recording one only when the address has an
account would make a wrong password for a known address cost one more write
than one for an unknown address, a timing and load difference an attacker can
measure to enumerate accounts. :func:`record_failed_login` therefore writes the
same row for both, the unknown address's with no user (and no address: nothing
is learnt about who was guessed). Those anonymous rows never reach any feed, are
useful to an operator who looks for a password-spraying source, and go with the
same retention purge as every other event (``users.retention``, run in
batches by ``tasks.maintenance``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from users.meta import RequestMeta
from users.models import SecurityEvent, SecurityEventKind, User

Kind = SecurityEventKind


def record(
    kind: SecurityEventKind,
    *,
    user_id: int,
    meta: RequestMeta,
    session_id: uuid.UUID | None = None,
) -> SecurityEvent:
    """Write one event for the account ``user_id`` in the caller's transaction.

    ``session_id`` names the session concerned when it is not the caller's own
    (a revoked one, a new login); otherwise the request's session is used.
    """
    return SecurityEvent.objects.create(
        user_id=user_id,
        kind=kind,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        session_id=session_id or meta.session_id,
    )


def record_failed_login(*, user: User | None, meta: RequestMeta) -> None:
    """Write a ``LOGIN_FAILED`` row, whether or not the address has an account.

    The statement is the same INSERT either way (only ``user_id`` differs), so a
    wrong guess at an unknown address costs exactly what one at a known address
    does.
    """
    SecurityEvent.objects.create(
        user=user,
        kind=Kind.LOGIN_FAILED,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        session_id=None,
    )


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Return the instant before which events are purged."""
    days = settings.SECURITY_EVENT_RETENTION_DAYS
    return (now or timezone.now()) - timedelta(days=days)
