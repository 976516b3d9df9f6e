"""/api/v1/auth/*: registration, tokens, logout, password reset, email verification."""

import pytest
from django.core import mail
from graphql_relay import to_global_id

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token, token_from_last_mail
from tests.rest.utils import client_for, codes, login
from users import services
from users.meta import RequestMeta
from users.models import Session, User
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"
REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
VERIFY = "/api/v1/auth/token/verify/"
LOGOUT = "/api/v1/auth/logout/"
RESET = "/api/v1/auth/password/reset/"
RESET_CONFIRM = "/api/v1/auth/password/reset/confirm/"
EMAIL_VERIFY = "/api/v1/auth/email/verify/"
EMAIL_RESEND = "/api/v1/auth/email/resend/"


# --- register ---------------------------------------------------------------------


def test_register_answers_201_with_the_new_user(api, mailing):
    with mailing():
        response = api.post(
            REGISTER, {"email": "new@example.com", "password": STRONG, "name": "New"}
        )
    assert response.status_code == 201
    user = User.objects.get(email="new@example.com")
    assert response.json() == {
        "id": to_global_id("User", user.pk),
        "email": "new@example.com",
        "pending_email": None,
        "name": "New",
        "bio": "",
        "location": "",
        "avatar_url": None,
        "email_verified": False,
        "mfa_enabled": False,
        "date_joined": response.json()["date_joined"],
    }


def test_register_sends_a_verification_email(api, mailing):
    with mailing():
        api.post(REGISTER, {"email": "new@example.com", "password": STRONG})
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_register_with_a_taken_email_says_email_taken(api):
    UserFactory(email="taken@example.com")
    response = api.post(REGISTER, {"email": "TAKEN@example.com", "password": STRONG})
    assert response.status_code == 400
    assert codes(response) == [("EMAIL_TAKEN", "email")]


def test_register_with_a_malformed_email_says_email_invalid(api):
    response = api.post(REGISTER, {"email": "not-an-email", "password": STRONG})
    assert response.status_code == 400
    assert codes(response) == [("EMAIL_INVALID", "email")]


def test_register_without_fields_says_required_for_each(api):
    response = api.post(REGISTER, {})
    assert response.status_code == 400
    assert sorted(codes(response)) == [("REQUIRED", "email"), ("REQUIRED", "password")]


def test_register_with_a_common_password_says_password_too_common(api):
    response = api.post(REGISTER, {"email": "a@example.com", "password": "password123"})
    assert response.status_code == 400
    assert ("PASSWORD_TOO_COMMON", "password") in codes(response)


def test_register_with_a_short_password_says_password_too_short(api):
    response = api.post(REGISTER, {"email": "a@example.com", "password": "x7#q"})
    assert ("PASSWORD_TOO_SHORT", "password") in codes(response)


def test_register_with_a_numeric_password_says_password_entirely_numeric(api):
    response = api.post(REGISTER, {"email": "a@example.com", "password": "4817392056"})
    assert ("PASSWORD_ENTIRELY_NUMERIC", "password") in codes(response)


def test_register_with_a_password_like_the_email_says_password_too_similar(api):
    response = api.post(
        REGISTER,
        {"email": "quentin.bartholomew@example.com", "password": "quentinbartholomew"},
    )
    assert ("PASSWORD_TOO_SIMILAR", "password") in codes(response)


def test_register_with_a_huge_password_says_password_too_long(api):
    response = api.post(REGISTER, {"email": "a@example.com", "password": "x" * 129})
    assert codes(response) == [("PASSWORD_TOO_LONG", "password")]


def test_register_with_a_too_long_name_says_invalid_input(api):
    response = api.post(
        REGISTER, {"email": "a@example.com", "password": STRONG, "name": "n" * 151}
    )
    assert codes(response) == [("INVALID_INPUT", "name")]


def test_register_refuses_privilege_fields(api):
    response = api.post(
        REGISTER, {"email": "a@example.com", "password": STRONG, "is_staff": True}
    )
    assert response.status_code == 400
    assert codes(response) == [("INVALID_INPUT", "is_staff")]
    assert not User.objects.filter(email="a@example.com").exists()


def test_register_over_the_rate_limit_answers_429_with_retry_after(api, settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    api.post(REGISTER, {"email": "one@example.com", "password": STRONG})
    response = api.post(REGISTER, {"email": "two@example.com", "password": STRONG})
    assert response.status_code == 429
    assert codes(response) == [("RATE_LIMITED", None)]
    assert int(response["Retry-After"]) > 0


# --- token ------------------------------------------------------------------------


def test_token_returns_an_access_and_a_refresh_token(api, user):
    response = api.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh", "device_token"}
    assert authenticate_access_token(response.json()["access"]).user == user


def test_token_records_the_client_address_and_agent_on_the_session(api, user):
    api.post(
        TOKEN,
        {"email": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="192.0.2.44",
        HTTP_USER_AGENT="agent/2.0",
    )
    session = Session.objects.get(user=user)
    assert (session.ip_address, session.user_agent) == ("192.0.2.44", "agent/2.0")


def test_token_with_a_wrong_password_answers_401_invalid_credentials(api, user):
    response = api.post(TOKEN, {"email": user.email, "password": "wrong-password-1"})
    assert response.status_code == 401
    assert codes(response) == [("INVALID_CREDENTIALS", None)]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_for_an_unknown_email_answers_like_a_wrong_password(api):
    response = api.post(TOKEN, {"email": "ghost@example.com", "password": STRONG})
    assert response.status_code == 401
    assert codes(response) == [("INVALID_CREDENTIALS", None)]


def test_token_for_a_deactivated_account_answers_403_account_inactive(api):
    user = UserFactory(is_active=False)
    response = api.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert codes(response) == [("ACCOUNT_INACTIVE", None)]


def test_token_without_a_password_says_required(api, user):
    response = api.post(TOKEN, {"email": user.email, "password": ""})
    assert codes(response) == [("REQUIRED", "password")]


def test_token_ignores_a_stale_bearer_token_in_the_headers(api, user):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


# --- refresh ----------------------------------------------------------------------


def test_refresh_returns_a_new_pair(api, pair):
    response = api.post(REFRESH, {"refresh": pair.refresh})
    assert response.status_code == 200
    assert response.json()["refresh"] != pair.refresh
    assert authenticate_access_token(response.json()["access"]).session == pair.session


def test_refresh_with_a_retired_token_says_token_reused_and_revokes_the_session(
    api, pair, after_reuse_interval
):
    api.post(REFRESH, {"refresh": pair.refresh})
    after_reuse_interval()
    response = api.post(REFRESH, {"refresh": pair.refresh})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_REUSED", "refresh")]
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


def test_refresh_with_garbage_says_token_invalid_on_the_refresh_field(api):
    response = api.post(REFRESH, {"refresh": "garbage"})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", "refresh")]


def test_refresh_with_an_access_token_says_token_invalid(api, pair):
    response = api.post(REFRESH, {"refresh": pair.access})
    assert codes(response) == [("TOKEN_INVALID", "refresh")]


def test_refresh_without_a_token_says_required(api):
    response = api.post(REFRESH, {})
    assert codes(response) == [("REQUIRED", "refresh")]


# --- verify -----------------------------------------------------------------------


def test_verify_answers_200_with_an_empty_object_for_a_valid_token(api, pair):
    response = api.post(VERIFY, {"token": pair.access})
    assert response.status_code == 200
    assert response.json() == {}


def test_verify_refuses_a_token_of_a_revoked_session(api, pair):
    api.post(LOGOUT, {"refresh": pair.refresh})
    response = api.post(VERIFY, {"token": pair.access})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", "token")]


def test_verify_refuses_a_refresh_token(api, pair):
    response = api.post(VERIFY, {"token": pair.refresh})
    assert codes(response) == [("TOKEN_INVALID", "token")]


# --- logout -----------------------------------------------------------------------


def test_logout_answers_204_and_revokes_the_session(api, pair):
    response = api.post(LOGOUT, {"refresh": pair.refresh})
    assert response.status_code == 204
    assert response.content == b""
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


def test_logout_makes_the_access_token_fail_at_once(api, pair):
    api.post(LOGOUT, {"refresh": pair.refresh})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    assert api.get("/api/v1/users/me/").status_code == 401


def test_logout_twice_answers_204_again(api, pair):
    assert api.post(LOGOUT, {"refresh": pair.refresh}).status_code == 204
    response = api.post(LOGOUT, {"refresh": pair.refresh})
    assert response.status_code == 204


def test_logout_with_a_rotated_refresh_token_answers_204(api, pair):
    rotated = api.post(REFRESH, {"refresh": pair.refresh})
    assert rotated.status_code == 200
    assert api.post(LOGOUT, {"refresh": pair.refresh}).status_code == 204
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


def test_logout_of_a_session_revoked_elsewhere_answers_204(api, user, pair):
    services.revoke_all_sessions(user=user)
    assert api.post(LOGOUT, {"refresh": pair.refresh}).status_code == 204


def test_logout_with_an_expired_refresh_token_answers_204(api, pair):
    from datetime import timedelta

    from django.utils import timezone

    from users.tokens import RefreshToken

    expired = RefreshToken()
    for claim in ("user_id", "sid", "ver"):
        expired[claim] = pair.access_payload[claim]
    expired.set_exp(from_time=timezone.now() - timedelta(days=8))
    assert api.post(LOGOUT, {"refresh": str(expired)}).status_code == 204


@pytest.mark.parametrize(
    "token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 5000]
)
def test_logout_with_a_forged_token_stays_401_token_invalid(api, token):
    response = api.post(LOGOUT, {"refresh": token})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", "refresh")]


def test_logout_with_a_token_signed_by_another_key_stays_401(api, pair):
    import jwt

    claims = jwt.decode(pair.refresh, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-" + "k" * 40, algorithm="HS256")
    response = api.post(LOGOUT, {"refresh": forged})
    assert response.status_code == 401
    assert Session.objects.get(pk=pair.session.pk).revoked_at is None


# --- password reset ---------------------------------------------------------------


def test_password_reset_answers_202_and_emails_an_existing_account(api, user, mailing):
    with mailing():
        response = api.post(RESET, {"email": user.email})
    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_password_reset_answers_the_same_for_an_unknown_address(api, mailing):
    with mailing():
        response = api.post(RESET, {"email": "ghost@example.com"})
    assert response.status_code == 202
    assert response.content == b""
    assert mail.outbox == []


def test_password_reset_without_an_email_says_required(api):
    response = api.post(RESET, {})
    assert codes(response) == [("REQUIRED", "email")]


def test_password_reset_confirm_sets_the_new_password(api, user, mailing):
    with mailing():
        api.post(RESET, {"email": user.email})
    response = api.post(
        RESET_CONFIRM, {"token": token_from_last_mail(), "new_password": STRONG}
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_password_reset_confirm_revokes_existing_tokens(api, user, mailing):
    old = login(user)
    with mailing():
        api.post(RESET, {"email": user.email})
    api.post(RESET_CONFIRM, {"token": token_from_last_mail(), "new_password": STRONG})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {old.access}")
    assert api.get("/api/v1/users/me/").status_code == 401


def test_password_reset_confirm_with_a_bad_token_says_token_invalid(api):
    response = api.post(RESET_CONFIRM, {"token": "bogus", "new_password": STRONG})
    assert codes(response) == [("TOKEN_INVALID", "token")]
    # A stale link is bad input, not bad credentials: no 401 that would make a
    # client refresh or drop its session.
    assert response.status_code == 400
    assert "WWW-Authenticate" not in response


def test_a_used_reset_link_is_a_400_even_for_a_logged_in_client(
    auth_api, user, mailing
):
    with mailing():
        auth_api.post(RESET, {"email": user.email})
    body = {"token": token_from_last_mail(), "new_password": STRONG}
    assert auth_api.post(RESET_CONFIRM, body).status_code == 204
    again = auth_api.post(RESET_CONFIRM, body)
    assert again.status_code == 400
    assert codes(again) == [("TOKEN_INVALID", "token")]


def test_password_reset_confirm_with_a_weak_password_says_why(api, user, mailing):
    with mailing():
        api.post(RESET, {"email": user.email})
    response = api.post(
        RESET_CONFIRM, {"token": token_from_last_mail(), "new_password": "short"}
    )
    assert response.status_code == 400
    assert ("PASSWORD_TOO_SHORT", "new_password") in codes(response)


# --- email verification -----------------------------------------------------------


def test_email_verify_marks_the_address_verified(api, mailing):
    with mailing():
        api.post(REGISTER, {"email": "new@example.com", "password": STRONG})
    response = api.post(EMAIL_VERIFY, {"token": token_from_last_mail()})
    assert response.status_code == 204
    assert User.objects.get(email="new@example.com").email_verified


def test_email_verify_with_a_bad_token_says_token_invalid(api):
    response = api.post(EMAIL_VERIFY, {"token": "bogus"})
    assert codes(response) == [("TOKEN_INVALID", "token")]
    assert response.status_code == 400
    assert "WWW-Authenticate" not in response


def test_email_resend_answers_202_and_sends_the_link_again(mailing):
    user = UserFactory(email_verified=False)
    api = client_for(login(user).access)  # its new sign-in notice is not sent
    with mailing():
        response = api.post(EMAIL_RESEND)
    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_email_resend_needs_a_token(api):
    response = api.post(EMAIL_RESEND)
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]


def test_email_cancel_with_a_bad_token_is_a_400_on_token(api):
    response = api.post("/api/v1/auth/email/cancel/", {"token": "forged"})
    assert response.status_code == 400
    assert codes(response) == [("TOKEN_INVALID", "token")]
    assert response.json()["errors"][0]["field"] == "token"


def test_a_verification_link_used_twice_is_a_400(api, mailing):
    user = UserFactory(email_verified=False)
    with mailing():
        services.resend_verification_email(
            user=user, meta=RequestMeta(ip_address="192.0.2.1", user_agent="t")
        )
    token = link_token(mail.outbox[-1].body)
    assert api.post("/api/v1/auth/email/verify/", {"token": token}).status_code == 204
    again = api.post("/api/v1/auth/email/verify/", {"token": token})
    assert again.status_code == 400
    assert codes(again) == [("TOKEN_INVALID", "token")]
