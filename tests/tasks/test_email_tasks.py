import logging
from smtplib import SMTPException

import pytest
from django.core import mail

from tasks import emails as email_tasks
from tests.factories import UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def _missing_user_id() -> int:
    user = UserFactory()
    user_id = user.pk
    user.delete()
    return user_id


def test_verification_task_skips_a_deleted_user():
    email_tasks.send_verification_email.delay(_missing_user_id(), "x@example.com")
    assert mail.outbox == []


def test_verification_task_skips_an_inactive_user():
    user = UserFactory(email_verified=False, is_active=False)
    email_tasks.send_verification_email.delay(user.pk, user.email)
    assert mail.outbox == []


def test_verification_task_skips_an_address_the_user_no_longer_has():
    user = UserFactory(email_verified=False)
    email_tasks.send_verification_email.delay(user.pk, "previous@example.com")
    assert mail.outbox == []


def test_verification_task_skips_a_superseded_pending_address():
    user = UserFactory(pending_email="second@example.com")
    email_tasks.send_verification_email.delay(user.pk, "first@example.com")
    assert mail.outbox == []


def test_verification_task_skips_an_address_already_verified():
    user = UserFactory(email_verified=True)
    email_tasks.send_verification_email.delay(user.pk, user.email)
    assert mail.outbox == []


def test_verification_task_matches_the_address_whatever_its_case():
    user = UserFactory(email_verified=False, email="casey@example.com")
    email_tasks.send_verification_email.delay(user.pk, "Casey@Example.com")
    assert mail.outbox[0].to == ["Casey@Example.com"]


def test_email_change_notice_task_skips_a_deleted_user():
    email_tasks.send_email_change_notice.delay(
        _missing_user_id(), "old@example.com", "new@example.com"
    )
    assert mail.outbox == []


def test_email_change_notice_is_sent_even_after_the_change_completed():
    user = UserFactory(email="new@example.com")
    email_tasks.send_email_change_notice.delay(
        user.pk, "old@example.com", "new@example.com"
    )
    assert mail.outbox[0].to == ["old@example.com"]


def test_password_changed_task_skips_a_deleted_user():
    email_tasks.send_password_changed_notice.delay(_missing_user_id())
    assert mail.outbox == []


def test_password_changed_notice_goes_to_the_current_address():
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(email="now@example.com")
    email_tasks.send_password_changed_notice.delay(user.pk)
    assert mail.outbox[0].to == ["now@example.com"]


def test_reset_task_sends_nothing_for_an_unknown_address():
    email_tasks.send_password_reset_email.delay("nobody@example.com")
    assert mail.outbox == []


def test_reset_task_finds_the_account_whatever_the_case():
    user = UserFactory(email="Mixed.Case@example.com")
    email_tasks.send_password_reset_email.delay("mixed.case@EXAMPLE.com")
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_reset_task_skips_an_inactive_user():
    user = UserFactory(is_active=False)
    email_tasks.send_password_reset_email.delay(user.email)
    assert mail.outbox == []


def test_reset_task_skips_when_the_email_changed_since_the_request():
    user = UserFactory(email="before@example.com")
    User.objects.filter(pk=user.pk).update(email="after@example.com")
    email_tasks.send_password_reset_email.delay("before@example.com")
    assert mail.outbox == []


def test_a_skipped_email_is_logged_without_the_address(caplog):
    caplog.set_level(logging.INFO, logger="tasks.emails")
    email_tasks.send_password_reset_email.delay("secret-ish@example.com")
    assert "Skipped password_reset email" in caplog.text
    assert "secret-ish" not in caplog.text


def test_a_skipped_user_email_is_logged_with_the_user_id_only(caplog):
    caplog.set_level(logging.INFO, logger="tasks.emails")
    user_id = _missing_user_id()
    email_tasks.send_password_changed_notice.delay(user_id)
    assert f"user {user_id}" in caplog.text


def test_account_deleted_task_needs_no_user_row():
    email_tasks.send_account_deleted_notice.delay("gone@example.com", "")
    [message] = mail.outbox
    assert message.to == ["gone@example.com"]
    assert message.body.startswith("Hello,")


def test_every_email_is_sent_from_the_default_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Team <team@example.test>"
    email_tasks.send_account_deleted_notice.delay("gone@example.com", "Ada")
    assert mail.outbox[0].from_email == "Team <team@example.test>"


@pytest.mark.parametrize(
    "task",
    [
        email_tasks.send_verification_email,
        email_tasks.send_email_change_notice,
        email_tasks.send_password_changed_notice,
        email_tasks.send_password_reset_email,
        email_tasks.send_account_deleted_notice,
    ],
    ids=lambda task: task.name,
)
def test_every_email_task_retries_with_backoff_and_acks_late(task):
    assert set(task.autoretry_for) == {SMTPException, ConnectionError, OSError}
    assert (task.retry_backoff, task.retry_backoff_max) == (True, 600)
    assert task.max_retries == 8
    assert task.acks_late is True
    assert task.name.startswith("tasks.emails.")


def test_mask_email_keeps_the_first_letter_and_the_domain():
    assert email_tasks.mask_email("newname@example.org") == "n***@example.org"
