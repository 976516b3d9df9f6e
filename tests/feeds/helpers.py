"""Events with known times, for the feed tests of both surfaces."""

from datetime import timedelta

from django.utils import timezone

from users.models import SecurityEvent, SecurityEventKind

KINDS = list(SecurityEventKind)


def make_events(user, count: int, *, ties: bool = False) -> list[SecurityEvent]:
    """Create ``count`` events for ``user``; return them newest first.

    With ``ties``, pairs of events share a timestamp, so the order inside a
    pair is decided by the id alone.
    """
    start = timezone.now() - timedelta(days=1)
    events = SecurityEvent.objects.bulk_create(
        SecurityEvent(
            user=user,
            kind=KINDS[i % len(KINDS)],
            created_at=start + timedelta(seconds=(i // 2 if ties else i)),
            ip_address=f"192.0.2.{i % 250 + 1}",
            user_agent=f"agent/{i}",
        )
        for i in range(count)
    )
    return sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True)
