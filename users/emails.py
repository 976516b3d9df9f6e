"""The domain's single point for sending emails: one outbox message each.

Services call only these functions, from inside their transaction. Each writes
an outbox row (``users.outbox``) in that transaction, so the email exists if and
only if the change that causes it commits, and survives a broker outage: the
row is published after commit, and re-published by the relay until a worker
has delivered it.

Payloads hold ids and plain strings only; links are minted by the worker
(``tasks.emails``), so no token is ever stored or queued. Each kind below has
exactly one sender in ``tasks.emails``.
"""

from __future__ import annotations

import enum

from users import outbox
from users.models import SecurityEvent, User


class Kind(enum.StrEnum):
    """Email kinds; each also names the templates under ``templates/emails/``."""

    VERIFY_EMAIL = "verify_email"
    EMAIL_CHANGE_NOTICE = "email_change_notice"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a name, not a secret
    PASSWORD_RESET = "password_reset"  # noqa: S105
    ACCOUNT_DELETED = "account_deleted"
    RECOVERY_CODE_USED = "recovery_code_used"
    NEW_SIGN_IN = "new_sign_in"
    TWO_FACTOR_CHANGED = "two_factor_changed"


class TwoFactorChange(enum.StrEnum):
    """What a ``TWO_FACTOR_CHANGED`` notice reports (its template reads it)."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"


def send_verification_email(user: User, email: str) -> None:
    """Send a verification link to ``email``: the account's, or its pending one."""
    outbox.enqueue(Kind.VERIFY_EMAIL, {"user_id": user.pk, "email": email})


def send_email_change_notice(user: User, old_email: str, new_email: str) -> None:
    """Alert ``old_email`` that a change to (a masked) ``new_email`` was requested."""
    outbox.enqueue(
        Kind.EMAIL_CHANGE_NOTICE,
        {"user_id": user.pk, "old_email": old_email, "new_email": new_email},
    )


def send_password_changed_notice(user: User) -> None:
    """Alert the account's address that its password changed."""
    outbox.enqueue(Kind.PASSWORD_CHANGED, {"user_id": user.pk})


def send_password_reset_email(email: str) -> None:
    """Have a worker send a reset link to ``email`` if an active account has it.

    The request records the same message whether or not the account exists and
    the worker does the lookup, so the request's work, timing and answer do not
    reveal which addresses have accounts.
    """
    outbox.enqueue(Kind.PASSWORD_RESET, {"email": email})


def send_account_deleted_notice(email: str, name: str) -> None:
    """Confirm a deletion to the address the account had (its row is gone)."""
    outbox.enqueue(Kind.ACCOUNT_DELETED, {"email": email, "name": name})


def send_recovery_code_used_notice(user: User, remaining: int) -> None:
    """Alert the account's address that one of its recovery codes was used."""
    outbox.enqueue(
        Kind.RECOVERY_CODE_USED, {"user_id": user.pk, "remaining": remaining}
    )


def send_new_sign_in_notice(user: User, event: SecurityEvent) -> None:
    """Tell the account's address about a sign-in from a new device.

    The worker renders the event's time, address and agent and mints the
    single-use "this wasn't me" link; only the ids are stored.
    """
    outbox.enqueue(Kind.NEW_SIGN_IN, {"user_id": user.pk, "event_id": event.pk})


def send_two_factor_changed_notice(user: User, change: TwoFactorChange) -> None:
    """Tell the account's address that its second factor changed.

    TOTP turned on or off, or the recovery codes replaced: each is what someone
    who took over a session would do to keep the account (TOTP on with their own
    app) or to open it wider (TOTP off); the owner reads about it where a
    session thief cannot intervene.
    """
    outbox.enqueue(Kind.TWO_FACTOR_CHANGED, {"user_id": user.pk, "change": str(change)})
