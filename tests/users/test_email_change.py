"""An email change needs the password, can be cancelled from the old address."""

import pytest
from django.core import mail, signing

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.graphql.client import login
from tests.links import link_token
from users import services
from users.action_links import consume_action_token, make_action_token
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import Session
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db


def _change(user, meta, committed, email="new@example.com"):
    with committed():
        services.update_profile(
            user=user, meta=meta, email=email, password=DEFAULT_PASSWORD
        )
    notice = next(m for m in mail.outbox if m.to == [user.email])
    verify = next(m for m in mail.outbox if m.to == [email])
    return link_token(notice.body), link_token(verify.body)


@pytest.mark.parametrize(
    ("password", "code"),
    [(None, "REQUIRED"), ("", "REQUIRED"), ("wrong-password-1", "PASSWORD_INCORRECT")],
)
def test_a_new_email_needs_the_current_password(user, meta, password, code):
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(
            user=user, meta=meta, email="new@example.com", password=password
        )
    assert (excinfo.value.code, excinfo.value.field) == (code, "password")
    user.refresh_from_db()
    assert user.pending_email == ""


def test_other_profile_fields_need_no_password(user, meta):
    services.update_profile(user=user, meta=meta, name="Ada", email=user.email.upper())
    user.refresh_from_db()
    assert (user.name, user.pending_email) == ("Ada", "")


def test_a_wrong_password_does_not_reveal_whether_the_address_is_taken(user, meta):
    UserFactory(email="taken@example.com")
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(
            user=user, meta=meta, email="taken@example.com", password="wrong-pw-123"
        )
    assert excinfo.value.code == ErrorCode.PASSWORD_INCORRECT


def test_the_email_change_password_check_is_rate_limited(user, meta, settings):
    settings.RATE_LIMITS = {"email_change": ["3/h user"]}
    for _ in range(3):
        with pytest.raises(ServiceError):
            services.update_profile(
                user=user, meta=meta, email="n@example.com", password="wrong-pw-123"
            )
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(
            user=user, meta=meta, email="n@example.com", password=DEFAULT_PASSWORD
        )
    assert excinfo.value.code == ErrorCode.RATE_LIMITED


def test_the_old_address_gets_a_notice_with_a_cancel_link(user, meta, committed):
    cancel, _ = _change(user, meta, committed)
    notice = next(m for m in mail.outbox if m.to == [user.email])
    assert "/cancel-email-change?token=" in notice.body
    html = notice.alternatives[0][0]
    assert "/cancel-email-change?token=" in html
    assert cancel


def test_cancelling_drops_the_pending_change_and_revokes_every_session(
    user, meta, committed
):
    first, second = login(user), login(user)
    cancel, verify = _change(user, meta, committed)
    services.cancel_email_change(token=cancel, meta=RequestMeta())
    user.refresh_from_db()
    assert user.pending_email == ""
    assert not Session.objects.filter(user=user, revoked_at__isnull=True).exists()
    for pair in (first, second):
        with pytest.raises(ServiceError):
            authenticate_access_token(pair.access)
    with pytest.raises(ServiceError) as excinfo:
        services.verify_email(token=verify, meta=RequestMeta())
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_cancelling_after_verification_restores_the_old_address(user, meta, committed):
    old = user.email
    cancel, verify = _change(user, meta, committed)
    services.verify_email(token=verify, meta=RequestMeta())
    user.refresh_from_db()
    assert user.email == "new@example.com"
    services.cancel_email_change(token=cancel, meta=RequestMeta())
    user.refresh_from_db()
    assert (user.email, user.email_verified) == (old, True)


def test_a_cancel_link_works_once(user, meta, committed):
    cancel, _ = _change(user, meta, committed)
    services.cancel_email_change(token=cancel, meta=RequestMeta())
    with pytest.raises(ServiceError) as excinfo:
        services.cancel_email_change(token=cancel, meta=RequestMeta())
    assert (excinfo.value.code, excinfo.value.field) == ("TOKEN_INVALID", "token")


def test_a_cancel_link_still_works_after_the_password_changed(user, meta, committed):
    cancel, _ = _change(user, meta, committed)
    services.change_password(
        user=user,
        current_password=DEFAULT_PASSWORD,
        new_password="attacker-chose-this-1",
        meta=meta,
    )
    services.cancel_email_change(token=cancel, meta=RequestMeta())
    user.refresh_from_db()
    assert user.pending_email == ""


def test_an_expired_cancel_link_says_token_expired(user, settings):
    token = make_action_token(user, "cancel_email_change", {"old": "a", "new": "b"})
    settings.ACCOUNT_ACTION_LINK_MAX_AGE = {"cancel_email_change": -1}
    with pytest.raises(ServiceError) as excinfo:
        services.cancel_email_change(token=token, meta=RequestMeta())
    assert excinfo.value.code == ErrorCode.TOKEN_EXPIRED


@pytest.mark.parametrize(
    "token", ["", "x" * 3000, "not-a-token", signing.dumps({"u": 1}), 12]
)
def test_a_malformed_cancel_link_says_token_invalid(user, token):
    with pytest.raises(ServiceError) as excinfo:
        services.cancel_email_change(token=token, meta=RequestMeta())
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_an_action_link_cannot_be_replayed_as_another_action(user):
    token = make_action_token(user, "report_unrecognized_login")
    with pytest.raises(ServiceError) as excinfo:
        consume_action_token(token, "cancel_email_change")
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID
    assert consume_action_token(token, "report_unrecognized_login").user == user


def test_a_verification_link_followed_twice_is_invalid(user, meta, committed):
    _, verify = _change(user, meta, committed)
    services.verify_email(token=verify, meta=RequestMeta())
    with pytest.raises(ServiceError) as excinfo:
        services.verify_email(token=verify, meta=RequestMeta())
    assert (excinfo.value.code, excinfo.value.field) == ("TOKEN_INVALID", "token")


def test_verifying_a_change_revokes_every_other_session(user, meta, committed):
    mine, other = login(user), login(user)
    _, verify = _change(user, meta, committed)
    services.verify_email(
        token=verify, meta=RequestMeta(), current_session=mine.session
    )
    assert authenticate_access_token(mine.access).user == user
    with pytest.raises(ServiceError):
        authenticate_access_token(other.access)


def test_verifying_a_change_keeps_no_session_of_another_account(user, meta, committed):
    stranger = login(UserFactory())
    mine = login(user)
    _, verify = _change(user, meta, committed)
    services.verify_email(
        token=verify, meta=RequestMeta(), current_session=stranger.session
    )
    with pytest.raises(ServiceError):
        authenticate_access_token(mine.access)
    assert authenticate_access_token(stranger.access)
