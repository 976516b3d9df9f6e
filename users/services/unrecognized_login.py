"""Reporting a sign-in as not the owner's: the link of the new sign-in notice."""

from __future__ import annotations

import uuid

from django.db import transaction

from users import emails, events
from users.action_links import consume_action_token
from users.meta import RequestMeta
from users.models import SecurityEvent, User
from users.services.sessions import revoke_all_sessions

#: The action name of the link (``users.action_links``).
REPORT_UNRECOGNIZED_LOGIN = "report_unrecognized_login"


def unrecognized_login_link_data(event: SecurityEvent) -> dict[str, str]:
    """Return what a "wasn't me" link binds: the sign-in it reports."""
    return {
        "event": str(event.pk),
        "session": str(event.session_id) if event.session_id else "",
    }


def report_unrecognized_login(*, token: str, meta: RequestMeta) -> User:
    """Lock whoever signed in out: end every session and email a reset link.

    The link proves the reader has the account's mailbox, not its password, so
    it cannot set a password itself; it ends every session and access token on
    both surfaces (the intruder's included), records the report, and sends a
    password-reset link to the account's address, since whoever signed in knew
    the password. It works once; any later use is ``TOKEN_INVALID``.
    """
    with transaction.atomic():
        link = consume_action_token(token, REPORT_UNRECOGNIZED_LOGIN)
        user = User.objects.select_for_update().get(pk=link.user.pk)
        revoke_all_sessions(user=user)
        # Signed by us: a session id, or empty for a sign-in without one.
        reported = link.data.get("session")
        events.record(
            events.Kind.UNRECOGNIZED_LOGIN_REPORTED,
            user_id=user.pk,
            meta=meta,
            session_id=uuid.UUID(reported) if reported else None,
        )
        emails.send_password_reset_email(user.email)
    return user
