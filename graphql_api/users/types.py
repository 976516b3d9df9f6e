"""Object types: what a client can see of a user and a session."""

from __future__ import annotations

import uuid

import graphene
from graphene import relay
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from graphql_api.auth import current, current_user
from graphql_api.errors import graphql_error

# Registers the UTC ``DateTime`` for model datetimes before any type is built.
from graphql_api.scalars import DateTime as DateTime
from users.errors import ServiceError
from users.images import avatar_url
from users.mfa import is_enabled as mfa_enabled
from users.models import SecurityEvent, SecurityEventKind, Session, User
from users.selectors import active_sessions, security_event_visible_to, user_visible_to


class CountableConnection(relay.Connection):
    """A Relay connection that also tells how many items match."""

    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="Items matching the filters.")

    @staticmethod
    def resolve_total_count(root, info) -> int:
        """Count every match, only when a client asks (a COUNT(*) per request)."""
        length = getattr(root, "length", None)
        return root.iterable.count() if length is None else length


class UserType(DjangoObjectType):
    """An account. Password, staff flags and internal ids are never exposed."""

    avatar_url = graphene.String(description="Absolute URL of the avatar, or null.")
    pending_email = graphene.String(
        description="A requested new address awaiting its verification link, or null."
    )
    mfa_enabled = graphene.Boolean(
        required=True,
        description="Whether two-factor authentication (TOTP) is on: logins then "
        "answer MFA_REQUIRED until verifyMfa.",
    )

    class Meta:
        model = User
        name = "User"
        interfaces = (relay.Node,)
        fields = (
            "email",
            "pending_email",
            "name",
            "bio",
            "location",
            "email_verified",
            "date_joined",
        )
        connection_class = CountableConnection
        description = "An account. Fetch your own through `me` or `node(id:)`."

    @classmethod
    def get_node(cls, info, id: str) -> User | None:
        """Return the user behind a global id if the caller may see it, else null."""
        actor = current_user(info)
        try:
            return user_visible_to(actor=actor, user_id=int(id))
        except ServiceError as exc:
            if exc.reason is not None:  # staff who must set up MFA first
                raise graphql_error(exc.code, exc.message, reason=exc.reason) from exc
            return None
        except ValueError:
            return None

    @staticmethod
    def resolve_mfa_enabled(root: User, info) -> bool:
        return mfa_enabled(root)

    @staticmethod
    def resolve_pending_email(root: User, info) -> str | None:
        return root.pending_email or None

    @staticmethod
    def resolve_avatar_url(root: User, info) -> str | None:
        return avatar_url(root, info.context.build_absolute_uri("/"))


for _name, _text in {
    "email": "The login address (verified or not, see emailVerified).",
    "name": "Display name.",
    "bio": "Free text about the user, at most 2000 characters.",
    "location": "Free-text location.",
    "email_verified": "Whether the current email address has been verified.",
    "date_joined": "When the account was created (UTC).",
}.items():
    UserType._meta.fields[_name].description = _text


class SessionType(DjangoObjectType):
    """One login: the chain of refresh tokens that descends from it."""

    current = graphene.Boolean(
        required=True, description="Whether this is the session of the calling token."
    )

    class Meta:
        model = Session
        name = "Session"
        interfaces = (relay.Node,)
        fields = ("created_at", "last_used_at", "ip_address", "user_agent")
        description = "An active login of the caller; revoke it with revokeSession."

    @classmethod
    def get_node(cls, info, id: str) -> Session | None:
        """Return one of the caller's own live sessions, else null."""
        try:
            session_id = uuid.UUID(id)
        except ValueError:
            return None
        return active_sessions(user=current_user(info)).filter(pk=session_id).first()

    @staticmethod
    def resolve_current(root: Session, info) -> bool:
        return root.pk == current(info).session.pk


for _name, _text in {
    "created_at": "When the login happened (UTC).",
    "last_used_at": "When a token of this session was last refreshed (UTC).",
    "ip_address": "Client address at the last login or refresh.",
    "user_agent": "Client user agent at the last login or refresh.",
}.items():
    SessionType._meta.fields[_name].description = _text


SecurityEventKindEnum = graphene.Enum.from_enum(
    SecurityEventKind,
    name="SecurityEventKind",
    description=lambda value: (
        "What happened to an account; the same values as REST's `kind`."
        if value is None
        else SecurityEventKind(value).label
    ),
)


class SecurityEventType(DjangoObjectType):
    """One entry of an account's security activity."""

    kind = graphene.Field(
        SecurityEventKindEnum, required=True, description="What happened."
    )
    session_id = graphene.ID(
        description="Global id of the session concerned (it may have ended since)."
    )

    class Meta:
        model = SecurityEvent
        name = "SecurityEvent"
        interfaces = (relay.Node,)
        fields = ("created_at", "ip_address", "user_agent")
        description = (
            "Something that happened to your account: a sign-in, a revoked "
            "session, a changed password. Read them with mySecurityEvents."
        )

    @classmethod
    def get_node(cls, info, id: str) -> SecurityEvent | None:
        """Return one of the caller's own events (staff: anyone's), else null."""
        try:
            return security_event_visible_to(actor=current_user(info), event_id=int(id))
        except (ServiceError, ValueError):
            return None

    @staticmethod
    def resolve_kind(root: SecurityEvent, info) -> str:
        return root.kind

    @staticmethod
    def resolve_session_id(root: SecurityEvent, info) -> str | None:
        if root.session_id is None:
            return None
        return to_global_id("Session", str(root.session_id))


for _name, _text in {
    "created_at": "When it happened (UTC).",
    "ip_address": "The client address of the request that caused it.",
    "user_agent": "The client user agent of the request that caused it.",
}.items():
    SecurityEventType._meta.fields[_name].description = _text


class SecurityEventConnection(relay.Connection):
    """A page of security events, newest first (keyset cursors)."""

    class Meta:
        node = SecurityEventType
