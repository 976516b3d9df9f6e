import logging

import pytest
from django.core import mail

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import token_from_last_mail
from users import services
from users.errors import ErrorCode, ServiceError
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db

NEW = "brand-new-passphrase-77"


def test_change_password_requires_the_current_password(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.change_password(
            user=user, current_password="wrong-one-123", new_password=NEW, meta=meta
        )
    assert (excinfo.value.code, excinfo.value.field) == (
        ErrorCode.PASSWORD_INCORRECT,
        "current_password",
    )


def test_change_password_runs_the_validators_against_the_user(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.change_password(
            user=user,
            current_password=DEFAULT_PASSWORD,
            new_password=user.email,
            meta=meta,
        )
    assert excinfo.value.code == ErrorCode.PASSWORD_TOO_SIMILAR
    assert excinfo.value.field == "new_password"


def test_change_password_revokes_every_session_and_older_access_tokens(user, meta):
    old = [
        services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
        for _ in range(2)
    ]
    fresh = services.change_password(
        user=user, current_password=DEFAULT_PASSWORD, new_password=NEW, meta=meta
    )
    for pair in old:
        with pytest.raises(ServiceError) as excinfo:
            authenticate_access_token(pair.access)
        assert excinfo.value.code == ErrorCode.TOKEN_INVALID
        with pytest.raises(ServiceError):
            services.refresh(refresh_token=pair.refresh, meta=meta)
    assert authenticate_access_token(fresh.access).user == user
    assert services.refresh(refresh_token=fresh.refresh, meta=meta)


def test_change_password_lets_the_new_password_log_in(user, meta, committed):
    with committed():
        services.change_password(
            user=user, current_password=DEFAULT_PASSWORD, new_password=NEW, meta=meta
        )
    assert services.login(email=user.email, password=NEW, meta=meta)
    assert mail.outbox[-1].to == [user.email]


def test_reset_request_for_an_unknown_email_sends_nothing_and_says_nothing(
    meta, committed
):
    with committed():
        assert (
            services.request_password_reset(email="ghost@example.com", meta=meta)
            is None
        )
    assert mail.outbox == []


def test_reset_request_for_a_known_email_sends_a_link(user, meta, committed):
    with committed():
        services.request_password_reset(email=user.email.upper(), meta=meta)
    assert mail.outbox[-1].to == [user.email]


def test_reset_request_for_a_deactivated_account_sends_nothing(meta, committed):
    inactive = UserFactory(is_active=False)
    with committed():
        services.request_password_reset(email=inactive.email, meta=meta)
    assert mail.outbox == []


def test_reset_password_sets_the_password_and_revokes_sessions(user, meta, committed):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with committed():
        services.request_password_reset(email=user.email, meta=meta)
    with committed():
        services.reset_password(
            token=token_from_last_mail(), new_password=NEW, meta=meta
        )
    assert services.login(email=user.email, password=NEW, meta=meta)
    with pytest.raises(ServiceError):
        authenticate_access_token(pair.access)


def test_a_reset_token_works_only_once(user, meta, committed):
    with committed():
        services.request_password_reset(email=user.email, meta=meta)
    token = token_from_last_mail()
    with committed():
        services.reset_password(token=token, new_password=NEW, meta=meta)
    with pytest.raises(ServiceError) as excinfo:
        services.reset_password(
            token=token, new_password="another-passphrase-9", meta=meta
        )
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_a_reset_token_expires(user, meta, committed, settings):
    with committed():
        services.request_password_reset(email=user.email, meta=meta)
    token = token_from_last_mail()
    settings.PASSWORD_RESET_TIMEOUT = -1
    with pytest.raises(ServiceError) as excinfo:
        services.reset_password(token=token, new_password=NEW, meta=meta)
    assert excinfo.value.code in {ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_INVALID}
    assert services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)


def test_a_weak_new_password_is_refused_and_the_token_stays_usable(
    user, meta, committed
):
    with committed():
        services.request_password_reset(email=user.email, meta=meta)
    token = token_from_last_mail()
    with pytest.raises(ServiceError) as excinfo:
        services.reset_password(token=token, new_password="short", meta=meta)
    # "short" may also be too similar to a generated name; both are reported.
    codes = {error.code for error in excinfo.value.errors}
    assert ErrorCode.PASSWORD_TOO_SHORT in codes
    with committed():
        services.reset_password(token=token, new_password=NEW, meta=meta)


@pytest.mark.parametrize("token", ["", "garbage", "a.b", "Mg.zzz-zzz", "x" * 5000])
def test_a_malformed_reset_token_says_token_invalid(token, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.reset_password(token=token, new_password=NEW, meta=meta)
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_no_password_or_token_reaches_the_logs(user, meta, committed, caplog):
    caplog.set_level(logging.DEBUG)
    with committed():
        services.request_password_reset(email=user.email, meta=meta)
    token = token_from_last_mail()
    with committed():
        services.reset_password(token=token, new_password=NEW, meta=meta)
    pair = services.login(email=user.email, password=NEW, meta=meta)
    assert token not in caplog.text
    assert NEW not in caplog.text
    assert pair.access not in caplog.text


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    user, meta, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Same queries (one outbox insert) and one publish either way: nothing to time."""
    with (
        django_assert_num_queries(1),
        django_capture_on_commit_callbacks() as known,
    ):
        services.request_password_reset(email=user.email, meta=meta)
    with (
        django_assert_num_queries(1),
        django_capture_on_commit_callbacks() as unknown,
    ):
        services.request_password_reset(email="nobody@example.com", meta=meta)
    assert len(known) == len(unknown) == 1
