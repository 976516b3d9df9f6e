"""Bearer authentication on /api/v1/: one token engine, revocation at once."""

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import GraphQLClient
from tests.rest.utils import META, client_for, codes
from users import services
from users.tokens import AccessToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me/"


def test_a_valid_access_token_authenticates(auth_api, user):
    response = auth_api.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_an_authenticated_request_costs_one_database_query(
    auth_api, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert auth_api.get(ME).status_code == 200


def test_a_token_made_invalid_by_a_password_change_elsewhere_is_refused(pair, user):
    # The GraphQL surface changes passwords through this same service.
    services.change_password(
        user=user,
        current_password=DEFAULT_PASSWORD,
        new_password="a-long-unusual-passphrase-42",
        meta=META,
    )
    response = client_for(pair.access).get(ME)
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_a_refused_token_gets_an_invalid_token_challenge(pair):
    services.logout(refresh_token=pair.refresh, meta=META)
    response = client_for(pair.access).get(ME)
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_a_token_of_a_deactivated_user_is_refused(pair, user, staff):
    services.deactivate_user(actor=staff, user_id=to_global_id("User", user.pk))
    response = client_for(pair.access).get(ME)
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_an_expired_token_is_token_invalid_with_the_reason_token_expired(pair):
    token = AccessToken(pair.access)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    response = client_for(str(token)).get(ME)
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", None)]
    assert response.json()["errors"][0]["reason"] == "TOKEN_EXPIRED"


def test_a_refresh_token_is_not_accepted_as_a_bearer_token(pair):
    response = client_for(pair.refresh).get(ME)
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_an_unsigned_token_is_refused(pair):
    claims = dict(AccessToken(pair.access).payload)
    forged = jwt.encode(claims, key=None, algorithm="none")
    response = client_for(forged).get(ME)
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_garbage_in_the_bearer_header_says_token_invalid():
    response = client_for("garbage").get(ME)
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_INVALID", None)]


def test_a_bearer_header_with_extra_parts_says_token_invalid(api, pair):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access} extra")
    assert codes(api.get(ME)) == [("TOKEN_INVALID", None)]


def test_another_authorization_scheme_counts_as_no_token(api):
    api.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    response = api.get(ME)
    assert response.status_code == 401
    assert codes(response) == [("UNAUTHENTICATED", None)]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_authenticated_requests_count_against_the_general_rate_limit(
    auth_api, settings
):
    settings.RATE_LIMITS = {"general": ["2/m user"]}
    auth_api.get(ME)
    auth_api.get(ME)
    response = auth_api.get(ME)
    assert response.status_code == 429
    assert codes(response) == [("RATE_LIMITED", None)]
    assert int(response["Retry-After"]) > 0


def test_a_graphql_token_is_401_here_after_a_password_change_on_graphql(client, user):
    """Issued on GraphQL, invalidated on GraphQL, refused on REST at once."""
    gql = GraphQLClient(client)
    issued = gql(
        "mutation ($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) "
        "{ token } }",
        {"e": user.email, "p": DEFAULT_PASSWORD},
    )
    access = issued.data["tokenAuth"]["token"]
    assert client_for(access).get(ME).status_code == 200

    changed = gql(
        "mutation ($i: ChangePasswordInput!) { changePassword(input: $i) "
        "{ token errors { code } } }",
        {
            "i": {
                "currentPassword": DEFAULT_PASSWORD,
                "newPassword": "new-pass-phrase-42",
            }
        },
        token=access,
    )
    assert changed.data["changePassword"]["errors"] == []

    response = client_for(access).get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert codes(response)[0][0] in {"TOKEN_INVALID", "UNAUTHENTICATED"}
    fresh = changed.data["changePassword"]["token"]
    assert client_for(fresh).get(ME).status_code == 200
