"""Login budgets bound to devices: hammering an address cannot lock its owner out.

Over HTTP through both surfaces, with the real Redis counters. The attacker
sends wrong passwords for a known address from many addresses; the owner's
device, which logged in before, keeps logging in with the right password.
"""

import json

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users import devices

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
TOKEN_AUTH = """
mutation ($email: String!, $password: String!, $device: String) {
  tokenAuth(email: $email, password: $password, deviceToken: $device) {
    token deviceToken
  }
}
"""


def _rest_login(client, email, password, device_token=None, ip="198.51.100.1"):
    body = {"email": email, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return client.post(
        LOGIN, json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def _gql_login(client, email, password, device=None, ip="198.51.100.1"):
    body = {
        "query": TOKEN_AUTH,
        "variables": {"email": email, "password": password, "device": device},
    }
    response = client.post(
        "/graphql/", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )
    return response.json()


def _hammer(client, email, times=12):
    """Wrong passwords from many addresses, so no per-IP bucket fills up."""
    statuses = [
        _rest_login(
            client, email, f"wrong-guess-{i}", ip=f"203.0.113.{i + 1}"
        ).status_code
        for i in range(times)
    ]
    assert statuses[-1] == 429
    return statuses


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.com")


def test_a_login_returns_a_device_token_on_both_surfaces(owner):
    client = Client()
    rest = _rest_login(client, owner.email, DEFAULT_PASSWORD)
    assert rest.status_code == 200
    assert devices.is_known_device(owner, rest.json()["device_token"])
    gql = _gql_login(client, owner.email, DEFAULT_PASSWORD)
    assert devices.is_known_device(owner, gql["data"]["tokenAuth"]["deviceToken"])


def test_the_owners_known_device_logs_in_while_the_address_is_hammered(owner):
    client = Client()
    device = _rest_login(client, owner.email, DEFAULT_PASSWORD).json()["device_token"]
    _hammer(client, owner.email)

    # Unknown clients are locked out, even with the right password...
    assert _rest_login(client, owner.email, DEFAULT_PASSWORD).status_code == 429
    # ...but the owner's device is not, on either surface.
    response = _rest_login(client, owner.email, DEFAULT_PASSWORD, device)
    assert response.status_code == 200
    again = _gql_login(client, owner.email, DEFAULT_PASSWORD, device)
    assert again["data"]["tokenAuth"]["token"]


def test_a_known_device_keeps_its_identity_across_logins(owner):
    client = Client()
    first = _rest_login(client, owner.email, DEFAULT_PASSWORD).json()["device_token"]
    second = _rest_login(client, owner.email, DEFAULT_PASSWORD, first).json()[
        "device_token"
    ]
    assert devices.recognise(first, owner.email).id == (
        devices.recognise(second, owner.email).id
    )


@pytest.mark.parametrize(
    "device_token", ["forged-token", "", "x" * 5000, "eyJ9.broken:sig"]
)
def test_an_invalid_device_token_draws_on_the_per_email_budget(owner, device_token):
    client = Client()
    _hammer(client, owner.email)
    response = _rest_login(client, owner.email, DEFAULT_PASSWORD, device_token)
    assert response.status_code == 429


def test_a_device_token_of_another_address_draws_on_the_per_email_budget(owner):
    client = Client()
    attacker = UserFactory(email="attacker@example.com")
    own_device = _rest_login(client, attacker.email, DEFAULT_PASSWORD).json()[
        "device_token"
    ]
    _hammer(client, owner.email)
    response = _rest_login(client, owner.email, DEFAULT_PASSWORD, own_device)
    assert response.status_code == 429


def test_a_device_that_guesses_wrong_exhausts_only_its_own_budget(owner):
    client = Client()
    device = _rest_login(client, owner.email, DEFAULT_PASSWORD).json()["device_token"]
    statuses = [
        _rest_login(
            client, owner.email, f"wrong-{i}", device, ip=f"192.0.2.{i + 1}"
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429
    # Other clients still have the per-email budget.
    assert _rest_login(client, owner.email, DEFAULT_PASSWORD).status_code == 200


def test_a_device_token_is_not_a_credential(owner):
    client = Client()
    device = _rest_login(client, owner.email, DEFAULT_PASSWORD).json()["device_token"]
    response = _rest_login(client, owner.email, "not-the-password", device)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"
    me = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {device}")
    assert me.status_code == 401


def test_an_expired_device_token_is_an_unknown_device(owner, settings):
    token = devices.mint(owner)
    settings.DEVICE_TOKEN_LIFETIME = -1
    assert devices.recognise(token, owner.email) is None
