"""Verify an email address (the account's, or a pending new one)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from users import emails, events, ratelimits
from users.email_address import same_address
from users.email_tokens import read_verification_token
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import Session, User
from users.services.sessions import end_sessions_except
from users.validation import clean_strings

_USED = "This link was already used."


@clean_strings
def verify_email(
    *, token: str, meta: RequestMeta, current_session: Session | None = None
) -> User:
    """Mark the address in the token verified; apply it if it was a pending change.

    A token for an address the account no longer has or wants (superseded change,
    reverted email) is invalid, and so is a link followed a second time (the
    address is verified already). Applying a change revokes every session of the
    account but ``current_session`` (the caller's, when the link is followed
    from a logged-in client of the same account): whoever held a session from
    before the change is logged out.
    """
    user_id, email = read_verification_token(token)
    try:
        with transaction.atomic():
            user = (
                User.objects.select_for_update()
                .filter(pk=user_id, is_active=True)
                .first()
            )
            if user is None:
                raise ServiceError(ErrorCode.TOKEN_INVALID, field="token")
            if same_address(email, user.email):
                if user.email_verified:
                    raise ServiceError(ErrorCode.TOKEN_INVALID, _USED, field="token")
                user.email_verified = True
                user.save(update_fields=["email_verified"])
                return user
            if user.pending_email and same_address(email, user.pending_email):
                user.email = user.pending_email
                user.pending_email = ""
                user.email_verified = True
                user.save(update_fields=["email", "pending_email", "email_verified"])
                keep = current_session
                if keep is not None and keep.user_id != user.pk:
                    keep = None
                end_sessions_except(user=user, keep=keep)
                events.record(events.Kind.EMAIL_CHANGED, user_id=user.pk, meta=meta)
                return user
    except IntegrityError as exc:
        # Someone registered the pending address meanwhile.
        raise ServiceError(
            ErrorCode.EMAIL_TAKEN,
            "Another account now uses this email address.",
            field="email",
        ) from exc
    raise ServiceError(ErrorCode.TOKEN_INVALID, field="token")


def resend_verification_email(*, user: User, meta: RequestMeta) -> None:
    """Send the verification link again, to the pending new address if there is one.

    The answer is the same whether or not anything awaits verification (both
    surfaces say only "accepted"): what the account holds is read from
    ``emailVerified`` / ``pendingEmail``, and the reply to a resend must not be
    a second way to learn it. The rate limit counts every call alike.
    """
    ratelimits.enforce("verification_resend", meta=meta, subject=str(user.pk))
    if user.pending_email:
        emails.send_verification_email(user, user.pending_email)
    elif not user.email_verified:
        emails.send_verification_email(user, user.email)
