"""Emails end to end: HTTP request → commit → Redis → a real worker → SMTP.

No eager mode and no patched function: the request's transaction commits, the
task is published to the suite's Redis, a ``celery worker`` process renders the
email and delivers it over SMTP to a local server, and the link it carries is
then used through the API.
"""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token
from users import devices
from users.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("publishing"),
]

NEW_PASSWORD = "a-brand-new-passphrase"


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _token(message) -> str:
    return link_token(_text(message))


def _post(client, path: str, body: dict, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(path, body, content_type="application/json", **headers)


def test_a_registration_email_arrives_and_its_link_verifies_the_address(client, smtp):
    response = _post(
        client,
        "/api/v1/auth/register/",
        {"email": "new.person@example.com", "password": NEW_PASSWORD},
    )
    assert response.status_code == 201

    [message] = smtp.wait_for(1)
    assert message["To"] == "new.person@example.com"
    assert message["Subject"] == "Confirm your email address"
    assert "https://app.example.test/verify-email?token=" in _text(message)
    assert message.get_body(("html",)) is not None

    verified = _post(
        client,
        "/graphql/",
        {
            "query": "mutation ($t: String!) { verifyEmail(input: {token: $t}) "
            "{ ok errors { code } } }",
            "variables": {"t": _token(message)},
        },
    )
    assert verified.json()["data"]["verifyEmail"] == {"ok": True, "errors": []}
    assert User.objects.get(email="new.person@example.com").email_verified


def test_a_reset_link_reaches_only_a_known_address_and_resets_once(client, smtp):
    user = UserFactory()
    for address in ("nobody@example.com", user.email):
        response = _post(client, "/api/v1/auth/password/reset/", {"email": address})
        assert response.status_code == 202

    # One worker, one queue, in order: the unknown address was handled first.
    [message] = smtp.wait_for(1)
    assert message["To"] == user.email
    confirm = {"token": _token(message), "new_password": NEW_PASSWORD}
    path = "/api/v1/auth/password/reset/confirm/"
    assert _post(client, path, confirm).status_code == 204
    again = _post(client, path, confirm)
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "TOKEN_INVALID"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_transient_smtp_refusal_is_retried_until_delivered(client, smtp):
    user = UserFactory()
    access = _login(client, user.email)["access"]
    smtp.refuse_next(2)

    response = _post(
        client,
        "/api/v1/users/me/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        token=access,
    )
    assert response.status_code == 200

    [message] = smtp.wait_for(1, timeout=45)
    assert smtp.refused == 2
    assert message["To"] == user.email
    assert message["Subject"] == "Your password was changed"


def _login(client, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    """Log in from a device the account knows (so no new sign-in notice is sent)."""
    device_token = devices.mint(User.objects.get(email=email))
    response = _post(
        client,
        "/api/v1/auth/token/",
        {"email": email, "password": password, "device_token": device_token},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_stolen_token_cannot_move_the_account_to_another_address(client, smtp):
    """The takeover chain of issue 10: token → new email → verify → reset."""
    owner = UserFactory(email="owner@example.com")
    stolen = _login(client, owner.email)["access"]
    response = client.patch(
        "/api/v1/users/me/",
        {"email": "attacker@example.com"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {stolen}",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "REQUIRED"
    assert response.json()["errors"][0]["field"] == "password"
    assert User.objects.get(pk=owner.pk).pending_email == ""


def test_the_cancel_link_from_the_old_address_undoes_the_change_and_logs_out(
    client, smtp
):
    owner = UserFactory(email="owner@example.com")
    session = _login(client, owner.email)
    other = _login(client, owner.email)
    response = client.patch(
        "/api/v1/users/me/",
        {"email": "attacker@example.com", "password": DEFAULT_PASSWORD},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session['access']}",
    )
    assert response.status_code == 200
    assert response.json()["pending_email"] == "attacker@example.com"
    messages = {m["To"]: m for m in smtp.wait_for(2)}
    notice = messages["owner@example.com"]
    assert "https://app.example.test/cancel-email-change?token=" in _text(notice)
    assert "a***@example.com" in _text(notice)
    assert "attacker@example.com" not in _text(notice)

    # The attacker verifies the new address first: a verified change revokes
    # every other session (here the "other" one; the verifier's survives).
    verified = _post(
        client,
        "/api/v1/auth/email/verify/",
        {"token": _token(messages["attacker@example.com"])},
        token=session["access"],
    )
    assert verified.status_code == 204
    assert User.objects.get(pk=owner.pk).email == "attacker@example.com"
    refreshed = _post(
        client, "/api/v1/auth/token/refresh/", {"refresh": other["refresh"]}
    )
    assert refreshed.status_code == 401
    assert (
        _post(
            client, "/api/v1/auth/token/verify/", {"token": session["access"]}
        ).status_code
        == 200
    )

    # The owner follows the cancel link: the address comes back, every
    # session and access token dies.
    cancel = _post(client, "/api/v1/auth/email/cancel/", {"token": _token(notice)})
    assert cancel.status_code == 204
    owner.refresh_from_db()
    assert (owner.email, owner.pending_email, owner.email_verified) == (
        "owner@example.com",
        "",
        True,
    )
    me = client.get(
        "/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {session['access']}"
    )
    assert me.status_code == 401
    again = _post(client, "/api/v1/auth/email/cancel/", {"token": _token(notice)})
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "TOKEN_INVALID"
