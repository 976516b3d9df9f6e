"""/api/v1/users/me/*: profile, avatar, password and account deletion."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.rest.utils import client_for, codes, login
from users.models import Session, User

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"
ME = "/api/v1/users/me/"
AVATAR = "/api/v1/users/me/avatar/"
PASSWORD = "/api/v1/users/me/password/"


# --- GET /users/me/ ---------------------------------------------------------------


def test_me_returns_exactly_the_public_user_fields(auth_api, user):
    response = auth_api.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": to_global_id("User", user.pk),
        "email": user.email,
        "pending_email": None,
        "name": user.name,
        "bio": "",
        "location": "",
        "avatar_url": None,
        "email_verified": True,
        "mfa_enabled": False,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
    }


def test_me_without_a_token_answers_401_with_a_bearer_challenge(api):
    response = api.get(ME)
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- PATCH /users/me/ -------------------------------------------------------------


def test_patch_me_updates_the_given_fields_only(auth_api, user):
    response = auth_api.patch(ME, {"bio": "Hello", "location": "Lyon"})
    assert response.status_code == 200
    assert (response.json()["bio"], response.json()["location"]) == ("Hello", "Lyon")
    assert response.json()["name"] == user.name


def test_patch_me_with_a_new_email_keeps_it_pending_and_mails_it(
    auth_api, user, mailing
):
    with mailing():
        response = auth_api.patch(
            ME, {"email": "moved@example.com", "password": DEFAULT_PASSWORD}
        )
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["pending_email"] == "moved@example.com"
    assert ["moved@example.com"] in [m.to for m in mail.outbox]
    assert User.objects.get(pk=user.pk).pending_email == "moved@example.com"


def test_patch_me_with_a_taken_email_says_email_taken(auth_api):
    UserFactory(email="taken@example.com")
    response = auth_api.patch(
        ME, {"email": "taken@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert codes(response) == [("EMAIL_TAKEN", "email")]


def test_patch_me_with_a_malformed_email_says_email_invalid(auth_api):
    response = auth_api.patch(ME, {"email": "nope"})
    assert codes(response) == [("EMAIL_INVALID", "email")]


def test_patch_me_with_a_too_long_bio_says_invalid_input(auth_api):
    response = auth_api.patch(ME, {"bio": "b" * 2001})
    assert codes(response) == [("INVALID_INPUT", "bio")]


def test_patch_me_with_a_null_name_says_required(auth_api):
    response = auth_api.patch(ME, {"name": None})
    assert codes(response) == [("REQUIRED", "name")]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("is_staff", True),
        ("is_superuser", True),
        ("email_verified", True),
        ("id", "VXNlcjox"),
        ("is_active", False),
    ],
)
def test_patch_me_refuses_fields_that_are_not_profile_fields(
    auth_api, user, field, value
):
    response = auth_api.patch(ME, {"name": "Changed", field: value})
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", field)]
    user.refresh_from_db()
    assert user.name != "Changed"
    assert not user.is_staff
    assert not user.is_superuser


def test_patch_me_refuses_an_unknown_field_before_the_domain_sees_the_body(
    auth_api, user
):
    # The shape is the surface's (an unknown field); the bio's limit is the
    # domain's, which a malformed body never reaches.
    response = auth_api.patch(ME, {"bio": "b" * 2001, "is_staff": True})
    assert codes(response) == [("INVALID_INPUT", "is_staff")]
    user.refresh_from_db()
    assert user.bio != "b" * 2001


# --- DELETE /users/me/ ------------------------------------------------------------


def test_delete_me_with_the_password_deletes_the_account(auth_api, user):
    response = auth_api.delete(ME, {"password": DEFAULT_PASSWORD})
    assert response.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


def test_delete_me_with_a_wrong_password_says_password_incorrect(auth_api, user):
    response = auth_api.delete(ME, {"password": "wrong-password-1"})
    assert response.status_code == 400
    assert codes(response) == [("PASSWORD_INCORRECT", "password")]
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_without_a_password_says_required(auth_api):
    response = auth_api.delete(ME)
    assert codes(response) == [("REQUIRED", "password")]


# --- /users/me/avatar/ ------------------------------------------------------------


def test_avatar_upload_refuses_json(auth_api):
    response = auth_api.put(AVATAR, {"avatar": "x"})
    assert response.status_code == 415
    assert codes(response) == [("UNSUPPORTED_MEDIA_TYPE", None)]


def test_avatar_upload_without_a_file_says_required(auth_api):
    response = auth_api.put(AVATAR, {}, format="multipart")
    assert response.status_code == 400
    assert codes(response) == [("REQUIRED", "avatar")]


def test_avatar_upload_of_a_non_image_says_file_invalid(auth_api):
    upload = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    response = auth_api.put(AVATAR, {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert codes(response) == [("FILE_INVALID", "avatar")]


def test_avatar_delete_answers_204(auth_api):
    assert auth_api.delete(AVATAR).status_code == 204


# --- POST /users/me/password/ -----------------------------------------------------


def test_change_password_returns_a_new_working_pair(auth_api, user):
    response = auth_api.post(
        PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": STRONG}
    )
    assert response.status_code == 200
    assert client_for(response.json()["access"]).get(ME).status_code == 200


def test_change_password_ends_the_old_token_at_once(auth_api):
    auth_api.post(
        PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": STRONG}
    )
    response = auth_api.get(ME)
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_change_password_ends_every_other_session(auth_api, user):
    other = login(user)
    auth_api.post(
        PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": STRONG}
    )
    assert Session.objects.get(pk=other.session.pk).revoked_at is not None


def test_change_password_with_a_wrong_current_password_says_password_incorrect(
    auth_api,
):
    response = auth_api.post(
        PASSWORD, {"current_password": "wrong-password-1", "new_password": STRONG}
    )
    assert response.status_code == 400
    assert codes(response) == [("PASSWORD_INCORRECT", "current_password")]


def test_change_password_with_a_weak_new_password_says_why(auth_api):
    response = auth_api.post(
        PASSWORD, {"current_password": DEFAULT_PASSWORD, "new_password": "12345678"}
    )
    assert ("PASSWORD_ENTIRELY_NUMERIC", "new_password") in codes(response)


def test_patch_me_without_a_body_changes_nothing(auth_api, user):
    name = user.name
    response = auth_api.patch(ME)
    assert response.status_code == 200
    assert response.json()["name"] == name


def test_a_number_where_a_string_is_declared_is_invalid_input(api):
    response = api.post("/api/v1/auth/password/reset/", {"email": 0}, format="json")
    assert codes(response) == [("INVALID_INPUT", "email")]
