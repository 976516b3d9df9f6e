"""One rule for strings on both surfaces: no NUL, control character or lone surrogate.

The domain refuses them (``users.validation.clean_text``) before any other work:
no rate-limit counter charged, no hash computed, nothing handed to a worker.
GraphQL and REST answer the same code, field and message.
"""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import GraphQLClient, login
from tests.hashers import CountingArgon2PasswordHasher
from users import services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.validation import CONTROL_CHARACTER_MESSAGE, check_strings, clean_text

pytestmark = pytest.mark.django_db

BAD = ["\x00", "\ud800", "\udfff", "\x07", "\x1b[31m", "\x85", "\n"]
META = RequestMeta(ip_address="203.0.113.9", user_agent="string-rule/1.0")


@pytest.mark.parametrize("bad", BAD)
def test_clean_text_refuses_controls_and_lone_surrogates(bad):
    with pytest.raises(ServiceError) as caught:
        clean_text(f"a{bad}b", field="name")
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "name")
    assert caught.value.message == CONTROL_CHARACTER_MESSAGE


@pytest.mark.parametrize("good", ["Zoë O'Brien", "名前", "😀 emoji", "a b", ""])
def test_clean_text_keeps_ordinary_text(good):
    assert clean_text(good, field="name") == good


def test_multiline_text_keeps_line_breaks_and_tabs():
    assert clean_text("one\n\ttwo\r\n", field="bio", multiline=True)
    with pytest.raises(ServiceError):
        clean_text("one\x00", field="bio", multiline=True)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ServiceError) as caught:
        check_strings({"name": "a\x00", "bio": "ok\n", "location": "\ud800"})
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("name", ErrorCode.INVALID_INPUT),
        ("location", ErrorCode.INVALID_INPUT),
    ]


def test_a_nul_in_a_login_is_refused_before_the_counters_or_a_hash(user, settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingArgon2PasswordHasher"]
    settings.RATE_LIMITS = {"login": ["1/m ip"]}
    CountingArgon2PasswordHasher.calls = 0
    for email, password in [(user.email + "\x00", "x"), (user.email, "pw\x00")]:
        with pytest.raises(ServiceError) as caught:
            services.login(email=email, password=password, meta=META)
        assert caught.value.code == ErrorCode.INVALID_INPUT
    assert CountingArgon2PasswordHasher.calls == 0
    # The one attempt the budget allows is still there.
    with pytest.raises(ServiceError) as caught:
        services.login(email=user.email, password="wrong-password", meta=META)
    assert caught.value.code == ErrorCode.INVALID_CREDENTIALS


def test_a_reset_request_for_a_nul_address_is_refused_and_nothing_is_sent(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ServiceError) as caught,
    ):
        services.request_password_reset(email="a\x00@example.com", meta=META)
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "email")
    assert callbacks == []


# --- The same answer on both surfaces ---------------------------------------------


def gql_errors(client, query, variables, token=None):
    result = GraphQLClient(client, token)(query, variables)
    assert "INTERNAL_ERROR" not in result.codes, result.body
    payload_errors = [
        error
        for value in (result.data or {}).values()
        if isinstance(value, dict)
        for error in value.get("errors") or []
    ]
    if payload_errors:
        return [(e["code"], e["field"], e["message"]) for e in payload_errors]
    return [
        (e["extensions"]["code"], e["extensions"].get("field"), e["message"])
        for e in result.errors
    ]


def rest_errors(method, path, body, token=None):
    api = APIClient()
    if token:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    # json.dumps escapes a lone surrogate (\\ud800), as a JavaScript client does.
    response = getattr(api, method)(
        path, json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    return [(e["code"], e["field"], e["message"]) for e in response.json()["errors"]]


def camel(field):
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


CASES = [
    # (graphql document, input builder, REST method, path, field, needs auth)
    (
        'mutation ($v: String!) { tokenAuth(email: $v, password: "x") { token } }',
        "post",
        "/api/v1/auth/token/",
        {"password": "x"},
        "email",
        False,
    ),
    (
        "mutation ($v: String!) { requestPasswordReset(input: {email: $v}) "
        "{ ok errors { field code message } } }",
        "post",
        "/api/v1/auth/password/reset/",
        {},
        "email",
        False,
    ),
    (
        'mutation ($v: String!) { register(input: {email: "n@example.com", '
        'password: "long-enough-pw-1", name: $v}) { errors { field code message } } }',
        "post",
        "/api/v1/auth/register/",
        {"email": "n@example.com", "password": "long-enough-pw-1"},
        "name",
        False,
    ),
    (
        'mutation ($v: String!) { resetPassword(input: {token: "t", newPassword: $v})'
        " { ok errors { field code message } } }",
        "post",
        "/api/v1/auth/password/reset/confirm/",
        {"token": "t"},
        "new_password",
        False,
    ),
    (
        "mutation ($v: String!) { verifyEmail(input: {token: $v}) "
        "{ ok errors { field code message } } }",
        "post",
        "/api/v1/auth/email/verify/",
        {},
        "token",
        False,
    ),
    (
        "mutation ($v: String!) { updateProfile(input: {location: $v}) "
        "{ errors { field code message } } }",
        "patch",
        "/api/v1/users/me/",
        {},
        "location",
        True,
    ),
    (
        "mutation ($v: String!) { changePassword(input: {currentPassword: $v, "
        'newPassword: "long-enough-pw-1"}) { errors { field code message } } }',
        "post",
        "/api/v1/users/me/password/",
        {"new_password": "long-enough-pw-1"},
        "current_password",
        True,
    ),
    (
        "mutation ($v: String!) { deleteAccount(input: {password: $v}) "
        "{ ok errors { field code message } } }",
        "delete",
        "/api/v1/users/me/",
        {},
        "password",
        True,
    ),
]


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b"])
@pytest.mark.parametrize(
    ("document", "method", "path", "rest_body", "field", "needs_auth"),
    CASES,
    ids=[case[2] + ":" + case[4] for case in CASES],
)
def test_both_surfaces_refuse_the_same_bad_string_the_same_way(
    client, user, bad, document, method, path, rest_body, field, needs_auth
):
    value = f"a{bad}@example.com" if field == "email" else f"a{bad}b"
    token = login(user).access if needs_auth else None
    graphql = gql_errors(client, document, {"v": value}, token)
    cache.clear()
    rest = rest_errors(method, path, {**rest_body, field: value}, token)
    assert rest == [("INVALID_INPUT", field, CONTROL_CHARACTER_MESSAGE)]
    assert graphql == [("INVALID_INPUT", camel(field), CONTROL_CHARACTER_MESSAGE)]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_bio_may_hold_line_breaks_on_both_surfaces(client, user):
    token = login(user).access
    result = GraphQLClient(client, token)(
        "mutation ($v: String!) { updateProfile(input: {bio: $v}) "
        "{ user { bio } errors { code } } }",
        {"v": "line one\nline two"},
    )
    assert result.data["updateProfile"]["user"]["bio"] == "line one\nline two"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.patch("/api/v1/users/me/", {"bio": "a\r\n\tb"}, format="json")
    assert response.status_code == 200
    assert json.loads(response.content)["bio"] == "a\r\n\tb"
