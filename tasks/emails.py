"""Build and send the account emails, in a worker, one per outbox message.

Each sender is registered for one outbox kind (``users.emails.Kind``) and is
called by ``tasks.outbox.deliver`` with the row's payload: ids and plain strings
only. Any secret link is minted here, at delivery: a token never sits in the
outbox table, the broker or a log. Each sender reloads the user and returns
False (sending nothing) when the email no longer applies (the account is gone,
the address changed since), so a late or retried delivery cannot mail a stale
link. Retries, backoff and once-only delivery are the outbox's business
(``tasks/outbox.py``), not the senders'.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from tasks.outbox import sender
from users.action_links import make_action_token, max_age
from users.email_address import same_address
from users.email_tokens import make_password_reset_token, make_verification_token
from users.emails import Kind
from users.models import SecurityEvent, User
from users.services.email_change import (
    CANCEL_EMAIL_CHANGE,
    cancel_email_change_link_data,
)
from users.services.unrecognized_login import (
    REPORT_UNRECOGNIZED_LOGIN,
    unrecognized_login_link_data,
)

logger = logging.getLogger(__name__)

#: Subject per email kind; the kind also names the templates under
#: ``users/templates/emails/``.
SUBJECTS: dict[str, str] = {
    Kind.VERIFY_EMAIL: "Confirm your email address",
    Kind.EMAIL_CHANGE_NOTICE: "A change of your email address was requested",
    Kind.PASSWORD_CHANGED: "Your password was changed",
    Kind.PASSWORD_RESET: "Reset your password",
    Kind.ACCOUNT_DELETED: "Your account was deleted",
    Kind.RECOVERY_CODE_USED: "A recovery code was used to sign in",
    Kind.NEW_SIGN_IN: "New sign-in to your account",
    Kind.TWO_FACTOR_CHANGED: "Two-factor authentication changed on your account",
}


def mask_email(email: str) -> str:
    """Show enough of an address to be recognised, not enough to be harvested.

    The change notice goes to the old address, which may no longer be the
    owner's; it should not hand a full new address to whoever reads it.
    """
    local, _, domain = email.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _load(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def _skip(kind: str, user_id: int | None, reason: str) -> bool:
    logger.info("Skipped %s email for user %s: %s", kind, user_id, reason)
    return False


def _send(
    kind: str,
    *,
    to: str,
    context: dict[str, Any],
    user_id: int | None,
    message_id: str | None,
) -> bool:
    """Render both parts of one email and hand it to the mail backend.

    The context may hold the secret link; it is never logged, only the kind and
    the user id are. ``message_id`` (from the outbox key) is the same on every
    attempt, so a receiving system can tell a duplicate from a second email.
    """
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    text = render_to_string(f"emails/{kind}.txt", context)
    html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id} if message_id else None,
    )
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("Sent %s email for user %s", kind, user_id)
    return True


def _alert_account(
    kind: str, user_id: int, *, message_id: str | None, **context: Any
) -> bool:
    """Send a link-free alert to the address the account has now.

    The alerts (password changed, recovery code used, second factor changed)
    differ only in their template and a few context values; each is skipped
    when the account is gone.
    """
    user = _load(user_id)
    if user is None:
        return _skip(kind, user_id, "no user")
    return _send(
        kind,
        to=user.email,
        user_id=user_id,
        message_id=message_id,
        context={"user": user, **context},
    )


@sender(Kind.VERIFY_EMAIL)
def send_verification_email(
    user_id: int, email: str, *, message_id: str | None = None
) -> bool:
    """Send a verification link to an address the account has or asked for.

    Skipped when the account is gone or inactive, when the address is neither
    the account's (unverified) email nor its pending one any more, so a
    superseded change request does not get a live link.
    """
    kind = Kind.VERIFY_EMAIL
    user = _load(user_id)
    if user is None or not user.is_active:
        return _skip(kind, user_id, "no active user")
    is_pending = bool(user.pending_email) and same_address(email, user.pending_email)
    is_current = same_address(email, user.email) and not user.email_verified
    if not (is_pending or is_current):
        return _skip(kind, user_id, "address no longer awaits verification")
    token = make_verification_token(user, email)
    return _send(
        kind,
        to=email,
        user_id=user_id,
        message_id=message_id,
        context={
            "user": user,
            "email": email,
            "is_change": is_pending,
            "link": f"{settings.FRONTEND_URL}/verify-email?token={token}",
            "valid_hours": max(1, settings.EMAIL_VERIFICATION_TIMEOUT // 3600),
        },
    )


@sender(Kind.EMAIL_CHANGE_NOTICE)
def send_email_change_notice(
    user_id: int, old_email: str, new_email: str, *, message_id: str | None = None
) -> bool:
    """Warn the old address that a change to another one was requested.

    Sent even if the change was since superseded or completed: it is a security
    alert about a request that did happen, and the old address is exactly where
    the real owner of a hijacked account would read it. Its cancel link (minted
    here, single-use) drops the change, or undoes it if it was completed, and
    ends every session. Skipped only when the account is gone.
    """
    kind = Kind.EMAIL_CHANGE_NOTICE
    user = _load(user_id)
    if user is None:
        return _skip(kind, user_id, "no user")
    data = cancel_email_change_link_data(old_email=old_email, new_email=new_email)
    token = make_action_token(user, CANCEL_EMAIL_CHANGE, data)
    return _send(
        kind,
        to=old_email,
        user_id=user_id,
        message_id=message_id,
        context={
            "user": user,
            "old_email": old_email,
            "masked_new_email": mask_email(new_email),
            "link": f"{settings.FRONTEND_URL}/cancel-email-change?token={token}",
            "valid_days": max(1, max_age(CANCEL_EMAIL_CHANGE) // 86400),
        },
    )


@sender(Kind.PASSWORD_CHANGED)
def send_password_changed_notice(
    user_id: int, *, message_id: str | None = None
) -> bool:
    """Tell the account's address that its password changed (an alert, no link)."""
    return _alert_account(Kind.PASSWORD_CHANGED, user_id, message_id=message_id)


@sender(Kind.PASSWORD_RESET)
def send_password_reset_email(email: str, *, message_id: str | None = None) -> bool:
    """Send a reset link, minted now, if an active account has ``email`` now.

    The lookup happens here rather than in the request, so that a request for an
    unknown address costs exactly what a request for a known one does. The link
    only ever reaches the account's current address: an account that changed
    its email or was deactivated since the request gets nothing.
    """
    kind = Kind.PASSWORD_RESET
    user = User.objects.by_email(email).filter(is_active=True).first()
    if user is None:
        return _skip(kind, None, "no active account has the address")
    token = make_password_reset_token(user)
    return _send(
        kind,
        to=user.email,
        user_id=user.pk,
        message_id=message_id,
        context={
            "user": user,
            "link": f"{settings.FRONTEND_URL}/reset-password?token={token}",
            "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        },
    )


@sender(Kind.ACCOUNT_DELETED)
def send_account_deleted_notice(
    email: str, name: str, *, message_id: str | None = None
) -> bool:
    """Confirm a deletion; the account row is gone, so everything comes as strings."""
    return _send(
        Kind.ACCOUNT_DELETED,
        to=email,
        user_id=None,
        message_id=message_id,
        context={"name": name, "email": email},
    )


@sender(Kind.RECOVERY_CODE_USED)
def send_recovery_code_used_notice(
    user_id: int, remaining: int, *, message_id: str | None = None
) -> bool:
    """Tell the account that a recovery code was used (an alert, no link).

    A recovery code stands in for the authenticator app: if the owner did not
    use it, someone holds their password and one of their printed codes.
    """
    return _alert_account(
        Kind.RECOVERY_CODE_USED, user_id, message_id=message_id, remaining=remaining
    )


@sender(Kind.NEW_SIGN_IN)
def send_new_sign_in_notice(
    user_id: int, event_id: int, *, message_id: str | None = None
) -> bool:
    """Tell the account's address about a sign-in from a new device.

    The notice says when, from which address and with which user agent, and
    carries a single-use "this wasn't me" link (minted here) that ends every
    session and sends a reset link. Sent to the address the account has now,
    and skipped when the account or the event is gone.
    """
    kind = Kind.NEW_SIGN_IN
    event = (
        SecurityEvent.objects.select_related("user")
        .filter(pk=event_id, user_id=user_id)
        .first()
    )
    if event is None or event.user is None:
        return _skip(kind, user_id, "no such sign-in any more")
    user = event.user
    token = make_action_token(
        user, REPORT_UNRECOGNIZED_LOGIN, unrecognized_login_link_data(event)
    )
    return _send(
        kind,
        to=user.email,
        user_id=user_id,
        message_id=message_id,
        context={
            "user": user,
            "event": event,
            "link": f"{settings.FRONTEND_URL}/unrecognized-login?token={token}",
            "valid_days": max(1, max_age(REPORT_UNRECOGNIZED_LOGIN) // 86400),
        },
    )


@sender(Kind.TWO_FACTOR_CHANGED)
def send_two_factor_changed_notice(
    user_id: int, change: str, *, message_id: str | None = None
) -> bool:
    """Tell the account that its second factor changed (an alert, no link).

    ``change`` (``users.emails.TwoFactorChange``) says which: TOTP turned on, off,
    or the recovery codes replaced. Sent to the address the account has now.
    """
    return _alert_account(
        Kind.TWO_FACTOR_CHANGED, user_id, message_id=message_id, change=change
    )
