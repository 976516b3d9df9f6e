"""The outbox's rules, in-process: once-only delivery, retries, give-up, relay."""

import io
import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tasks import outbox as outbox_tasks
from tests.factories import UserFactory
from users import emails, outbox
from users.models import OutboxMessage

pytestmark = pytest.mark.django_db

TEST_KIND = "test_flaky"


class FlakySender:
    """A sender for a test-only kind that fails with ``errors`` first."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.sent: list[dict] = []

    def __call__(self, *, message_id: str, **payload) -> bool:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(payload)
        return True


@pytest.fixture
def flaky(settings):
    from core.celery import app

    settings.OUTBOX_RETRY_BACKOFF = 0  # eager retries run back to back
    # Eager retries are re-applied by apply() unless Retry propagates.
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    senders = []

    def install(*errors: BaseException) -> FlakySender:
        sender = FlakySender(*errors)
        outbox_tasks.SENDERS[TEST_KIND] = sender
        senders.append(sender)
        return sender

    yield install
    outbox_tasks.SENDERS.pop(TEST_KIND, None)
    app.conf.task_eager_propagates = propagates


def _row(**fields) -> OutboxMessage:
    now = timezone.now()
    defaults = {"kind": TEST_KIND, "payload": {"n": 1}, "next_attempt_at": now}
    return OutboxMessage.objects.create(**{**defaults, **fields})


def _deliver(row: OutboxMessage) -> str:
    return outbox_tasks.deliver.apply(args=(row.pk,)).get()


def test_a_message_is_delivered_once_however_often_its_task_runs(flaky):
    sender = flaky()
    row = _row()
    assert _deliver(row) == "delivered"
    assert _deliver(row) == "already_done"
    assert _deliver(row) == "already_done"
    row.refresh_from_db()
    assert (row.status, row.attempts, len(sender.sent)) == ("delivered", 1, 1)
    assert row.finished_at is not None


def test_a_transient_failure_is_retried_and_counted_on_the_row(flaky):
    sender = flaky(smtplib.SMTPServerDisconnected("gone"), ConnectionRefusedError())
    row = _row()
    assert _deliver(row) == "delivered"
    row.refresh_from_db()
    assert (row.status, row.attempts, len(sender.sent)) == ("delivered", 3, 1)


def test_delivery_gives_up_after_the_attempt_budget_and_keeps_the_row(
    flaky, settings, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    flaky(*[smtplib.SMTPDataError(421, b"busy")] * 5)
    row = _row()
    _deliver(row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "SMTPDataError 421"
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.name == "tasks.outbox"
    assert error.getMessage() == (
        f"Gave up delivering {TEST_KIND} message {row.pk} after 3 attempt(s): "
        "SMTPDataError 421"
    )


def test_a_permanent_smtp_refusal_fails_at_once(flaky, caplog):
    flaky(smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}))
    row = _row()
    assert _deliver(row) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_a_message_of_an_unknown_kind_fails_and_is_kept(caplog):
    row = _row(kind="no_such_kind")
    assert _deliver(row) == "failed"
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("failed", "LookupError")


def test_a_failed_message_can_be_put_back_and_then_delivers(flaky, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    sender = flaky(ConnectionResetError())
    row = _row()
    _deliver(row)
    assert OutboxMessage.objects.get().status == "failed"
    call_command("relay_outbox", "--retry-failed", stdout=io.StringIO())
    row.refresh_from_db()
    assert (row.status, len(sender.sent)) == ("delivered", 1)


def test_a_missing_row_is_not_an_error():
    assert outbox_tasks.deliver.apply(args=(987654321,)).get() == "missing"


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("x"), True),
        (smtplib.SMTPDataError(451, b"later"), True),
        (smtplib.SMTPDataError(554, b"never"), False),
        (smtplib.SMTPRecipientsRefused({"a@b": (450, b"greylisted")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b": (550, b"unknown")}), False),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (KeyError("bug"), False),
    ],
)
def test_only_network_trouble_and_smtp_4xx_are_worth_retrying(error, transient):
    assert outbox_tasks.is_transient(error) is transient


# --- the relay ------------------------------------------------------------------


class RecordingPublisher:
    def __init__(self, fail_after: int | None = None) -> None:
        self.published: list[int] = []
        self.fail_after = fail_after

    def __call__(self, message_id: int) -> None:
        if self.fail_after is not None and len(self.published) >= self.fail_after:
            raise ConnectionError("broker down")
        self.published.append(message_id)


def test_the_relay_publishes_due_rows_and_leaves_fresh_and_finished_ones():
    now = timezone.now()
    unpublished = _row(next_attempt_at=now - timedelta(seconds=1))
    overdue = _row(
        published_at=now - timedelta(minutes=5),
        publish_count=1,
        next_attempt_at=now - timedelta(minutes=3),
    )
    _row(next_attempt_at=now + timedelta(seconds=10))  # fresh: its own publish
    _row(status="delivered", next_attempt_at=now - timedelta(hours=1))
    _row(status="failed", next_attempt_at=now - timedelta(hours=1))
    publisher = RecordingPublisher()
    result = outbox.relay(publisher)
    assert result == outbox.RelayResult(published=2)
    assert sorted(publisher.published) == sorted([unpublished.pk, overdue.pk])


def test_each_republish_waits_twice_as_long_up_to_a_ceiling(settings):
    settings.OUTBOX_DELIVERY_TIMEOUT = 100
    settings.OUTBOX_REPUBLISH_BACKOFF_MAX = 1000
    waits = []
    row = _row(next_attempt_at=timezone.now())
    for _ in range(6):
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        outbox.relay(RecordingPublisher())
        row.refresh_from_db()
        waits.append((row.next_attempt_at - before).total_seconds())
    expected = [100, 200, 400, 800, 1000, 1000]
    for wait, base in zip(waits, expected, strict=True):
        assert base <= wait <= base * 1.1 + 1
    assert row.publish_count == 6


def test_the_relay_stops_at_a_broker_error_and_the_rest_stay_due():
    now = timezone.now()
    rows = [_row(next_attempt_at=now - timedelta(seconds=i)) for i in range(4)]
    result = outbox.relay(RecordingPublisher(fail_after=1))
    assert result == outbox.RelayResult(published=1, interrupted=True)
    due = OutboxMessage.objects.filter(next_attempt_at__lte=timezone.now())
    assert due.count() == 3
    assert {r.pk for r in rows} - set(due.values_list("pk", flat=True))


def test_the_relay_works_through_a_backlog_larger_than_a_batch():
    now = timezone.now()
    for _ in range(7):
        _row(next_attempt_at=now - timedelta(seconds=1))
    publisher = RecordingPublisher()
    assert outbox.relay(publisher, batch_size=3).published == 7
    assert len(set(publisher.published)) == 7


def test_the_relay_command_reports_and_fails_when_the_broker_is_down(
    monkeypatch,
):
    _row(next_attempt_at=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(
        "tasks.management.commands.relay_outbox.publish",
        RecordingPublisher(fail_after=0),
    )
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("relay_outbox", stdout=out)
    assert exited.value.code == 1
    assert "broker unreachable" in out.getvalue()


def test_the_relay_delivers_an_email_whose_publish_was_lost(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):  # publish "lost"
        emails.send_password_changed_notice(user)
    assert mail.outbox == []
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_tasks.relay.apply().get()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert OutboxMessage.objects.get().status == "delivered"
