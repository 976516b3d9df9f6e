"""Two-factor authentication through the services: every rule, time moved explicitly."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.management import call_command

from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.links import token_from_last_mail
from tests.mfa import META, code_for, enrol
from users import secret_box, selectors, services
from users.errors import ErrorCode, ServiceError
from users.models import (
    MfaChallenge,
    RecoveryCode,
    SecurityEvent,
    SecurityEventKind,
    Session,
    TOTPDevice,
)

pytestmark = pytest.mark.django_db


def fails(call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(**kwargs)
    return caught.value


def mfa_token_for(user) -> str:
    error = fails(
        services.login, email=user.email, password=DEFAULT_PASSWORD, meta=META
    )
    assert error.code == ErrorCode.MFA_REQUIRED
    return error.extra["mfa_token"]


# --- enrolment ------------------------------------------------------------------------


def test_setup_returns_secret_uri_and_svg_and_leaves_login_unchanged(user, clock):
    setup = services.setup_totp(user=user, meta=META)

    assert re.fullmatch(r"[A-Z2-7]{32}", setup.secret)
    assert setup.otpauth_uri.startswith("otpauth://totp/Accounts%3A")
    assert f"secret={setup.secret}" in setup.otpauth_uri
    assert "issuer=Accounts" in setup.otpauth_uri
    assert setup.qr_svg.startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in (setup.qr_svg)
    user.refresh_from_db()
    assert not user.mfa_enabled
    assert services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)


def test_secret_of_the_setup_is_the_one_the_device_computes_codes_from(user, clock):
    setup = services.setup_totp(user=user, meta=META)
    device = TOTPDevice.objects.get(user=user)

    assert base64.b32decode(setup.secret) == device.bin_key


def test_secret_is_encrypted_at_rest(user, clock):
    setup = services.setup_totp(user=user, meta=META)
    stored = TOTPDevice.objects.values_list("encrypted_key", flat=True).get(user=user)
    raw = base64.b32decode(setup.secret)

    assert setup.secret not in stored
    assert raw.hex() not in stored
    assert secret_box.decrypt(stored) == raw


def test_setup_again_before_confirming_replaces_the_secret(user, clock):
    first = services.setup_totp(user=user, meta=META)
    second = services.setup_totp(user=user, meta=META)

    assert first.secret != second.secret
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_confirm_with_a_valid_code_turns_mfa_on_and_returns_ten_codes(user, clock):
    services.setup_totp(user=user, meta=META)
    codes = services.confirm_totp(user=user, code=code_for(user), meta=META)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    user.refresh_from_db()
    assert user.mfa_enabled


def test_recovery_codes_are_stored_hashed(user, clock):
    codes = enrol(user)
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))

    assert len(stored) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert all(plain not in value for value in stored)


def test_confirm_with_a_wrong_code_keeps_the_device_pending(user, clock):
    services.setup_totp(user=user, meta=META)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"

    error = fails(services.confirm_totp, user=user, code=wrong, meta=META)

    assert (error.code, error.field) == (ErrorCode.MFA_CODE_INVALID, "code")
    user.refresh_from_db()
    assert not user.mfa_enabled


def test_confirm_without_setup_is_refused(user):
    error = fails(services.confirm_totp, user=user, code="123456", meta=META)
    assert error.code == ErrorCode.MFA_NOT_ENABLED


def test_setup_with_mfa_on_is_refused(user, clock):
    enrol(user)
    error = fails(services.setup_totp, user=user, meta=META)
    assert error.code == ErrorCode.MFA_ALREADY_ENABLED


# --- the login's second step ----------------------------------------------------------


def test_login_with_mfa_on_answers_mfa_required_and_opens_no_session(user, clock):
    enrol(user)

    token = mfa_token_for(user)

    assert len(token) >= 40
    assert not Session.objects.filter(user=user).exists()
    assert MfaChallenge.objects.filter(user=user, used_at__isnull=True).count() == 1


def test_wrong_password_with_mfa_on_mints_no_mfa_token(user, clock):
    enrol(user)
    error = fails(services.login, email=user.email, password="wrong-pass", meta=META)
    assert error.code == ErrorCode.INVALID_CREDENTIALS
    assert "mfa_token" not in error.extra
    assert not MfaChallenge.objects.exists()


def test_verify_with_a_totp_code_returns_a_working_pair(user, clock):
    enrol(user)
    clock.shift(30)
    pair = services.verify_mfa(
        mfa_token=mfa_token_for(user), code=code_for(user), meta=META
    )

    assert services.authenticate(token=pair.access).user == user
    assert Session.objects.filter(user=user).count() == 1


def test_mfa_token_works_once(user, clock):
    enrol(user)
    clock.shift(30)
    token = mfa_token_for(user)
    services.verify_mfa(mfa_token=token, code=code_for(user), meta=META)
    clock.shift(30)

    error = fails(services.verify_mfa, mfa_token=token, code=code_for(user), meta=META)

    assert (error.code, error.field) == (ErrorCode.TOKEN_INVALID, "mfa_token")


def test_replayed_totp_code_is_refused(user, clock):
    enrol(user)
    clock.shift(30)
    code = code_for(user)
    services.verify_mfa(mfa_token=mfa_token_for(user), code=code, meta=META)

    error = fails(
        services.verify_mfa, mfa_token=mfa_token_for(user), code=code, meta=META
    )

    assert error.code == ErrorCode.MFA_CODE_INVALID


def test_code_used_at_enrolment_cannot_log_in(user, clock):
    services.setup_totp(user=user, meta=META)
    code = code_for(user)
    services.confirm_totp(user=user, code=code, meta=META)

    error = fails(
        services.verify_mfa, mfa_token=mfa_token_for(user), code=code, meta=META
    )

    assert error.code == ErrorCode.MFA_CODE_INVALID


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_clock_drift_is_tolerated_either_way(user, clock, offset):
    enrol(user)
    clock.shift(90)
    services.verify_mfa(
        mfa_token=mfa_token_for(user),
        code=code_for(user, offset_steps=offset),
        meta=META,
    )


def test_the_apps_drift_is_learned(user, clock):
    enrol(user)
    clock.shift(90)
    services.verify_mfa(
        mfa_token=mfa_token_for(user), code=code_for(user, offset_steps=1), meta=META
    )
    assert TOTPDevice.objects.get(user=user).drift == 1
    clock.shift(60)
    # Two steps ahead of the server's clock: one ahead of the app's known drift.
    services.verify_mfa(
        mfa_token=mfa_token_for(user), code=code_for(user, offset_steps=2), meta=META
    )


def test_codes_two_steps_away_are_refused(user, clock):
    enrol(user)
    clock.shift(300)
    for offset in (-3, 3):
        error = fails(
            services.verify_mfa,
            mfa_token=mfa_token_for(user),
            code=code_for(user, offset_steps=offset),
            meta=META,
        )
        assert error.code == ErrorCode.MFA_CODE_INVALID
        clock.shift(60)  # past django-otp's back-off


def test_mfa_token_expires(user, clock, settings):
    enrol(user)
    token = mfa_token_for(user)
    clock.shift(settings.MFA_TOKEN_LIFETIME + 1)

    error = fails(services.verify_mfa, mfa_token=token, code=code_for(user), meta=META)

    assert error.code == ErrorCode.TOKEN_INVALID


def test_mfa_token_dies_after_the_allowed_wrong_codes(user, clock, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the token's own count, not the back-off
    enrol(user)
    clock.shift(30)
    token = mfa_token_for(user)
    for _ in range(settings.MFA_TOKEN_MAX_ATTEMPTS):
        error = fails(services.verify_mfa, mfa_token=token, code="000000", meta=META)
        assert error.code == ErrorCode.MFA_CODE_INVALID

    error = fails(services.verify_mfa, mfa_token=token, code=code_for(user), meta=META)

    assert error.code == ErrorCode.TOKEN_INVALID


def test_repeated_wrong_codes_meet_django_otp_backoff(user, clock):
    enrol(user)
    clock.shift(30)
    for _ in range(3):
        try:
            services.verify_mfa(mfa_token=mfa_token_for(user), code="000000", meta=META)
        except ServiceError as exc:
            last = exc
    # Three failures: the device waits 4 s; even the right code is refused now.
    error = fails(
        services.verify_mfa,
        mfa_token=mfa_token_for(user),
        code=code_for(user),
        meta=META,
    )
    assert last.code in {ErrorCode.MFA_CODE_INVALID, ErrorCode.RATE_LIMITED}
    assert error.code == ErrorCode.RATE_LIMITED
    assert error.retry_after
    assert error.retry_after <= 5

    clock.shift(5)
    services.verify_mfa(mfa_token=mfa_token_for(user), code=code_for(user), meta=META)


def test_attempts_per_account_are_limited_across_mfa_tokens(user, clock, settings):
    settings.RATE_LIMITS = {"mfa_verify": ["3/15m user"]}
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    enrol(user)
    clock.shift(30)
    for _ in range(3):
        fails(
            services.verify_mfa, mfa_token=mfa_token_for(user), code="000000", meta=META
        )

    error = fails(
        services.verify_mfa,
        mfa_token=mfa_token_for(user),
        code=code_for(user),
        meta=META,
    )

    assert error.code == ErrorCode.RATE_LIMITED


def test_verify_fails_closed_when_the_limiter_is_down(user, clock, request):
    enrol(user)
    challenge_token = mfa_token_for(user)
    request.getfixturevalue("redis_down")

    error = fails(
        services.verify_mfa, mfa_token=challenge_token, code=code_for(user), meta=META
    )

    assert error.code == ErrorCode.SERVICE_UNAVAILABLE


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        (services.confirm_totp, {"code": "123456"}),
        (services.disable_totp, {"password": DEFAULT_PASSWORD, "code": "123456"}),
        (services.regenerate_recovery_codes, {"password": DEFAULT_PASSWORD}),
    ],
)
def test_mfa_operations_that_check_secrets_fail_closed(
    user, redis_down, operation, kwargs
):
    error = fails(operation, user=user, meta=META, **kwargs)
    assert error.code == ErrorCode.SERVICE_UNAVAILABLE


def test_malformed_mfa_tokens_are_token_invalid(user, clock):
    for token in ["", "x" * 500, "\ud800abc", None, 42]:
        error = fails(services.verify_mfa, mfa_token=token, code="123456", meta=META)
        assert (error.code, error.field) == (ErrorCode.TOKEN_INVALID, "mfa_token")


def test_malformed_codes_are_mfa_code_invalid(user, clock):
    enrol(user)
    for code in ["", "   ", "12345", "1234567", "x" * 500, None, "١٢٣٤٥٦"]:
        clock.shift(120)
        error = fails(
            services.verify_mfa, mfa_token=mfa_token_for(user), code=code, meta=META
        )
        assert (error.code, error.field) == (ErrorCode.MFA_CODE_INVALID, "code")


# --- recovery codes -------------------------------------------------------------------


def test_recovery_code_logs_in_once_and_emails_the_account(user, clock, committed):
    codes = enrol(user)
    with committed():
        services.verify_mfa(mfa_token=mfa_token_for(user), code=codes[0], meta=META)

    # Beside the new sign-in notice (the login came without a device token).
    [notice] = [m for m in mail.outbox if "recovery code" in m.subject.lower()]
    assert len(mail.outbox) == 2
    assert notice.to == [user.email]
    assert "9 unused codes remain" in notice.body
    error = fails(
        services.verify_mfa, mfa_token=mfa_token_for(user), code=codes[0], meta=META
    )
    assert error.code == ErrorCode.MFA_CODE_INVALID
    assert RecoveryCode.objects.filter(device__user=user).count() == 9


def test_recovery_code_is_accepted_as_users_type_it(user, clock):
    codes = enrol(user)
    typed = "  " + codes[1].upper().replace("-", " ") + " "
    services.verify_mfa(mfa_token=mfa_token_for(user), code=typed, meta=META)


def test_regenerating_kills_the_old_codes(user, clock):
    old = enrol(user)
    new = services.regenerate_recovery_codes(
        user=user, password=DEFAULT_PASSWORD, meta=META
    )

    assert not set(old) & set(new)
    error = fails(
        services.verify_mfa, mfa_token=mfa_token_for(user), code=old[0], meta=META
    )
    assert error.code == ErrorCode.MFA_CODE_INVALID
    clock.shift(5)
    services.verify_mfa(mfa_token=mfa_token_for(user), code=new[0], meta=META)


def test_regenerating_needs_the_password_and_mfa_on(user, clock):
    error = fails(
        services.regenerate_recovery_codes,
        user=user,
        password=DEFAULT_PASSWORD,
        meta=META,
    )
    assert error.code == ErrorCode.MFA_NOT_ENABLED
    enrol(user)
    error = fails(
        services.regenerate_recovery_codes, user=user, password="wrong-pass", meta=META
    )
    assert (error.code, error.field) == (ErrorCode.PASSWORD_INCORRECT, "password")


def test_recovery_codes_survive_a_secret_key_rotation(user, clock, settings):
    codes = enrol(user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-secret-key-" + "r" * 48

    services.verify_mfa(mfa_token=mfa_token_for(user), code=codes[0], meta=META)


# --- turning it off -------------------------------------------------------------------


def test_disable_needs_password_and_code_then_login_gives_a_pair(user, clock):
    enrol(user)
    clock.shift(30)
    error = fails(
        services.disable_totp,
        user=user,
        password="wrong-pass",
        code=code_for(user),
        meta=META,
    )
    assert error.code == ErrorCode.PASSWORD_INCORRECT
    error = fails(
        services.disable_totp,
        user=user,
        password=DEFAULT_PASSWORD,
        code="000000",
        meta=META,
    )
    assert error.code == ErrorCode.MFA_CODE_INVALID
    clock.shift(30)

    services.disable_totp(
        user=user, password=DEFAULT_PASSWORD, code=code_for(user), meta=META
    )

    user.refresh_from_db()
    assert not user.mfa_enabled
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(device__user=user).exists()
    assert services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)


def test_disabling_kills_outstanding_mfa_tokens(user, clock):
    enrol(user)
    token = mfa_token_for(user)
    clock.shift(30)
    services.disable_totp(
        user=user, password=DEFAULT_PASSWORD, code=code_for(user), meta=META
    )
    clock.shift(30)

    error = fails(services.verify_mfa, mfa_token=token, code="123456", meta=META)

    assert error.code == ErrorCode.TOKEN_INVALID


# --- password reset and the password step ---------------------------------------------


def test_password_reset_does_not_bypass_mfa(user, clock, committed):
    enrol(user)
    with committed():
        services.request_password_reset(email=user.email, meta=META)
    token = token_from_last_mail()
    services.reset_password(
        token=token, new_password="a-new-long-passphrase", meta=META
    )

    error = fails(
        services.login, email=user.email, password="a-new-long-passphrase", meta=META
    )

    assert error.code == ErrorCode.MFA_REQUIRED
    user.refresh_from_db()
    assert user.mfa_enabled


def test_mfa_token_dies_with_a_password_change(user, clock):
    enrol(user)
    token = mfa_token_for(user)
    user.set_password("another-long-passphrase")
    user.save()
    clock.shift(30)

    error = fails(services.verify_mfa, mfa_token=token, code=code_for(user), meta=META)

    assert error.code == ErrorCode.TOKEN_INVALID


def test_mfa_token_of_a_deactivated_account_is_refused(user, clock):
    enrol(user)
    token = mfa_token_for(user)
    user.is_active = False
    user.save()
    clock.shift(30)

    error = fails(services.verify_mfa, mfa_token=token, code=code_for(user), meta=META)

    assert error.code == ErrorCode.TOKEN_INVALID


def test_only_a_hash_of_the_mfa_token_is_stored(user, clock):
    enrol(user)
    token = mfa_token_for(user)
    stored = MfaChallenge.objects.get(user=user)
    assert token not in stored.token_hash
    assert stored.token_hash == MfaChallenge.hash_token(token)


# --- staff ----------------------------------------------------------------------------


def test_staff_without_totp_is_refused_staff_features_when_required(clock, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()

    error = fails(selectors.search_users, actor=staff)

    assert error.code == ErrorCode.FORBIDDEN
    assert error.reason == ErrorCode.MFA_SETUP_REQUIRED
    enrol(staff)
    assert selectors.search_users(actor=staff).count() == 1


def test_staff_without_totp_may_use_staff_features_when_not_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    staff = StaffFactory()
    assert selectors.search_users(actor=staff).count() == 1


def test_staff_without_totp_cannot_deactivate_users_when_required(user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()
    error = fails(services.deactivate_user, actor=staff, user_id=user.pk)
    assert error.reason == ErrorCode.MFA_SETUP_REQUIRED


# --- keys -----------------------------------------------------------------------------


def test_secrets_stay_readable_through_a_key_rotation(user, clock, settings):
    old_key = Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [old_key]
    enrol(user)
    before = TOTPDevice.objects.get(user=user).encrypted_key
    new_key = Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_mfa_keys", verbosity=0)

    after = TOTPDevice.objects.get(user=user).encrypted_key
    assert after != before
    settings.MFA_ENCRYPTION_KEYS = [new_key]
    clock.shift(30)
    services.verify_mfa(mfa_token=mfa_token_for(user), code=code_for(user), meta=META)


def test_a_lost_key_is_a_clear_error_not_a_wrong_code(user, clock, settings):
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    enrol(user)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(secret_box.SecretUnreadable):
        _ = TOTPDevice.objects.get(user=user).bin_key


# --- Turning TOTP on ends the password-only sessions; every change is mailed ------


def test_confirming_totp_ends_every_other_session_but_the_callers(user, clock):
    mine = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    other = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    enrol(user, keep=mine.session)
    assert services.authenticate(token=mine.access).session == mine.session
    refused = fails(services.authenticate, token=other.access)
    assert refused.code == ErrorCode.TOKEN_INVALID
    assert fails(services.refresh, refresh_token=other.refresh, meta=META).code in {
        ErrorCode.TOKEN_INVALID,
        ErrorCode.TOKEN_REUSED,
    }
    [live] = selectors.active_sessions(user=user)
    assert live == mine.session


def test_confirming_totp_records_the_other_sessions_revoked(user, clock):
    mine = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    enrol(user, keep=mine.session)
    kinds = list(
        SecurityEvent.objects.filter(user=user)
        .order_by("id")
        .values_list("kind", "session_id")
    )
    assert kinds[-2:] == [
        (SecurityEventKind.MFA_ENABLED, None),
        (SecurityEventKind.OTHER_SESSIONS_REVOKED, mine.session.pk),
    ]


def test_confirming_totp_with_no_other_session_records_no_revocation(user, clock):
    mine = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    enrol(user, keep=mine.session)
    kinds = SecurityEvent.objects.filter(user=user).values_list("kind", flat=True)
    assert SecurityEventKind.OTHER_SESSIONS_REVOKED not in kinds


def test_a_wrong_confirmation_code_ends_no_session(user, clock):
    other = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)
    services.setup_totp(user=user, meta=META)
    fails(services.confirm_totp, user=user, code="000000", meta=META)
    assert services.authenticate(token=other.access).user == user


def _notices() -> list[str]:
    return [
        m.body
        for m in mail.outbox
        if m.subject == "Two-factor authentication changed on your account"
    ]


def test_turning_totp_on_emails_the_account(user, clock, committed):
    with committed():
        enrol(user)
    [notice] = _notices()
    assert "turned on" in notice
    assert mail.outbox[-1].to == [user.email]


def test_turning_totp_off_emails_the_account(user, clock, committed):
    enrol(user)
    clock.shift(30)
    with committed():
        services.disable_totp(
            user=user, password=DEFAULT_PASSWORD, code=code_for(user), meta=META
        )
    [notice] = _notices()
    assert "turned off" in notice


def test_regenerating_recovery_codes_emails_the_account(user, clock, committed):
    enrol(user)
    with committed():
        services.regenerate_recovery_codes(
            user=user, password=DEFAULT_PASSWORD, meta=META
        )
    [notice] = _notices()
    assert "New recovery codes" in notice


def test_a_refused_change_emails_nothing(user, clock, committed):
    enrol(user)
    with committed():
        fails(
            services.regenerate_recovery_codes,
            user=user,
            password="wrong-password",
            meta=META,
        )
        fails(
            services.disable_totp,
            user=user,
            password=DEFAULT_PASSWORD,
            code="000000",
            meta=META,
        )
    assert _notices() == []
