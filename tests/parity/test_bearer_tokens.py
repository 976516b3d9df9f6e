"""A refused bearer token gets the contract's answer, the same on both surfaces.

``shared/API.md`` ("Tokens"): ``alg: none``, wrong signatures, wrong type,
expired tokens and tokens of inactive or deleted users are rejected with
``UNAUTHENTICATED`` / ``TOKEN_INVALID``, that is GraphQL's ``extensions.code``
/ REST's ``code`` (the Errors section makes every authentication failure on
GraphQL ``UNAUTHENTICATED``). Both surfaces carry the same ``reason``
(``TOKEN_EXPIRED`` for an expired token, so a client knows to refresh,
``TOKEN_INVALID`` otherwise) and the same message. Each case runs through both
surfaces (``tests.parity.surfaces``) on a query and on a mutation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.parity.surfaces import Outcome, Step, run_on
from tests.parity.test_parity import ME, REVOKE_OTHERS
from users import services
from users.meta import RequestMeta
from users.models import User
from users.tokens import AccessToken

pytestmark = pytest.mark.django_db

META = RequestMeta(ip_address="198.51.100.52", user_agent="parity-tests/1.0")


def _login(user: User):
    return services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)


def _expired(user: User) -> str:
    token = AccessToken(_login(user).access)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    return str(token)


def _forged(user: User, key: str | None, algorithm: str) -> str:
    claims = dict(AccessToken(_login(user).access).payload)
    return jwt.encode(claims, key, algorithm=algorithm)


def _logged_out(user: User) -> str:
    pair = _login(user)
    services.logout(refresh_token=pair.refresh, meta=META)
    return pair.access


def _after_password_change(user: User) -> str:
    access = _login(user).access
    services.change_password(
        user=user,
        current_password=DEFAULT_PASSWORD,
        new_password="another-long-passphrase-17",
        meta=META,
    )
    return access


def _deactivated(user: User) -> str:
    access = _login(user).access
    staff = StaffFactory()
    services.deactivate_user(actor=staff, user_id=to_global_id("User", user.pk))
    return access


def _deleted(user: User) -> str:
    access = _login(user).access
    services.delete_account(user=user, password=DEFAULT_PASSWORD, meta=META)
    return access


#: Each refused token, made for a fresh account; the reason both surfaces give.
TOKENS: dict[str, tuple[Callable[[User], str], str]] = {
    "garbage": (lambda user: "garbage", "TOKEN_INVALID"),
    "extra part after the token": (
        lambda user: _login(user).access + " extra",
        "TOKEN_INVALID",
    ),
    "wrong signature": (
        lambda user: _forged(user, "not-the-key" * 4, "HS256"),
        "TOKEN_INVALID",
    ),
    "alg none": (lambda user: _forged(user, None, "none"), "TOKEN_INVALID"),
    "refresh token as access token": (
        lambda user: _login(user).refresh,
        "TOKEN_INVALID",
    ),
    "expired": (_expired, "TOKEN_EXPIRED"),
    "session logged out": (_logged_out, "TOKEN_INVALID"),
    "password changed since": (_after_password_change, "TOKEN_INVALID"),
    "user deactivated": (_deactivated, "TOKEN_INVALID"),
    "user deleted": (_deleted, "TOKEN_INVALID"),
}


@pytest.mark.parametrize("operation", [ME, REVOKE_OTHERS], ids=lambda op: op.name)
@pytest.mark.parametrize("case", TOKENS)
def test_a_refused_token_is_unauthenticated_on_graphql_and_token_invalid_on_rest(
    case, operation, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    make, reason = TOKENS[case]
    token = make(UserFactory())
    steps = [Step(operation, {}, token)]
    [graphql] = run_on("graphql", steps, probe=lambda: None)
    [rest] = run_on("rest", steps, probe=lambda: None)
    [(_, _, message, _)] = rest.errors
    assert graphql == Outcome(errors=(("UNAUTHENTICATED", None, message, reason),))
    assert rest == Outcome(errors=(("TOKEN_INVALID", None, message, reason),))


@pytest.mark.parametrize("case", TOKENS)
def test_rest_challenges_a_refused_token_as_an_invalid_token(case):
    make, _ = TOKENS[case]
    response = Client().get(
        "/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {make(UserFactory())}"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_no_token_is_unauthenticated_without_a_reason_on_both():
    steps = [Step(ME, {})]
    [graphql] = run_on("graphql", steps, probe=lambda: None)
    [rest] = run_on("rest", steps, probe=lambda: None)
    assert graphql == rest
    [(code, field, _, reason)] = rest.errors
    assert (code, field, reason) == ("UNAUTHENTICATED", None, None)
