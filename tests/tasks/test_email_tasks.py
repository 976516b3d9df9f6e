import logging

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
    email_tasks.send_verification_email(_missing_user_id(), "x@example.com")
    assert mail.outbox == []


def test_verification_task_skips_an_inactive_user():
    user = UserFactory(email_verified=False, is_active=False)
    email_tasks.send_verification_email(user.pk, user.email)
    assert mail.outbox == []


def test_verification_task_skips_an_address_the_user_no_longer_has():
    user = UserFactory(email_verified=False)
    email_tasks.send_verification_email(user.pk, "previous@example.com")
    assert mail.outbox == []


def test_verification_task_skips_a_superseded_pending_address():
    user = UserFactory(pending_email="second@example.com")
    email_tasks.send_verification_email(user.pk, "first@example.com")
    assert mail.outbox == []


def test_verification_task_skips_an_address_already_verified():
    user = UserFactory(email_verified=True)
    email_tasks.send_verification_email(user.pk, user.email)
    assert mail.outbox == []


def test_verification_task_matches_the_address_whatever_its_case():
    user = UserFactory(email_verified=False, email="casey@example.com")
    email_tasks.send_verification_email(user.pk, "Casey@Example.com")
    assert mail.outbox[0].to == ["Casey@Example.com"]


def test_email_change_notice_task_skips_a_deleted_user():
    email_tasks.send_email_change_notice(
        _missing_user_id(), "old@example.com", "new@example.com"
    )
    assert mail.outbox == []


def test_email_change_notice_is_sent_even_after_the_change_completed():
    user = UserFactory(email="new@example.com")
    email_tasks.send_email_change_notice(user.pk, "old@example.com", "new@example.com")
    assert mail.outbox[0].to == ["old@example.com"]


def test_password_changed_task_skips_a_deleted_user():
    email_tasks.send_password_changed_notice(_missing_user_id())
    assert mail.outbox == []


def test_password_changed_notice_goes_to_the_current_address():
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(email="now@example.com")
    email_tasks.send_password_changed_notice(user.pk)
    assert mail.outbox[0].to == ["now@example.com"]


def test_reset_task_sends_nothing_for_an_unknown_address():
    email_tasks.send_password_reset_email("nobody@example.com")
    assert mail.outbox == []


def test_reset_task_finds_the_account_whatever_the_case():
    user = UserFactory(email="Mixed.Case@example.com")
    email_tasks.send_password_reset_email("mixed.case@EXAMPLE.com")
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_reset_task_skips_an_inactive_user():
    user = UserFactory(is_active=False)
    email_tasks.send_password_reset_email(user.email)
    assert mail.outbox == []


def test_reset_task_skips_when_the_email_changed_since_the_request():
    user = UserFactory(email="before@example.com")
    User.objects.filter(pk=user.pk).update(email="after@example.com")
    email_tasks.send_password_reset_email("before@example.com")
    assert mail.outbox == []


def test_a_skipped_email_is_logged_without_the_address(caplog):
    caplog.set_level(logging.INFO, logger="tasks.emails")
    email_tasks.send_password_reset_email("secret-ish@example.com")
    assert "Skipped password_reset email" in caplog.text
    assert "secret-ish" not in caplog.text


def test_a_skipped_user_email_is_logged_with_the_user_id_only(caplog):
    caplog.set_level(logging.INFO, logger="tasks.emails")
    user_id = _missing_user_id()
    email_tasks.send_password_changed_notice(user_id)
    assert f"user {user_id}" in caplog.text


def test_account_deleted_task_needs_no_user_row():
    email_tasks.send_account_deleted_notice("gone@example.com", "")
    [message] = mail.outbox
    assert message.to == ["gone@example.com"]
    assert message.body.startswith("Hello,")


def test_every_email_is_sent_from_the_default_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Team <team@example.test>"
    email_tasks.send_account_deleted_notice("gone@example.com", "Ada")
    assert mail.outbox[0].from_email == "Team <team@example.test>"


def test_every_email_kind_has_exactly_one_sender():
    from tasks.outbox import SENDERS
    from users.emails import Kind

    assert {kind for kind in SENDERS if kind in set(Kind)} == set(Kind)
    assert set(email_tasks.SUBJECTS) == set(Kind)


def test_a_sender_says_whether_it_sent():
    user = UserFactory()
    assert email_tasks.send_password_changed_notice(user.pk) is True
    assert email_tasks.send_password_changed_notice(_missing_user_id()) is False


def test_the_message_id_header_is_the_one_given():
    email_tasks.send_account_deleted_notice(
        "gone@example.com", "", message_id="<abc@example.test>"
    )
    assert mail.outbox[0].extra_headers["Message-ID"] == "<abc@example.test>"


def test_mask_email_keeps_the_first_letter_and_the_domain():
    assert email_tasks.mask_email("newname@example.org") == "n***@example.org"
