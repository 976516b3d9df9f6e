"""Change a password, and reset a forgotten one by email."""

from __future__ import annotations

from django.db import transaction

from users import emails, events, ratelimits
from users.email_tokens import check_password_reset_token
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import User
from users.passwords import check_password, validate_new_password
from users.services.sessions import open_session, revoke_all_sessions
from users.tokens import TokenPair
from users.validation import clean_email, clean_strings


@clean_strings
def change_password(
    *, user: User, current_password: str, new_password: str, meta: RequestMeta
) -> TokenPair:
    """Replace the password, end every session, and give the caller a fresh pair.

    Every access token issued before the change stops working at once.
    """
    ratelimits.enforce("password_change", meta=meta, subject=str(user.pk))
    if not check_password(user, current_password):
        raise ServiceError(
            ErrorCode.PASSWORD_INCORRECT,
            "The current password is wrong.",
            field="current_password",
        )
    new_password = validate_new_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoke_all_sessions(user=user)
        pair = open_session(user=user, meta=meta)
        events.record(events.Kind.PASSWORD_CHANGED, user_id=user.pk, meta=meta)
        emails.send_password_changed_notice(user)
    return pair


@clean_strings
def request_password_reset(*, email: str, meta: RequestMeta) -> None:
    """Email a reset link if an active account has this address.

    The request does the same work whatever the address: it publishes one task
    and the worker looks the account up (see ``tasks.emails``). So the answer,
    the queries and the timing do not reveal which addresses have accounts.
    Text that is no address at all answers ``EMAIL_INVALID`` (or ``REQUIRED``)
    first, which says nothing about accounts either; every spelling of one
    address draws on one per-email budget.
    """
    address = clean_email(email)
    ratelimits.enforce("password_reset_request", meta=meta, subject=address)
    emails.send_password_reset_email(address)


@clean_strings
def reset_password(*, token: str, new_password: str, meta: RequestMeta) -> User:
    """Set a new password with a single-use, expiring token from the reset email.

    Following the link proves the address is the user's, so it also counts as
    email verification.
    """
    user = check_password_reset_token(token)
    new_password = validate_new_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        fields = ["password"]
        if not user.email_verified:
            user.email_verified = True
            fields.append("email_verified")
        user.save(update_fields=fields)
        revoke_all_sessions(user=user)
        events.record(events.Kind.PASSWORD_RESET, user_id=user.pk, meta=meta)
        emails.send_password_changed_notice(user)
    return user
