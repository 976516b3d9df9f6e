"""Two-factor authentication over /graphql/: wiring, error mapping, document rules."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.graphql.client import GraphQLClient, login
from tests.mfa import code_for, enrol
from users.models import MfaChallenge, SecurityEvent, SecurityEventKind

pytestmark = pytest.mark.django_db

TOKEN_AUTH = """
mutation($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { token refreshToken }
}"""
VERIFY = """
mutation($input: VerifyMfaInput!) {
  verifyMfa(input: $input) {
    token refreshToken refreshExpiresIn payload
    errors { field code message }
  }
}"""
SETUP = "mutation { setupTotp(input: {}) { secret otpauthUri qrSvg errors { code } } }"
CONFIRM = """
mutation($code: String!) {
  confirmTotp(input: {code: $code}) { recoveryCodes errors { field code message } }
}"""
DISABLE = """
mutation($password: String!, $code: String!) {
  disableTotp(input: {password: $password, code: $code}) {
    ok errors { field code message }
  }
}"""
REGENERATE = """
mutation($password: String!) {
  regenerateRecoveryCodes(input: {password: $password}) {
    recoveryCodes errors { field code message }
  }
}"""
ME = "{ me { email mfaEnabled } }"


def mfa_token(gql: GraphQLClient, user) -> str:
    result = gql(TOKEN_AUTH, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert result.codes == ["MFA_REQUIRED"], result.body
    assert result.data["tokenAuth"] is None
    return result.errors[0]["extensions"]["mfaToken"]


def test_enrolment_through_graphql_turns_mfa_on(auth_gql, user, clock):
    assert auth_gql(ME).data["me"]["mfaEnabled"] is False

    setup = auth_gql(SETUP).data["setupTotp"]
    assert setup["secret"]
    assert setup["otpauthUri"].startswith("otpauth://totp/")
    assert setup["qrSvg"].startswith("<svg")
    confirmed = auth_gql(CONFIRM, {"code": code_for(user)}).data["confirmTotp"]

    assert confirmed["errors"] == []
    assert len(confirmed["recoveryCodes"]) == 10
    assert auth_gql(ME).data["me"]["mfaEnabled"] is True


def test_confirm_with_a_wrong_code_is_a_payload_error(auth_gql, user, clock):
    auth_gql(SETUP)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"

    payload = auth_gql(CONFIRM, {"code": wrong}).data["confirmTotp"]

    assert payload["recoveryCodes"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("code", "MFA_CODE_INVALID")
    ]


def test_mfa_mutations_need_a_caller(gql):
    assert gql(SETUP).codes == ["UNAUTHENTICATED"]


def test_token_auth_answers_mfa_required_then_verify_mfa_gives_a_pair(gql, user, clock):
    enrol(user)
    clock.shift(30)
    token = mfa_token(gql, user)

    result = gql(VERIFY, {"input": {"mfaToken": token, "code": code_for(user)}})

    payload = result.data["verifyMfa"]
    assert payload["errors"] == []
    assert payload["token"]
    assert payload["refreshToken"]
    assert payload["refreshExpiresIn"] > 0
    me = gql(ME, token=payload["token"]).data["me"]
    assert me == {"email": user.email, "mfaEnabled": True}


def test_verify_mfa_with_a_wrong_code_is_a_payload_error_on_code(gql, user, clock):
    enrol(user)
    token = mfa_token(gql, user)

    payload = gql(VERIFY, {"input": {"mfaToken": token, "code": "000000"}}).data[
        "verifyMfa"
    ]

    assert payload["token"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("code", "MFA_CODE_INVALID")
    ]


def test_verify_mfa_with_a_bad_token_is_a_payload_error_on_mfa_token(gql, user):
    payload = gql(VERIFY, {"input": {"mfaToken": "nope", "code": "123456"}}).data[
        "verifyMfa"
    ]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("mfaToken", "TOKEN_INVALID")
    ]


def test_two_verify_mfa_fields_in_one_document_are_refused_before_any_check(
    gql, user, clock
):
    enrol(user)
    clock.shift(30)
    token = mfa_token(gql, user)
    document = """
    mutation($t: String!, $c: String!) {
      a: verifyMfa(input: {mfaToken: $t, code: $c}) { token }
      b: verifyMfa(input: {mfaToken: $t, code: "000000"}) { token }
    }"""

    result = gql(document, {"t": token, "c": code_for(user)})

    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert result.data is None
    challenge = MfaChallenge.objects.get(user=user)
    assert challenge.used_at is None
    assert challenge.failed_attempts == 0


def test_verify_mfa_and_another_code_field_in_one_document_are_refused(auth_gql, user):
    document = """
    mutation {
      confirmTotp(input: {code: "123456"}) { recoveryCodes }
      verifyMfa(input: {mfaToken: "x", code: "123456"}) { token }
    }"""
    assert auth_gql(document).codes == ["QUERY_TOO_COMPLEX"]


def test_disable_and_regenerate_map_their_errors(auth_gql, pair, user, clock):
    enrol(user, keep=pair.session)
    clock.shift(30)
    payload = auth_gql(REGENERATE, {"password": "wrong-pass"}).data[
        "regenerateRecoveryCodes"
    ]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("password", "PASSWORD_INCORRECT")
    ]
    payload = auth_gql(REGENERATE, {"password": DEFAULT_PASSWORD}).data[
        "regenerateRecoveryCodes"
    ]
    assert len(payload["recoveryCodes"]) == 10

    payload = auth_gql(
        DISABLE, {"password": DEFAULT_PASSWORD, "code": code_for(user)}
    ).data["disableTotp"]
    assert payload == {"ok": True, "errors": []}
    assert auth_gql(ME).data["me"]["mfaEnabled"] is False


def test_staff_list_refuses_staff_without_totp_with_the_reason(client, settings, clock):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()
    staff_pair = login(staff)
    gql = GraphQLClient(client, staff_pair.access)

    result = gql("{ users(first: 5) { totalCount } }")

    assert result.codes == ["FORBIDDEN"]
    assert result.errors[0]["extensions"]["reason"] == "MFA_SETUP_REQUIRED"
    enrol(staff, keep=staff_pair.session)
    assert gql("{ users(first: 5) { totalCount } }").data["users"]["totalCount"] == 1


def test_staff_without_totp_cannot_fetch_other_users_nodes(client, user, settings):
    from graphql_relay import to_global_id

    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()
    gql = GraphQLClient(client, login(staff).access)

    result = gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("User", user.pk)},
    )

    assert result.codes == ["FORBIDDEN"]
    assert result.errors[0]["extensions"]["reason"] == "MFA_SETUP_REQUIRED"


NOTICE = "Two-factor authentication changed on your account"


def test_confirming_over_graphql_signs_out_the_other_sessions_and_emails(
    auth_gql, client, user, clock, committed
):
    elsewhere = GraphQLClient(client, login(user).access)
    assert elsewhere(ME).data["me"]["email"] == user.email
    auth_gql(SETUP)
    with committed():
        confirmed = auth_gql(CONFIRM, {"code": code_for(user)})
    assert len(confirmed.data["confirmTotp"]["recoveryCodes"]) == 10
    assert auth_gql(ME).data["me"]["mfaEnabled"] is True
    refused = elsewhere(ME)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.errors[0]["extensions"]["reason"] == "TOKEN_INVALID"
    assert [m.to for m in mail.outbox if m.subject == NOTICE] == [[user.email]]


def test_disabling_and_regenerating_over_graphql_email_the_account(
    auth_gql, pair, user, clock, committed
):
    enrol(user, keep=pair.session)
    with committed():
        regenerated = auth_gql(REGENERATE, {"password": DEFAULT_PASSWORD})
        clock.shift(30)
        disabled = auth_gql(
            DISABLE, {"password": DEFAULT_PASSWORD, "code": code_for(user)}
        )
    assert len(regenerated.data["regenerateRecoveryCodes"]["recoveryCodes"]) == 10
    assert disabled.data["disableTotp"] == {"ok": True, "errors": []}
    notices = [m.body for m in mail.outbox if m.subject == NOTICE]
    assert ["New recovery codes" in n for n in notices] == [True, False]
    assert "turned off" in notices[1]


def test_second_factor_events_over_graphql_name_the_callers_session(
    auth_gql, pair, user, clock
):
    """As over REST: the activity feed says which session turned TOTP on or off."""
    auth_gql(SETUP)
    auth_gql(CONFIRM, {"code": code_for(user)})
    auth_gql(REGENERATE, {"password": DEFAULT_PASSWORD})
    clock.shift(30)
    auth_gql(DISABLE, {"password": DEFAULT_PASSWORD, "code": code_for(user)})

    recorded = dict(
        SecurityEvent.objects.filter(
            user=user,
            kind__in=[
                SecurityEventKind.MFA_ENABLED,
                SecurityEventKind.RECOVERY_CODES_REGENERATED,
                SecurityEventKind.MFA_DISABLED,
            ],
        ).values_list("kind", "session_id")
    )
    assert recorded == {
        SecurityEventKind.MFA_ENABLED: pair.session.pk,
        SecurityEventKind.RECOVERY_CODES_REGENERATED: pair.session.pk,
        SecurityEventKind.MFA_DISABLED: pair.session.pk,
    }
