"""Every check of access-token verification, on the fast PyJWT path.

``users.tokens`` verifies with one PyJWT call set up from simplejwt's backend
instead of building a simplejwt ``Token`` per request; these are the checks
that path must keep (signature, pinned algorithm, exp, jti, token type, aud and
iss when configured), each with a token that is valid in every other respect.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt import state
from rest_framework_simplejwt.backends import TokenBackend

from tests.factories import DEFAULT_PASSWORD
from users import services
from users.errors import ErrorCode, ServiceError
from users.tokens import AccessToken, decode_access_token, decode_refresh_token

pytestmark = pytest.mark.django_db

KEY = settings.SIMPLE_JWT["SIGNING_KEY"]


@pytest.fixture
def claims(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    return dict(AccessToken(pair.access).payload)


def _code(raw: str) -> ErrorCode:
    with pytest.raises(ServiceError) as excinfo:
        decode_access_token(raw)
    return excinfo.value.code


def test_a_well_formed_token_decodes_to_its_claims(claims):
    assert decode_access_token(jwt.encode(claims, KEY, "HS256")) == claims


def test_another_hmac_algorithm_with_the_right_key_is_refused(claims):
    assert _code(jwt.encode(claims, KEY, "HS512")) == ErrorCode.TOKEN_INVALID


@pytest.mark.parametrize("claim", ["exp", "jti", "token_type"])
def test_a_token_without_a_required_claim_is_refused(claims, claim):
    del claims[claim]
    assert _code(jwt.encode(claims, KEY, "HS256")) == ErrorCode.TOKEN_INVALID


def test_a_token_of_another_type_is_refused_either_way(claims):
    as_refresh = jwt.encode({**claims, "token_type": "refresh"}, KEY, "HS256")
    assert _code(as_refresh) == ErrorCode.TOKEN_INVALID
    with pytest.raises(ServiceError) as excinfo:
        decode_refresh_token(jwt.encode(claims, KEY, "HS256"))
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_an_expired_forgery_is_invalid_not_expired(claims):
    past = int((timezone.now() - timedelta(hours=1)).timestamp())
    forged = jwt.encode({**claims, "exp": past}, "not-the-key" * 4, "HS256")
    assert _code(forged) == ErrorCode.TOKEN_INVALID


def test_a_token_expired_by_one_second_is_expired(claims):
    past = int(timezone.now().timestamp()) - 1
    assert _code(jwt.encode({**claims, "exp": past}, KEY, "HS256")) == (
        ErrorCode.TOKEN_EXPIRED
    )


def test_audience_and_issuer_are_checked_when_configured(claims, monkeypatch):
    backend = TokenBackend(
        "HS256", KEY, audience="accounts-api", issuer="https://issuer.example"
    )
    monkeypatch.setattr(state, "token_backend", backend)
    good = {**claims, "aud": "accounts-api", "iss": "https://issuer.example"}

    assert decode_access_token(jwt.encode(good, KEY, "HS256"))["aud"] == "accounts-api"
    for bad in (
        {**good, "aud": "another-api"},
        {**good, "iss": "https://elsewhere.example"},
        {k: v for k, v in good.items() if k != "aud"},
        {k: v for k, v in good.items() if k != "iss"},
    ):
        assert _code(jwt.encode(bad, KEY, "HS256")) == ErrorCode.TOKEN_INVALID
