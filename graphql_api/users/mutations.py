"""Mutations: thin calls into ``users.services``; errors mapped in one place.

Relay-style mutations (one ``input`` argument, ``clientMutationId``) derive from
``BaseMutation``: it refuses the field if an earlier one in the document was rate
limited, authenticates when the mutation needs a caller, calls ``perform`` and
maps a ``ServiceError`` to ``errors: [UserError!]!`` (or to a GraphQL error for
authentication, permission and rate-limit codes). The four token mutations keep
django-graphql-jwt's names and arguments and raise GraphQL errors on failure,
since their payloads have no ``errors`` field.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import graphene
from graphene import relay
from graphene.types.generic import GenericScalar
from graphql_relay import from_global_id

from graphql_api.auth import caller_meta, current, optional_caller
from graphql_api.errors import (
    UserError,
    from_service_error,
    refuse_if_rate_limited,
    user_errors,
)
from graphql_api.scalars import Upload
from graphql_api.users.types import UserType
from users import services
from users.errors import ErrorCode, ServiceError
from users.tokens import TokenPair


class BaseMutation(relay.ClientIDMutation):
    """Authenticate, call one service, map its ServiceError: every mutation."""

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(UserError),
        required=True,
        description="Expected failures with field and code; empty on success.",
    )

    requires_auth: ClassVar[bool] = True

    @classmethod
    def mutate_and_get_payload(cls, root: Any, info: Any, **data: Any) -> BaseMutation:
        refuse_if_rate_limited(info.context)
        # graphene echoes clientMutationId into the payload itself; it is not
        # an argument of the operation.
        data.pop("client_mutation_id", None)
        caller = current(info) if cls.requires_auth else None
        try:
            return cls.perform(info, caller, **data)
        except ServiceError as exc:
            return cls.failure(user_errors(exc, info.context))

    @classmethod
    def failure(cls, errors: list[UserError]) -> BaseMutation:
        """Build the payload of a mutation that did not happen."""
        return cls(errors=errors)

    @classmethod
    def perform(cls, info: Any, *args: Any, **data: Any) -> Any:
        """Run the operation: ``(info, caller, **input fields)`` -> the payload.

        Declared loosely so each mutation names its own input fields.
        """
        raise NotImplementedError


def _meta(info: Any):
    return caller_meta(info)


class Register(BaseMutation):
    """Create an account; a verification link is emailed to the address."""

    requires_auth = False
    user = graphene.Field(UserType, description="The new account.")

    class Input:
        email = graphene.String(required=True, description="Login address.")
        password = graphene.String(required=True, description="10 to 128 characters.")
        name = graphene.String(description="Display name.")

    @classmethod
    def perform(cls, info, caller, *, email, password, name=None):
        user = services.register(
            email=email, password=password, name=name or "", meta=_meta(info)
        )
        return cls(user=user, errors=[])


class UpdateProfile(BaseMutation):
    """Change profile fields; a new email waits until its link is followed."""

    user = graphene.Field(UserType, description="The updated account.")

    class Input:
        name = graphene.String(description="Display name.")
        bio = graphene.String(description="Free text, at most 2000 characters.")
        location = graphene.String(description="Free-text location.")
        email = graphene.String(
            description="New login address (pending until verified)."
        )
        password = graphene.String(
            description="Your current password: required with a new email only."
        )

    @classmethod
    def perform(cls, info, caller, **fields):
        user = services.update_profile(user=caller.user, meta=_meta(info), **fields)
        return cls(user=user, errors=[])


class UploadAvatar(BaseMutation):
    """Set the avatar: a PNG, JPEG or WebP up to 5 MB and 4096x4096 px (multipart)."""

    user = graphene.Field(UserType, description="The account with its new avatarUrl.")

    class Input:
        avatar = Upload(
            required=True, description="The image file (multipart request)."
        )

    @classmethod
    def perform(cls, info, caller, *, avatar):
        if avatar is None or not hasattr(avatar, "read"):
            raise ServiceError(
                ErrorCode.FILE_INVALID,
                "Send the file as a multipart upload.",
                field="avatar",
            )
        user = services.set_avatar(user=caller.user, upload=avatar, meta=_meta(info))
        return cls(user=user, errors=[])


class DeleteAvatar(BaseMutation):
    """Remove the avatar (no error when there is none)."""

    user = graphene.Field(UserType, description="The account without an avatar.")

    class Input:
        pass

    @classmethod
    def perform(cls, info, caller):
        return cls(user=services.delete_avatar(user=caller.user), errors=[])


class ChangePassword(BaseMutation):
    """Change the password; every session ends and this client gets a fresh pair."""

    token = graphene.String(description="New access token for this client.")
    refresh_token = graphene.String(description="New refresh token for this client.")

    class Input:
        current_password = graphene.String(
            required=True, description="The password now."
        )
        new_password = graphene.String(
            required=True, description="10 to 128 characters."
        )

    @classmethod
    def perform(cls, info, caller, *, current_password, new_password):
        pair = services.change_password(
            user=caller.user,
            current_password=current_password,
            new_password=new_password,
            meta=_meta(info),
        )
        return cls(token=pair.access, refresh_token=pair.refresh, errors=[])


class OkPayload(BaseMutation):
    class Meta:
        abstract = True

    ok = graphene.Boolean(
        required=True, description="True when the operation was done."
    )

    @classmethod
    def failure(cls, errors: list[UserError]) -> OkPayload:
        return cls(ok=False, errors=errors)


class RequestPasswordReset(OkPayload):
    """Email a reset link. Answers the same whether or not the account exists."""

    requires_auth = False

    class Input:
        email = graphene.String(required=True, description="The account's address.")

    @classmethod
    def perform(cls, info, caller, *, email):
        services.request_password_reset(email=email, meta=_meta(info))
        return cls(ok=True, errors=[])


class ResetPassword(OkPayload):
    """Set a new password with the single-use token from the reset email."""

    requires_auth = False

    class Input:
        token = graphene.String(required=True, description="Token from the reset link.")
        new_password = graphene.String(
            required=True, description="10 to 128 characters."
        )

    @classmethod
    def perform(cls, info, caller, *, token, new_password):
        services.reset_password(
            token=token, new_password=new_password, meta=_meta(info)
        )
        return cls(ok=True, errors=[])


class VerifyEmail(OkPayload):
    """Verify an address with the token from the verification link."""

    requires_auth = False

    class Input:
        token = graphene.String(required=True, description="Token from the link.")

    @classmethod
    def perform(cls, info, caller, *, token):
        # A pending change, once applied, ends every other session; the
        # caller's own (if logged in to this account) survives.
        session = getattr(optional_caller(info), "session", None)
        services.verify_email(token=token, meta=_meta(info), current_session=session)
        return cls(ok=True, errors=[])


class CancelEmailChange(OkPayload):
    """Cancel (or undo) an email change with the link sent to the old address.

    Every session of the account ends, wherever it was opened. The link works once.
    """

    requires_auth = False

    class Input:
        token = graphene.String(required=True, description="Token from the link.")

    @classmethod
    def perform(cls, info, caller, *, token):
        services.cancel_email_change(token=token, meta=_meta(info))
        return cls(ok=True, errors=[])


class ReportUnrecognizedLogin(OkPayload):
    """Report a sign-in as not yours, with the link of the new sign-in notice.

    Every session of the account ends on both surfaces and a password-reset
    link is emailed to the account's address. The link works once.
    """

    requires_auth = False

    class Input:
        token = graphene.String(required=True, description="Token from the link.")

    @classmethod
    def perform(cls, info, caller, *, token):
        services.report_unrecognized_login(token=token, meta=_meta(info))
        return cls(ok=True, errors=[])


class ResendVerificationEmail(OkPayload):
    """Send the verification link again, to the pending new address if any.

    ok is true whether or not anything awaits verification (nothing is sent
    then), as REST's 202: read emailVerified and pendingEmail for the state.
    """

    class Input:
        pass

    @classmethod
    def perform(cls, info, caller):
        services.resend_verification_email(user=caller.user, meta=_meta(info))
        return cls(ok=True, errors=[])


class RevokeSession(OkPayload):
    """End one of your sessions (its tokens stop working at once)."""

    class Input:
        id = graphene.ID(required=True, description="The Session's global id.")

    @classmethod
    def perform(cls, info, caller, *, id):
        services.revoke_session(
            user=caller.user, session_id=_session_id(id), meta=_meta(info)
        )
        return cls(ok=True, errors=[])


def _session_id(global_id: str) -> str:
    try:
        kind, raw = from_global_id(global_id)
    except Exception:
        return global_id
    return raw if kind == "Session" else global_id


class RevokeOtherSessions(OkPayload):
    """End every session but the one of the calling token."""

    revoked_count = graphene.Int(required=True, description="How many sessions ended.")

    class Input:
        pass

    @classmethod
    def perform(cls, info, caller):
        count = services.revoke_other_sessions(
            user=caller.user, current_session=caller.session, meta=_meta(info)
        )
        return cls(ok=True, revoked_count=count, errors=[])


class DeleteAccount(OkPayload):
    """Delete your account for good (password required)."""

    class Input:
        password = graphene.String(required=True, description="Your current password.")

    @classmethod
    def perform(cls, info, caller, *, password):
        services.delete_account(user=caller.user, password=password, meta=_meta(info))
        return cls(ok=True, errors=[])


class DeactivateUser(OkPayload):
    """Staff only: deactivate an account; its tokens and sessions die at once.

    Not your own (INVALID_INPUT on id); an unknown id is NOT_FOUND. Reactivate
    an account in the admin.
    """

    class Input:
        id = graphene.ID(required=True, description="The User's global id.")

    @classmethod
    def perform(cls, info, caller, *, id):
        services.deactivate_user(actor=caller.user, user_id=id)
        return cls(ok=True, errors=[])


# --- Token mutations (django-graphql-jwt's names and arguments) --------------------


#: The refresh token's errors name the argument the client sent.
REFRESH_TOKEN_FIELDS = {"token": "refresh_token"}


def _call(info: Any, operation, fields: dict[str, str] | None = None, **kwargs):
    refuse_if_rate_limited(info.context)
    try:
        return operation(**kwargs)
    except ServiceError as exc:
        raise from_service_error(exc, info.context, fields) from exc


class TokenPairMixin:
    token = graphene.String(required=True, description="Access token (Bearer).")
    refresh_token = graphene.String(
        required=True, description="Single-use refresh token."
    )
    payload = GenericScalar(required=True, description="The access token's claims.")
    refresh_expires_in = graphene.Int(
        required=True, description="Seconds until the refresh token expires."
    )

    @classmethod
    def from_pair(cls, pair: TokenPair) -> Any:
        """Build the payload (a graphene ObjectType mixing this in) from a pair."""
        return cls(  # type: ignore[call-arg]
            token=pair.access,
            refresh_token=pair.refresh,
            payload=pair.access_payload,
            refresh_expires_in=pair.refresh_expires_in,
        )


class ObtainToken(TokenPairMixin, graphene.Mutation):
    """Log in; failures are GraphQL errors (INVALID_CREDENTIALS, RATE_LIMITED...)."""

    device_token = graphene.String(
        required=True,
        description="Keep it and send it with the next login: this device's "
        "attempts then draw on its own budget (no lockout by others).",
    )

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)
        device_token = graphene.String(
            description="The deviceToken of this device's last login, if any."
        )

    @classmethod
    def mutate(cls, root, info, email, password, device_token=None):
        pair = _call(
            info,
            services.login,
            email=email,
            password=password,
            device_token=device_token,
            meta=_meta(info),
        )
        result = cls.from_pair(pair)
        result.device_token = pair.device_token
        return result


class VerifyToken(graphene.Mutation):
    """Check an access token as a request would (TOKEN_EXPIRED/TOKEN_INVALID)."""

    payload = GenericScalar(required=True, description="The token's claims.")

    class Arguments:
        token = graphene.String(required=True)

    @classmethod
    def mutate(cls, root, info, token):
        return cls(payload=_call(info, services.verify_token, token=token).claims)


class RefreshToken(TokenPairMixin, graphene.Mutation):
    """Trade a refresh token for a new pair (rotation).

    The token just retired, sent again within REFRESH_TOKEN_REUSE_INTERVAL, gets
    the session's current pair; later, or any older one, answers TOKEN_REUSED and
    revokes the session. Past SESSION_ABSOLUTE_LIFETIME: TOKEN_EXPIRED.
    """

    class Arguments:
        refresh_token = graphene.String(required=True)

    @classmethod
    def mutate(cls, root, info, refresh_token):
        return cls.from_pair(
            _call(
                info,
                services.refresh,
                REFRESH_TOKEN_FIELDS,
                refresh_token=refresh_token,
                meta=_meta(info),
            )
        )


class RevokeToken(graphene.Mutation):
    """Log out: end the session of the refresh token (idempotent: a dead one is ok)."""

    revoked = graphene.Int(
        required=True, description="When it was revoked (Unix time)."
    )

    class Arguments:
        refresh_token = graphene.String(required=True)

    @classmethod
    def mutate(cls, root, info, refresh_token):
        _call(
            info,
            services.logout,
            REFRESH_TOKEN_FIELDS,
            refresh_token=refresh_token,
            meta=_meta(info),
        )
        return cls(revoked=int(time.time()))


class UserMutations(graphene.ObjectType):
    token_auth = ObtainToken.Field(description=ObtainToken.__doc__)
    verify_token = VerifyToken.Field(description=VerifyToken.__doc__)
    refresh_token = RefreshToken.Field(description=RefreshToken.__doc__)
    revoke_token = RevokeToken.Field(description=RevokeToken.__doc__)
    register = Register.Field()
    update_profile = UpdateProfile.Field()
    upload_avatar = UploadAvatar.Field()
    delete_avatar = DeleteAvatar.Field()
    change_password = ChangePassword.Field()
    request_password_reset = RequestPasswordReset.Field()
    reset_password = ResetPassword.Field()
    verify_email = VerifyEmail.Field()
    cancel_email_change = CancelEmailChange.Field()
    report_unrecognized_login = ReportUnrecognizedLogin.Field()
    resend_verification_email = ResendVerificationEmail.Field()
    revoke_session = RevokeSession.Field()
    revoke_other_sessions = RevokeOtherSessions.Field()
    delete_account = DeleteAccount.Field()
    deactivate_user = DeactivateUser.Field()
