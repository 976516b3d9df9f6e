import logging
import os
import signal
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.graphql.client import GraphQLClient
from tests.rest.utils import client_for, login
from tests.services.servers import wait_for_port
from users import devices, ratelimits, services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta

IP_A = RequestMeta(ip_address="203.0.113.7")
IP_B = RequestMeta(ip_address="198.51.100.9")


def attempts(operation, times, *, meta=IP_A, subject=None):
    for _ in range(times):
        ratelimits.enforce(operation, meta=meta, subject=subject)


def refused(operation, *, meta=IP_A, subject=None) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        ratelimits.enforce(operation, meta=meta, subject=subject)
    return caught.value


# --- counting -----------------------------------------------------------------


def test_attempt_over_the_limit_is_rate_limited_with_retry_after_within_window(
    settings,
):
    settings.RATE_LIMITS = {"register": ["3/m ip"]}
    attempts("register", 3)

    error = refused("register")

    assert error.code == ErrorCode.RATE_LIMITED
    assert 0 < error.retry_after <= 60
    assert isinstance(error.retry_after, int)


def test_rate_limited_message_tells_the_seconds_to_wait(settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    attempts("register", 1)

    error = refused("register")

    assert (
        error.message == f"Too many attempts. Try again in {error.retry_after} seconds."
    )


def test_attempts_up_to_the_limit_are_allowed(settings):
    settings.RATE_LIMITS = {"register": ["5/m ip"]}

    attempts("register", 5)


def test_limit_keeps_refusing_within_the_window(settings):
    settings.RATE_LIMITS = {"register": ["2/m ip"]}
    attempts("register", 2)

    assert refused("register").code == ErrorCode.RATE_LIMITED
    assert refused("register").code == ErrorCode.RATE_LIMITED


def test_retry_after_is_that_of_the_exceeded_bucket_resetting_last(
    settings, redis_client
):
    settings.RATE_LIMITS = {"login": ["1/m ip", "1/h email"]}
    attempts("login", 1, subject="a@example.com")

    error = refused("login", subject="a@example.com")

    # Both are exceeded; only the hourly one tells when a retry can succeed.
    hourly_left = _time_left(redis_client, "login", "1/h", "a@example.com")
    assert abs(error.retry_after - (hourly_left + 1)) <= 1


def test_window_rolls_over_after_retry_after(settings):
    settings.RATE_LIMITS = {"register": ["1/2s ip"]}
    attempts("register", 1)
    error = refused("register")

    time.sleep(error.retry_after + 0.05)

    ratelimits.enforce("register", meta=IP_A)


def test_allowed_attempts_count_as_much_as_refused_ones(settings):
    # Counting happens before the outcome is known, so a successful login (an
    # allowed call) uses up budget exactly like a failed one.
    settings.RATE_LIMITS = {"login": ["2/m ip"]}
    attempts("login", 2, subject="a@example.com")

    assert refused("login", subject="a@example.com").code == ErrorCode.RATE_LIMITED


def test_operations_have_separate_budgets(settings):
    settings.RATE_LIMITS = {"register": ["1/m ip"], "refresh": ["1/m ip"]}
    attempts("register", 1)

    ratelimits.enforce("refresh", meta=IP_A)


# --- independent buckets ------------------------------------------------------


def test_changing_ip_does_not_escape_the_email_bucket(settings):
    settings.RATE_LIMITS = {"login": ["100/m ip", "3/m email"]}
    for number in range(3):
        meta = RequestMeta(ip_address=f"192.0.2.{number + 1}")
        ratelimits.enforce("login", meta=meta, subject="victim@example.com")

    error = refused("login", meta=IP_B, subject="victim@example.com")

    assert error.code == ErrorCode.RATE_LIMITED


def test_changing_email_does_not_escape_the_ip_bucket(settings):
    settings.RATE_LIMITS = {"login": ["3/m ip", "100/m email"]}
    for number in range(3):
        ratelimits.enforce("login", meta=IP_A, subject=f"user{number}@example.com")

    error = refused("login", subject="someone-else@example.com")

    assert error.code == ErrorCode.RATE_LIMITED


def test_another_ip_has_its_own_ip_budget(settings):
    settings.RATE_LIMITS = {"login": ["1/m ip", "100/m email"]}
    attempts("login", 1, meta=IP_A, subject="a@example.com")

    ratelimits.enforce("login", meta=IP_B, subject="a@example.com")


def test_another_email_has_its_own_email_budget(settings):
    settings.RATE_LIMITS = {"login": ["100/m ip", "1/m email"]}
    attempts("login", 1, subject="a@example.com")

    ratelimits.enforce("login", meta=IP_A, subject="b@example.com")


def test_email_bucket_is_case_insensitive(settings):
    settings.RATE_LIMITS = {"login": ["100/m ip", "2/m email"]}
    ratelimits.enforce("login", meta=IP_A, subject="Victim@Example.com")
    ratelimits.enforce("login", meta=IP_B, subject=" victim@example.COM ")

    error = refused("login", meta=IP_A, subject="VICTIM@EXAMPLE.COM")

    assert error.code == ErrorCode.RATE_LIMITED


def test_user_bucket_counts_per_user(settings):
    settings.RATE_LIMITS = {"password_change": ["1/h user"]}
    attempts("password_change", 1, subject="1")

    ratelimits.enforce("password_change", meta=IP_A, subject="2")
    assert refused("password_change", meta=IP_B, subject="1").code == (
        ErrorCode.RATE_LIMITED
    )


def test_ipv6_addresses_in_one_slash_64_share_a_bucket(settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    attempts("register", 1, meta=RequestMeta(ip_address="2001:db8:1:2::1"))

    error = refused("register", meta=RequestMeta(ip_address="2001:db8:1:2:ffff::9"))

    assert error.code == ErrorCode.RATE_LIMITED


def test_ipv4_mapped_ipv6_shares_the_ipv4_bucket(settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    attempts("register", 1, meta=RequestMeta(ip_address="203.0.113.7"))

    error = refused("register", meta=RequestMeta(ip_address="::ffff:203.0.113.7"))

    assert error.code == ErrorCode.RATE_LIMITED


def test_callers_without_an_address_share_one_ip_bucket(settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    attempts("register", 1, meta=RequestMeta())

    assert refused("register", meta=RequestMeta()).code == ErrorCode.RATE_LIMITED
    ratelimits.enforce("register", meta=IP_A)


def test_subject_bucket_is_skipped_without_a_subject(settings):
    settings.RATE_LIMITS = {"general": ["1/m user", "100/m ip"]}

    attempts("general", 3)


def test_cache_keys_hold_no_raw_email(redis_client):
    ratelimits.enforce("login", meta=IP_A, subject="secret.person@example.com")

    keys = [key.decode() for key in redis_client.keys("*")]
    assert keys
    assert not any("secret.person" in key or "example.com" in key for key in keys)
    assert not any("203.0.113.7" in key for key in keys)


# --- the policy table ---------------------------------------------------------


def test_default_policy_has_the_documented_buckets():
    login = ratelimits.buckets_for("login")

    assert [(b.rate, b.kind) for b in login] == [
        ("20/m", "ip"),
        ("200/h", "ip"),
        ("10/m", "email"),
        ("50/h", "email"),
    ]


def test_every_default_bucket_parses():
    for operation in ratelimits.DEFAULT_RATE_LIMITS:
        ratelimits.buckets_for(operation)


def test_setting_replaces_only_the_operations_it_names(settings):
    settings.RATE_LIMITS = {"login": ["5/m ip"]}

    assert [b.rate for b in ratelimits.buckets_for("login")] == ["5/m"]
    assert [b.rate for b in ratelimits.buckets_for("register")] == ["10/h"]


def test_empty_bucket_list_turns_an_operation_off(settings):
    settings.RATE_LIMITS = {"register": []}

    attempts("register", 50)


def test_unknown_operation_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        ratelimits.enforce("logn", meta=IP_A)


@pytest.mark.parametrize("spec", ["10/m", "10/m host", "ten/m ip", "10/m ip extra"])
def test_malformed_bucket_is_a_configuration_error(settings, spec):
    settings.RATE_LIMITS = {"register": [spec]}

    with pytest.raises(ImproperlyConfigured):
        ratelimits.enforce("register", meta=IP_A)


def test_ratelimit_enable_false_turns_limits_off(settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    settings.RATELIMIT_ENABLE = False

    attempts("register", 5)


# --- when Redis is down ---------------------------------------------------------


def test_login_fails_closed_when_redis_is_down(redis_down):
    error = refused("login", subject="a@example.com")

    assert error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert "temporarily unavailable" in error.message


@pytest.mark.parametrize("operation", ["register", "password_reset_request"])
def test_abuse_prone_operations_fail_closed_when_redis_is_down(redis_down, operation):
    assert refused(operation, subject="a@example.com").code == (
        ErrorCode.SERVICE_UNAVAILABLE
    )


def test_verification_resend_fails_open_when_redis_is_down(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="users.ratelimits"):
        ratelimits.enforce("verification_resend", meta=IP_A, subject="42")

    warnings = [r for r in caplog.records if r.name == "users.ratelimits"]
    assert len(warnings) == 1
    assert "verification_resend" in warnings[0].getMessage()
    assert "203.0.113.7" not in warnings[0].getMessage()


def test_fail_closed_set_is_configurable(redis_down, settings):
    settings.RATE_LIMIT_FAIL_CLOSED = {"verification_resend"}

    assert refused("verification_resend", subject="42").code == (
        ErrorCode.SERVICE_UNAVAILABLE
    )
    ratelimits.enforce("register", meta=IP_A)


@pytest.mark.parametrize("operation", sorted(ratelimits.CREDENTIAL_CHECKS))
def test_the_setting_cannot_open_a_credential_check(redis_down, settings, operation):
    settings.RATE_LIMIT_FAIL_CLOSED = set()

    assert refused(operation, subject="42").code == ErrorCode.SERVICE_UNAVAILABLE


# --- every password check fails closed, over HTTP ------------------------------


@pytest.fixture
def pair(db, user):
    """A session opened before Redis goes down (logging in needs the limiter)."""
    return login(user)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/api/v1/users/me/password/",
            {"current_password": "wrong-pass-1", "new_password": "new-pass-phrase-1"},
        ),
        ("delete", "/api/v1/users/me/", {"password": "wrong-pass-1"}),
        ("patch", "/api/v1/users/me/", {"email": "n@example.com", "password": "x1"}),
    ],
)
def test_password_checks_of_a_token_holder_fail_closed_when_redis_is_down(
    pair, method, path, body, redis_down
):
    client = client_for(pair.access)
    for _ in range(12):
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 503, response.json()
        assert response.json()["errors"][0]["code"] == "SERVICE_UNAVAILABLE"


def test_graphql_change_password_fails_closed_when_redis_is_down(
    pair, redis_down, client
):
    gql = GraphQLClient(client, pair.access)
    result = gql(
        "mutation ($i: ChangePasswordInput!) { changePassword(input: $i) "
        "{ errors { code } } }",
        {"i": {"currentPassword": "wrong-pass-1", "newPassword": "new-pass-phrase-1"}},
    )
    assert result.codes == ["SERVICE_UNAVAILABLE"]


def test_a_known_devices_login_fails_closed_when_redis_is_down(db, user, redis_down):
    with pytest.raises(ServiceError) as caught:
        services.login(
            email=user.email,
            password="wrong-pass-1",
            device_token=devices.mint(user),
            meta=IP_A,
        )
    assert caught.value.code == ErrorCode.SERVICE_UNAVAILABLE


def test_down_redis_answers_within_three_seconds(redis_down):
    started = time.monotonic()
    with pytest.raises(ServiceError):
        ratelimits.enforce("login", meta=IP_A, subject="a@example.com")
    ratelimits.enforce("general", meta=IP_A, subject="42")

    assert time.monotonic() - started < 3


def test_hung_redis_answers_within_three_seconds(redis_server):
    """A server that accepts but never answers is bounded by the socket timeout."""
    ratelimits.enforce("general", meta=IP_A, subject="42")  # open a pooled connection
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        error = refused("login", subject="a@example.com")
        elapsed = time.monotonic() - started
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    wait_for_port(redis_server.port)

    assert error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert elapsed < 3


def test_limits_apply_again_once_redis_is_back(redis_server, settings):
    settings.RATE_LIMITS = {"register": ["1/h ip"]}
    redis_server.stop()
    try:
        refused("register")
    finally:
        redis_server.start()
        wait_for_port(redis_server.port)

    attempts("register", 1)
    assert refused("register").code == ErrorCode.RATE_LIMITED


def test_a_store_error_reply_follows_the_failure_policy(settings, redis_client):
    """Redis answering an error (here: the counter key holds a list) is "unknown"."""
    settings.RATE_LIMITS = {"login": ["5/m ip"], "avatar_upload": ["5/m ip"]}
    for operation in ("login", "avatar_upload"):
        bucket = ratelimits.buckets_for(operation)[0]
        key = ratelimits.bucket_key(operation, bucket, meta=IP_A, subject=None)
        redis_client.rpush(key, "not a counter")

    assert refused("login", subject="a@example.com").code == (
        ErrorCode.SERVICE_UNAVAILABLE
    )
    ratelimits.enforce("avatar_upload", meta=IP_A, subject="42")


def test_all_buckets_of_a_call_are_counted_in_one_round_trip(redis_commands):
    ratelimits.enforce("login", meta=IP_A, subject="warm@example.com")

    with redis_commands() as sent:
        ratelimits.enforce("login", meta=IP_A, subject="a@example.com")
        ratelimits.enforce("general", meta=IP_A, subject="42")

    assert len(sent) == 2


def test_a_window_always_gets_an_expiry(settings, redis_client):
    settings.RATE_LIMITS = {"register": ["3/m ip"]}
    attempts("register", 2)

    bucket = ratelimits.buckets_for("register")[0]
    key = ratelimits.bucket_key("register", bucket, meta=IP_A, subject=None)
    assert 0 < redis_client.pttl(key) <= 60_000


def test_no_attempt_takes_the_unavailable_path_at_window_boundaries(settings):
    """Many 1-second windows closing under a stream of attempts never read as a
    store failure: increment and expiry happen in one atomic script."""
    settings.RATE_LIMITS = {"login": ["1000000/s ip", "1000000/s email"]}
    deadline = time.monotonic() + 2.5
    calls = 0
    while time.monotonic() < deadline:
        ratelimits.enforce("login", meta=IP_A, subject="a@example.com")
        calls += 1

    assert calls > 100


# --- helpers --------------------------------------------------------------------


def _time_left(client, operation, rate, subject):
    bucket = next(b for b in ratelimits.buckets_for(operation) if b.rate == rate)
    key = ratelimits.bucket_key(operation, bucket, meta=IP_A, subject=subject)
    return client.pttl(key) / 1000
