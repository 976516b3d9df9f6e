"""The new sign-in notice and its single-use "this wasn't me" link (service level)."""

import pytest
from django.core import mail

from tests.factories import DEFAULT_PASSWORD
from tests.links import link_token
from users import emails, events, services
from users.action_links import make_action_token
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import SecurityEvent, SecurityEventKind
from users.selectors import active_sessions
from users.services.email_change import CANCEL_EMAIL_CHANGE
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db

K = SecurityEventKind
INTRUDER = RequestMeta(
    ip_address="203.0.113.66", user_agent="Mozilla/5.0 <b>Intruder</b>"
)


def _notice(user, committed):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=INTRUDER)
    event = SecurityEvent.objects.filter(session_id=pair.session.pk).get()
    mail.outbox.clear()
    with committed():
        emails.send_new_sign_in_notice(user, event)
    [message] = mail.outbox
    return pair, event, message


def test_the_notice_names_the_time_address_and_agent_and_carries_the_link(
    user, committed
):
    _, event, message = _notice(user, committed)
    assert message.to == [user.email]
    assert message.subject == "New sign-in to your account"
    assert "203.0.113.66" in message.body
    assert "Mozilla/5.0 <b>Intruder</b>" in message.body
    assert f"{event.created_at:%Y-%m-%d %H:%M} UTC" in message.body
    assert "https://app.example.test/unrecognized-login?token=" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    # The agent is the intruder's text: escaped in the HTML part.
    assert "&lt;b&gt;Intruder&lt;/b&gt;" in html
    assert "<b>Intruder</b>" not in html
    assert link_token(html) == link_token(message.body)


def test_the_link_ends_every_session_records_the_report_and_emails_a_reset_link(
    user, meta, committed
):
    mine = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    intruder, _, message = _notice(user, committed)
    mail.outbox.clear()
    with committed():
        services.report_unrecognized_login(token=link_token(message.body), meta=meta)

    assert not active_sessions(user=user).exists()
    for pair in (mine, intruder):
        with pytest.raises(ServiceError):
            authenticate_access_token(pair.access)
    report = SecurityEvent.objects.filter(user=user).first()
    assert (report.kind, report.session_id) == (
        K.UNRECOGNIZED_LOGIN_REPORTED,
        intruder.session.pk,
    )
    assert report.ip_address == meta.ip_address
    [reset] = mail.outbox
    assert reset.to == [user.email]
    assert "https://app.example.test/reset-password?token=" in reset.body
    services.reset_password(
        token=link_token(reset.body), new_password="a-brand-new-passphrase-7", meta=meta
    )


def test_the_link_works_once(user, meta, committed):
    _, _, message = _notice(user, committed)
    token = link_token(message.body)
    services.report_unrecognized_login(token=token, meta=meta)
    before = SecurityEvent.objects.count()
    with pytest.raises(ServiceError) as caught:
        services.report_unrecognized_login(token=token, meta=meta)
    assert (caught.value.code, caught.value.field) == (ErrorCode.TOKEN_INVALID, "token")
    assert SecurityEvent.objects.count() == before


@pytest.mark.parametrize("token", ["", "garbage", "a" * 5000])
def test_a_forged_link_is_token_invalid(meta, token):
    with pytest.raises(ServiceError) as caught:
        services.report_unrecognized_login(token=token, meta=meta)
    assert caught.value.code == ErrorCode.TOKEN_INVALID


def test_another_actions_link_is_not_a_report_link(user, meta):
    cancel = make_action_token(user, CANCEL_EMAIL_CHANGE, {"old": "a", "new": "b"})
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    with pytest.raises(ServiceError) as caught:
        services.report_unrecognized_login(token=cancel, meta=meta)
    assert caught.value.code == ErrorCode.TOKEN_INVALID
    assert authenticate_access_token(pair.access).user == user


def test_the_report_is_recorded_by_the_report_alone(user, meta, committed):
    _, _, message = _notice(user, committed)
    since = SecurityEvent.objects.order_by("-pk").first().pk
    services.report_unrecognized_login(token=link_token(message.body), meta=meta)
    kinds = list(
        SecurityEvent.objects.filter(pk__gt=since).values_list("kind", flat=True)
    )
    assert kinds == [K.UNRECOGNIZED_LOGIN_REPORTED]


def test_no_notice_is_sent_for_an_event_that_is_gone(user, committed):
    event = events.record(K.NEW_DEVICE_LOGIN, user_id=user.pk, meta=INTRUDER)
    event_copy = SecurityEvent(pk=event.pk, user=user)
    event.delete()
    with committed():
        emails.send_new_sign_in_notice(user, event_copy)
    assert mail.outbox == []
