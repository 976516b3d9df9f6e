import threading
from datetime import timedelta

import jwt
import pytest
from django.db import connections
from django.utils import timezone
from graphql_relay import to_global_id
from rest_framework_simplejwt.settings import api_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users import services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import Session, User
from users.selectors import active_sessions
from users.tokens import AccessToken, authenticate_access_token

pytestmark = pytest.mark.django_db


def _code(excinfo) -> ErrorCode:
    return excinfo.value.code


def test_login_returns_a_pair_whose_access_token_authenticates(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    caller = authenticate_access_token(pair.access)
    assert caller.user == user
    assert caller.session == pair.session


def test_login_records_the_session_with_ip_and_user_agent(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    session = Session.objects.get(pk=pair.session.pk)
    assert session.ip_address == "203.0.113.7"
    assert session.user_agent == "pytest-agent/1.0"
    assert session.refresh_jti
    assert session.revoked_at is None


def test_login_accepts_the_email_in_any_case(user, meta):
    pair = services.login(
        email=user.email.upper(), password=DEFAULT_PASSWORD, meta=meta
    )
    assert pair.session.user == user


def test_login_with_a_wrong_password_says_invalid_credentials(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.login(email=user.email, password="wrong-password-123", meta=meta)
    assert _code(excinfo) == ErrorCode.INVALID_CREDENTIALS


def test_login_with_an_unknown_email_says_the_same_as_a_wrong_password(meta):
    with pytest.raises(ServiceError) as excinfo:
        services.login(email="nobody@example.com", password=DEFAULT_PASSWORD, meta=meta)
    assert _code(excinfo) == ErrorCode.INVALID_CREDENTIALS
    assert excinfo.value.message == "Wrong email or password."


def test_login_with_an_unknown_email_still_computes_one_password_hash(
    user, meta, settings
):
    from tests.hashers import CountingArgon2PasswordHasher

    settings.PASSWORD_HASHERS = ["tests.hashers.CountingArgon2PasswordHasher"]
    CountingArgon2PasswordHasher.calls = 0
    with pytest.raises(ServiceError):
        services.login(email="nobody@example.com", password="whatever-pass", meta=meta)
    unknown = CountingArgon2PasswordHasher.calls
    CountingArgon2PasswordHasher.calls = 0
    with pytest.raises(ServiceError):
        services.login(email=user.email, password="whatever-pass", meta=meta)
    assert unknown == CountingArgon2PasswordHasher.calls == 1


def test_login_with_a_megabyte_password_is_refused_without_hashing_it(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.login(email=user.email, password="x" * 1_000_000, meta=meta)
    assert _code(excinfo) == ErrorCode.INVALID_CREDENTIALS


def test_login_to_a_deactivated_account_says_account_inactive(meta):
    user = UserFactory(is_active=False)
    with pytest.raises(ServiceError) as excinfo:
        services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    assert _code(excinfo) == ErrorCode.ACCOUNT_INACTIVE


def test_authenticating_a_token_costs_one_query(user, meta, django_assert_num_queries):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with django_assert_num_queries(1):
        authenticate_access_token(pair.access)


def test_refresh_rotates_the_refresh_token(user, meta):
    first = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    second = services.refresh(refresh_token=first.refresh, meta=meta)
    assert second.refresh != first.refresh
    assert second.session.pk == first.session.pk
    assert authenticate_access_token(second.access).user == user


def test_presenting_a_rotated_refresh_token_revokes_the_session(
    user, meta, after_reuse_interval
):
    first = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    second = services.refresh(refresh_token=first.refresh, meta=meta)
    after_reuse_interval()
    with pytest.raises(ServiceError) as excinfo:
        services.refresh(refresh_token=first.refresh, meta=meta)
    assert _code(excinfo) == ErrorCode.TOKEN_REUSED
    assert Session.objects.get(pk=first.session.pk).revoked_at is not None
    # The legitimate holder's newer tokens die with the session.
    with pytest.raises(ServiceError):
        services.refresh(refresh_token=second.refresh, meta=meta)
    with pytest.raises(ServiceError) as access_excinfo:
        authenticate_access_token(second.access)
    assert _code(access_excinfo) == ErrorCode.TOKEN_INVALID


def test_reuse_detection_leaves_other_sessions_alone(user, meta, after_reuse_interval):
    stolen = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    other = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.refresh(refresh_token=stolen.refresh, meta=meta)
    after_reuse_interval()
    with pytest.raises(ServiceError):
        services.refresh(refresh_token=stolen.refresh, meta=meta)
    assert authenticate_access_token(other.access).user == user


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_refreshes_of_one_token_both_get_the_one_current_pair(meta):
    user = UserFactory()
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def refresh() -> None:
        try:
            barrier.wait(timeout=5)
            outcomes.append(services.refresh(refresh_token=pair.refresh, meta=meta))
        except ServiceError as exc:  # pragma: no cover - reported by the assert
            outcomes.append(str(exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not isinstance(o, str) for o in outcomes), outcomes
    assert len(outcomes) == 2
    first, second = outcomes
    # Serialised on the session row: one rotated, the other got the same chain.
    assert first.refresh == second.refresh != pair.refresh
    session = Session.objects.get(pk=pair.session.pk)
    assert session.revoked_at is None
    for got in outcomes:
        assert authenticate_access_token(got.access).session == session
    # Either tab's next refresh rotates the chain as usual.
    assert services.refresh(refresh_token=first.refresh, meta=meta).refresh not in {
        first.refresh,
        pair.refresh,
    }


def test_an_access_token_is_not_accepted_as_a_refresh_token(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        services.refresh(refresh_token=pair.access, meta=meta)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_a_refresh_token_is_not_accepted_as_an_access_token(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(pair.refresh)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_an_expired_access_token_says_token_expired(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    token = AccessToken(pair.access)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(str(token))
    assert _code(excinfo) == ErrorCode.TOKEN_EXPIRED


def _forge(payload: dict, key: str, algorithm: str) -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def test_a_token_signed_with_alg_none_is_rejected(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    forged = _forge(AccessToken(pair.access).payload, "", "none")
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(forged)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_a_token_with_a_wrong_signature_is_rejected(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    forged = _forge(AccessToken(pair.access).payload, "not-the-key" * 4, "HS256")
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(forged)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_a_signed_token_with_a_malformed_session_claim_is_rejected(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    token = AccessToken(pair.access)
    token["sid"] = "not-a-uuid"
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(str(token))
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_a_signed_token_pointing_at_another_users_session_is_rejected(meta):
    alice, bob = UserFactory(), UserFactory()
    bobs = services.login(email=bob.email, password=DEFAULT_PASSWORD, meta=meta)
    token = AccessToken(bobs.access)
    token[api_settings.USER_ID_CLAIM] = alice.pk
    with pytest.raises(ServiceError):
        authenticate_access_token(str(token))


@pytest.mark.parametrize("raw", ["", "garbage", "a.b.c", None, 42, "x" * 10_000])
def test_garbage_tokens_are_rejected_as_invalid(raw):
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(raw)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_verify_token_accepts_a_live_token_and_returns_its_claims(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    assert services.verify_token(token=pair.access).claims["user_id"] == user.pk


def test_logout_revokes_the_session_and_its_access_tokens_at_once(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.logout(refresh_token=pair.refresh, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(pair.access)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID
    with pytest.raises(ServiceError):
        services.refresh(refresh_token=pair.refresh, meta=meta)


def test_logging_out_twice_succeeds_twice(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.logout(refresh_token=pair.refresh, meta=meta)
    services.logout(refresh_token=pair.refresh, meta=meta)
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


def test_logging_out_with_garbage_says_token_invalid(meta):
    with pytest.raises(ServiceError) as excinfo:
        services.logout(refresh_token="not-a-token", meta=meta)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


def test_active_sessions_lists_only_live_sessions_of_the_user(user, meta):
    kept = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    gone = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.logout(refresh_token=gone.refresh, meta=meta)
    services.login(email=UserFactory().email, password=DEFAULT_PASSWORD, meta=meta)
    assert list(active_sessions(user=user)) == [kept.session]


def test_revoke_session_kills_that_sessions_tokens(user, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.revoke_session(user=user, session_id=pair.session.pk, meta=meta)
    with pytest.raises(ServiceError):
        authenticate_access_token(pair.access)


@pytest.mark.parametrize(
    "session_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]
)
def test_revoke_session_with_an_unknown_id_says_not_found(user, session_id):
    with pytest.raises(ServiceError) as excinfo:
        services.revoke_session(user=user, session_id=session_id, meta=RequestMeta())
    assert _code(excinfo) == ErrorCode.NOT_FOUND


def test_revoke_session_of_another_user_says_not_found(user, meta):
    other = UserFactory()
    theirs = services.login(email=other.email, password=DEFAULT_PASSWORD, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        services.revoke_session(user=user, session_id=theirs.session.pk, meta=meta)
    assert _code(excinfo) == ErrorCode.NOT_FOUND
    assert authenticate_access_token(theirs.access).user == other


def test_revoke_other_sessions_keeps_only_the_current_one(user, meta):
    current = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    others = [
        services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
        for _ in range(3)
    ]
    revoked = services.revoke_other_sessions(
        user=user, current_session=current.session, meta=meta
    )
    assert revoked == 3
    assert authenticate_access_token(current.access).user == user
    for pair in others:
        with pytest.raises(ServiceError):
            authenticate_access_token(pair.access)


def test_deactivation_makes_every_token_fail_at_once(user, staff, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.deactivate_user(actor=staff, user_id=to_global_id("User", user.pk))
    with pytest.raises(ServiceError):
        authenticate_access_token(pair.access)
    with pytest.raises(ServiceError):
        services.refresh(refresh_token=pair.refresh, meta=meta)


def test_only_staff_may_deactivate_users(user, meta):
    other = UserFactory()
    with pytest.raises(ServiceError) as excinfo:
        services.deactivate_user(actor=user, user_id=to_global_id("User", other.pk))
    assert _code(excinfo) == ErrorCode.FORBIDDEN
    assert User.objects.get(pk=other.pk).is_active


def test_a_token_of_a_deleted_user_is_rejected(user, meta, committed):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with committed():
        services.delete_account(user=user, password=DEFAULT_PASSWORD, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        authenticate_access_token(pair.access)
    assert _code(excinfo) == ErrorCode.TOKEN_INVALID


_ES256_PROBE = """
import django, jwt, uuid
django.setup()
from users.errors import ServiceError
from users.models import Session, User
from users.tokens import decode_access_token, issue_pair

pair = issue_pair(User(pk=1, token_version=0), Session(pk=uuid.uuid4()))
print(jwt.get_unverified_header(pair.access)["alg"])
print(decode_access_token(pair.access)["user_id"])
forged = jwt.encode({**pair.access_payload}, "guess", algorithm="HS256")
try:
    decode_access_token(forged)
    print("forged accepted")
except ServiceError as exc:
    print(exc.code)
"""


def test_tokens_can_be_signed_with_an_asymmetric_algorithm_by_setting():
    import os
    import subprocess
    import sys

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings.test",
        "JWT_ALGORITHM": "ES256",
        "JWT_SIGNING_KEY": private,
        "JWT_VERIFYING_KEY": public,
    }
    result = subprocess.run(
        [sys.executable, "-c", _ES256_PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ES256", "1", "TOKEN_INVALID"]
