"""Two-factor authentication: enrol a TOTP app, recovery codes, the second step.

Every operation that checks a password or a code draws on a fail-closed budget
(``users.ratelimits``): with the limiter's store down they answer
``SERVICE_UNAVAILABLE`` rather than become an unmetered oracle.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp.models import Device

from users import emails, events, mfa, ratelimits
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.mfa import TotpSetup
from users.models import Session, User
from users.passwords import check_password
from users.services.sessions import complete_login, end_sessions_except
from users.tokens import TokenPair


def setup_totp(*, user: User, meta: RequestMeta) -> TotpSetup:
    """Start enrolment: a fresh secret, pending until ``confirm_totp``.

    Calling it again before confirming replaces the pending secret, so a QR code
    shown on a screen someone else saw can be thrown away. With TOTP already on
    it is refused: turning it off first needs the password and a code.
    """
    ratelimits.enforce("mfa_setup", meta=meta, subject=str(user.pk))
    with transaction.atomic():
        # The row lock serialises enrolments of one account.
        locked = User.objects.select_for_update().get(pk=user.pk)
        if mfa.is_enabled(locked):
            raise ServiceError(
                ErrorCode.MFA_ALREADY_ENABLED,
                "Two-factor authentication is already on; disable it first to "
                "enrol another app.",
            )
        device = mfa.new_pending_device(user)
    return mfa.setup_payload(device, user)


def confirm_totp(
    *,
    user: User,
    code: str,
    meta: RequestMeta,
    current_session: Session | None = None,
) -> list[str]:
    """Turn MFA on with a first valid code; return the 10 recovery codes.

    The codes are shown this once: only their hashes are kept. Every other
    session of the account ends (``OTHER_SESSIONS_REVOKED``): each was opened
    with the password alone, and a password is what someone may have stolen
    before the owner turned TOTP on. ``current_session``, the caller's, stays:
    it has just proved the second factor, and the contract answers the codes,
    not a new pair. The account's address gets a notice.
    """
    ratelimits.enforce("mfa_confirm", meta=meta, subject=str(user.pk))
    failure: ServiceError | None = None
    with transaction.atomic():
        device = mfa.totp_device(user, for_update=True)
        if device is None or device.confirmed:
            raise ServiceError(
                ErrorCode.MFA_NOT_ENABLED
                if device is None
                else ErrorCode.MFA_ALREADY_ENABLED,
                "Call setupTotp first."
                if device is None
                else "Two-factor authentication is already on.",
            )
        try:
            _check_pending_code(device, code)
        except ServiceError as exc:
            failure = exc  # the throttle's count is kept: not re-raised in here
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            user.mfa_enabled = True
            codes = mfa.new_recovery_codes(user)
            events.record(events.Kind.MFA_ENABLED, user_id=user.pk, meta=meta)
            if end_sessions_except(user=user, keep=current_session):
                events.record(
                    events.Kind.OTHER_SESSIONS_REVOKED,
                    user_id=user.pk,
                    meta=meta,
                    session_id=current_session.pk if current_session else None,
                )
            emails.send_two_factor_changed_notice(user, emails.TwoFactorChange.ENABLED)
    if failure is not None:
        raise failure
    return codes


def _check_pending_code(device, code: object) -> None:
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        locked_until = (extra or {}).get("locked_until") or timezone.now()
        retry_after = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        raise ServiceError(
            ErrorCode.RATE_LIMITED,
            f"Too many wrong codes. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    if not isinstance(code, str) or not device.verify_token("".join(code.split())):
        raise ServiceError(
            ErrorCode.MFA_CODE_INVALID,
            "The code is wrong or expired: check the time on your device.",
            field="code",
        )


def disable_totp(*, user: User, password: str, code: str, meta: RequestMeta) -> None:
    """Turn MFA off: needs the password and a current code (or a recovery code).

    The account's address gets a notice: from now on a password alone logs in.
    """
    ratelimits.enforce("mfa_disable", meta=meta, subject=str(user.pk))
    _require_enabled(user)
    _require_password(user, password)
    kind = mfa.check_code(user, code).kind
    with transaction.atomic():
        mfa.remove_all(user)
        user.mfa_enabled = False
        if kind == "recovery":
            events.record(events.Kind.RECOVERY_CODE_USED, user_id=user.pk, meta=meta)
            emails.send_recovery_code_used_notice(user, 0)
        events.record(events.Kind.MFA_DISABLED, user_id=user.pk, meta=meta)
        emails.send_two_factor_changed_notice(user, emails.TwoFactorChange.DISABLED)


def regenerate_recovery_codes(
    *, user: User, password: str, meta: RequestMeta
) -> list[str]:
    """Replace the recovery codes (the old ones stop working); needs the password.

    The account's address gets a notice: new codes in other hands would outlive
    a password reset.
    """
    ratelimits.enforce("mfa_recovery_codes", meta=meta, subject=str(user.pk))
    _require_enabled(user)
    _require_password(user, password)
    with transaction.atomic():
        codes = mfa.new_recovery_codes(user)
        events.record(
            events.Kind.RECOVERY_CODES_REGENERATED, user_id=user.pk, meta=meta
        )
        emails.send_two_factor_changed_notice(
            user, emails.TwoFactorChange.RECOVERY_CODES_REGENERATED
        )
    return codes


def verify_mfa(*, mfa_token: str, code: str, meta: RequestMeta) -> TokenPair:
    """Second step of a login: trade the MFA token and a code for a token pair.

    The token is single-use and dies after ``MFA_TOKEN_MAX_ATTEMPTS`` wrong
    codes; the account and the address have budgets of their own. A recovery
    code is deleted once used, and the account is told by email.
    """
    challenge = mfa.find_challenge(mfa_token)
    ratelimits.enforce("mfa_verify", meta=meta, subject=str(challenge.user_id))
    failure: ServiceError | None = None
    with transaction.atomic():
        locked = mfa.lock_usable_challenge(challenge)
        user = locked.user
        try:
            kind = mfa.check_code(user, code).kind
        except ServiceError as exc:
            failure = exc
            if exc.code == ErrorCode.MFA_CODE_INVALID:
                mfa.count_failure(locked)
        else:
            locked.used_at = timezone.now()
            locked.save(update_fields=["used_at"])
            # The device of the password step keeps its identity; a new one
            # gets its new sign-in notice now that the login is complete.
            pair = complete_login(
                user=user, meta=meta, device_id=locked.device_id or None
            )
            if kind == "recovery":
                events.record(
                    events.Kind.RECOVERY_CODE_USED, user_id=user.pk, meta=meta
                )
                emails.send_recovery_code_used_notice(
                    user, mfa.remaining_recovery_codes(user)
                )
    if failure is not None:
        raise failure
    return pair


def verify_second_factor(*, user: User, code: str, meta: RequestMeta) -> Device:
    """Check a code of a user who just passed the password step elsewhere.

    For logins that keep their own state, like the Django admin's session: the
    same budgets, throttling and recovery-code email as ``verify_mfa``. Returns
    the django-otp device that accepted the code (the admin marks the session
    verified by it).
    """
    ratelimits.enforce("mfa_verify", meta=meta, subject=str(user.pk))
    _require_enabled(user)
    with transaction.atomic():
        accepted = mfa.check_code(user, code)
        if accepted.kind == "recovery":
            emails.send_recovery_code_used_notice(
                user, mfa.remaining_recovery_codes(user)
            )
    return accepted.device


def _require_enabled(user: User) -> None:
    if not mfa.is_enabled(user):
        raise ServiceError(
            ErrorCode.MFA_NOT_ENABLED, "Two-factor authentication is not on."
        )


def _require_password(user: User, password: object) -> None:
    if not check_password(user, password):
        raise ServiceError(
            ErrorCode.PASSWORD_INCORRECT, "The password is wrong.", field="password"
        )
