"""The new sign-in notice and "this wasn't me", end to end with a real worker.

HTTP login → commit → Redis → ``celery worker`` → SMTP; the link in the
delivered notice is then followed through the API, and the reset email it
triggers is delivered the same way.
"""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token
from users.models import SecurityEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("publishing"),
]

NEW_PASSWORD = "a-brand-new-passphrase-7"
REPORT = "/api/v1/auth/unrecognized-login/"
ME_QUERY = {"query": "{ me { email } }"}


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _post(client, path: str, body: dict, token: str | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(path, body, content_type="application/json", **headers, **extra)


def _rest_login(client, email: str, device_token: str | None = None, **extra):
    body = {"email": email, "password": DEFAULT_PASSWORD}
    if device_token:
        body["device_token"] = device_token
    response = _post(client, "/api/v1/auth/token/", body, **extra)
    assert response.status_code == 200, response.json()
    return response.json()


def _graphql_login(client, email: str) -> str:
    response = _post(
        client,
        "/graphql/",
        {
            "query": "mutation ($e: String!, $p: String!) "
            "{ tokenAuth(email: $e, password: $p) { token } }",
            "variables": {"e": email, "p": DEFAULT_PASSWORD},
        },
    )
    return response.json()["data"]["tokenAuth"]["token"]


def test_a_new_device_gets_one_notice_and_a_known_device_none(client, smtp):
    user = UserFactory()
    first = _rest_login(
        client, user.email, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Phone/1"
    )
    [notice] = smtp.wait_for(1)
    assert notice["To"] == user.email
    assert notice["Subject"] == "New sign-in to your account"
    assert "Phone/1" in _text(notice)
    assert "https://app.example.test/unrecognized-login?token=" in _text(notice)
    assert notice.get_body(("html",)) is not None

    smtp.reset()
    _rest_login(client, user.email, device_token=first["device_token"])
    # One worker and one queue deliver in order: once the password-changed
    # notice of a later change arrives, any notice for the known device would
    # have arrived before it.
    access = _rest_login(client, user.email, device_token=first["device_token"])
    response = _post(
        client,
        "/api/v1/users/me/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        token=access["access"],
    )
    assert response.status_code == 200
    [only] = smtp.wait_for(1)
    assert only["Subject"] == "Your password was changed"


def test_wasnt_me_revokes_every_session_on_both_surfaces_and_sends_a_reset_link(
    client, smtp
):
    owner = UserFactory(email="owner@example.com")
    rest_access = _rest_login(client, owner.email)["access"]
    graphql_access = _graphql_login(client, owner.email)
    notices = smtp.wait_for(2)
    assert {m["Subject"] for m in notices} == {"New sign-in to your account"}
    token = link_token(_text(notices[-1]))
    smtp.reset()

    assert _post(client, REPORT, {"token": token}).status_code == 204

    # Every session is gone, on both surfaces, whichever surface issued it.
    for access in (rest_access, graphql_access):
        me = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert me.status_code == 401
        gql = _post(client, "/graphql/", ME_QUERY, token=access).json()
        assert gql["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert SecurityEvent.objects.filter(
        user=owner, kind="UNRECOGNIZED_LOGIN_REPORTED"
    ).exists()

    [reset] = smtp.wait_for(1)
    assert reset["To"] == "owner@example.com"
    assert reset["Subject"] == "Reset your password"
    confirm = {"token": link_token(_text(reset)), "new_password": NEW_PASSWORD}
    path = "/api/v1/auth/password/reset/confirm/"
    assert _post(client, path, confirm).status_code == 204

    # The link works once.
    again = _post(client, REPORT, {"token": token})
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "TOKEN_INVALID"
    assert again.json()["errors"][0]["field"] == "token"


def test_wasnt_me_through_graphql_works_once(client, smtp):
    owner = UserFactory()
    access = _rest_login(client, owner.email)["access"]
    [notice] = smtp.wait_for(1)
    document = {
        "query": "mutation ($t: String!) { reportUnrecognizedLogin(input: {token: $t})"
        " { ok errors { field code } } }",
        "variables": {"t": link_token(_text(notice))},
    }
    first = _post(client, "/graphql/", document).json()
    assert first["data"]["reportUnrecognizedLogin"] == {"ok": True, "errors": []}
    me = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 401
    second = _post(client, "/graphql/", document).json()
    assert second["data"]["reportUnrecognizedLogin"] == {
        "ok": False,
        "errors": [{"field": "token", "code": "TOKEN_INVALID"}],
    }
