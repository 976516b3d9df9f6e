"""The token mutations and Bearer authentication on /graphql/, on the one engine."""

from datetime import timedelta

import pytest
from django.utils import timezone
from graphql_jwt.shortcuts import get_user_by_token
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import login
from users.models import Session
from users.tokens import AccessToken

pytestmark = pytest.mark.django_db

ME = "query { me { id email } }"
TOKEN_AUTH = """
mutation ($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) {
    token refreshToken payload refreshExpiresIn
  }
}
"""
REFRESH = """
mutation ($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken payload }
}
"""
VERIFY = "mutation ($token: String!) { verifyToken(token: $token) { payload } }"
REVOKE = "mutation ($refreshToken: String!) { revokeToken(refreshToken: $refreshToken) { revoked } }"  # noqa: E501
CHANGE_PASSWORD = """
mutation ($input: ChangePasswordInput!) {
  changePassword(input: $input) { token refreshToken errors { field code message } }
}
"""


def _token_auth(gql, email, password=DEFAULT_PASSWORD, **extra):
    return gql(TOKEN_AUTH, {"email": email, "password": password}, **extra)


def test_token_auth_returns_a_pair_that_authenticates_me(gql, user):
    result = _token_auth(gql, user.email)
    assert result.status == 200
    assert not result.errors
    payload = result.data["tokenAuth"]
    assert payload["payload"]["user_id"] == user.pk
    assert payload["refreshExpiresIn"] > 0

    me = gql(ME, token=payload["token"])
    assert me.data["me"]["email"] == user.email


def test_token_auth_records_the_session_ip_and_user_agent(gql, user):
    _token_auth(gql, user.email, HTTP_USER_AGENT="Apollo/3.0", REMOTE_ADDR="192.0.2.9")
    session = Session.objects.get(user=user)
    assert session.user_agent == "Apollo/3.0"
    assert session.ip_address == "192.0.2.9"


@pytest.mark.parametrize(
    ("email_of", "password"),
    [(lambda u: u.email, "not-the-password"), (lambda u: "nobody@example.com", "x")],
    ids=["wrong-password", "unknown-email"],
)
def test_token_auth_failures_look_the_same(gql, user, email_of, password):
    result = _token_auth(gql, email_of(user), password)
    assert result.status == 200
    assert result.data == {"tokenAuth": None}
    assert result.codes == ["INVALID_CREDENTIALS"]
    assert result.errors[0]["path"] == ["tokenAuth"]


def test_token_auth_to_a_deactivated_account_says_account_inactive(gql, user):
    user.is_active = False
    user.save()
    assert _token_auth(gql, user.email).codes == ["ACCOUNT_INACTIVE"]


def test_a_token_issued_by_the_service_authenticates_here(gql, user):
    pair = login(user)
    assert gql(ME, token=pair.access).data["me"]["email"] == user.email


def test_a_token_issued_on_graphql_works_on_rest_and_back(gql, user):
    access = _token_auth(gql, user.email).data["tokenAuth"]["token"]
    rest = APIClient()
    rest.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert rest.get("/api/v1/users/me/").json()["email"] == user.email

    rest_access = (
        APIClient()
        .post(
            "/api/v1/auth/token/",
            {"email": user.email, "password": DEFAULT_PASSWORD},
            format="json",
        )
        .json()["access"]
    )
    assert gql(ME, token=rest_access).data["me"]["email"] == user.email


def test_django_graphql_jwt_decodes_our_tokens_through_the_same_engine(rf, user):
    pair = login(user)
    assert get_user_by_token(pair.access) == user


def test_django_graphql_jwt_refuses_a_token_of_a_revoked_session(user):
    from graphql_jwt.exceptions import JSONWebTokenError

    pair = login(user)
    Session.objects.filter(user=user).update(revoked_at=timezone.now())
    with pytest.raises(JSONWebTokenError):
        get_user_by_token(pair.access)


def test_me_when_anonymous_is_null_with_unauthenticated(gql):
    result = gql(ME)
    assert result.status == 200
    assert result.data == {"me": None}
    assert result.codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("header", ["JWT {}", "Token {}", "{}", "Basic {}"])
def test_only_the_bearer_prefix_is_accepted(gql, pair, header):
    result = gql(ME, HTTP_AUTHORIZATION=header.format(pair.access))
    assert result.codes == ["UNAUTHENTICATED"]


def test_an_expired_access_token_is_refused_with_reason_token_expired(gql, pair):
    token = AccessToken(pair.access)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    result = gql(ME, token=str(token))
    assert result.codes == ["UNAUTHENTICATED"]
    assert result.errors[0]["extensions"]["reason"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000])
def test_a_garbage_token_is_refused_with_reason_token_invalid(gql, token):
    result = gql(ME, token=token)
    assert result.codes == ["UNAUTHENTICATED"]
    assert result.errors[0]["extensions"]["reason"] == "TOKEN_INVALID"


def test_a_refresh_token_is_not_an_access_token(gql, pair):
    result = gql(ME, token=pair.refresh)
    assert result.codes == ["UNAUTHENTICATED"]


def test_a_stale_token_does_not_stop_a_client_from_logging_in(gql, user, pair):
    """Authentication is lazy: a public mutation ignores a bad header."""
    result = _token_auth(gql, user.email, HTTP_AUTHORIZATION="Bearer garbage")
    assert not result.errors
    assert result.data["tokenAuth"]["token"]


def test_verify_token_returns_the_claims_of_a_live_token(gql, pair):
    result = gql(VERIFY, {"token": pair.access})
    assert not result.errors
    assert result.data["verifyToken"]["payload"]["sid"] == pair.access_payload["sid"]


def test_verify_token_refuses_an_expired_token(gql, pair):
    token = AccessToken(pair.access)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    assert gql(VERIFY, {"token": str(token)}).codes == ["TOKEN_EXPIRED"]


def test_refresh_rotates_and_the_new_access_token_works(gql, user, pair):
    result = gql(REFRESH, {"refreshToken": pair.refresh})
    assert not result.errors
    fresh = result.data["refreshToken"]
    assert fresh["refreshToken"] != pair.refresh
    assert gql(ME, token=fresh["token"]).data["me"]["email"] == user.email


def test_a_reused_refresh_token_revokes_the_session(gql, pair, after_reuse_interval):
    rotated = gql(REFRESH, {"refreshToken": pair.refresh}).data["refreshToken"]
    after_reuse_interval()
    reuse = gql(REFRESH, {"refreshToken": pair.refresh})
    assert reuse.codes == ["TOKEN_REUSED"]
    # The whole chain is dead: the rotated pair too.
    assert gql(ME, token=rotated["token"]).codes == ["UNAUTHENTICATED"]
    assert gql(REFRESH, {"refreshToken": rotated["refreshToken"]}).codes == [
        "TOKEN_INVALID"
    ]


def test_revoke_token_logs_out_that_session_at_once(gql, user, pair):
    other = login(user)
    result = gql(REVOKE, {"refreshToken": pair.refresh})
    assert not result.errors
    assert isinstance(result.data["revokeToken"]["revoked"], int)
    assert gql(ME, token=pair.access).codes == ["UNAUTHENTICATED"]
    assert gql(ME, token=other.access).data["me"]["email"] == user.email


def test_revoke_token_with_a_garbage_token_says_token_invalid(gql):
    assert gql(REVOKE, {"refreshToken": "nope"}).codes == ["TOKEN_INVALID"]


def test_change_password_kills_older_tokens_on_both_surfaces(gql, user, pair):
    other = login(user)
    result = gql(
        CHANGE_PASSWORD,
        {
            "input": {
                "currentPassword": DEFAULT_PASSWORD,
                "newPassword": "a-brand-new-passphrase",
            }
        },
        token=pair.access,
    )
    payload = result.data["changePassword"]
    assert payload["errors"] == []
    for stale in (pair.access, other.access):
        assert gql(ME, token=stale).codes == ["UNAUTHENTICATED"]
        rest = APIClient()
        rest.credentials(HTTP_AUTHORIZATION=f"Bearer {stale}")
        assert rest.get("/api/v1/users/me/").status_code == 401
    # The fresh pair handed back keeps this client signed in.
    assert gql(ME, token=payload["token"]).data["me"]["email"] == user.email
    assert not gql(REFRESH, {"refreshToken": payload["refreshToken"]}).errors


def test_revoke_token_twice_succeeds_both_times(gql, pair):
    assert gql(REVOKE, {"refreshToken": pair.refresh}).errors == []
    again = gql(REVOKE, {"refreshToken": pair.refresh})
    assert again.errors == []
    assert isinstance(again.data["revokeToken"]["revoked"], int)
