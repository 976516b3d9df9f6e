"""The two surfaces agree: the same input gives the same code, field, message and data.

Every operation is driven with the same values, valid and invalid, through
GraphQL and REST over the same prepared accounts (``tests.parity.surfaces``
runs each surface in its own rolled-back savepoint), and the two answers,
reduced to one form, must be equal; so must what the database holds after.
Contract: ``shared/API.md``, "Parity of the two surfaces".
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id
from PIL import Image

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.links import link_token
from tests.mfa import enrol
from tests.parity.surfaces import (
    USER_FIELDS,
    Operation,
    Step,
    both,
    camel_keys,
    pair_data,
    session_data,
    user_data,
)
from users import services
from users.meta import RequestMeta
from users.models import User
from users.selectors import active_sessions

pytestmark = pytest.mark.django_db

META = RequestMeta(ip_address="198.51.100.50", user_agent="parity-tests/1.0")
STRONG = "a-new-passphrase-for-parity"

# --- The operations, as each surface spells them ---------------------------------

REGISTER = Operation(
    "register",
    f"mutation($input: RegisterInput!) {{ register(input: $input) {{"
    f" user {{ {USER_FIELDS} }} errors {{ field code message }} }} }}",
    ("post", "/auth/register/"),
    gql_data=lambda p: user_data(p["user"], new=True),
    rest_data=lambda b: user_data(b, new=True),
)
LOGIN = Operation(
    "login",
    "mutation($email: String!, $password: String!, $deviceToken: String) {"
    " tokenAuth(email: $email, password: $password, deviceToken: $deviceToken)"
    " { token refreshToken deviceToken } }",
    ("post", "/auth/token/"),
    gql_variables=lambda v: {
        "email": v["email"],
        "password": v["password"],
        "deviceToken": v.get("device_token"),
    },
    gql_data=lambda p: pair_data(p["token"], p["refreshToken"], p["deviceToken"]),
    rest_data=lambda b: pair_data(b["access"], b["refresh"], b["device_token"]),
)
REFRESH = Operation(
    "refresh",
    "mutation($t: String!) { refreshToken(refreshToken: $t) { token refreshToken } }",
    ("post", "/auth/token/refresh/"),
    gql_variables=lambda v: {"t": v["refresh"]},
    gql_data=lambda p: pair_data(p["token"], p["refreshToken"]),
    rest_data=lambda b: pair_data(b["access"], b["refresh"]),
    fields={"refresh_token": "refresh"},
)
VERIFY_TOKEN = Operation(
    "verify token",
    "mutation($t: String!) { verifyToken(token: $t) { payload } }",
    ("post", "/auth/token/verify/"),
    gql_variables=lambda v: {"t": v["token"]},
)
LOGOUT = Operation(
    "logout",
    "mutation($t: String!) { revokeToken(refreshToken: $t) { revoked } }",
    ("post", "/auth/logout/"),
    gql_variables=lambda v: {"t": v["refresh"]},
    fields={"refresh_token": "refresh"},
)
ME = Operation(
    "me",
    f"{{ me {{ {USER_FIELDS} }} }}",
    ("get", "/users/me/"),
    gql_variables=lambda v: {},
    rest_body=lambda v: None,
    gql_data=user_data,
    rest_data=user_data,
)
UPDATE_PROFILE = Operation(
    "update profile",
    f"mutation($input: UpdateProfileInput!) {{ updateProfile(input: $input) {{"
    f" user {{ {USER_FIELDS} }} errors {{ field code message }} }} }}",
    ("patch", "/users/me/"),
    gql_data=lambda p: user_data(p["user"]),
    rest_data=user_data,
)
CHANGE_PASSWORD = Operation(
    "change password",
    "mutation($input: ChangePasswordInput!) { changePassword(input: $input) {"
    " token refreshToken errors { field code message } } }",
    ("post", "/users/me/password/"),
    gql_data=lambda p: pair_data(p["token"], p["refreshToken"]),
    rest_data=lambda b: pair_data(b["access"], b["refresh"]),
)


def _ok_mutation(name: str, input_type: str | None, rest: tuple[str, str]):
    argument = "(input: $input)" if input_type else "(input: {})"
    variables = f"($input: {input_type}!)" if input_type else ""
    return Operation(
        name,
        f"mutation{variables} {{ {name}{argument} {{ ok errors"
        " { field code message } } }",
        rest,
        gql_variables=(lambda v: {"input": camel_keys(v)})
        if input_type
        else (lambda v: {}),
        rest_body=(lambda v: v) if input_type else (lambda v: None),
        # ``ok`` is the answer: REST's 2xx without a body is ``ok: true``.
        gql_data=lambda p: {"ok": p["ok"]},
        rest_data=lambda b: {"ok": True},
    )


RESET_REQUEST = _ok_mutation(
    "requestPasswordReset",
    "RequestPasswordResetInput",
    ("post", "/auth/password/reset/"),
)
RESET_CONFIRM = _ok_mutation(
    "resetPassword", "ResetPasswordInput", ("post", "/auth/password/reset/confirm/")
)
VERIFY_EMAIL = _ok_mutation(
    "verifyEmail", "VerifyEmailInput", ("post", "/auth/email/verify/")
)
RESEND = _ok_mutation("resendVerificationEmail", None, ("post", "/auth/email/resend/"))
CANCEL_EMAIL_CHANGE = _ok_mutation(
    "cancelEmailChange", "CancelEmailChangeInput", ("post", "/auth/email/cancel/")
)
DELETE_ACCOUNT = _ok_mutation(
    "deleteAccount", "DeleteAccountInput", ("delete", "/users/me/")
)
REVOKE_OTHERS = _ok_mutation(
    "revokeOtherSessions", None, ("delete", "/users/me/sessions/")
)
REVOKE_SESSION = Operation(
    "revoke session",
    "mutation($input: RevokeSessionInput!) { revokeSession(input: $input) {"
    " ok errors { field code message } } }",
    lambda v: ("delete", f"/users/me/sessions/{v['id']}/"),
    rest_body=lambda v: None,
)
SESSIONS = Operation(
    "sessions",
    "{ mySessions { id createdAt lastUsedAt ipAddress userAgent current } }",
    ("get", "/users/me/sessions/"),
    gql_variables=lambda v: {},
    rest_body=lambda v: None,
    gql_data=session_data,
    rest_data=lambda b: b,
)
SETUP_TOTP = Operation(
    "setup totp",
    "mutation { setupTotp(input: {}) { secret otpauthUri qrSvg"
    " errors { field code message } } }",
    ("post", "/users/me/mfa/totp/"),
    gql_variables=lambda v: {},
    rest_body=lambda v: None,
    # Each run draws its own secret: compare what a client is given.
    gql_data=lambda p: sorted(k for k, v in p.items() if v and k != "errors"),
    rest_data=lambda b: sorted(
        {"secret": "secret", "otpauth_uri": "otpauthUri", "qr_svg": "qrSvg"}[k]
        for k, v in b.items()
        if v
    ),
)
CONFIRM_TOTP = Operation(
    "confirm totp",
    "mutation($input: ConfirmTotpInput!) { confirmTotp(input: $input) {"
    " recoveryCodes errors { field code message } } }",
    ("post", "/users/me/mfa/totp/confirm/"),
    gql_data=lambda p: len(p["recoveryCodes"]),
    rest_data=lambda b: len(b["recovery_codes"]),
)
STAFF_USERS = Operation(
    "staff users",
    f"query($search: String, $isActive: Boolean, $first: Int) {{"
    f" users(search: $search, isActive: $isActive, first: $first) {{"
    f" edges {{ node {{ {USER_FIELDS} }} }} }} }}",
    ("get", "/users/"),
    gql_variables=lambda v: {
        "search": v.get("search"),
        "isActive": v.get("is_active"),
        "first": v.get("limit"),
    },
    gql_data=lambda p: [user_data(edge["node"]) for edge in p["edges"]],
    rest_data=lambda b: [user_data(u) for u in b["results"]],
    fields={"first": "limit", "last": "limit"},
)

USER_ACTIVITY = Operation(
    "user activity",
    "query($user: ID!) { securityEvents(user: $user, first: 5) {"
    " edges { node { kind } } } }",
    lambda v: ("get", f"/users/{v['id']}/activity/"),
    gql_variables=lambda v: {"user": v["id"]},
    rest_body=lambda v: {"limit": 5},
    gql_data=lambda p: [edge["node"]["kind"] for edge in p["edges"]],
    rest_data=lambda b: [event["kind"] for event in b["results"]],
    fields={"user": "id"},
)
DEACTIVATE = Operation(
    "deactivate user",
    "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) {"
    " ok errors { field code message } } }",
    lambda v: ("post", f"/users/{v['id']}/deactivate/"),
    rest_body=lambda v: None,
    gql_data=lambda p: {"ok": p["ok"]},
    rest_data=lambda b: {"ok": True},
)


# --- The accounts every case starts from -----------------------------------------


@dataclass
class World:
    alice: User  # verified, with an avatar and two sessions
    alice_access: str
    alice_refresh: str
    other_session: str
    bob: User  # unverified
    bob_access: str
    staff: User
    staff_access: str
    reset_token: str
    verify_token: str
    cancel_token: str


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")


def _mailed_token(to: str) -> str:
    (message,) = [m for m in mail.outbox if to in m.to][-1:]
    return link_token(message.body)


@pytest.fixture
def world(settings, clock, django_capture_on_commit_callbacks) -> World:
    """Accounts, sessions and emailed links, made through the services.

    The clock is frozen, so both runs of a case write the same timestamps.
    """
    settings.MFA_REQUIRED_FOR_STAFF = False
    alice = UserFactory(email="alice@example.com", name="Alice", bio="Hi")
    bob = UserFactory(email="bob@example.com", name="Bob", email_verified=False)
    staff = StaffFactory(email="staff@example.com", name="Staff")
    carol = UserFactory(email="carol@example.com", name="Carol")
    services.set_avatar(user=alice, upload=_png(), meta=META)
    with django_capture_on_commit_callbacks(execute=True):
        pair = services.login(email=alice.email, password=DEFAULT_PASSWORD, meta=META)
        other = services.login(email=alice.email, password=DEFAULT_PASSWORD, meta=META)
        bob_access = services.login(
            email=bob.email, password=DEFAULT_PASSWORD, meta=META
        ).access
        staff_access = services.login(
            email=staff.email, password=DEFAULT_PASSWORD, meta=META
        ).access
        services.request_password_reset(email=alice.email, meta=META)
        services.resend_verification_email(user=bob, meta=META)
        services.update_profile(
            user=carol,
            email="carol.new@example.com",
            password=DEFAULT_PASSWORD,
            meta=META,
        )
    return World(
        alice=alice,
        alice_access=pair.access,
        alice_refresh=pair.refresh,
        other_session=str(other.session.pk),
        bob=bob,
        bob_access=bob_access,
        staff=staff,
        staff_access=staff_access,
        reset_token=_mailed_token(alice.email),
        verify_token=_mailed_token(bob.email),
        cancel_token=_mailed_token("carol@example.com"),
    )


def _alice_state(world: World) -> Any:
    """What an operation on Alice's account may have changed."""
    user = User.objects.filter(pk=world.alice.pk).first()
    if user is None:
        return None
    return {
        "name": user.name,
        "pending_email": user.pending_email,
        "sessions": active_sessions(user=user).count(),
        "password_is_strong": user.check_password(STRONG),
    }


# --- The cases ---------------------------------------------------------------------

LONG = "x" * 151


def cases(w: World) -> dict[str, list[Step]]:
    """Every case: the steps (operation, values, token) run on each surface."""
    a, b, s = w.alice_access, w.bob_access, w.staff_access
    # ``World`` holds placeholders (None) when only the case names are read.
    alice_id = w.alice and to_global_id("User", w.alice.pk)
    staff_id = w.staff and to_global_id("User", w.staff.pk)
    session_id = w.other_session and to_global_id("Session", w.other_session)
    return {
        # Register
        "register ok": [
            Step(
                REGISTER, {"email": "new@example.com", "password": STRONG, "name": "N"}
            )
        ],
        "register malformed email": [
            Step(REGISTER, {"email": "not-an-email", "password": STRONG})
        ],
        "register blank email": [Step(REGISTER, {"email": "", "password": STRONG})],
        "register taken email": [
            Step(REGISTER, {"email": "ALICE@example.com", "password": STRONG})
        ],
        "register short password": [
            Step(REGISTER, {"email": "n@example.com", "password": "short"})
        ],
        "register common password": [
            Step(REGISTER, {"email": "n@example.com", "password": "password123"})
        ],
        "register long name": [
            Step(REGISTER, {"email": "n@example.com", "password": STRONG, "name": LONG})
        ],
        "register NUL in name": [
            Step(
                REGISTER,
                {"email": "n@example.com", "password": STRONG, "name": "a\x00"},
            )
        ],
        "register malformed email reaches the rate limit": [
            Step(REGISTER, {"email": "bad", "password": STRONG}),
            Step(REGISTER, {"email": "bad", "password": STRONG}),
        ],
        # Login, refresh, verify, logout
        "login ok": [
            Step(LOGIN, {"email": "alice@example.com", "password": DEFAULT_PASSWORD})
        ],
        "login wrong password": [
            Step(LOGIN, {"email": "alice@example.com", "password": "wrong-password"})
        ],
        "login unknown email": [
            Step(LOGIN, {"email": "ghost@example.com", "password": DEFAULT_PASSWORD})
        ],
        "login blank password": [
            Step(LOGIN, {"email": "alice@example.com", "password": ""})
        ],
        "refresh ok": [Step(REFRESH, {"refresh": w.alice_refresh})],
        "refresh forged": [Step(REFRESH, {"refresh": "forged"})],
        "refresh reused": [
            Step(REFRESH, {"refresh": w.alice_refresh}),
            Step(REFRESH, {"refresh": w.alice_refresh}),
        ],
        "verify token ok": [Step(VERIFY_TOKEN, {"token": a})],
        "verify token forged": [Step(VERIFY_TOKEN, {"token": "forged"})],
        "logout ok, and again": [
            Step(LOGOUT, {"refresh": w.alice_refresh}),
            Step(LOGOUT, {"refresh": w.alice_refresh}),
        ],
        "logout forged": [Step(LOGOUT, {"refresh": "forged"})],
        # Me and the profile
        "me": [Step(ME, {}, a)],
        "me anonymous": [Step(ME, {})],
        "update profile ok": [
            Step(UPDATE_PROFILE, {"name": "  Alice B  ", "location": "Oslo"}, a)
        ],
        "update profile long name": [Step(UPDATE_PROFILE, {"name": LONG}, a)],
        "update profile long bio and location": [
            Step(UPDATE_PROFILE, {"bio": "b" * 2001, "location": LONG}, a)
        ],
        "update profile control character": [
            Step(UPDATE_PROFILE, {"name": "a\x1b[31m"}, a)
        ],
        "email change without password": [
            Step(UPDATE_PROFILE, {"email": "alice2@example.com"}, a)
        ],
        "email change wrong password": [
            Step(UPDATE_PROFILE, {"email": "alice2@example.com", "password": "nope"}, a)
        ],
        "email change malformed": [
            Step(UPDATE_PROFILE, {"email": "alice@", "password": DEFAULT_PASSWORD}, a)
        ],
        "email change taken": [
            Step(
                UPDATE_PROFILE,
                {"email": "bob@example.com", "password": DEFAULT_PASSWORD},
                a,
            )
        ],
        "email change ok": [
            Step(
                UPDATE_PROFILE,
                {"email": "alice2@example.com", "password": DEFAULT_PASSWORD},
                a,
            )
        ],
        "email change cancel ok": [
            Step(CANCEL_EMAIL_CHANGE, {"token": w.cancel_token})
        ],
        "email change cancel forged": [Step(CANCEL_EMAIL_CHANGE, {"token": "forged"})],
        # Passwords
        "change password ok": [
            Step(
                CHANGE_PASSWORD,
                {"current_password": DEFAULT_PASSWORD, "new_password": STRONG},
                a,
            )
        ],
        "change password wrong current": [
            Step(
                CHANGE_PASSWORD, {"current_password": "nope", "new_password": STRONG}, a
            )
        ],
        "change password too short": [
            Step(
                CHANGE_PASSWORD,
                {"current_password": DEFAULT_PASSWORD, "new_password": "short"},
                a,
            )
        ],
        "change password too long": [
            Step(
                CHANGE_PASSWORD,
                {"current_password": DEFAULT_PASSWORD, "new_password": "p" * 129},
                a,
            )
        ],
        "reset request known": [Step(RESET_REQUEST, {"email": "alice@example.com"})],
        "reset request unknown": [Step(RESET_REQUEST, {"email": "ghost@example.com"})],
        "reset confirm ok": [
            Step(RESET_CONFIRM, {"token": w.reset_token, "new_password": STRONG})
        ],
        "reset confirm weak password": [
            Step(RESET_CONFIRM, {"token": w.reset_token, "new_password": "12345678901"})
        ],
        "reset confirm forged": [
            Step(RESET_CONFIRM, {"token": "forged", "new_password": STRONG})
        ],
        # Verification
        "verify email ok": [Step(VERIFY_EMAIL, {"token": w.verify_token})],
        "verify email forged": [Step(VERIFY_EMAIL, {"token": "forged"})],
        "resend verification": [Step(RESEND, {}, b)],
        "resend with nothing awaiting verification": [Step(RESEND, {}, a)],
        "resend anonymous": [Step(RESEND, {})],
        # Delete account
        "delete account wrong password": [
            Step(DELETE_ACCOUNT, {"password": "nope"}, a)
        ],
        "delete account ok": [Step(DELETE_ACCOUNT, {"password": DEFAULT_PASSWORD}, a)],
        # Sessions
        "sessions list": [Step(SESSIONS, {}, a)],
        "revoke session ok": [Step(REVOKE_SESSION, {"id": w.other_session}, a)],
        "revoke session unknown": [Step(REVOKE_SESSION, {"id": str(uuid.uuid4())}, a)],
        "revoke other sessions": [Step(REVOKE_OTHERS, {}, a)],
        # Two-factor
        "setup totp": [Step(SETUP_TOTP, {}, a)],
        "confirm totp wrong code": [
            Step(SETUP_TOTP, {}, a),
            Step(CONFIRM_TOTP, {"code": "000000"}, a),
        ],
        # Staff
        "staff list": [Step(STAFF_USERS, {}, s)],
        "staff search": [Step(STAFF_USERS, {"search": "ALICE"}, s)],
        "staff search 150 characters": [Step(STAFF_USERS, {"search": "a" * 150}, s)],
        "staff page too large": [Step(STAFF_USERS, {"limit": 101}, s)],
        "staff list by a non-staff user": [Step(STAFF_USERS, {}, a)],
        "staff list anonymous": [Step(STAFF_USERS, {})],
        "staff list, two-factor required but off": [Step(STAFF_USERS, {}, s)],
        # Staff operations that name an account: the staff check comes first.
        "staff reads activity": [Step(USER_ACTIVITY, {"id": alice_id}, s)],
        "staff reads activity, malformed id": [
            Step(USER_ACTIVITY, {"id": "not-an-id"}, s)
        ],
        "staff reads activity, unknown id": [
            Step(USER_ACTIVITY, {"id": to_global_id("User", 10**12)}, s)
        ],
        "activity by a non-staff user, malformed id": [
            Step(USER_ACTIVITY, {"id": "not-an-id"}, a)
        ],
        "activity by a non-staff user, own id": [
            Step(USER_ACTIVITY, {"id": alice_id}, a)
        ],
        "activity anonymous, malformed id": [Step(USER_ACTIVITY, {"id": "not-an-id"})],
        "staff deactivates": [Step(DEACTIVATE, {"id": alice_id}, s)],
        "staff deactivates, malformed id": [Step(DEACTIVATE, {"id": "not-an-id"}, s)],
        "staff deactivates, unknown id": [
            Step(DEACTIVATE, {"id": to_global_id("User", 10**12)}, s)
        ],
        "staff deactivates, a Session id": [Step(DEACTIVATE, {"id": session_id}, s)],
        "staff deactivates themselves": [Step(DEACTIVATE, {"id": staff_id}, s)],
        "deactivate by a non-staff user, malformed id": [
            Step(DEACTIVATE, {"id": "not-an-id"}, a)
        ],
        "deactivate by a non-staff user, own id": [
            Step(DEACTIVATE, {"id": alice_id}, a)
        ],
        "deactivate anonymous, malformed id": [Step(DEACTIVATE, {"id": "not-an-id"})],
        "deactivate, two-factor required but off, malformed id": [
            Step(DEACTIVATE, {"id": "not-an-id"}, s)
        ],
        "login with two-factor on": [
            Step(LOGIN, {"email": "alice@example.com", "password": DEFAULT_PASSWORD})
        ],
    }


def _require_staff_mfa(world: World, settings: Any) -> None:
    settings.MFA_REQUIRED_FOR_STAFF = True


def _enrol_alice(world: World, settings: Any) -> None:
    enrol(world.alice)


def _no_reuse_interval(world: World, settings: Any) -> None:
    # The clock is frozen: a retry inside the interval would be a second tab.
    settings.REFRESH_TOKEN_REUSE_INTERVAL = timedelta(0)


def _one_registration(world: World, settings: Any) -> None:
    settings.RATE_LIMITS = {"register": ["1/h ip"]}


#: What a case needs beyond the common accounts, done before either run.
PREPARE = {
    "staff list, two-factor required but off": _require_staff_mfa,
    "deactivate, two-factor required but off, malformed id": _require_staff_mfa,
    "login with two-factor on": _enrol_alice,
    "register malformed email reaches the rate limit": _one_registration,
    "refresh reused": _no_reuse_interval,
}

#: The codes some cases must answer (each step's first code; None: success),
#: so agreeing on a wrong answer does not pass.
EXPECTED = {
    "register ok": [None],
    "register malformed email": ["EMAIL_INVALID"],
    "register malformed email reaches the rate limit": [
        "EMAIL_INVALID",
        "RATE_LIMITED",
    ],
    "update profile long name": ["INVALID_INPUT"],
    "login blank password": ["REQUIRED"],
    "refresh reused": [None, "TOKEN_REUSED"],
    "logout ok, and again": [None, None],
    "me": [None],
    "resend verification": [None],
    "resend with nothing awaiting verification": [None],
    "staff search 150 characters": ["INVALID_INPUT"],
    "staff page too large": ["INVALID_INPUT"],
    "staff list by a non-staff user": ["FORBIDDEN"],
    "staff list, two-factor required but off": ["FORBIDDEN"],
    "login with two-factor on": ["MFA_REQUIRED"],
    "staff reads activity": [None],
    "staff reads activity, malformed id": ["NOT_FOUND"],
    "staff reads activity, unknown id": ["NOT_FOUND"],
    "activity by a non-staff user, malformed id": ["FORBIDDEN"],
    "activity by a non-staff user, own id": ["FORBIDDEN"],
    "activity anonymous, malformed id": ["UNAUTHENTICATED"],
    "staff deactivates": [None],
    "staff deactivates, malformed id": ["NOT_FOUND"],
    "staff deactivates, unknown id": ["NOT_FOUND"],
    "staff deactivates, a Session id": ["NOT_FOUND"],
    "staff deactivates themselves": ["INVALID_INPUT"],
    "deactivate by a non-staff user, malformed id": ["FORBIDDEN"],
    "deactivate by a non-staff user, own id": ["FORBIDDEN"],
    "deactivate anonymous, malformed id": ["UNAUTHENTICATED"],
    "deactivate, two-factor required but off, malformed id": ["FORBIDDEN"],
    "confirm totp wrong code": [None, "MFA_CODE_INVALID"],
    "delete account ok": [None],
    "email change ok": [None],
}

#: The case names, read from ``cases`` with placeholder values (no database).
CASE_NAMES = list(cases(World(**dict.fromkeys(World.__dataclass_fields__))))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_both_surfaces_give_the_same_answer(name, world, settings):
    PREPARE.get(name, lambda w, s: None)(world, settings)
    outcomes = both(cases(world)[name], probe=lambda: _alice_state(world))
    if name in EXPECTED:
        codes = [o.errors[0][0] if o.errors else None for o in outcomes]
        assert codes == EXPECTED[name]


def test_timestamps_end_in_z_and_avatar_urls_are_absolute_on_both(world):
    (outcome,) = both(cases(world)["me"])
    assert outcome.data["date_joined"].endswith("Z")
    assert outcome.data["avatar_url"].startswith("http://testserver/")
    (sessions,) = both(cases(world)["sessions list"])
    assert all(s["created_at"].endswith("Z") for s in sessions.data)


def test_there_are_cases_enough_for_every_operation():
    operations = {
        step.op.name
        for steps in cases(World(**dict.fromkeys(World.__dataclass_fields__))).values()
        for step in steps
    }
    assert len(CASE_NAMES) >= 38
    assert len(operations) == 22, sorted(operations)
