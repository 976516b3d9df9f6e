"""What Sentry receives from the web process, over real HTTP, under production settings.

gunicorn runs ``core.settings.production`` with ``SENTRY_DSN`` pointing at a
local ingest server (``tests/services/sentry.py``). A real fault makes the
requests fail: a PostgreSQL trigger refuses every insert into the security
events table, which every login writes, so a REST view and a GraphQL resolver
each raise a database error and the SDK reports it. The requests carry every
kind of secret the API knows, in every place a client puts one; the raw
decoded envelopes must hold none of them, and must arrive (no vacuous pass).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests.services.live import AppServer, production_app
from tests.services.sentry import Envelope, FakeSentry

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "inline-literal-passphrase-Q7"
QUERY_STRING = "token=querystringtoken0001&code=123456&password=querystringpass0002"
QUERY_STRING_SECRETS = ("querystringtoken0001", "querystringpass0002")
SESSION_COOKIE = "cookiesessionvalue0003"
FAULT = "injected fault: security events refused"
LOGIN = (
    "mutation ($e: String!, $p: String!, $d: String) "
    "{ tokenAuth(email: $e, password: $p, deviceToken: $d) { token } }"
)


@pytest.fixture(scope="module")
def sentry() -> Iterator[FakeSentry]:
    server = FakeSentry()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, sentry) -> Iterator[AppServer]:
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = production_app(name, workers=1)
    app.env.update(
        {
            "SENTRY_DSN": sentry.dsn,
            "SENTRY_ENVIRONMENT": "test",
            # Transactions too: they carry the request and must be as clean.
            "SENTRY_TRACES_SAMPLE_RATE": "1.0",
            # The admin form test logs a staff member in with a password only.
            "MFA_REQUIRED_FOR_STAFF": "false",
        }
    )
    app.start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture
def account(server) -> dict[str, str]:
    """A user and the real credentials of one login: access, refresh, device."""
    from tests.factories import UserFactory

    user = UserFactory(email=f"sentry-{uuid.uuid4().hex[:8]}@example.com")
    user.set_password(PASSWORD)
    user.save()
    status, _, body = server.post_json(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}
    )
    assert status == 200, body
    tokens = json.loads(body)
    return {
        "email": user.email,
        "access": tokens["access"],
        "refresh": tokens["refresh"],
        "device_token": tokens["device_token"],
    }


#: Tables every login writes: the API's security events, the admin's session.
FAULTY_TABLES = ("users_securityevent", "django_session")


@pytest.fixture
def security_events_refused() -> Iterator[None]:
    """Make PostgreSQL refuse every new login record (a real database error)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION sentry_test_fault() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{FAULT}'; END $$"
        )
        for table in FAULTY_TABLES:
            cursor.execute(
                f"CREATE TRIGGER sentry_test_fault BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sentry_test_fault()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in FAULTY_TABLES:
                cursor.execute(f"DROP TRIGGER sentry_test_fault ON {table}")
            cursor.execute("DROP FUNCTION sentry_test_fault()")


def _headers(account: dict[str, str], agent: str, **more: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {account['access']}",
        # django-graphql-jwt's cookie name, holding the real refresh token.
        "Cookie": f"sessionid={SESSION_COOKIE}; JWT={account['refresh']}",
        "User-Agent": agent,
        **more,
    }


def _secrets(account: dict[str, str]) -> list[str]:
    return [
        PASSWORD,
        account["access"],
        account["refresh"],
        account["device_token"],
        account["email"],
        SESSION_COOKIE,
        *QUERY_STRING_SECRETS,
    ]


def _from(agent: str):
    def matches(event: dict[str, Any]) -> bool:
        headers = (event.get("request") or {}).get("headers") or {}
        return headers.get("User-Agent") == agent

    return matches


def _reported(sentry: FakeSentry, agent: str, secrets: list[str]) -> dict[str, Any]:
    """The error event of the request sent as ``agent``, once its trace came too.

    Both envelopes must arrive (the error, and the transaction that carries the
    same request) and neither may hold a secret.
    """
    [envelope] = sentry.wait_for_events(_from(agent))
    [trace] = sentry.wait_for_events(_from(agent), item_type="transaction")
    _assert_clean(envelope, secrets)
    _assert_clean(trace, secrets)
    return _event(envelope)


def _assert_clean(envelope: Envelope, secrets: list[str]) -> None:
    assert envelope.raw
    leaked = [secret for secret in secrets if secret.encode() in envelope.raw]
    assert not leaked, f"Sentry received {leaked}:\n{envelope.raw[:6000]!r}"


def _event(envelope: Envelope) -> dict[str, Any]:
    [event] = envelope.events()
    return event


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n"
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_an_error_in_a_rest_view_reaches_sentry_without_a_secret(
    server, sentry, account, security_events_refused
):
    agent = "sentry-e2e/rest"
    status, _, _ = server.post_json(
        f"/api/v1/auth/token/?{QUERY_STRING}",
        {
            "email": account["email"],
            "password": PASSWORD,
            "device_token": account["device_token"],
        },
        _headers(account, agent),
    )
    assert status == 500
    event = _reported(sentry, agent, _secrets(account))
    assert FAULT in json.dumps(event["exception"])
    assert event["request"]["data"]["password"] == "[Filtered]"
    assert "token=%5BFiltered%5D" in event["request"]["query_string"] or (
        "token=[Filtered]" in event["request"]["query_string"]
    )
    frames = [
        frame
        for value in event["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
    ]
    assert frames
    assert not [frame for frame in frames if "vars" in frame]


@pytest.mark.parametrize("how", ["inline", "variables", "multipart"])
def test_an_error_in_a_graphql_resolver_reaches_sentry_without_a_secret(
    server, sentry, account, security_events_refused, how
):
    agent = f"sentry-e2e/graphql-{how}"
    headers = _headers(account, agent)
    variables = {
        "e": account["email"],
        "p": PASSWORD,
        "d": account["device_token"],
    }
    if how == "inline":
        document = (
            f'mutation {{ tokenAuth(email: "{account["email"]}", '
            f'password: "{PASSWORD}", deviceToken: "{account["device_token"]}") '
            "{ token } }"
        )
        status, _, body = server.post_json(
            f"/graphql/?{QUERY_STRING}", {"query": document}, headers
        )
    elif how == "variables":
        status, _, body = server.post_json(
            f"/graphql/?{QUERY_STRING}",
            {"query": LOGIN, "variables": variables},
            headers,
        )
    else:
        payload, content_type = _multipart(
            {
                "operations": json.dumps({"query": LOGIN, "variables": variables}),
                "map": "{}",
            }
        )
        status, _, body = server.request(
            "POST",
            f"/graphql/?{QUERY_STRING}",
            payload,
            {**headers, "Content-Type": content_type},
        )
    assert status == 200, body
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    event = _reported(sentry, agent, _secrets(account))
    assert FAULT in json.dumps(event["exception"])
    data = event["request"]["data"]
    if how == "inline":
        # The document still says what ran, with its literals masked.
        assert "tokenAuth" in data["query"]
        assert 'password: "[Filtered]"' in data["query"]
    elif how == "multipart":
        assert json.loads(data["operations"])["variables"]["p"] == "[Filtered]"


def test_an_error_behind_the_admin_login_form_reaches_sentry_without_a_secret(
    server, sentry, account, security_events_refused
):
    from users.models import User

    User.objects.filter(email=account["email"]).update(is_staff=True)
    agent = "sentry-e2e/admin-form"
    status, headers, page = server.request("GET", "/admin/login/")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    body = urlencode(
        {
            "csrfmiddlewaretoken": form_token.group(1).decode(),
            "username": account["email"],
            "password": PASSWORD,
            "next": f"/admin/?token={QUERY_STRING_SECRETS[0]}",
        }
    ).encode()
    status, _, answer = server.request(
        "POST",
        f"/admin/login/?{QUERY_STRING}",
        body,
        _headers(
            account,
            agent,
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        | {"Cookie": f"csrftoken={csrf_cookie}; sessionid={SESSION_COOKIE}"},
    )
    assert status == 500, answer[:3000]
    event = _reported(sentry, agent, [*_secrets(account), csrf_cookie])
    assert FAULT in json.dumps(event["exception"])
    assert event["request"]["data"]["password"] == "[Filtered]"
