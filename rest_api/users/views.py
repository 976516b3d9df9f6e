"""REST views of the accounts domain: parse, call one service, render.

Each view validates the body's shape with its nested ``InputSerializer``, calls
the same service or selector the GraphQL surface calls, and renders the result;
every rule and every error code comes from ``users``. Failures leave through
``rest_api.errors.exception_handler``.
"""

from __future__ import annotations

from uuid import UUID

from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict

from rest_api.pagination import MAX_LIMIT, newest_first, oldest_first
from rest_api.serializers import (
    NO_CONTROLS,
    PasswordField,
    StrictSerializer,
    TextField,
    email_field,
)
from rest_api.users.serializers import (
    LoginSerializer,
    SecurityEventPageSerializer,
    SecurityEventSerializer,
    SessionSerializer,
    TokenPairSerializer,
    UserPageSerializer,
    UserSerializer,
)
from rest_api.views import APIView, PublicAPIView, optional_session
from users import selectors, services
from users.errors import ErrorCode as E
from users.models import User
from users.selectors import MAX_SEARCH_LENGTH
from users.validation import MULTILINE_FIELDS, PROFILE_LIMITS

AUTH, ACCOUNT, SESSIONS, STAFF = "auth", "account", "sessions", "staff"
ACTIVITY = "activity"

NEW_PASSWORD_ERRORS = [
    E.REQUIRED,
    E.PASSWORD_TOO_SHORT,
    E.PASSWORD_TOO_LONG,
    E.PASSWORD_TOO_COMMON,
    E.PASSWORD_TOO_SIMILAR,
    E.PASSWORD_ENTIRELY_NUMERIC,
]
BODY_TOKEN_ERRORS = [E.REQUIRED, E.TOKEN_INVALID, E.TOKEN_EXPIRED]
#: A bad link token (reset, verification) is a 400 on its ``token`` field, not a
#: 401: the caller's credentials are fine, and a client that answers every 401 by
#: refreshing or logging out must not do so over a stale emailed link.
LINK_TOKEN_STATUS = {E.TOKEN_INVALID: 400, E.TOKEN_EXPIRED: 400}
#: Operations that refuse to run while the rate limiter's store is down.
FAIL_CLOSED = [E.RATE_LIMITED, E.SERVICE_UNAVAILABLE]


def _profile_field(name: str) -> TextField:
    # The limit is the domain's (clean_profile_fields); declared for the schema.
    return TextField(
        required=False,
        rules={"max_length": PROFILE_LIMITS[name]},
        multiline=name in MULTILINE_FIELDS,
    )


def _user(view: APIView, user: User) -> ReturnDict:
    """Render the user's JSON, its avatar URL absolute from this request."""
    return UserSerializer(user, context={"request": view.request}).data


class RegisterView(PublicAPIView):
    class InputSerializer(StrictSerializer):
        email = email_field()
        password = PasswordField(new=True)
        name = _profile_field("name")

    @swagger_auto_schema(
        operation_id="register",
        operation_summary="Create an account",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={201: UserSerializer},
        errors={
            "email": [E.REQUIRED, E.EMAIL_INVALID, E.EMAIL_TAKEN],
            "password": NEW_PASSWORD_ERRORS,
            "name": [E.INVALID_INPUT],
            None: FAIL_CLOSED,
        },
    )
    def post(self, request: Request) -> Response:
        """Create an account and email a link that verifies the address.

        Logging in does not wait for the verification. Saying `EMAIL_TAKEN` is the
        price of a usable sign-up form; registration is rate limited per address.
        """
        user = services.register(**self.parse(self.InputSerializer), meta=self.meta)
        return Response(_user(self, user), status=status.HTTP_201_CREATED)


class TokenView(PublicAPIView):
    class InputSerializer(StrictSerializer):
        email = email_field()
        password = PasswordField()
        device_token = TextField(
            required=False,
            help_text="The `device_token` of this device's last login, if any.",
        )

    @swagger_auto_schema(
        operation_id="obtainToken",
        operation_summary="Log in: exchange credentials for a token pair",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={200: LoginSerializer},
        errors={
            "email": [E.REQUIRED, E.EMAIL_INVALID],
            "password": [E.REQUIRED],
            None: [
                E.INVALID_CREDENTIALS,
                E.MFA_REQUIRED,
                E.ACCOUNT_INACTIVE,
                *FAIL_CLOSED,
            ],
        },
    )
    def post(self, request: Request) -> Response:
        """Start a session and return its first access and refresh tokens.

        With two-factor authentication on, a right password answers 401
        `MFA_REQUIRED` with a top-level `mfa_token` instead: send it with a code
        to `/auth/mfa/verify/` for the pair.

        An unknown email and a wrong password answer the same
        `INVALID_CREDENTIALS`, so the answer does not reveal who has an account.
        Send the `device_token` of this device's last login: its attempts then
        draw on this device's own budget, which nobody hammering the address
        can exhaust (without one, they draw on the per-email budget).
        """
        pair = services.login(**self.parse(self.InputSerializer), meta=self.meta)
        return Response(LoginSerializer(pair).data)


class TokenRefreshView(PublicAPIView):
    error_fields = {"refresh_token": "refresh", "token": "refresh"}

    class InputSerializer(StrictSerializer):
        refresh = TextField()

    @swagger_auto_schema(
        operation_id="refreshToken",
        operation_summary="Trade a refresh token for a new pair (rotation)",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={200: TokenPairSerializer},
        errors={
            "refresh": [*BODY_TOKEN_ERRORS, E.TOKEN_REUSED],
            None: [E.RATE_LIMITED],
        },
    )
    def post(self, request: Request) -> Response:
        """Return a new access and refresh token; the old refresh token is retired.

        The retired token presented again within `REFRESH_TOKEN_REUSE_INTERVAL`
        (10 s) answers the session's current pair (a second tab racing the first
        refresh); later it means it was copied: the whole session is revoked and
        the answer is `TOKEN_REUSED`. A session past `SESSION_ABSOLUTE_LIFETIME`
        (30 days from its login) answers `TOKEN_EXPIRED`: log in again.
        """
        data = self.parse(self.InputSerializer)
        pair = services.refresh(refresh_token=data["refresh"], meta=self.meta)
        return Response(TokenPairSerializer(pair).data)


class TokenVerifyView(PublicAPIView):
    class InputSerializer(StrictSerializer):
        token = TextField()

    class OutputSerializer(serializers.Serializer):
        """Nothing: the status is the answer."""

    @swagger_auto_schema(
        operation_id="verifyToken",
        operation_summary="Check an access token",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={200: OutputSerializer},
        errors={"token": BODY_TOKEN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Answer 200 if the access token would authenticate a request right now.

        The check is the one authentication runs, so a token of a revoked session
        or of a changed password fails here too, not only when it expires.
        """
        services.verify_token(token=self.parse(self.InputSerializer)["token"])
        return Response({})


class LogoutView(PublicAPIView):
    error_fields = {"refresh_token": "refresh", "token": "refresh"}

    class InputSerializer(StrictSerializer):
        refresh = TextField()

    @swagger_auto_schema(
        operation_id="logout",
        operation_summary="Log out: revoke the session of a refresh token",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={
            204: "The session is revoked (or already was); its tokens no longer work."
        },
        errors={"refresh": [E.REQUIRED, E.TOKEN_INVALID]},
    )
    def post(self, request: Request) -> Response:
        """Revoke the session the refresh token belongs to, with its access tokens.

        Takes the refresh token rather than the access token so a client can log
        out even after its access token expired. Idempotent (RFC 7009): a token
        of an already revoked, rotated or expired session answers 204 too; only
        a malformed or forged token is `TOKEN_INVALID`.
        """
        data = self.parse(self.InputSerializer)
        services.logout(refresh_token=data["refresh"], meta=self.meta)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicAPIView):
    class InputSerializer(StrictSerializer):
        email = email_field()

    @swagger_auto_schema(
        operation_id="requestPasswordReset",
        operation_summary="Email a password reset link",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={202: "Accepted, whether or not an account has this address."},
        errors={"email": [E.REQUIRED, E.EMAIL_INVALID], None: FAIL_CLOSED},
    )
    def post(self, request: Request) -> Response:
        """Send a reset link if an active account has this address.

        The answer is the same either way, so the endpoint cannot be used to find
        out which addresses have accounts.
        """
        data = self.parse(self.InputSerializer)
        services.request_password_reset(email=data["email"], meta=self.meta)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAPIView):
    error_status = LINK_TOKEN_STATUS

    class InputSerializer(StrictSerializer):
        token = TextField()
        new_password = PasswordField(new=True)

    @swagger_auto_schema(
        operation_id="resetPassword",
        operation_summary="Set a new password with the token from the reset email",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={204: "The password is changed; every session is revoked."},
        errors={"token": BODY_TOKEN_ERRORS, "new_password": NEW_PASSWORD_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Replace a forgotten password; the token works once and expires.

        Every session ends, so whoever knew the old password is logged out.
        Following the emailed link also proves the address, so it is verified.
        """
        services.reset_password(**self.parse(self.InputSerializer), meta=self.meta)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(PublicAPIView):
    error_status = LINK_TOKEN_STATUS

    class InputSerializer(StrictSerializer):
        token = TextField()

    @swagger_auto_schema(
        operation_id="verifyEmail",
        operation_summary="Verify an email address with the token from the email",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={204: "The address is verified (a pending change is applied)."},
        errors={"token": BODY_TOKEN_ERRORS, "email": [E.EMAIL_TAKEN]},
    )
    def post(self, request: Request) -> Response:
        """Mark the address verified, or switch to a pending new address.

        Public, because the link is often opened on another device than the one
        that is logged in; the token itself proves who asked. A link works once
        (`TOKEN_INVALID` after). Applying a change revokes every other session
        (the caller's survives when it sends its Bearer token).
        """
        token = self.parse(self.InputSerializer)["token"]
        services.verify_email(
            token=token, meta=self.meta, current_session=optional_session(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailCancelView(PublicAPIView):
    error_status = LINK_TOKEN_STATUS

    class InputSerializer(StrictSerializer):
        token = TextField()

    @swagger_auto_schema(
        operation_id="cancelEmailChange",
        operation_summary="Cancel an email change (link sent to the old address)",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={204: "The change is dropped (or undone); every session is revoked."},
        errors={"token": BODY_TOKEN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Drop a pending email change, or undo a completed one, and log out everywhere.

        The link goes to the old address with every change request, so the owner
        of a hijacked account can take it back. It works once.
        """
        token = self.parse(self.InputSerializer)["token"]
        services.cancel_email_change(token=token, meta=self.meta)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UnrecognizedLoginView(PublicAPIView):
    error_status = LINK_TOKEN_STATUS

    class InputSerializer(StrictSerializer):
        token = TextField()

    @swagger_auto_schema(
        operation_id="reportUnrecognizedLogin",
        operation_summary="Report a sign-in as not mine (link of the notice)",
        tags=[AUTH],
        request_body=InputSerializer,
        responses={
            204: "Every session is revoked; a password-reset link is on its way."
        },
        errors={"token": BODY_TOKEN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Lock an intruder out with the link of a new sign-in notice.

        Every session and access token of the account dies on both surfaces, and
        a password-reset link goes to the account's address (whoever signed in
        knew the password). The link works once.
        """
        token = self.parse(self.InputSerializer)["token"]
        services.report_unrecognized_login(token=token, meta=self.meta)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailResendView(APIView):
    @swagger_auto_schema(
        operation_id="resendVerificationEmail",
        operation_summary="Send the verification email again",
        tags=[AUTH],
        responses={202: "Accepted (nothing is sent if nothing awaits verification)."},
        errors={None: [E.RATE_LIMITED]},
    )
    def post(self, request: Request) -> Response:
        """Send the link again, to the pending new address if there is one."""
        services.resend_verification_email(user=self.caller.user, meta=self.meta)
        return Response(status=status.HTTP_202_ACCEPTED)


class MeView(APIView):
    class PatchInputSerializer(StrictSerializer):
        name = _profile_field("name")
        bio = _profile_field("bio")
        location = _profile_field("location")
        email = email_field(required=False)
        password = PasswordField(
            required=False, help_text="The current password: required with `email`."
        )

    class DeleteInputSerializer(StrictSerializer):
        password = PasswordField()

    @swagger_auto_schema(
        operation_id="getMe",
        operation_summary="Get my profile",
        tags=[ACCOUNT],
        responses={200: UserSerializer},
    )
    def get(self, request: Request) -> Response:
        """Return the caller's account."""
        return Response(_user(self, self.caller.user))

    @swagger_auto_schema(
        operation_id="updateMe",
        operation_summary="Update my profile",
        tags=[ACCOUNT],
        request_body=PatchInputSerializer,
        responses={200: UserSerializer},
        errors={
            "email": [E.REQUIRED, E.EMAIL_INVALID, E.EMAIL_TAKEN],
            "password": [E.REQUIRED, E.PASSWORD_INCORRECT],
            "name": [E.INVALID_INPUT],
            "bio": [E.INVALID_INPUT],
            "location": [E.INVALID_INPUT],
            None: FAIL_CLOSED,
        },
    )
    def patch(self, request: Request) -> Response:
        """Change the given fields; the others stay as they are.

        A new email needs the current `password` and is not applied at once: a
        link goes to the new address and the change happens when it is followed
        (`POST /auth/email/verify/`); the old address gets a notice with a cancel
        link (`POST /auth/email/cancel/`). So a stolen token cannot move the
        account to another address. Any field
        not listed (`is_staff`, `email_verified`, `password`, `id`, ...) is
        refused with `INVALID_INPUT`.
        """
        data = self.parse(self.PatchInputSerializer)
        user = services.update_profile(user=self.caller.user, meta=self.meta, **data)
        return Response(_user(self, user))

    @swagger_auto_schema(
        operation_id="deleteMe",
        operation_summary="Delete my account",
        tags=[ACCOUNT],
        request_body=DeleteInputSerializer,
        responses={204: "The account and all its sessions are gone."},
        errors={"password": [E.REQUIRED, E.PASSWORD_INCORRECT]},
    )
    def delete(self, request: Request) -> Response:
        """Delete the account for good; the password is asked again.

        A token alone (perhaps stolen, perhaps on a shared machine) must not be
        enough to destroy an account.
        """
        password = self.parse(self.DeleteInputSerializer)["password"]
        services.delete_account(
            user=self.caller.user, password=password, meta=self.meta
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvatarView(APIView):
    parser_classes = (MultiPartParser,)

    class InputSerializer(StrictSerializer):
        avatar = serializers.FileField(
            # An empty file is the domain's FILE_INVALID, not DRF's own error.
            allow_empty_file=True,
            help_text="A non-empty PNG, JPEG or WebP image, at most 5 MB and "
            "4096x4096 px (animated images are refused).",
        )

    @swagger_auto_schema(
        operation_id="uploadAvatar",
        operation_summary="Upload my avatar",
        tags=[ACCOUNT],
        request_body=InputSerializer,
        responses={200: UserSerializer},
        errors={"avatar": [E.REQUIRED, E.FILE_INVALID, E.FILE_TOO_LARGE]},
    )
    def put(self, request: Request) -> Response:
        """Replace the avatar with an uploaded image (`multipart/form-data`).

        The image is checked by decoding it, not by its name or declared type.
        """
        avatar = self.parse(self.InputSerializer)["avatar"]
        user = services.set_avatar(user=self.caller.user, upload=avatar, meta=self.meta)
        return Response(_user(self, user))

    @swagger_auto_schema(
        operation_id="deleteAvatar",
        operation_summary="Remove my avatar",
        tags=[ACCOUNT],
        responses={204: "The avatar is removed."},
    )
    def delete(self, request: Request) -> Response:
        """Remove the avatar; removing a missing one is not an error."""
        services.delete_avatar(user=self.caller.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    class InputSerializer(StrictSerializer):
        current_password = PasswordField()
        new_password = PasswordField(new=True)

    @swagger_auto_schema(
        operation_id="changePassword",
        operation_summary="Change my password",
        tags=[ACCOUNT],
        request_body=InputSerializer,
        responses={200: TokenPairSerializer},
        errors={
            "current_password": [E.REQUIRED, E.PASSWORD_INCORRECT],
            "new_password": NEW_PASSWORD_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        """Change the password, end every session and return a fresh token pair.

        Every token issued before (this one included) stops working at once, on
        both surfaces; the new pair keeps this client logged in.
        """
        data = self.parse(self.InputSerializer)
        pair = services.change_password(user=self.caller.user, meta=self.meta, **data)
        return Response(TokenPairSerializer(pair).data)


class SessionListView(APIView):
    @swagger_auto_schema(
        operation_id="listMySessions",
        operation_summary="List my active sessions",
        tags=[SESSIONS],
        responses={200: SessionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        """List the sessions (logins) still active, most recently used first."""
        sessions = selectors.active_sessions(user=self.caller.user)
        context = {"current_session_id": self.caller.session.pk}
        return Response(SessionSerializer(sessions, many=True, context=context).data)

    @swagger_auto_schema(
        operation_id="revokeMyOtherSessions",
        operation_summary="Revoke every session but this one",
        tags=[SESSIONS],
        responses={204: "Every other session and its tokens no longer work."},
    )
    def delete(self, request: Request) -> Response:
        """Log out everywhere else, e.g. after using a shared computer.

        The calling session stays; GraphQL's `revokeOtherSessions` does the same.
        """
        caller = self.caller
        services.revoke_other_sessions(
            user=caller.user, current_session=caller.session, meta=self.meta
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionDetailView(APIView):
    @swagger_auto_schema(
        operation_id="revokeMySession",
        operation_summary="Revoke one of my sessions",
        tags=[SESSIONS],
        manual_parameters=[
            openapi.Parameter(
                "session_id",
                openapi.IN_PATH,
                type=openapi.TYPE_STRING,
                format=openapi.FORMAT_UUID,
                required=True,
                description="The session's `id` from the session list.",
            )
        ],
        responses={204: "The session and its tokens no longer work."},
        errors={"id": [E.NOT_FOUND]},
    )
    def delete(self, request: Request, session_id: UUID) -> Response:
        """Log out one session, e.g. a lost phone; revoking this one logs out.

        Another user's session answers `NOT_FOUND`, exactly like an unknown id,
        so ids cannot be probed.
        """
        services.revoke_session(
            user=self.caller.user, session_id=session_id, meta=self.meta
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


#: The page size's upper bound is the domain's (``users.pagination``), which
#: names it ``first``/``last``: errors on those are about ``limit`` here.
PAGE_ERROR_FIELDS = {"first": "limit", "last": "limit"}
LIMIT_PARAMETER = openapi.Parameter(
    "limit",
    openapi.IN_QUERY,
    type=openapi.TYPE_INTEGER,
    minimum=1,
    maximum=MAX_LIMIT,
    required=False,
    description="Page size.",
)
SEARCH_PARAMETER = openapi.Parameter(
    "search",
    openapi.IN_QUERY,
    type=openapi.TYPE_STRING,
    max_length=MAX_SEARCH_LENGTH,
    pattern=NO_CONTROLS,
    required=False,
    description="Case-insensitive substring of the email or the name.",
)


class UserListView(APIView):
    error_fields = PAGE_ERROR_FIELDS

    class FilterSerializer(serializers.Serializer):
        search = TextField(
            required=False,
            help_text="Case-insensitive substring of the email or the name.",
        )
        is_active = serializers.BooleanField(
            required=False, help_text="Only active (true) or deactivated (false)."
        )
        limit = serializers.IntegerField(
            required=False, min_value=1, help_text="Page size."
        )
        after = serializers.CharField(
            required=False,
            max_length=200,
            help_text="Cursor from `next`: the users after it (higher ids).",
        )
        before = serializers.CharField(
            required=False,
            max_length=200,
            help_text="Cursor from `previous`: the users before it.",
        )

    @swagger_auto_schema(
        operation_id="listUsers",
        operation_summary="List users (staff only)",
        tags=[STAFF],
        query_serializer=FilterSerializer,
        manual_parameters=[LIMIT_PARAMETER, SEARCH_PARAMETER],
        responses={200: UserPageSerializer},
        errors={None: [E.INVALID_INPUT, E.FORBIDDEN]},
        # FORBIDDEN carries reason MFA_SETUP_REQUIRED for staff without TOTP
        # when MFA_REQUIRED_FOR_STAFF is on.
    )
    def get(self, request: Request) -> Response:
        """Page through all users, oldest first, optionally filtered.

        Keyset pages (`next`/`previous` carry a cursor): one indexed query per
        page and no total count, so a page costs the same however many users
        there are.
        """
        # A plain dict: DRF reads a missing boolean in a QueryDict as false.
        filters = self.parse(self.FilterSerializer, request.query_params.dict())
        users = selectors.search_users(
            actor=self.caller.user,
            search=filters.get("search"),
            is_active=filters.get("is_active"),
        )
        page, links = oldest_first(
            users,
            request,
            limit=filters.get("limit"),
            after=filters.get("after"),
            before=filters.get("before"),
        )
        return Response(
            {
                **links,
                "results": UserSerializer(
                    page.items, many=True, context={"request": request}
                ).data,
            }
        )


class FeedPageSerializer(serializers.Serializer):
    """The query of a newest-first feed: page size and a cursor."""

    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Page size."
    )
    after = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Cursor from `next`: the events older than it.",
    )
    before = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Cursor from `previous`: the events newer than it.",
    )


def _event_page(view: APIView, events) -> Response:
    query = view.parse(FeedPageSerializer, view.request.query_params.dict())
    page, links = newest_first(events, view.request, **query)
    results = SecurityEventSerializer(page.items, many=True).data
    return Response({**links, "results": results})


class MyActivityView(APIView):
    error_fields = PAGE_ERROR_FIELDS

    @swagger_auto_schema(
        operation_id="listMySecurityEvents",
        operation_summary="List my account's security activity",
        tags=[ACTIVITY],
        query_serializer=FeedPageSerializer,
        manual_parameters=[LIMIT_PARAMETER],
        responses={200: SecurityEventPageSerializer},
        errors={None: [E.INVALID_INPUT]},
    )
    def get(self, request: Request) -> Response:
        """Page through what happened to the account, newest first.

        Sign-ins (from known and new devices), failed sign-ins, sign-outs,
        revoked sessions, password and email changes, two-factor changes. The
        cursors are keyset cursors: new events never shift a page.
        """
        return _event_page(self, selectors.my_security_events(user=self.caller.user))


#: The ``{user_id}`` of the staff paths under ``/users/{user_id}/``.
USER_ID_PARAMETER = openapi.Parameter(
    "user_id",
    openapi.IN_PATH,
    type=openapi.TYPE_STRING,
    required=True,
    description="The user's `id` (its Relay global id).",
)


class UserActivityView(APIView):
    error_fields = PAGE_ERROR_FIELDS

    @swagger_auto_schema(
        operation_id="listUserSecurityEvents",
        operation_summary="List one account's security activity (staff only)",
        tags=[STAFF],
        manual_parameters=[USER_ID_PARAMETER, LIMIT_PARAMETER],
        query_serializer=FeedPageSerializer,
        responses={200: SecurityEventPageSerializer},
        errors={None: [E.INVALID_INPUT, E.FORBIDDEN, E.NOT_FOUND]},
    )
    def get(self, request: Request, user_id: str) -> Response:
        """Page through one account's security activity, newest first, for support."""
        events = selectors.account_security_events(
            actor=self.caller.user, user_id=user_id
        )
        return _event_page(self, events)


class UserDeactivateView(APIView):
    @swagger_auto_schema(
        operation_id="deactivateUser",
        operation_summary="Deactivate an account (staff only)",
        tags=[STAFF],
        manual_parameters=[USER_ID_PARAMETER],
        responses={204: "The account is inactive; its tokens and sessions are dead."},
        errors={None: [E.FORBIDDEN], "id": [E.INVALID_INPUT, E.NOT_FOUND]},
    )
    def post(self, request: Request, user_id: str) -> Response:
        """Block an account at once: every access and refresh token stops working.

        Not your own account (`INVALID_INPUT` on `id`). Deactivating an inactive
        account answers 204 again. Accounts are reactivated in the admin.
        """
        services.deactivate_user(actor=self.caller.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
