"""Rate limits and hard edges, exercised through both surfaces over HTTP."""

import json

import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users import services
from users.meta import RequestMeta
from users.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
ME = "/api/v1/users/me/"


@pytest.fixture
def api():
    return APIClient()


def graphql(
    client, query: str, variables: dict | None = None, token: str | None = None, **extra
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
        **extra,
    )


def _token_auth_doc(count: int, email: str, then_register: bool = False) -> str:
    fields = [
        f'a{i}: tokenAuth(email: "{email}", password: "wrong-password-{i}") {{ token }}'
        for i in range(count)
    ]
    if then_register:
        fields.append(
            'late: register(input: {email: "late@example.com", '
            'password: "a-long-unusual-passphrase"}) { errors { code } }'
        )
    return "mutation {\n" + "\n".join(fields) + "\n}"


def _codes_by_alias(body: dict) -> dict[str, str]:
    codes = {}
    for error in body.get("errors") or []:
        codes[error["path"][0]] = error["extensions"]["code"]
    return codes


def _refresh_doc(count: int, then_register: bool = False) -> str:
    fields = [
        f'r{i}: refreshToken(refreshToken: "not-a-token-{i}") {{ token }}'
        for i in range(count)
    ]
    if then_register:
        fields.append(
            'late: register(input: {email: "late@example.com", '
            'password: "a-long-unusual-passphrase"}) { errors { code } }'
        )
    return "mutation {\n" + "\n".join(fields) + "\n}"


def test_aliased_logins_in_one_document_are_refused_before_any_attempt(
    client, settings
):
    settings.RATE_LIMITS = {"login": ["5/m ip"]}
    user = UserFactory()
    body = graphql(client, _token_auth_doc(8, user.email)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    # Nothing ran, so nothing was charged: five real attempts remain.
    codes = [
        _codes_by_alias(graphql(client, _token_auth_doc(1, user.email)).json())["a0"]
        for _ in range(6)
    ]
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"]


def test_aliased_fields_in_one_document_each_count_as_an_attempt(client, settings):
    settings.RATE_LIMITS = {"refresh": ["5/m ip"]}
    codes = _codes_by_alias(graphql(client, _refresh_doc(8)).json())
    assert [codes[f"r{i}"] for i in range(5)] == ["TOKEN_INVALID"] * 5
    assert [codes[f"r{i}"] for i in range(5, 8)] == ["RATE_LIMITED"] * 3


def test_the_rest_of_a_document_is_refused_once_a_limit_is_hit(client, settings):
    settings.RATE_LIMITS = {"refresh": ["2/m ip"]}
    body = graphql(client, _refresh_doc(3, then_register=True)).json()
    assert _codes_by_alias(body)["late"] == "RATE_LIMITED"
    assert not User.objects.filter(email="late@example.com").exists()


def test_rate_limited_graphql_errors_carry_retry_after(client, settings):
    settings.RATE_LIMITS = {"refresh": ["1/m ip"]}
    body = graphql(client, _refresh_doc(2)).json()
    limited = next(
        e for e in body["errors"] if e["extensions"]["code"] == "RATE_LIMITED"
    )
    assert 1 <= limited["extensions"]["retryAfter"] <= 60


def test_rest_and_graphql_share_one_login_budget(client, api, settings):
    # An hourly window: a minute window could roll over mid-test and reset the count.
    settings.RATE_LIMITS = {"login": ["4/h ip"]}
    user = UserFactory()
    for _ in range(2):
        assert (
            api.post(
                LOGIN, {"email": user.email, "password": "nope-nope-1"}
            ).status_code
            == 401
        )
        graphql(client, _token_auth_doc(1, user.email))
    response = api.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "RATE_LIMITED"
    assert 1 <= int(response["Retry-After"]) <= 3600
    body = graphql(client, _token_auth_doc(1, user.email)).json()
    assert _codes_by_alias(body)["a0"] == "RATE_LIMITED"


def test_a_successful_login_does_not_reset_the_ip_budget(api, settings):
    settings.RATE_LIMITS = {"login": ["3/m ip"]}
    user = UserFactory()
    credentials = {"email": user.email, "password": DEFAULT_PASSWORD}
    assert [api.post(LOGIN, credentials).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]


def test_a_spoofed_forwarded_for_does_not_open_a_new_bucket_without_a_trusted_proxy(
    api, settings
):
    settings.RATE_LIMITS = {"login": ["2/m ip"]}
    settings.NUM_TRUSTED_PROXIES = 0
    statuses = [
        api.post(
            LOGIN,
            {"email": "x@example.com", "password": "whatever-123"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_behind_one_trusted_proxy_each_client_address_has_its_own_bucket(api, settings):
    settings.RATE_LIMITS = {"login": ["1/m ip"]}
    settings.NUM_TRUSTED_PROXIES = 1
    statuses = [
        api.post(
            LOGIN,
            {"email": "x@example.com", "password": "whatever-123"},
            HTTP_X_FORWARDED_FOR=f"6.6.6.6, 198.51.100.{i}",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 401]


@pytest.fixture
def stopped_redis(redis_server):
    redis_server.stop()
    try:
        yield
    finally:
        redis_server.start()


def test_with_redis_down_login_fails_closed_and_me_keeps_working(
    client, api, stopped_redis
):
    user = UserFactory()
    # Issued straight from the service (its own limiter call fails closed too).
    from users.services.sessions import open_session

    pair = open_session(user=user, meta=RequestMeta(ip_address="127.0.0.1"))
    response = api.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "SERVICE_UNAVAILABLE"
    body = graphql(client, _token_auth_doc(1, user.email)).json()
    assert _codes_by_alias(body)["a0"] == "SERVICE_UNAVAILABLE"

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    assert api.get(ME).json()["email"] == user.email
    me = graphql(client, "{ me { email } }", token=pair.access).json()
    assert me["data"]["me"]["email"] == user.email


def test_profile_updates_cannot_grant_privileges_over_rest(api):
    user = UserFactory()
    pair = services.login(
        email=user.email,
        password=DEFAULT_PASSWORD,
        meta=RequestMeta(ip_address="127.0.0.1"),
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
    for field, value in [
        ("is_staff", True),
        ("is_superuser", True),
        ("email_verified", False),
        ("password", "new-password-12345"),
        ("id", 999),
    ]:
        api.patch(ME, {field: value, "name": "Mallory"}, format="json")
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.is_superuser
    assert user.email_verified
    assert user.check_password(DEFAULT_PASSWORD)


def test_profile_updates_cannot_grant_privileges_over_graphql(client):
    user = UserFactory()
    pair = services.login(
        email=user.email,
        password=DEFAULT_PASSWORD,
        meta=RequestMeta(ip_address="127.0.0.1"),
    )
    body = graphql(
        client,
        'mutation { updateProfile(input: {name: "M", isStaff: true}) '
        "{ errors { code } } }",
        token=pair.access,
    ).json()
    assert body["errors"]
    user.refresh_from_db()
    assert not user.is_staff


def test_a_json_body_over_one_megabyte_is_refused_with_413_on_both_surfaces(
    client, api
):
    huge = json.dumps({"email": "a@example.com", "password": "x" * (1024 * 1024 + 10)})
    rest = api.generic("POST", LOGIN, huge, content_type="application/json")
    assert rest.status_code == 413
    assert rest.json()["errors"][0]["code"] == "FILE_TOO_LARGE"
    gql = client.post("/graphql/", data=huge, content_type="application/json")
    assert gql.status_code == 413


@pytest.mark.parametrize("password", ["p" * 129, "p" * 100_000])
def test_overlong_passwords_get_a_clear_error_on_registration(api, password):
    response = api.post(
        "/api/v1/auth/register/", {"email": "long@example.com", "password": password}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "password",
        "code": "PASSWORD_TOO_LONG",
        "message": "Use at most 128 characters.",
    }
