"""Reads: what a caller may see, as querysets the surfaces can paginate."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from users import messages
from users.email_address import email_search_fragment
from users.errors import ErrorCode, ServiceError
from users.global_ids import USER_TYPE
from users.models import SecurityEvent, Session, User
from users.search_text import fold
from users.staff import is_staff_member, require_staff, require_staff_for_account
from users.validation import clean_text

MAX_SEARCH_LENGTH = 100

__all__ = [
    "MAX_SEARCH_LENGTH",
    "USER_TYPE",
    "account_security_events",
    "active_sessions",
    "my_security_events",
    "search_users",
    "security_event_visible_to",
    "user_visible_to",
]


def active_sessions(*, user: User) -> QuerySet[Session]:
    """Return the user's live sessions, most recently used first.

    A session older than ``SESSION_ABSOLUTE_LIFETIME`` is over even if its last
    refresh token (issued before the limit existed) has not expired yet.
    """
    now = timezone.now()
    return Session.objects.filter(
        user=user,
        revoked_at__isnull=True,
        expires_at__gt=now,
        created_at__gt=now - settings.SESSION_ABSOLUTE_LIFETIME,
    ).order_by("-last_used_at", "-created_at")


def search_users(
    *, actor: User, search: str | None = None, is_active: bool | None = None
) -> QuerySet[User]:
    """Staff only: users matching ``search`` in email or name, oldest first.

    A search longer than ``MAX_SEARCH_LENGTH`` is ``INVALID_INPUT`` on
    ``search`` (never silently cut: a client must not read a cut search's
    matches as the answer to what it asked).
    """
    require_staff(actor)
    users = User.objects.all().order_by("id")
    term = clean_text((search or "").strip(), field="search")
    if len(term) > MAX_SEARCH_LENGTH:
        raise ServiceError(
            ErrorCode.INVALID_INPUT,
            messages.too_long(MAX_SEARCH_LENGTH),
            field="search",
        )
    if term:
        # Folded in Python, not by the database: the same matches everywhere.
        matches = Q(name_folded__contains=fold(term))
        fragment = email_search_fragment(term)
        if fragment:
            # The column is canonical (lower-case ASCII): a plain contains.
            matches |= Q(email__contains=fragment)
        users = users.filter(matches)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    return users


def user_visible_to(*, actor: User, user_id: int) -> User:
    """Return a user the actor may see: themselves, or anyone for staff."""
    if actor.pk == user_id:
        return actor
    if is_staff_member(actor):
        require_staff(actor)
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            return user
    raise ServiceError(ErrorCode.NOT_FOUND, "No such user.", field="id")


def my_security_events(*, user: User) -> QuerySet[SecurityEvent]:
    """Return the account's own security activity, newest first."""
    return SecurityEvent.objects.filter(user=user).order_by("-created_at", "-id")


def account_security_events(*, actor: User, user_id: str) -> QuerySet[SecurityEvent]:
    """Staff only: one account's security activity, newest first (for support).

    ``user_id`` is the account's global id. ``FORBIDDEN`` for anyone else,
    whichever id is asked for (a malformed one and their own included: that is
    ``my_security_events``); ``NOT_FOUND`` for no such account.
    """
    pk = require_staff_for_account(actor, user_id)
    if not User.objects.filter(pk=pk).exists():
        raise ServiceError(ErrorCode.NOT_FOUND, "No such user.", field="id")
    return SecurityEvent.objects.filter(user_id=pk).order_by("-created_at", "-id")


def security_event_visible_to(*, actor: User, event_id: int) -> SecurityEvent:
    """Return one event of the actor's own account, or of any account for staff."""
    event = SecurityEvent.objects.filter(pk=event_id, user__isnull=False).first()
    if event is not None and (event.user_id == actor.pk or is_staff_member(actor)):
        return event
    raise ServiceError(ErrorCode.NOT_FOUND, "No such event.", field="id")
