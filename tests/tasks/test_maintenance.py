"""Scheduled purges: what goes, what stays, in batches; and the beat schedule."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core.celery import app
from tasks import maintenance
from tests.factories import UserFactory
from users.models import OutboxMessage, Session
from users.retention import POLICIES

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _session(user, **fields) -> Session:
    now = timezone.now()
    values = {"refresh_jti": "j", "expires_at": now + DAY, **fields}
    return Session.objects.create(user=user, **values)


def test_the_session_purge_deletes_only_sessions_ended_past_the_retention(settings):
    settings.SESSION_RETENTION = 30 * 24 * 3600
    now, user = timezone.now(), UserFactory()
    old_expired = _session(user, expires_at=now - 31 * DAY)
    old_revoked = _session(user, revoked_at=now - 31 * DAY)
    keep = [
        _session(user),  # live
        _session(user, expires_at=now - 29 * DAY),  # expired recently
        _session(user, revoked_at=now - DAY),  # revoked recently
    ]
    assert maintenance.purge("sessions") == 2
    remaining = set(Session.objects.values_list("pk", flat=True))
    assert remaining == {s.pk for s in keep}
    assert not remaining & {old_expired.pk, old_revoked.pk}


def _message(status: str, finished_days_ago: float | None) -> OutboxMessage:
    finished = (
        None if finished_days_ago is None else timezone.now() - finished_days_ago * DAY
    )
    return OutboxMessage.objects.create(
        kind="password_reset", payload={}, status=status, finished_at=finished
    )


def test_the_outbox_purge_deletes_delivered_rows_past_the_retention_only(settings):
    settings.OUTBOX_RETENTION = 7 * 24 * 3600
    gone = [_message("delivered", 8), _message("skipped", 8)]
    kept = [
        _message("delivered", 6),
        _message("failed", 300),  # kept for inspection
        _message("pending", None),
    ]
    assert maintenance.purge("outbox") == len(gone)
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        m.pk for m in kept
    }


def test_the_action_link_purge_deletes_records_of_expired_links_only():
    from users.models import UsedActionLink

    user, now = UserFactory(), timezone.now()
    UsedActionLink.objects.create(
        nonce="old", action="x", user=user, expires_at=now - DAY
    )
    UsedActionLink.objects.create(
        nonce="live", action="x", user=user, expires_at=now + DAY
    )
    assert maintenance.purge("action_links") == 1
    assert list(UsedActionLink.objects.values_list("nonce", flat=True)) == ["live"]


def test_a_purge_deletes_in_batches_of_the_configured_size(
    settings, django_assert_max_num_queries
):
    settings.PURGE_BATCH_SIZE = 2
    settings.PURGE_BATCH_PAUSE = 0
    for _ in range(5):
        _message("delivered", 30)
    rows = OutboxMessage.objects.all()
    # 3 batches: a select and a delete each.
    with django_assert_max_num_queries(6) as queries:
        assert maintenance.delete_in_batches(rows, batch_size=2) == 5
    deletes = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")
    ]
    assert len(deletes) == 3
    assert not OutboxMessage.objects.exists()


def test_an_unknown_purge_name_is_refused():
    with pytest.raises(ValueError, match="no retention policy"):
        maintenance.purge("everything")


def test_every_retention_policy_is_scheduled_and_every_entry_names_a_real_task():
    schedule = settings.CELERY_BEAT_SCHEDULE
    purged = {
        entry["args"][0]
        for entry in schedule.values()
        if entry["task"] == maintenance.PURGE_TASK
    }
    assert purged == set(POLICIES)
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
        assert entry["options"]["expires"] > 0, name


def test_the_relay_runs_at_its_configured_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["relay-outbox"]
    assert entry["task"] == "tasks.outbox.relay"
    assert entry["schedule"] == settings.OUTBOX_RELAY_INTERVAL == 30
