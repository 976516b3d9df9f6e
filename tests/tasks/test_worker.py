"""Emails end to end: HTTP request → commit → Redis → a real worker → SMTP.

No eager mode and no patched function: the request's transaction commits, the
task is published to the suite's Redis, a ``celery worker`` process renders the
email and delivers it over SMTP to a local server, and the link it carries is
then used through the API.
"""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token
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
    access = _post(
        client,
        "/api/v1/auth/token/",
        {"email": user.email, "password": DEFAULT_PASSWORD},
    ).json()["access"]
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
