"""Every account mutation through /graphql/: payloads, UserErrors and codes."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.graphql.client import login
from tests.links import link_token, token_from_last_mail
from users.models import Session, User

pytestmark = pytest.mark.django_db

ERRORS = "errors { field code message }"
USER = "user { id email name bio location emailVerified avatarUrl }"
REGISTER = f"""
mutation ($input: RegisterInput!) {{
  register(input: $input) {{ {USER} {ERRORS} clientMutationId }}
}}
"""
UPDATE = f"""
mutation ($input: UpdateProfileInput!) {{
  updateProfile(input: $input) {{ {USER} {ERRORS} }}
}}
"""
CHANGE_PASSWORD = f"""
mutation ($input: ChangePasswordInput!) {{
  changePassword(input: $input) {{ token refreshToken {ERRORS} }}
}}
"""
REQUEST_RESET = f"""
mutation ($email: String!) {{
  requestPasswordReset(input: {{email: $email}}) {{ ok {ERRORS} }}
}}
"""
RESET = f"""
mutation ($input: ResetPasswordInput!) {{
  resetPassword(input: $input) {{ ok {ERRORS} }}
}}
"""
VERIFY_EMAIL = f"""
mutation ($token: String!) {{
  verifyEmail(input: {{token: $token}}) {{ ok {ERRORS} }}
}}
"""
RESEND = f"mutation {{ resendVerificationEmail(input: {{}}) {{ ok {ERRORS} }} }}"
DELETE_ACCOUNT = f"""
mutation ($password: String!) {{
  deleteAccount(input: {{password: $password}}) {{ ok {ERRORS} }}
}}
"""
UPLOAD = f"""
mutation ($input: UploadAvatarInput!) {{
  uploadAvatar(input: $input) {{ user {{ avatarUrl }} {ERRORS} }}
}}
"""
DELETE_AVATAR = (
    f"mutation {{ deleteAvatar(input: {{}}) {{ user {{ avatarUrl }} {ERRORS} }} }}"
)
ME = "query { me { email name emailVerified avatarUrl } }"
NEW_PASSWORD = "a-brand-new-passphrase"


def _errors(result, mutation: str) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in result.data[mutation]["errors"]]


# --- register ------------------------------------------------------------------


def test_register_creates_the_account_and_echoes_the_client_mutation_id(gql, committed):
    with committed():
        result = gql(
            REGISTER,
            {
                "input": {
                    "email": "  New.Person@Example.COM ",
                    "password": NEW_PASSWORD,
                    "name": "New Person",
                    "clientMutationId": "abc-1",
                }
            },
        )
    payload = result.data["register"]
    assert payload["errors"] == []
    assert payload["clientMutationId"] == "abc-1"
    assert payload["user"]["email"] == "new.person@example.com"  # canonical
    assert payload["user"]["emailVerified"] is False
    assert User.objects.filter(email="new.person@example.com").exists()
    assert [m.to for m in mail.outbox] == [["new.person@example.com"]]


def test_register_with_a_taken_email_in_another_case_says_email_taken(gql, user):
    result = gql(
        REGISTER,
        {"input": {"email": user.email.upper(), "password": NEW_PASSWORD}},
    )
    assert result.data["register"]["user"] is None
    assert _errors(result, "register") == [("email", "EMAIL_TAKEN")]


@pytest.mark.parametrize(
    ("email", "password", "expected"),
    [
        ("not-an-email", NEW_PASSWORD, ("email", "EMAIL_INVALID")),
        ("a" * 250 + "@x.io", NEW_PASSWORD, ("email", "EMAIL_INVALID")),
        ("short@example.com", "short", ("password", "PASSWORD_TOO_SHORT")),
        ("long@example.com", "p" * 129, ("password", "PASSWORD_TOO_LONG")),
        ("common@example.com", "password1234", ("password", "PASSWORD_TOO_COMMON")),
        (
            "digits@example.com",
            "8302649175302",
            ("password", "PASSWORD_ENTIRELY_NUMERIC"),
        ),
        ("", NEW_PASSWORD, ("email", "REQUIRED")),
    ],
)
def test_register_input_errors_name_the_field(gql, email, password, expected):
    result = gql(REGISTER, {"input": {"email": email, "password": password}})
    assert result.status == 200
    assert not result.errors
    assert expected in _errors(result, "register")
    assert User.objects.count() == 0


def test_register_refuses_unknown_input_fields_like_is_staff(gql):
    result = gql(
        REGISTER,
        {
            "input": {
                "email": "sneaky@example.com",
                "password": NEW_PASSWORD,
                "isStaff": True,
            }
        },
    )
    assert result.data is None
    assert result.codes == ["INVALID_INPUT"]
    assert not User.objects.filter(email="sneaky@example.com").exists()


# --- updateProfile -------------------------------------------------------------


def test_update_profile_changes_the_given_fields_only(auth_gql, user):
    result = auth_gql(UPDATE, {"input": {"bio": "Hello", "location": "Lisbon"}})
    payload = result.data["updateProfile"]
    assert payload["errors"] == []
    assert payload["user"]["bio"] == "Hello"
    user.refresh_from_db()
    assert (user.bio, user.location) == ("Hello", "Lisbon")
    assert user.name  # untouched


def test_update_profile_email_change_waits_for_the_new_address(
    auth_gql, user, committed
):
    old = user.email
    with committed():
        result = auth_gql(
            UPDATE,
            {"input": {"email": "moved@example.com", "password": DEFAULT_PASSWORD}},
        )
    assert result.data["updateProfile"]["errors"] == []
    assert result.data["updateProfile"]["user"]["email"] == old
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([old, "moved@example.com"])
    link_mail = next(m for m in mail.outbox if m.to == ["moved@example.com"])
    token = link_token(link_mail.body)

    verified = auth_gql(VERIFY_EMAIL, {"token": token})
    assert verified.data["verifyEmail"] == {"ok": True, "errors": []}
    user.refresh_from_db()
    assert user.email == "moved@example.com"


def test_update_profile_with_a_too_long_bio_says_which_field(auth_gql, user):
    result = auth_gql(UPDATE, {"input": {"bio": "b" * 2001}})
    assert ("bio", "INVALID_INPUT") in _errors(result, "updateProfile")
    user.refresh_from_db()
    assert user.bio != "b" * 2001


@pytest.mark.parametrize(
    "field", ["isStaff", "isSuperuser", "emailVerified", "isActive", "id"]
)
def test_update_profile_has_no_privileged_fields(auth_gql, user, field):
    result = auth_gql(UPDATE, {"input": {field: True}})
    assert result.data is None
    assert result.codes == ["INVALID_INPUT"]
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.is_superuser


def test_update_profile_requires_authentication(gql):
    result = gql(UPDATE, {"input": {"bio": "x"}})
    assert result.data == {"updateProfile": None}
    assert result.codes == ["UNAUTHENTICATED"]


# --- changePassword ------------------------------------------------------------


def test_change_password_with_a_wrong_current_password(auth_gql, user):
    result = auth_gql(
        CHANGE_PASSWORD,
        {
            "input": {
                "currentPassword": "wrong-one-entirely",
                "newPassword": NEW_PASSWORD,
            }
        },
    )
    payload = result.data["changePassword"]
    assert payload["token"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("currentPassword", "PASSWORD_INCORRECT")
    ]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_change_password_runs_the_validators_with_the_user(auth_gql, user):
    result = auth_gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": DEFAULT_PASSWORD, "newPassword": user.email}},
    )
    assert ("newPassword", "PASSWORD_TOO_SIMILAR") in _errors(result, "changePassword")


def test_change_password_sets_it_and_mails_a_notice(auth_gql, user, committed):
    with committed():
        result = auth_gql(
            CHANGE_PASSWORD,
            {
                "input": {
                    "currentPassword": DEFAULT_PASSWORD,
                    "newPassword": NEW_PASSWORD,
                }
            },
        )
    assert result.data["changePassword"]["errors"] == []
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert NEW_PASSWORD not in mail.outbox[0].body


# --- password reset ------------------------------------------------------------


def test_request_password_reset_answers_the_same_for_unknown_addresses(
    gql, user, committed
):
    with committed():
        known = gql(REQUEST_RESET, {"email": user.email})
        unknown = gql(REQUEST_RESET, {"email": "nobody@example.com"})
    assert known.body == unknown.body
    assert known.data["requestPasswordReset"] == {"ok": True, "errors": []}
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_reset_password_with_the_mailed_token_works_once(gql, user, committed):
    pair = login(user)
    with committed():
        gql(REQUEST_RESET, {"email": user.email})
    token = token_from_last_mail()

    first = gql(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert first.data["resetPassword"] == {"ok": True, "errors": []}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert gql(ME, token=pair.access).codes == ["UNAUTHENTICATED"]

    again = gql(
        RESET, {"input": {"token": token, "newPassword": "yet-another-passphrase"}}
    )
    assert again.data["resetPassword"]["ok"] is False
    assert _errors(again, "resetPassword") == [("token", "TOKEN_INVALID")]


def test_reset_password_with_a_garbage_token(gql):
    result = gql(RESET, {"input": {"token": "garbage", "newPassword": NEW_PASSWORD}})
    assert result.data["resetPassword"]["ok"] is False
    assert _errors(result, "resetPassword") == [("token", "TOKEN_INVALID")]


# --- email verification --------------------------------------------------------


def test_resend_and_verify_email(client, committed):
    unverified = UserFactory(email_verified=False)
    from tests.graphql.client import GraphQLClient

    gql = GraphQLClient(client, login(unverified).access)
    with committed():
        resent = gql(RESEND)
    assert resent.data["resendVerificationEmail"] == {"ok": True, "errors": []}
    assert [m.to for m in mail.outbox] == [[unverified.email]]

    verified = gql(VERIFY_EMAIL, {"token": token_from_last_mail()})
    assert verified.data["verifyEmail"] == {"ok": True, "errors": []}
    assert gql(ME).data["me"]["emailVerified"] is True


def test_resend_when_already_verified_says_ok_and_sends_nothing(auth_gql, committed):
    # The same answer as when a link is sent: the reply reveals no state.
    with committed():
        result = auth_gql(RESEND)
    assert result.data["resendVerificationEmail"] == {"ok": True, "errors": []}
    assert mail.outbox == []


def test_verify_email_with_a_garbage_token(gql):
    result = gql(VERIFY_EMAIL, {"token": "garbage"})
    assert result.data["verifyEmail"]["ok"] is False
    assert _errors(result, "verifyEmail") == [("token", "TOKEN_INVALID")]


# --- deleteAccount -------------------------------------------------------------


def test_delete_account_needs_the_password(auth_gql, user):
    result = auth_gql(DELETE_ACCOUNT, {"password": "not-the-password"})
    assert result.data["deleteAccount"]["ok"] is False
    assert _errors(result, "deleteAccount") == [("password", "PASSWORD_INCORRECT")]
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_account_removes_it_and_its_tokens(auth_gql, user, pair, committed):
    with committed():
        result = auth_gql(DELETE_ACCOUNT, {"password": DEFAULT_PASSWORD})
    assert result.data["deleteAccount"] == {"ok": True, "errors": []}
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(user_id=user.pk).exists()
    assert auth_gql(ME).codes == ["UNAUTHENTICATED"]
    assert [m.to for m in mail.outbox] == [[user.email]]


# --- avatar (GraphQL multipart request spec) -----------------------------------


def _png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _file(data: bytes, name="me.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_upload_avatar_by_multipart_request_then_delete_it(auth_gql, user, committed):
    result = auth_gql.multipart(
        UPLOAD,
        {"input": {"avatar": None}},
        {"variables.input.avatar": _file(_png())},
    )
    assert result.status == 200, result.body
    payload = result.data["uploadAvatar"]
    assert payload["errors"] == []
    assert payload["user"]["avatarUrl"].startswith("http://testserver/")
    assert payload["user"]["avatarUrl"].endswith(".webp")
    user.refresh_from_db()
    stored = user.avatar.name
    assert user.avatar.storage.exists(stored)

    with committed():  # the file goes once the row no longer points at it
        deleted = auth_gql(DELETE_AVATAR)
    assert deleted.data["deleteAvatar"] == {"user": {"avatarUrl": None}, "errors": []}
    assert not user.avatar.storage.exists(stored)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"<?php echo 1; ?>", "shell.png", "FILE_INVALID"),
        (b"GIF89a" + b"\x00" * 64, "anim.gif", "FILE_INVALID"),
        (b"", "empty.png", "FILE_INVALID"),
    ],
)
def test_upload_avatar_rejects_what_is_not_an_accepted_image(
    auth_gql, user, data, name, code
):
    result = auth_gql.multipart(
        UPLOAD,
        {"input": {"avatar": None}},
        {"variables.input.avatar": _file(data, name)},
    )
    assert _errors(result, "uploadAvatar") == [("avatar", code)]
    user.refresh_from_db()
    assert not user.avatar


def test_upload_avatar_over_the_pixel_limit_is_refused(auth_gql, user):
    result = auth_gql.multipart(
        UPLOAD,
        {"input": {"avatar": None}},
        {"variables.input.avatar": _file(_png(size=(4097, 8)))},
    )
    assert _errors(result, "uploadAvatar")[0][0] == "avatar"
    assert _errors(result, "uploadAvatar")[0][1] in {"FILE_TOO_LARGE", "FILE_INVALID"}


def test_upload_avatar_given_a_string_instead_of_a_file(auth_gql):
    result = auth_gql(UPLOAD, {"input": {"avatar": "not-a-file"}})
    assert result.codes == ["INVALID_INPUT"] or _errors(result, "uploadAvatar") == [
        ("avatar", "FILE_INVALID")
    ]


def test_upload_avatar_requires_authentication(gql):
    result = gql.multipart(
        UPLOAD, {"input": {"avatar": None}}, {"variables.input.avatar": _file(_png())}
    )
    assert result.codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("operations", "file_map"),
    [
        ("not json", "{}"),
        ('{"query": "{ me { id } }"}', '{"0": ["variables.nowhere.deep"]}'),
        ('{"query": "{ me { id } }"}', "[1, 2]"),
        ('{"query": "{ me { id } }"}', '{"missing": ["variables.x"]}'),
    ],
)
def test_a_malformed_multipart_request_is_a_clear_400(auth_gql, operations, file_map):
    response = auth_gql.client.post(
        "/graphql/",
        data={"operations": operations, "map": file_map, "0": _file(_png())},
        HTTP_AUTHORIZATION=f"Bearer {auth_gql.token}",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


CANCEL_EMAIL_CHANGE = f"""
mutation ($token: String!) {{
  cancelEmailChange(input: {{token: $token}}) {{ ok {ERRORS} }}
}}
"""


def test_update_profile_with_a_new_email_and_no_password_says_required(auth_gql, user):
    result = auth_gql(UPDATE, {"input": {"email": "moved@example.com"}})
    assert _errors(result, "updateProfile") == [("password", "REQUIRED")]


def test_update_profile_with_a_wrong_password_says_password_incorrect(auth_gql):
    result = auth_gql(
        UPDATE, {"input": {"email": "moved@example.com", "password": "nope-nope-1"}}
    )
    assert _errors(result, "updateProfile") == [("password", "PASSWORD_INCORRECT")]


def test_the_user_type_shows_the_pending_email(auth_gql, committed):
    with committed():
        auth_gql(
            UPDATE,
            {"input": {"email": "moved@example.com", "password": DEFAULT_PASSWORD}},
        )
    me = auth_gql("{ me { email pendingEmail } }")
    assert me.data["me"]["pendingEmail"] == "moved@example.com"


def test_cancel_email_change_with_the_emailed_link_answers_ok(
    auth_gql, user, committed
):
    with committed():
        auth_gql(
            UPDATE,
            {"input": {"email": "moved@example.com", "password": DEFAULT_PASSWORD}},
        )
    notice = next(m for m in mail.outbox if m.to == [user.email])
    token = link_token(notice.body)
    result = auth_gql(CANCEL_EMAIL_CHANGE, {"token": token})
    assert result.data["cancelEmailChange"] == {"ok": True, "errors": []}
    again = auth_gql(CANCEL_EMAIL_CHANGE, {"token": token})
    assert again.data["cancelEmailChange"]["ok"] is False
    assert _errors(again, "cancelEmailChange") == [("token", "TOKEN_INVALID")]
