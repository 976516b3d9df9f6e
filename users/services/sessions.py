"""Log in, refresh, verify, log out, and manage sessions."""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction
from django.utils import timezone

from users import devices, emails, events, mfa, ratelimits
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import Session, User
from users.passwords import check_password
from users.tokens import (
    SESSION_CLAIM,
    Authenticated,
    TokenPair,
    authenticate_access_token,
    current_pair,
    decode_refresh_token,
    issue_pair,
    past_absolute_lifetime,
    session_is_usable,
    within_reuse_interval,
)
from users.validation import clean_email, clean_strings, require_credentials


def open_session(*, user: User, meta: RequestMeta) -> TokenPair:
    """Start a new session for ``user`` and return its first token pair."""
    now = timezone.now()
    session = Session(
        user=user,
        created_at=now,
        last_used_at=now,
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
    )
    pair = issue_pair(user, session)
    session.save()
    return pair


@clean_strings
def login(
    *,
    email: str,
    password: str,
    meta: RequestMeta,
    device_token: str | None = None,
) -> TokenPair:
    """Exchange credentials for a token pair, a new session and a device token.

    With MFA on, a right password answers ``MFA_REQUIRED`` carrying a
    single-use ``mfa_token`` instead; ``verify_mfa`` completes the login.
    Unknown email and wrong password answer the same code after the same work
    (one password hash), so neither the answer nor its timing enumerates accounts.
    """
    user = check_credentials(
        email=email, password=password, meta=meta, device_token=device_token
    )
    device_id = known_device_id(user, device_token)
    if mfa.is_enabled(user):
        # No pair yet: the second step (verify_mfa) trades this for one, and
        # answers for the same device as the device token sent here.
        raise mfa.mfa_required(user, device_id=device_id)
    return complete_login(user=user, meta=meta, device_id=device_id)


def complete_login(
    *, user: User, meta: RequestMeta, device_id: str | None = None
) -> TokenPair:
    """Open the session of a proven login; the last step of every way to log in.

    ``device_id`` names a device that signed in to this account before (from a
    valid device token), None a new one. A known device records ``LOGIN``; a
    new one records ``NEW_DEVICE_LOGIN`` and, in the same transaction, the new
    sign-in notice with its "this wasn't me" link. The second-factor step
    (``verify_mfa``) calls this once the code is proven, so a login is recorded
    and notified once, after its last factor.
    """
    known = device_id is not None
    with transaction.atomic():
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        pair = open_session(user=user, meta=meta)
        event = events.record(
            events.Kind.LOGIN if known else events.Kind.NEW_DEVICE_LOGIN,
            user_id=user.pk,
            meta=meta,
            session_id=pair.session.pk,
        )
        if not known:
            emails.send_new_sign_in_notice(user, event)
    return dataclasses.replace(
        pair, device_token=devices.mint(user, device_id=device_id)
    )


@clean_strings
def check_credentials(
    *,
    email: str,
    password: str,
    meta: RequestMeta,
    device_token: str | None = None,
) -> User:
    """Return the active user these credentials prove, on the login budgets.

    The one password check of every login (API and the Django admin): an attempt
    with a valid device token for this email draws on that device's budget
    (``login_known_device``), any other on the per-email one (``login``), so an
    attacker hammering an address cannot lock its owner's devices out.

    The address is put in its canonical spelling first (``clean_email``): text
    that is no address answers ``EMAIL_INVALID`` before any counter or hash (it
    says nothing about accounts), and every spelling of one address (case, IDN
    or punycode domain) draws on one budget and finds one account.
    """
    require_credentials(email=email, password=password)
    email = clean_email(email)
    device = devices.recognise(device_token, email)
    if device is not None:
        ratelimits.enforce("login_known_device", meta=meta, subject=device.id)
    else:
        ratelimits.enforce("login", meta=meta, subject=email)
    user = User.objects.by_email(email).first()
    if not check_password(user, password):
        # Written for unknown addresses too, in the same form (users.events).
        events.record_failed_login(user=user, meta=meta)
        raise ServiceError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
    if not user.is_active:
        events.record_failed_login(user=user, meta=meta)
        raise ServiceError(ErrorCode.ACCOUNT_INACTIVE, "This account is deactivated.")
    return user


def known_device_id(user: User, presented: str | None) -> str | None:
    """Return the device id of a valid device token of ``user``'s, else None."""
    device = devices.recognise(presented, user.email)
    return device.id if device is not None and device.user_id == user.pk else None


@clean_strings
def refresh(*, refresh_token: str, meta: RequestMeta) -> TokenPair:
    """Rotate: trade the session's current refresh token for a new pair.

    The token the last rotation retired, presented again within
    ``REFRESH_TOKEN_REUSE_INTERVAL``, is a second tab or a retry that raced the
    first refresh: it gets the session's current pair (the same refresh token
    the first refresh returned, a new access token), so both clients go on with
    one chain. Any other retired token, or that one later, means two parties
    hold the chain (one of them stole it): the whole session is revoked and the
    answer is ``TOKEN_REUSED``. Concurrent refreshes serialise on the session
    row, so the rule sees them one after the other. A session past its absolute
    lifetime answers ``TOKEN_EXPIRED``: its user logs in again.
    """
    ratelimits.enforce("refresh", meta=meta)
    claims = decode_refresh_token(refresh_token)
    reused = False
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=_uuid_or_none(claims[SESSION_CLAIM]))  # type: ignore[misc]
            .first()
        )
        if (
            session is not None
            and session.revoked_at is None
            and past_absolute_lifetime(session)
        ):
            raise ServiceError(
                ErrorCode.TOKEN_EXPIRED,
                "The session has reached its maximum lifetime; log in again.",
                field="refresh_token",
            )
        if not session_is_usable(session, claims):
            raise ServiceError(ErrorCode.TOKEN_INVALID, field="refresh_token")
        if session.refresh_jti == claims["jti"]:
            pair = issue_pair(session.user, session)
            session.last_used_at = timezone.now()
            session.ip_address = meta.ip_address or session.ip_address
            session.user_agent = meta.user_agent or session.user_agent
            session.save(
                update_fields=[
                    "refresh_jti",
                    "previous_refresh_jti",
                    "refresh_issued_at",
                    "expires_at",
                    "last_used_at",
                    "ip_address",
                    "user_agent",
                ]
            )
        elif within_reuse_interval(session, claims["jti"]):
            pair = current_pair(session.user, session)
        else:
            session.revoked_at = timezone.now()
            session.save(update_fields=["revoked_at"])
            events.record(
                events.Kind.TOKEN_REUSE_DETECTED,
                user_id=session.user_id,
                meta=meta,
                session_id=session.pk,
            )
            reused = True
    if reused:
        # Raised after the revocation has committed.
        raise ServiceError(
            ErrorCode.TOKEN_REUSED,
            "This refresh token was already used; the session has been revoked.",
            field="refresh_token",
        )
    return pair


@clean_strings
def verify_token(*, token: str) -> Authenticated:
    """Check an access token exactly as an authenticated request would."""
    return authenticate_access_token(token)


#: What ``authenticate`` answers as one refusal, ``TOKEN_INVALID`` with a reason.
_BEARER_REFUSALS = frozenset({ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED})


def authenticate(*, token: str, meta: RequestMeta | None = None) -> Authenticated:
    """Resolve a bearer token for a surface's authentication hook.

    A refused token raises ``TOKEN_INVALID`` (no field: the token is no input
    of the operation) whose ``reason`` is ``TOKEN_EXPIRED`` or ``TOKEN_INVALID``
    and whose message says why; both surfaces show all three.

    With ``meta``, the request also counts against the general per-user and
    per-IP ceiling, which bounds what one stolen token or one host can do.
    """
    try:
        caller = authenticate_access_token(token)
    except ServiceError as exc:
        if exc.code not in _BEARER_REFUSALS:
            raise
        # API.md: a refused bearer token is ``TOKEN_INVALID`` (GraphQL says
        # ``UNAUTHENTICATED`` for every authentication failure); ``reason`` keeps
        # an expired token (refresh, then retry) apart from any other (log in).
        raise ServiceError(
            ErrorCode.TOKEN_INVALID, exc.message, reason=exc.code
        ) from exc
    if meta is not None:
        ratelimits.enforce("general", meta=meta, subject=str(caller.user.pk))
    return caller


@clean_strings
def logout(*, refresh_token: str, meta: RequestMeta) -> None:
    """Revoke the session a refresh token belongs to (any token of its chain).

    Idempotent, as RFC 7009 §2.2 asks of revocation: a token we signed whose
    session is already revoked, rotated away or expired answers success, so a
    second logout (two tabs, a retry) is not a 401 that makes a client refresh
    or panic. A malformed or forged token stays ``TOKEN_INVALID``.
    """
    try:
        claims = decode_refresh_token(refresh_token)
    except ServiceError as exc:
        if exc.code == ErrorCode.TOKEN_EXPIRED:
            return  # authentic (the signature is checked first) and dead already
        raise
    session_id = _uuid_or_none(claims[SESSION_CLAIM])
    with transaction.atomic():
        updated = Session.objects.filter(
            pk=session_id,  # type: ignore[misc]  # None matches no row
            user_id=claims["user_id"],
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        if updated:  # a repeated logout records nothing new
            events.record(
                events.Kind.LOGOUT,
                user_id=int(claims["user_id"]),
                meta=meta,
                session_id=session_id,
            )


@clean_strings
def revoke_session(*, user: User, session_id: object, meta: RequestMeta) -> None:
    """Revoke one of the user's own active sessions."""
    revoked_id = _uuid_or_none(session_id)
    with transaction.atomic():
        updated = Session.objects.filter(
            pk=revoked_id,  # type: ignore[misc]  # None matches no row
            user=user,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        if not updated:
            raise ServiceError(
                ErrorCode.NOT_FOUND, "No such active session.", field="id"
            )
        events.record(
            events.Kind.SESSION_REVOKED,
            user_id=user.pk,
            meta=meta,
            session_id=revoked_id,
        )


def revoke_other_sessions(
    *, user: User, current_session: Session | None, meta: RequestMeta
) -> int:
    """Revoke every active session of the user but the caller's; return how many.

    Recorded even when there was nothing to revoke: the owner did act.
    """
    with transaction.atomic():
        count = end_sessions_except(user=user, keep=current_session)
        events.record(
            events.Kind.OTHER_SESSIONS_REVOKED,
            user_id=user.pk,
            meta=meta,
            session_id=current_session.pk if current_session is not None else None,
        )
    return count


def end_sessions_except(*, user: User, keep: Session | None) -> int:
    """Revoke every active session of the user but ``keep``; return how many.

    The building block of operations that record their own event (a verified
    email change); the owner's own request is ``revoke_other_sessions``.
    """
    sessions = Session.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
    return sessions.update(revoked_at=timezone.now())


def revoke_all_sessions(*, user: User) -> int:
    """Revoke every session and invalidate every outstanding token of the user.

    The model does it (``User.revoke_credentials``), because a change of the
    password or of ``is_active`` made anywhere must do the same.
    """
    return user.revoke_credentials()


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None
