"""Reads: what a caller may see, as querysets the surfaces can paginate."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from users import mfa
from users.errors import ErrorCode, ServiceError
from users.models import SecurityEvent, Session, User

MAX_SEARCH_LENGTH = 100


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


def require_staff(actor: User | None) -> None:
    """Refuse anyone but active staff, and staff without MFA where it is required.

    With ``MFA_REQUIRED_FOR_STAFF`` a password alone must not open every
    account to whoever phished one staff member: until TOTP is on, staff
    features answer ``FORBIDDEN`` with the reason ``MFA_SETUP_REQUIRED``.
    """
    if actor is None or not actor.is_authenticated:
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "Log in first.")
    if not (actor.is_active and actor.is_staff):
        raise ServiceError(ErrorCode.FORBIDDEN, "Staff only.")
    if staff_mfa_missing(actor):
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "Turn on two-factor authentication (setupTotp) to use staff features.",
            reason=ErrorCode.MFA_SETUP_REQUIRED,
        )


def staff_mfa_missing(actor: User) -> bool:
    """Whether a staff member must still turn TOTP on before staff features."""
    return bool(settings.MFA_REQUIRED_FOR_STAFF) and not mfa.is_enabled(actor)


def search_users(
    *, actor: User, search: str | None = None, is_active: bool | None = None
) -> QuerySet[User]:
    """Staff only: users matching ``search`` in email or name, oldest first."""
    require_staff(actor)
    users = User.objects.all().order_by("id")
    if search:
        term = search.strip()[:MAX_SEARCH_LENGTH]
        users = users.filter(Q(email__icontains=term) | Q(name__icontains=term))
    if is_active is not None:
        users = users.filter(is_active=is_active)
    return users


def user_visible_to(*, actor: User, user_id: int) -> User:
    """Return a user the actor may see: themselves, or anyone for staff."""
    if actor.pk == user_id:
        return actor
    if actor.is_staff and actor.is_active:
        require_staff(actor)
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            return user
    raise ServiceError(ErrorCode.NOT_FOUND, "No such user.", field="id")


def my_security_events(*, user: User) -> QuerySet[SecurityEvent]:
    """Return the account's own security activity, newest first."""
    return SecurityEvent.objects.filter(user=user).order_by("-created_at", "-id")


def account_security_events(*, actor: User, user_id: int) -> QuerySet[SecurityEvent]:
    """Staff only: one account's security activity, newest first (for support).

    ``FORBIDDEN`` for anyone else, whichever account is asked for (their own
    included: that is ``my_security_events``); ``NOT_FOUND`` for no such account.
    """
    require_staff(actor)
    if not User.objects.filter(pk=user_id).exists():
        raise ServiceError(ErrorCode.NOT_FOUND, "No such user.", field="id")
    return SecurityEvent.objects.filter(user_id=user_id).order_by("-created_at", "-id")


def security_event_visible_to(*, actor: User, event_id: int) -> SecurityEvent:
    """Return one event of the actor's own account, or of any account for staff."""
    event = SecurityEvent.objects.filter(pk=event_id, user__isnull=False).first()
    if event is not None and (
        event.user_id == actor.pk or (actor.is_staff and actor.is_active)
    ):
        return event
    raise ServiceError(ErrorCode.NOT_FOUND, "No such event.", field="id")
