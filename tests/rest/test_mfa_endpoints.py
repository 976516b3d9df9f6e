"""Two-factor authentication over /api/v1/: wiring, statuses, bodies, cross-surface."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.graphql.client import GraphQLClient
from tests.mfa import code_for, enrol
from tests.rest.utils import client_for, codes, login

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
VERIFY = "/api/v1/auth/mfa/verify/"
TOTP = "/api/v1/users/me/mfa/totp/"
CONFIRM = "/api/v1/users/me/mfa/totp/confirm/"
RECOVERY = "/api/v1/users/me/mfa/recovery-codes/"
ME = "/api/v1/users/me/"


def body(response) -> dict:
    return json.loads(response.content)


def mfa_token(api, user) -> str:
    response = api.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401, response.content
    assert codes(response) == [("MFA_REQUIRED", None)]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "access" not in body(response)
    return body(response)["mfa_token"]


def test_enrolment_over_rest(auth_api, user, clock):
    assert body(auth_api.get(ME))["mfa_enabled"] is False

    setup = auth_api.post(TOTP)
    assert setup.status_code == 200
    assert set(body(setup)) == {"secret", "otpauth_uri", "qr_svg"}
    confirmed = auth_api.post(CONFIRM, {"code": code_for(user)})

    assert confirmed.status_code == 200
    assert len(body(confirmed)["recovery_codes"]) == 10
    assert body(auth_api.get(ME))["mfa_enabled"] is True


def test_confirm_with_a_wrong_code_is_400_on_code(auth_api, user, clock):
    auth_api.post(TOTP)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"

    response = auth_api.post(CONFIRM, {"code": wrong})

    assert response.status_code == 400
    assert codes(response) == [("MFA_CODE_INVALID", "code")]


def test_setup_twice_after_confirming_is_refused(auth_api, pair, user, clock):
    enrol(user, keep=pair.session)
    response = auth_api.post(TOTP)
    assert response.status_code == 400
    assert codes(response) == [("MFA_ALREADY_ENABLED", None)]


def test_mfa_endpoints_need_a_token(api):
    for path in (TOTP, CONFIRM, RECOVERY):
        assert api.post(path, {}).status_code == 401


def test_login_then_verify_returns_a_pair(api, user, clock):
    enrol(user)
    clock.shift(30)

    response = api.post(
        VERIFY, {"mfa_token": mfa_token(api, user), "code": code_for(user)}
    )

    assert response.status_code == 200, response.content
    assert set(body(response)) >= {"access", "refresh"}
    assert client_for(body(response)["access"]).get(ME).status_code == 200


def test_verify_with_a_wrong_code_is_400_and_a_bad_token_401(api, user, clock):
    enrol(user)
    response = api.post(VERIFY, {"mfa_token": mfa_token(api, user), "code": "000000"})
    assert response.status_code == 400
    assert codes(response) == [("MFA_CODE_INVALID", "code")]

    response = api.post(VERIFY, {"mfa_token": "forged", "code": "000000"})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", "mfa_token")]


def test_verify_refuses_missing_and_unknown_fields(api):
    response = api.post(VERIFY, {"code": "123456", "extra": 1})
    assert response.status_code == 400
    assert set(codes(response)) == {
        ("REQUIRED", "mfa_token"),
        ("INVALID_INPUT", "extra"),
    }


def test_recovery_code_over_rest_is_single_use_and_emails(api, user, clock, mailing):
    recovery = enrol(user)
    with mailing():
        response = api.post(
            VERIFY, {"mfa_token": mfa_token(api, user), "code": recovery[0]}
        )
    assert response.status_code == 200
    # The recovery-code alert, beside the new sign-in notice (no device token).
    assert sorted(m.subject for m in mail.outbox) == [
        "A recovery code was used to sign in",
        "New sign-in to your account",
    ]
    assert all(m.to == [user.email] for m in mail.outbox)

    response = api.post(
        VERIFY, {"mfa_token": mfa_token(api, user), "code": recovery[0]}
    )
    assert codes(response) == [("MFA_CODE_INVALID", "code")]


def test_disable_needs_password_and_code(auth_api, pair, user, clock):
    enrol(user, keep=pair.session)
    clock.shift(30)
    response = auth_api.delete(TOTP, {"password": "wrong-pass", "code": code_for(user)})
    assert codes(response) == [("PASSWORD_INCORRECT", "password")]
    response = auth_api.delete(TOTP, {"password": DEFAULT_PASSWORD})
    assert codes(response) == [("REQUIRED", "code")]

    response = auth_api.delete(
        TOTP, {"password": DEFAULT_PASSWORD, "code": code_for(user)}
    )

    assert response.status_code == 204
    assert body(auth_api.get(ME))["mfa_enabled"] is False


def test_regenerate_recovery_codes(auth_api, pair, user, clock):
    response = auth_api.post(RECOVERY, {"password": DEFAULT_PASSWORD})
    assert codes(response) == [("MFA_NOT_ENABLED", None)]
    enrol(user, keep=pair.session)

    response = auth_api.post(RECOVERY, {"password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert len(body(response)["recovery_codes"]) == 10


def test_staff_list_refuses_staff_without_totp_with_the_reason(settings, clock):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()
    staff_pair = login(staff)
    staff_api = client_for(staff_pair.access)

    response = staff_api.get("/api/v1/users/")

    assert response.status_code == 403
    assert body(response)["errors"][0]["code"] == "FORBIDDEN"
    assert body(response)["errors"][0]["reason"] == "MFA_SETUP_REQUIRED"
    enrol(staff, keep=staff_pair.session)
    assert staff_api.get("/api/v1/users/").status_code == 200


def test_verify_fails_closed_when_the_limiter_is_down(api, user, clock, request):
    enrol(user)
    token = mfa_token(api, user)
    request.getfixturevalue("redis_down")

    response = api.post(VERIFY, {"mfa_token": token, "code": code_for(user)})

    assert response.status_code == 503
    assert codes(response) == [("SERVICE_UNAVAILABLE", None)]


def test_enrol_on_rest_then_log_in_on_graphql(auth_api, client, user, clock):
    auth_api.post(TOTP)
    assert auth_api.post(CONFIRM, {"code": code_for(user)}).status_code == 200
    clock.shift(30)
    gql = GraphQLClient(client)

    login_result = gql(
        "mutation($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) "
        "{ token } }",
        {"e": user.email, "p": DEFAULT_PASSWORD},
    )
    assert login_result.codes == ["MFA_REQUIRED"]
    token = login_result.errors[0]["extensions"]["mfaToken"]
    verified = gql(
        "mutation($t: String!, $c: String!) { verifyMfa(input: {mfaToken: $t, "
        "code: $c}) { token errors { code } } }",
        {"t": token, "c": code_for(user)},
    ).data["verifyMfa"]

    assert verified["errors"] == []
    assert client_for(verified["token"]).get(ME).status_code == 200


NOTICE = "Two-factor authentication changed on your account"


def test_confirming_over_rest_signs_out_the_other_sessions_and_emails(
    auth_api, user, clock, mailing
):
    elsewhere = client_for(login(user).access)
    assert elsewhere.get(ME).status_code == 200
    auth_api.post(TOTP)
    with mailing():
        confirmed = auth_api.post(CONFIRM, {"code": code_for(user)})
    assert confirmed.status_code == 200
    assert auth_api.get(ME).status_code == 200
    refused = elsewhere.get(ME)
    assert refused.status_code == 401
    assert codes(refused) == [("TOKEN_INVALID", None)]
    assert [m.to for m in mail.outbox if m.subject == NOTICE] == [[user.email]]


def test_disabling_and_regenerating_over_rest_email_the_account(
    auth_api, pair, user, clock, mailing
):
    enrol(user, keep=pair.session)
    with mailing():
        regenerated = auth_api.post(RECOVERY, {"password": DEFAULT_PASSWORD})
        clock.shift(30)
        disabled = auth_api.delete(
            TOTP, {"password": DEFAULT_PASSWORD, "code": code_for(user)}
        )
    assert (regenerated.status_code, disabled.status_code) == (200, 204)
    notices = [m.body for m in mail.outbox if m.subject == NOTICE]
    assert ["New recovery codes" in n for n in notices] == [True, False]
    assert "turned off" in notices[1]
