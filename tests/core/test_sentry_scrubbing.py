"""The scrubbing rules one by one, on events shaped as the SDK's integrations make them.

The end-to-end tests (``test_sentry_end_to_end.py``, ``tests/tasks/
test_sentry_worker.py``) prove the wiring over real HTTP and a real worker;
these cover the neighbours of each case: every emailed link, every token
format the API issues, every place a GraphQL document or its variables travel.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest

from core.sentry import (
    FILTERED,
    event_scrubber,
    mask_graphql_document,
    scrub_event,
    scrub_query_string,
)


def _sent(event: dict) -> str:
    """The event as it would leave: the SDK's scrubber, then ``before_send``."""
    event_scrubber().scrub_event(event)
    return json.dumps(scrub_event(event, {}), default=str)


@pytest.fixture
def tokens(user):
    """One of each token the API mints, made by its own code."""
    from users import devices
    from users.action_links import make_action_token
    from users.email_tokens import make_password_reset_token, make_verification_token
    from users.models import Session
    from users.services.email_change import (
        CANCEL_EMAIL_CHANGE,
        cancel_email_change_link_data,
    )
    from users.tokens import issue_pair

    pair = issue_pair(user, Session(pk=uuid.uuid4()))
    data = cancel_email_change_link_data(old_email=user.email, new_email="n@e.test")
    return {
        "access": pair.access,
        "refresh": pair.refresh,
        "verify": make_verification_token(user, user.email),
        "reset": make_password_reset_token(user),
        "cancel": make_action_token(user, CANCEL_EMAIL_CHANGE, data),
        "device": devices.mint(user),
    }


def test_inline_string_literals_are_masked_and_the_operation_stays():
    masked = mask_graphql_document(
        'mutation { tokenAuth(email: "a@b.test", password: "s3cret-pass") '
        '{ token } changePassword(input: {currentPassword: """blk-secret""", '
        'newPassword: "n3w-pass", list: ["x-secret"]}) { ok } }'
    )
    assert "tokenAuth" in masked
    assert "changePassword" in masked
    assert 'password: "[Filtered]"' in masked
    for secret in ("a@b.test", "s3cret-pass", "blk-secret", "n3w-pass", "x-secret"):
        assert secret not in masked


def test_a_default_value_of_a_variable_is_masked():
    masked = mask_graphql_document(
        'query ($p: String = "default-secret") { me { email } }'
    )
    assert "default-secret" not in masked
    assert "$p" in masked


@pytest.mark.parametrize(
    "document",
    ['mutation { tokenAuth(password: "unterminated-secret', "{" * 5000, ""],
)
def test_a_document_that_does_not_parse_is_masked_whole(document):
    assert mask_graphql_document(document) == FILTERED


def test_graphql_variables_are_masked_whatever_their_names():
    event = {
        "request": {
            "url": "http://127.0.0.1/graphql/",
            "data": {
                "query": "mutation ($p: String!) { tokenAuth(email: $p, password: $p) "
                "{ token } }",
                "variables": {"p": "var-secret", "nested": {"q": ["list-secret"]}},
            },
        }
    }
    sent = _sent(event)
    assert "var-secret" not in sent
    assert "list-secret" not in sent
    assert "tokenAuth" in sent


def test_a_multipart_operations_field_and_a_batch_are_scrubbed():
    operations = json.dumps(
        [
            {"query": 'mutation { a(x: "inline-secret") { ok } }'},
            {"query": "mutation ($v: String!) { b(x: $v) }", "variables": {"v": "v-s"}},
        ]
    )
    sent = _sent({"request": {"data": {"operations": operations, "map": "{}"}}})
    assert "inline-secret" not in sent
    assert "v-s" not in sent


def test_a_graphql_get_query_string_is_scrubbed():
    query_string = urlencode(
        {
            "query": '{ verify(token: "get-inline-secret") { ok } }',
            "variables": json.dumps({"t": "get-var-secret"}),
            "cursor": "abc",
        }
    )
    scrubbed = scrub_query_string(query_string)
    assert "get-inline-secret" not in scrubbed
    assert "get-var-secret" not in scrubbed
    assert "verify" in scrubbed
    assert "cursor=abc" in scrubbed


@pytest.mark.parametrize(
    "name", ["token", "code", "password", "refresh", "device_token", "mfa_token"]
)
def test_credential_parameters_of_a_query_string_are_dropped(name):
    assert scrub_query_string(f"{name}=qs-secret&page=2") == f"{name}=[Filtered]&page=2"


@pytest.mark.parametrize(
    "field",
    [
        "password",
        "current_password",
        "currentPassword",
        "new_password",
        "newPassword",
        "refresh",
        "refresh_token",
        "refreshToken",
        "access",
        "token",
        "code",
        "recovery_code",
        "mfa_token",
        "mfaToken",
        "device_token",
        "deviceToken",
        "secret",
        "otpauth_uri",
        "csrfmiddlewaretoken",
    ],
)
def test_every_credential_field_of_a_body_is_filtered(field):
    event = {"request": {"data": {"outer": {field: "body-secret"}, "name": "kept"}}}
    sent = _sent(event)
    assert "body-secret" not in sent
    assert "kept" in sent


@pytest.mark.parametrize("kind", ["access", "refresh", "verify", "cancel", "device"])
def test_a_token_inside_free_text_is_masked_by_its_shape(tokens, kind):
    token = tokens[kind]
    event = {
        "logentry": {"message": "failed for %s", "params": [token]},
        "exception": {"values": [{"type": "BadSignature", "value": f"no: {token}"}]},
    }
    assert token not in _sent(event)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("verify-email", "verify"),
        ("reset-password", "reset"),
        ("cancel-email-change", "cancel"),
        ("unrecognized-login", "cancel"),
    ],
)
def test_an_emailed_link_in_a_log_breadcrumb_is_masked(tokens, path, kind):
    # A log line quoting the link, as a debugging developer might write.
    link = f"https://app.example.test/{path}?token={tokens[kind]}"
    event = {
        "breadcrumbs": {
            "values": [
                {
                    "category": "tasks.emails",
                    "message": f"Follow this link: {link}\n",
                    "level": "warning",
                }
            ]
        }
    }
    sent = _sent(event)
    assert tokens[kind] not in sent
    assert f"{path}?token=[Filtered]" in sent


def test_a_bearer_header_copied_anywhere_is_masked(tokens):
    event = {
        "request": {"headers": {"Authorization": f"Bearer {tokens['access']}"}},
        "extra": {"note": f"header was Bearer {tokens['access']}"},
        "contexts": {"auth": {"refresh": tokens["refresh"]}},
    }
    sent = _sent(event)
    assert tokens["access"] not in sent
    assert tokens["refresh"] not in sent


def test_local_variables_are_scrubbed_should_they_be_turned_back_on():
    # They are off (the end-to-end tests check no frame has any); if someone
    # turns them on, credential names are still filtered at any depth.
    event = {
        "exception": {
            "values": [
                {"stacktrace": {"frames": [{"vars": {"data": {"password": "v-s"}}}]}}
            ]
        }
    }
    assert "v-s" not in _sent(event)
