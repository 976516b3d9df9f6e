"""Undo an email change from the link sent to the old address."""

from __future__ import annotations

from django.db import transaction

from users import events
from users.action_links import consume_action_token
from users.email_address import canonical_email_or_none, same_address
from users.meta import RequestMeta
from users.models import User
from users.services.sessions import revoke_all_sessions
from users.validation import clean_strings

#: The action name of the cancel link (``users.action_links``).
CANCEL_EMAIL_CHANGE = "cancel_email_change"


def cancel_email_change_link_data(*, old_email: str, new_email: str) -> dict[str, str]:
    """Return what a cancel link binds: the change it undoes (both addresses)."""
    return {"old": old_email, "new": new_email}


@clean_strings
def cancel_email_change(*, token: str, meta: RequestMeta) -> User:
    """Drop the change the link was sent for, and end every session of the account.

    Whoever requested the change held a session (and the password), so every
    session and access token dies, and every pending reset link with them. If
    the change was already verified, the account goes back to the old address
    (the one that received this link, so it counts as verified): a takeover
    that was quick to click its own verification link is still undone. The link
    works once.
    """
    with transaction.atomic():
        link = consume_action_token(token, CANCEL_EMAIL_CHANGE)
        new = str(link.data.get("new", ""))
        # None for an address with no canonical spelling (a link older than it).
        old = canonical_email_or_none(link.data.get("old", ""))
        user = User.objects.select_for_update().get(pk=link.user.pk)
        fields: list[str] = []
        if same_address(user.pending_email, new):
            user.pending_email = ""
            fields.append("pending_email")
        elif (
            old is not None
            and same_address(user.email, new)
            # Someone registered the old address meanwhile: the sessions still
            # die, the address stays (support has to sort that out).
            and not User.objects.by_email(old).exclude(pk=user.pk).exists()
        ):
            user.email, user.email_verified = old, True
            fields += ["email", "email_verified"]
        if fields:
            user.save(update_fields=fields)
        revoke_all_sessions(user=user)
        events.record(events.Kind.EMAIL_CHANGE_CANCELLED, user_id=user.pk, meta=meta)
    return user
