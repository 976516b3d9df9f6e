import io
import logging
import re
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.services.worker import publishing
from users import emails, events, outbox
from users.email_tokens import (
    check_password_reset_token,
    make_password_reset_token,
    make_verification_token,
    read_verification_token,
)
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import OutboxMessage, SecurityEventKind, User

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.example.test"


def _link(message, path: str) -> str:
    match = re.search(
        rf"{re.escape(FRONTEND)}/{path}\?token=([^\s\"<>&]+)", message.body
    )
    assert match, message.body
    return match.group(0)


def _token(message, path: str) -> str:
    return _link(message, path).split("token=", 1)[1]


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def _code(excinfo) -> tuple[str, str | None]:
    return excinfo.value.code, excinfo.value.field


# --- Publishing -------------------------------------------------------------------


@pytest.fixture
def recording_publisher():
    """Swap the outbox's publisher for one that only records the ids it gets."""
    from tasks.outbox import publish

    published: list[int] = []
    outbox.set_publisher(published.append)
    yield published
    outbox.set_publisher(publish)


def test_verification_email_goes_to_the_given_address(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, user.email)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Confirm your email address"
    assert message.from_email == "Accounts <no-reply@localhost>"


def test_verification_link_round_trips_through_the_token_reader(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, user.email)
    token = _token(mail.outbox[0], "verify-email")
    assert read_verification_token(token) == (user.pk, user.email)


def test_verification_email_has_the_link_in_both_text_and_html_parts(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, user.email)
    message = mail.outbox[0]
    assert _link(message, "verify-email") in _html(message)
    assert "<html" in _html(message)
    assert "<" not in message.body


def test_verification_email_for_a_pending_change_goes_to_the_new_address(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(pending_email="new@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, "new@example.org")
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    token = _token(message, "verify-email")
    assert read_verification_token(token) == (user.pk, "new@example.org")


def test_email_change_notice_goes_to_the_old_address_with_the_new_one_masked(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="old@example.com", pending_email="newname@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_email_change_notice(user, "old@example.com", "newname@example.org")
    [message] = mail.outbox
    assert message.to == ["old@example.com"]
    assert message.subject == "A change of your email address was requested"
    for part in (message.body, _html(message)):
        assert "n***@example.org" in part
        assert "newname" not in part


def test_password_changed_notice_goes_to_the_account_address(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_changed_notice(user)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Your password was changed"
    assert "token=" not in message.body
    assert "changed" in _html(message)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (emails.TwoFactorChange.ENABLED, "turned on"),
        (emails.TwoFactorChange.DISABLED, "turned off"),
        (emails.TwoFactorChange.RECOVERY_CODES_REGENERATED, "New recovery codes"),
    ],
)
def test_two_factor_notice_goes_to_the_account_address_and_says_what_changed(
    change, says, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_two_factor_changed_notice(user, change)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Two-factor authentication changed on your account"
    assert "token=" not in message.body
    assert says in message.body
    assert user.email in _html(message)
    assert OutboxMessage.objects.get().status == "delivered"


def test_two_factor_notice_is_skipped_for_a_deleted_account(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_two_factor_changed_notice(user, emails.TwoFactorChange.DISABLED)
        user.delete()
    assert mail.outbox == []


def test_password_reset_email_goes_to_the_account_address(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_reset_email(user.email)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Reset your password"
    assert _link(message, "reset-password") in _html(message)


def test_password_reset_link_round_trips_through_the_token_checker(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_reset_email(user.email)
    token = _token(mail.outbox[0], "reset-password")
    assert check_password_reset_token(token) == user


def test_account_deleted_notice_goes_to_the_given_address(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_account_deleted_notice("gone@example.com", "Ada")
    [message] = mail.outbox
    assert message.to == ["gone@example.com"]
    assert message.subject == "Your account was deleted"
    assert "Ada" in message.body
    assert "Ada" in _html(message)


def test_the_html_part_escapes_user_supplied_text(django_capture_on_commit_callbacks):
    user = UserFactory(name="<script>alert(1)</script>")
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_changed_notice(user)
    message = mail.outbox[0]
    assert "<script>" not in _html(message)
    assert "&lt;script&gt;" in _html(message)


def test_the_text_part_shows_names_as_typed(django_capture_on_commit_callbacks):
    user = UserFactory(name="Zoë O'Brien & Co")
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_changed_notice(user)
    assert "Zoë O'Brien & Co" in mail.outbox[0].body


def test_the_row_is_written_in_the_transaction_and_published_only_after_commit(
    django_capture_on_commit_callbacks, recording_publisher
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails.send_password_reset_email(user.email)
    [row] = OutboxMessage.objects.all()
    assert (row.kind, row.payload, row.status) == (
        "password_reset",
        {"email": user.email},
        "pending",
    )
    assert recording_publisher == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert recording_publisher == [row.pk]


def test_nothing_is_recorded_or_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()

    class Boom(Exception):
        pass

    def operation_that_fails():
        with transaction.atomic():
            emails.send_password_reset_email(user.email)
            emails.send_password_changed_notice(user)
            raise Boom

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
    ):
        operation_that_fails()
    assert callbacks == []
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


def test_outbox_payloads_hold_only_ids_and_plain_strings(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(pending_email="next@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, "next@example.org")
        emails.send_email_change_notice(user, user.email, "next@example.org")
        emails.send_password_changed_notice(user)
        emails.send_password_reset_email(user.email)
        emails.send_account_deleted_notice(user.email, user.name)
        emails.send_recovery_code_used_notice(user, 9)
        event = events.record(
            SecurityEventKind.NEW_DEVICE_LOGIN, user_id=user.pk, meta=RequestMeta()
        )
        emails.send_new_sign_in_notice(user, event)
        emails.send_two_factor_changed_notice(user, emails.TwoFactorChange.ENABLED)
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert [row.kind for row in rows] == [kind.value for kind in emails.Kind]
    assert len(mail.outbox) == len(rows)
    for row in rows:
        assert all(type(value) in {int, str} for value in row.payload.values())
        assert "token" not in str(row.payload)


def test_each_email_carries_the_message_id_of_its_outbox_row(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_password_changed_notice(user)
    row = OutboxMessage.objects.get()
    assert row.status == "delivered"
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{row.key}@localhost>"


def test_sending_logs_neither_the_token_nor_the_link(
    django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    user = UserFactory(email_verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_verification_email(user, user.email)
        emails.send_password_reset_email(user.email)
    verify, reset = mail.outbox
    assert caplog.records, "the sends are expected to be logged"
    for message, path in ((verify, "verify-email"), (reset, "reset-password")):
        assert _token(message, path) not in caplog.text
        assert _link(message, path) not in caplog.text


def test_a_broker_outage_after_commit_leaves_the_row_for_the_relay(
    django_capture_on_commit_callbacks, caplog, redis_down
):
    user = UserFactory()
    with publishing(), django_capture_on_commit_callbacks(execute=True):
        emails.send_password_reset_email(user.email)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    [warning] = [r for r in caplog.records if r.name == "users.outbox"]
    assert warning.getMessage().startswith("Could not publish password_reset message")
    assert user.email not in caplog.text
    row = OutboxMessage.objects.get()
    assert (row.status, row.published_at) == ("pending", None)
    assert mail.outbox == []

    # The broker is back (eager here): the relay delivers what waited.
    redis_down.start()
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    call_command("relay_outbox", stdout=io.StringIO())
    row.refresh_from_db()
    assert row.status == "delivered"
    assert [m.to for m in mail.outbox] == [[user.email]]


# --- Verification tokens ----------------------------------------------------------


def test_verification_token_round_trips_the_user_id_and_email(user):
    token = make_verification_token(user, "Some.One@example.com")
    assert read_verification_token(token) == (user.pk, "Some.One@example.com")


def test_a_tampered_verification_token_is_invalid(user):
    token = make_verification_token(user, user.email)
    _, rest = token.split(":", 1)
    forged = signing.b64_encode(b'{"u":1,"e":"evil@example.com"}').decode()
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(f"{forged}:{rest}")
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_a_verification_token_with_a_flipped_signature_character_is_invalid(user):
    token = make_verification_token(user, user.email)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(flipped)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_an_old_verification_token_is_expired(user, settings):
    settings.EMAIL_VERIFICATION_TIMEOUT = 3600
    with mock.patch("time.time", return_value=1_700_000_000):
        token = make_verification_token(user, user.email)
    with (
        mock.patch("time.time", return_value=1_700_000_000 + 3601),
        pytest.raises(ServiceError) as excinfo,
    ):
        read_verification_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_EXPIRED, "token")


def test_a_verification_token_is_valid_until_its_timeout(user, settings):
    settings.EMAIL_VERIFICATION_TIMEOUT = 3600
    with mock.patch("time.time", return_value=1_700_000_000):
        token = make_verification_token(user, user.email)
    with mock.patch("time.time", return_value=1_700_000_000 + 3600):
        assert read_verification_token(token) == (user.pk, user.email)


def test_an_expired_forgery_is_invalid_not_expired(user, settings):
    with mock.patch("time.time", return_value=1_000_000_000):
        forged = signing.dumps({"u": user.pk, "e": user.email}, salt="another-salt")
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(forged)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_a_value_signed_for_another_purpose_is_not_a_verification_token(user):
    other = signing.dumps({"u": user.pk, "e": user.email})
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(other)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_a_signed_payload_of_the_wrong_shape_is_invalid(user):
    from users import email_tokens

    odd = signing.dumps(["u", user.pk], salt=email_tokens._VERIFICATION_SALT)
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(odd)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a:b",
        "a:b:c",
        "!!!:@@@:###",
        "eyJ1IjoxfQ:1abcde:" + "x" * 43,
        "x" * 1001,
        None,
        123,
        b"bytes",
        ["list"],
    ],
)
def test_a_malformed_verification_token_is_invalid(token):
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_a_verification_token_survives_a_key_rotation_while_the_old_key_is_a_fallback(
    user, settings
):
    token = make_verification_token(user, user.email)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-secret-key-" + "r" * 48
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert read_verification_token(token) == (user.pk, user.email)


def test_a_verification_token_dies_when_its_key_leaves_the_fallbacks(user, settings):
    token = make_verification_token(user, user.email)
    settings.SECRET_KEY = "rotated-secret-key-" + "r" * 48
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ServiceError) as excinfo:
        read_verification_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


# --- Password reset tokens --------------------------------------------------------


def test_reset_token_identifies_its_user(user):
    assert check_password_reset_token(make_password_reset_token(user)) == user


def test_reset_token_is_one_opaque_url_safe_string(user):
    token = make_password_reset_token(user)
    # The user id, then a signing.dumps value: urlsafe base64 and ":" only.
    assert re.fullmatch(
        r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+:[A-Za-z0-9]+:[A-Za-z0-9_-]+", token
    )


def test_reset_token_dies_once_the_password_changes(user):
    token = make_password_reset_token(user)
    user.set_password("a-whole-new-passphrase-1")
    user.save()
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_dies_when_the_token_version_is_bumped(user):
    token = make_password_reset_token(user)
    User.objects.filter(pk=user.pk).update(token_version=user.token_version + 1)
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_dies_when_the_email_changes(user):
    token = make_password_reset_token(user)
    User.objects.filter(pk=user.pk).update(email="moved@example.com")
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_expires_after_the_timeout(user, settings, clock):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    token = make_password_reset_token(user)
    clock.shift(3602)
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_EXPIRED, "token")


def test_reset_token_still_works_just_before_the_timeout(user, settings, clock):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    token = make_password_reset_token(user)
    clock.shift(3590)
    assert check_password_reset_token(token) == user


def test_an_old_reset_token_with_a_forged_hash_is_invalid_not_expired(user):
    uidb64 = make_password_reset_token(user).split(".")[0]
    forged = f"{uidb64}.1-{'0' * 32}"
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(forged)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_an_expired_reset_token_with_a_forged_signature_is_invalid_not_expired(
    user, clock
):
    uidb64, signed = make_password_reset_token(user).split(".")
    payload, timestamp, _ = signed.split(":")
    clock.shift(10 * 24 * 3600)
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(f"{uidb64}.{payload}:{timestamp}:{'A' * 43}")
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_dies_when_the_user_logs_in(user):
    token = make_password_reset_token(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_of_another_user_is_invalid(user):
    other = UserFactory()
    uidb64 = make_password_reset_token(other).split(".")[0]
    stolen = make_password_reset_token(user).split(".")[1]
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(f"{uidb64}.{stolen}")
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_of_an_inactive_user_is_invalid(user):
    token = make_password_reset_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_of_a_deleted_user_is_invalid(user):
    token = make_password_reset_token(user)
    user.delete()
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_reset_token_made_by_djangos_default_generator_is_invalid(user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_encode

    uidb64 = urlsafe_base64_encode(str(user.pk).encode())
    token = f"{uidb64}.{default_token_generator.make_token(user)}"
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        ".abc-def",
        "MQ.",
        "MQ.abc",
        "MQ.1-2-3",
        "Mg.zzz-zzz",
        "MQ.zzzzzzzzzzzzzzzz-abc",
        "LTE.abc-def",  # "-1"
        "MDE.abc-def",  # "01"
        "KzE.abc-def",  # "+1"
        "OTk5OTk5OTk5OTk5OTk5OTk5OTk5.abc-def",  # beyond a bigint
        "_w.abc-def",  # not UTF-8
        "x" * 5000,
        None,
        42,
        b"MQ.abc-def",
    ],
)
def test_a_malformed_reset_token_is_invalid(token):
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")


def test_a_reset_token_survives_a_key_rotation_while_the_old_key_is_a_fallback(
    user, settings
):
    token = make_password_reset_token(user)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-secret-key-" + "r" * 48
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert check_password_reset_token(token) == user


def test_a_reset_token_dies_when_its_key_leaves_the_fallbacks(user, settings):
    token = make_password_reset_token(user)
    settings.SECRET_KEY = "rotated-secret-key-" + "r" * 48
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ServiceError) as excinfo:
        check_password_reset_token(token)
    assert _code(excinfo) == (ErrorCode.TOKEN_INVALID, "token")
