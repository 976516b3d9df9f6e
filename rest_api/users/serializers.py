"""Response shapes of the accounts resources, shared by several views."""

from __future__ import annotations

import copy
from typing import Any

from graphql_relay import to_global_id
from rest_framework import serializers

from core.timestamps import rfc3339
from users.images import avatar_url
from users.mfa import is_enabled
from users.models import SecurityEventKind, User
from users.selectors import USER_TYPE


class GlobalIDField(serializers.CharField):
    """The object's Relay global id, so one id names a user on both surfaces.

    ``to_global_id("User", pk)`` is what GraphQL's ``node(id:)`` takes, so a
    client may mix surfaces without translating ids; raw database keys are not
    exposed.
    """

    def __init__(self, type_name: str, **kwargs: Any) -> None:
        self.type_name = type_name
        kwargs.setdefault("source", "pk")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return to_global_id(self.type_name, value)


class AvatarURLField(serializers.CharField):
    """The avatar's absolute URL (built from the request, as GraphQL's), or null.

    A frontend on another origin can show it as it is; the serializer needs
    the ``request`` in its context for that.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", allow_null=True)
        kwargs.setdefault("help_text", "Absolute URL of the avatar, or null.")
        super().__init__(**kwargs)

    # A CharField for the schema (string, nullable), read from the whole user.
    def to_representation(self, user: User) -> str | None:  # type: ignore[override]
        request = self.context.get("request")
        base = request.build_absolute_uri("/") if request is not None else None
        return avatar_url(user, base)


class UTCDateTimeField(serializers.DateTimeField):
    """An instant written as GraphQL's ``DateTime`` writes it (RFC 3339, ``Z``)."""

    def to_representation(self, value: Any) -> str:
        # A null attribute never reaches a field (the serializer renders None).
        return rfc3339(value)


class MfaEnabledField(serializers.BooleanField):
    """Whether the account has TOTP on."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, user: User) -> bool:  # type: ignore[override]
        return is_enabled(user)


class IsCurrentSessionField(serializers.BooleanField):
    """True for the session of the token that made this request."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "pk")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> bool:
        return value == self.context.get("current_session_id")


class UserSerializer(serializers.Serializer):
    id = GlobalIDField(
        USER_TYPE, help_text="Relay global id, the same as GraphQL's `User.id`."
    )
    email = serializers.EmailField(
        help_text="The verified login address (a requested change stays pending "
        "until the link sent to the new address is followed)."
    )
    pending_email = serializers.SerializerMethodField(
        help_text="A requested new address awaiting its verification link, or null."
    )
    name = serializers.CharField(allow_blank=True)
    bio = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    avatar_url = AvatarURLField()
    email_verified = serializers.BooleanField()
    mfa_enabled = MfaEnabledField(
        help_text="Whether two-factor authentication (TOTP) is on: logins then "
        "answer `MFA_REQUIRED` until `/auth/mfa/verify/`."
    )
    date_joined = UTCDateTimeField()

    class Meta:
        ref_name = "User"

    def get_pending_email(self, user: User) -> str | None:
        return user.pending_email or None

    def get_fields(self) -> dict[str, serializers.Field]:
        """Return the declared fields, each copied shallowly for this instance.

        DRF deep-copies them (every field re-made from its arguments) for each
        serializer: profiled, about a fifth of the CPU of ``GET /users/me/``
        (bench/README.md). This serializer only renders, and ``bind()`` gives
        each copy its own name, parent and source, so a shallow copy is as
        independent for that and costs a fraction.
        """
        return {name: copy.copy(f) for name, f in self._declared_fields.items()}


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(
        help_text="Access token: send it as `Authorization: Bearer <access>`."
    )
    refresh = serializers.CharField(
        help_text="Refresh token: trade it once at `/auth/token/refresh/`."
    )

    class Meta:
        ref_name = "TokenPair"


class LoginSerializer(TokenPairSerializer):
    device_token = serializers.CharField(
        help_text="Device token: keep it and send it with the next login, so this "
        "device's attempts draw on its own budget (no lockout by others)."
    )

    class Meta:
        ref_name = "Login"


class SessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField(allow_blank=True)
    current = IsCurrentSessionField()

    class Meta:
        ref_name = "Session"


class SecurityEventSerializer(serializers.Serializer):
    id = GlobalIDField(
        "SecurityEvent", help_text="Relay global id, GraphQL's `SecurityEvent.id`."
    )
    kind = serializers.ChoiceField(
        choices=SecurityEventKind.choices,
        help_text="What happened; the same values as GraphQL's `SecurityEventKind`.",
    )
    created_at = UTCDateTimeField(help_text="When it happened (UTC).")
    ip_address = serializers.IPAddressField(
        allow_null=True, help_text="Client address of the request that caused it."
    )
    user_agent = serializers.CharField(
        allow_blank=True, help_text="Client user agent of the request that caused it."
    )
    session_id = serializers.UUIDField(
        allow_null=True,
        help_text="The session concerned, as in the session list (it may have "
        "ended since).",
    )

    class Meta:
        ref_name = "SecurityEvent"


class SecurityEventPageSerializer(serializers.Serializer):
    """One page of security events, newest first (keyset cursors)."""

    next = serializers.URLField(
        allow_null=True, help_text="The page of older events, or null."
    )
    previous = serializers.URLField(
        allow_null=True, help_text="The page of newer events, or null."
    )
    results = SecurityEventSerializer(many=True)

    class Meta:
        ref_name = "SecurityEventPage"


class UserPageSerializer(serializers.Serializer):
    """One page of users (keyset cursors in the links, no total count)."""

    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page, or null."
    )
    results = UserSerializer(many=True)

    class Meta:
        ref_name = "UserPage"
