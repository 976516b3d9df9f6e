"""What Sentry receives from a real Celery worker when a task fails.

The worker reports to a local ingest server. A real fault fails the delivery
task after the reset email went out: a PostgreSQL trigger refuses to mark the
outbox row delivered. The Celery integration reports the task's exception;
the envelope must arrive and hold neither the reset link nor its token, which
the worker minted and had in hand.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.links import link_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fault() -> Iterator[str]:
    """Refuse to mark an outbox row delivered; yield the error's unique text."""
    message = f"injected fault {uuid.uuid4().hex}: outbox row not marked delivered"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION sentry_outbox_fault() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER sentry_outbox_fault BEFORE UPDATE ON users_outboxmessage "
            "FOR EACH ROW WHEN (NEW.status = 'delivered') "
            "EXECUTE FUNCTION sentry_outbox_fault()"
        )
    try:
        yield message
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER sentry_outbox_fault ON users_outboxmessage")
            cursor.execute("DROP FUNCTION sentry_outbox_fault()")


def _raised(message: str):
    def matches(event: dict) -> bool:
        return message in json.dumps(event.get("exception") or {})

    return matches


def _request_reset(client, email: str) -> None:
    response = client.post(
        "/graphql/",
        {
            "query": f'mutation {{ requestPasswordReset(input: {{email: "{email}"}}) '
            "{ ok } }"
        },
        content_type="application/json",
    )
    assert response.json()["data"]["requestPasswordReset"]["ok"] is True


def _frames(event: dict) -> list[dict]:
    return [
        frame
        for value in event["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
    ]


@pytest.mark.usefixtures("publishing")
def test_an_error_in_a_celery_task_reaches_sentry_without_the_link(
    client, smtp, sentry_ingest, fault
):
    user = UserFactory()
    _request_reset(client, user.email)
    [message] = smtp.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    token = link_token(text)
    link = f"https://app.example.test/reset-password?token={token}"
    assert link in text

    [envelope] = sentry_ingest.wait_for_events(_raised(fault))
    [event] = envelope.events()
    assert event["extra"]["celery-job"]["task_name"] == "tasks.outbox.deliver"
    leaked = [
        secret
        for secret in (token, link, user.email)
        if secret.encode() in envelope.raw
    ]
    assert not leaked, f"Sentry received {leaked}:\n{envelope.raw[:6000]!r}"
    assert _frames(event)
    assert not [frame for frame in _frames(event) if "vars" in frame]
