"""Build and send the account emails, in a worker.

Tasks take ids and plain strings only, and mint any secret link themselves: a
token never travels through the broker, where it would sit in Redis and in any
broker log. Each task reloads the user and quietly does nothing when the email
no longer applies (the account is gone, or the address changed since), so a
late or retried delivery cannot mail a stale link.

Retries cover transient SMTP and network failures with exponential backoff; with
``acks_late`` a worker that dies mid-send leaves the message queued, so delivery
is at least once (a rare duplicate email beats a lost reset link).
"""

from __future__ import annotations

import logging
from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from users.action_links import make_action_token, max_age
from users.email_tokens import make_password_reset_token, make_verification_token
from users.models import User
from users.services.email_change import (
    CANCEL_EMAIL_CHANGE,
    cancel_email_change_link_data,
)

logger = logging.getLogger(__name__)

_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (SMTPException, ConnectionError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
    "ignore_result": True,
}

#: Subject per email kind; the kind also names the templates under
#: ``users/templates/emails/``.
SUBJECTS: dict[str, str] = {
    "verify_email": "Confirm your email address",
    "email_change_notice": "A change of your email address was requested",
    "password_changed": "Your password was changed",
    "password_reset": "Reset your password",
    "account_deleted": "Your account was deleted",
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


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _load(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def _skip(kind: str, user_id: int | None, reason: str) -> None:
    logger.info("Skipped %s email for user %s: %s", kind, user_id, reason)


def _send(kind: str, *, to: str, context: dict[str, Any], user_id: int | None) -> None:
    """Render both parts of one email and hand it to the mail backend.

    The context may hold the secret link; it is never logged, only the kind and
    the user id are.
    """
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    text = render_to_string(f"emails/{kind}.txt", context)
    html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("Sent %s email for user %s", kind, user_id)


@shared_task(**_TASK_OPTIONS)
def send_verification_email(self, user_id: int, email: str) -> None:
    """Send a verification link to an address the account has or asked for.

    Skipped when the account is gone or inactive, when the address is neither
    the account's (unverified) email nor its pending one any more, so a
    superseded change request does not get a live link.
    """
    kind = "verify_email"
    user = _load(user_id)
    if user is None or not user.is_active:
        _skip(kind, user_id, "no active user")
        return
    is_pending = bool(user.pending_email) and _same(email, user.pending_email)
    is_current = _same(email, user.email) and not user.email_verified
    if not (is_pending or is_current):
        _skip(kind, user_id, "address no longer awaits verification")
        return
    token = make_verification_token(user, email)
    _send(
        kind,
        to=email,
        user_id=user_id,
        context={
            "user": user,
            "email": email,
            "is_change": is_pending,
            "link": f"{settings.FRONTEND_URL}/verify-email?token={token}",
            "valid_hours": max(1, settings.EMAIL_VERIFICATION_TIMEOUT // 3600),
        },
    )


@shared_task(**_TASK_OPTIONS)
def send_email_change_notice(
    self, user_id: int, old_email: str, new_email: str
) -> None:
    """Warn the old address that a change to another one was requested.

    Sent even if the change was since superseded or completed: it is a security
    alert about a request that did happen, and the old address is exactly where
    the real owner of a hijacked account would read it. Its cancel link (minted
    here, single-use) drops the change, or undoes it if it was completed, and
    ends every session. Skipped only when the account is gone.
    """
    kind = "email_change_notice"
    user = _load(user_id)
    if user is None:
        _skip(kind, user_id, "no user")
        return
    data = cancel_email_change_link_data(old_email=old_email, new_email=new_email)
    token = make_action_token(user, CANCEL_EMAIL_CHANGE, data)
    _send(
        kind,
        to=old_email,
        user_id=user_id,
        context={
            "user": user,
            "old_email": old_email,
            "masked_new_email": mask_email(new_email),
            "link": f"{settings.FRONTEND_URL}/cancel-email-change?token={token}",
            "valid_days": max(1, max_age(CANCEL_EMAIL_CHANGE) // 86400),
        },
    )


@shared_task(**_TASK_OPTIONS)
def send_password_changed_notice(self, user_id: int) -> None:
    """Tell the account's address that its password changed (an alert, no link)."""
    kind = "password_changed"
    user = _load(user_id)
    if user is None:
        _skip(kind, user_id, "no user")
        return
    _send(kind, to=user.email, user_id=user_id, context={"user": user})


@shared_task(**_TASK_OPTIONS)
def send_password_reset_email(self, email: str) -> None:
    """Send a reset link, minted now, if an active account has ``email`` now.

    The lookup happens here rather than in the request, so that a request for an
    unknown address costs exactly what a request for a known one does. The link
    only ever reaches the account's current address: an account that changed
    its email or was deactivated since the request gets nothing.
    """
    kind = "password_reset"
    user = User.objects.by_email(email).filter(is_active=True).first()
    if user is None:
        _skip(kind, None, "no active account has the address")
        return
    token = make_password_reset_token(user)
    _send(
        kind,
        to=user.email,
        user_id=user.pk,
        context={
            "user": user,
            "link": f"{settings.FRONTEND_URL}/reset-password?token={token}",
            "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        },
    )


@shared_task(**_TASK_OPTIONS)
def send_account_deleted_notice(self, email: str, name: str) -> None:
    """Confirm a deletion; the account row is gone, so everything comes as strings."""
    _send(
        "account_deleted",
        to=email,
        user_id=None,
        context={"name": name, "email": email},
    )
