"""Security events: each kind written by the one service where it happens.

Every test runs one operation and asserts the exact list of events it added
(kinds, session, address, agent), so a kind recorded by a second path, or an
operation that records nothing, fails here.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks.maintenance import purge
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token, token_from_last_mail
from users import devices, services
from users.email_tokens import make_password_reset_token
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import SecurityEvent, SecurityEventKind, Session
from users.selectors import active_sessions

K = SecurityEventKind
NEW_PASSWORD = "a-brand-new-passphrase-7"

pytestmark = pytest.mark.django_db


def _new_events(since: int) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(pk__gt=since).order_by("pk"))


def _last_pk() -> int:
    last = SecurityEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


class Recorded:
    """What one operation wrote: ``with recorded() as got: ...; got.kinds``."""

    def __enter__(self) -> "Recorded":
        self.since = _last_pk()
        return self

    def __exit__(self, *exc) -> None:
        self.events = _new_events(self.since)

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    @property
    def only(self) -> SecurityEvent:
        [event] = self.events
        return event


def _login(user, meta):
    return services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)


# --- Sign-ins ----------------------------------------------------------------------


def test_a_login_without_a_device_token_records_new_device_login(user, meta):
    with Recorded() as got:
        pair = _login(user, meta)
    event = got.only
    assert (event.kind, event.user_id) == (K.NEW_DEVICE_LOGIN, user.pk)
    assert event.session_id == pair.session.pk
    assert (event.ip_address, event.user_agent) == (meta.ip_address, meta.user_agent)


def test_a_login_with_the_accounts_device_token_records_login(user, meta):
    device_token = _login(user, meta).device_token
    with Recorded() as got:
        pair = services.login(
            email=user.email,
            password=DEFAULT_PASSWORD,
            meta=meta,
            device_token=device_token,
        )
    assert (got.only.kind, got.only.session_id) == (K.LOGIN, pair.session.pk)


def test_another_accounts_device_token_makes_a_new_device_login(user, meta):
    theirs = _login(UserFactory(), meta).device_token
    with Recorded() as got:
        services.login(
            email=user.email, password=DEFAULT_PASSWORD, meta=meta, device_token=theirs
        )
    assert got.kinds == [K.NEW_DEVICE_LOGIN]


def test_a_new_device_sends_exactly_one_notice_and_a_known_device_none(
    user, meta, committed
):
    with committed():
        device_token = _login(user, meta).device_token
    [notice] = mail.outbox
    assert (notice.to, notice.subject) == ([user.email], "New sign-in to your account")
    mail.outbox.clear()
    with committed():
        services.login(
            email=user.email,
            password=DEFAULT_PASSWORD,
            meta=meta,
            device_token=device_token,
        )
    assert mail.outbox == []


def test_a_failed_login_sends_no_notice(user, meta, committed):
    with committed(), pytest.raises(ServiceError):
        services.login(email=user.email, password="wrong-password-1", meta=meta)
    assert mail.outbox == []


def test_a_wrong_password_records_login_failed_without_a_session(user, meta):
    with Recorded() as got, pytest.raises(ServiceError):
        services.login(email=user.email, password="wrong-password-1", meta=meta)
    event = got.only
    assert (event.kind, event.user_id, event.session_id) == (
        K.LOGIN_FAILED,
        user.pk,
        None,
    )


def test_a_correct_password_for_a_deactivated_account_records_login_failed(user, meta):
    user.is_active = False
    user.save()
    with Recorded() as got, pytest.raises(ServiceError) as caught:
        _login(user, meta)
    assert caught.value.code == ErrorCode.ACCOUNT_INACTIVE
    assert got.kinds == [K.LOGIN_FAILED]


def test_a_failed_login_at_an_unknown_address_writes_the_same_row_without_a_user(
    meta,
):
    with Recorded() as got, pytest.raises(ServiceError):
        services.login(email="nobody@example.com", password="whatever-1", meta=meta)
    event = got.only
    assert (event.kind, event.user_id) == (K.LOGIN_FAILED, None)
    # Nothing about the guessed address is kept.
    assert event.user_agent == meta.user_agent
    assert "nobody" not in str(vars(event))


def _shape(sql: str) -> str:
    """A statement with its literals blanked: what the database is asked to do."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    # The user id (or its absence) is the one value that differs.
    return re.sub(r"\b\d+\b|\bNULL\b", "?", sql)


def test_a_failed_login_does_the_same_database_work_for_known_and_unknown_addresses(
    user, meta
):
    """The enumeration defence: same statements, same order, same row written."""
    UserFactory(email="other@example.com")
    shapes = []
    for email in (user.email, "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries, pytest.raises(ServiceError):
            services.login(email=email, password="wrong-password-1", meta=meta)
        shapes.append([_shape(q["sql"]) for q in queries.captured_queries])
    known, unknown = shapes
    assert known == unknown
    assert sum('INSERT INTO "users_securityevent"' in s for s in known) == 1


def test_a_rate_limited_login_records_nothing(user, meta, settings):
    settings.RATE_LIMITS = {"login": ["1/m ip"]}
    with pytest.raises(ServiceError):
        services.login(email=user.email, password="wrong-password-1", meta=meta)
    with Recorded() as got, pytest.raises(ServiceError) as caught:
        _login(user, meta)
    assert caught.value.code == ErrorCode.RATE_LIMITED
    assert got.kinds == []


# --- Sessions ----------------------------------------------------------------------


def test_a_refresh_records_nothing(user, meta):
    pair = _login(user, meta)
    with Recorded() as got:
        services.refresh(refresh_token=pair.refresh, meta=meta)
    assert got.kinds == []


def test_a_reused_refresh_token_records_token_reuse_detected_for_its_session(
    user, meta, after_reuse_interval
):
    pair = _login(user, meta)
    services.refresh(refresh_token=pair.refresh, meta=meta)
    after_reuse_interval()
    thief = RequestMeta(ip_address="198.51.100.99", user_agent="thief/1.0")
    with Recorded() as got, pytest.raises(ServiceError):
        services.refresh(refresh_token=pair.refresh, meta=thief)
    event = got.only
    assert (event.kind, event.session_id) == (K.TOKEN_REUSE_DETECTED, pair.session.pk)
    assert event.ip_address == "198.51.100.99"


def test_a_logout_records_logout_once(user, meta):
    pair = _login(user, meta)
    with Recorded() as got:
        services.logout(refresh_token=pair.refresh, meta=meta)
    assert (got.only.kind, got.only.session_id) == (K.LOGOUT, pair.session.pk)
    with Recorded() as again:  # idempotent: succeeds, records nothing new
        services.logout(refresh_token=pair.refresh, meta=meta)
    assert again.kinds == []


def test_revoking_a_session_records_session_revoked_naming_that_session(user, meta):
    current, other = _login(user, meta), _login(user, meta)
    caller = RequestMeta(
        ip_address=meta.ip_address, user_agent="x", session_id=current.session.pk
    )
    with Recorded() as got:
        services.revoke_session(user=user, session_id=other.session.pk, meta=caller)
    assert (got.only.kind, got.only.session_id) == (K.SESSION_REVOKED, other.session.pk)


def test_revoking_an_unknown_session_records_nothing(user, meta):
    with Recorded() as got, pytest.raises(ServiceError):
        services.revoke_session(user=user, session_id=Session().pk, meta=meta)
    assert got.kinds == []


def test_revoking_other_sessions_records_one_event_for_the_callers_session(user, meta):
    current = _login(user, meta)
    _login(user, meta)
    _login(user, meta)
    with Recorded() as got:
        services.revoke_other_sessions(
            user=user, current_session=current.session, meta=meta
        )
    assert (got.only.kind, got.only.session_id) == (
        K.OTHER_SESSIONS_REVOKED,
        current.session.pk,
    )


# --- Passwords and email -----------------------------------------------------------


def test_a_password_change_records_only_password_changed(user, meta):
    caller = _login(user, meta)
    in_session = RequestMeta(
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        session_id=caller.session.pk,
    )
    with Recorded() as got:
        services.change_password(
            user=user,
            current_password=DEFAULT_PASSWORD,
            new_password=NEW_PASSWORD,
            meta=in_session,
        )
    # Not a LOGIN for the fresh pair, not a SESSION_REVOKED per ended session.
    assert (got.only.kind, got.only.session_id) == (
        K.PASSWORD_CHANGED,
        caller.session.pk,
    )


def test_a_refused_password_change_records_nothing(user, meta):
    with Recorded() as got, pytest.raises(ServiceError):
        services.change_password(
            user=user,
            current_password="not-the-password",
            new_password=NEW_PASSWORD,
            meta=meta,
        )
    assert got.kinds == []


def test_a_password_change_whose_event_cannot_be_written_does_not_happen(user):
    """Change and record share one transaction: no change without its event."""
    # PostgreSQL refuses a NUL byte in text: the event's INSERT fails.
    unwritable = RequestMeta(ip_address="192.0.2.1", user_agent="bad\x00agent")
    with pytest.raises(DataError):
        services.change_password(
            user=user,
            current_password=DEFAULT_PASSWORD,
            new_password=NEW_PASSWORD,
            meta=unwritable,
        )
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_password_reset_records_password_reset(user, meta):
    token = make_password_reset_token(user)
    with Recorded() as got:
        services.reset_password(token=token, new_password=NEW_PASSWORD, meta=meta)
    assert (got.only.kind, got.only.user_id) == (K.PASSWORD_RESET, user.pk)


def test_requesting_an_email_change_records_email_change_requested(user, meta):
    with Recorded() as got:
        services.update_profile(
            user=user, meta=meta, email="fresh@example.com", password=DEFAULT_PASSWORD
        )
    assert got.kinds == [K.EMAIL_CHANGE_REQUESTED]


def test_a_profile_edit_without_an_email_records_nothing(user, meta):
    with Recorded() as got:
        services.update_profile(user=user, meta=meta, name="New Name", bio="hi")
    assert got.kinds == []


def test_following_the_change_link_records_email_changed(user, meta, committed):
    with committed():
        services.update_profile(
            user=user, meta=meta, email="fresh@example.com", password=DEFAULT_PASSWORD
        )
    to_new = next(m for m in mail.outbox if m.to == ["fresh@example.com"])
    _login(user, meta)
    with Recorded() as got:
        services.verify_email(token=link_token(to_new.body), meta=meta)
    # The other sessions end with the change: no OTHER_SESSIONS_REVOKED for that.
    assert got.kinds == [K.EMAIL_CHANGED]
    assert not active_sessions(user=user).exists()


def test_the_cancel_link_records_email_change_cancelled(user, meta, committed):
    with committed():
        services.update_profile(
            user=user, meta=meta, email="fresh@example.com", password=DEFAULT_PASSWORD
        )
    notice = next(m for m in mail.outbox if m.to == [user.email])
    with Recorded() as got:
        services.cancel_email_change(token=link_token(notice.body), meta=meta)
    assert got.kinds == [K.EMAIL_CHANGE_CANCELLED]
    with Recorded() as again, pytest.raises(ServiceError):
        services.cancel_email_change(token=link_token(notice.body), meta=meta)
    assert again.kinds == []


def test_verifying_the_registration_address_records_nothing(meta, committed):
    with committed():
        services.register(email="v@example.com", password=NEW_PASSWORD, meta=meta)
    with Recorded() as got:
        services.verify_email(token=token_from_last_mail(), meta=meta)
    assert got.kinds == []


def test_deleting_the_account_deletes_its_events(user, meta):
    _login(user, meta)
    services.delete_account(user=user, password=DEFAULT_PASSWORD, meta=meta)
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()


# --- Retention ---------------------------------------------------------------------


def _aged(user, days: float, kind=K.LOGIN) -> SecurityEvent:
    return SecurityEvent.objects.create(
        user=user, kind=kind, created_at=timezone.now() - timedelta(days=days)
    )


def test_the_purge_deletes_events_past_the_retention_and_keeps_the_rest(user, settings):
    settings.SECURITY_EVENT_RETENTION_DAYS = 30
    old = [_aged(user, 31), _aged(None, 400, K.LOGIN_FAILED)]
    kept = [_aged(user, 29), _aged(user, 0)]
    assert purge("security_events") == len(old)
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == {
        e.pk for e in kept
    }


def test_the_purge_works_in_batches_of_bounded_size(
    user, settings, django_assert_num_queries
):
    settings.SECURITY_EVENT_RETENTION_DAYS = 1
    settings.PURGE_BATCH_SIZE = 3
    settings.PURGE_BATCH_PAUSE = 0
    for _ in range(7):
        _aged(user, 2)
    # Three batches of at most 3 rows: a select and a delete each (the last
    # short batch ends the loop).
    with django_assert_num_queries(6):
        assert purge("security_events") == 7
    assert not SecurityEvent.objects.exists()


def test_the_default_retention_is_180_days():
    from core.settings import base

    assert base.SECURITY_EVENT_RETENTION_DAYS == 180


def test_beat_runs_the_purge_task(settings):
    from core.celery import app

    entries = [
        (e["task"], *e.get("args", ())) for e in settings.CELERY_BEAT_SCHEDULE.values()
    ]
    assert ("tasks.maintenance.purge", "security_events") in entries
    app.loader.import_default_modules()
    assert "tasks.maintenance.purge" in app.tasks


def test_the_purge_task_calls_the_domain_purge(user, settings):
    from tasks.maintenance import purge_security_events

    settings.SECURITY_EVENT_RETENTION_DAYS = 10
    _aged(user, 11)
    assert purge_security_events.apply().get() == 1


# --- Logins with a second factor ----------------------------------------------------


def _mfa_login(user, clock, device_token=None):
    from tests.mfa import META, code_for

    with pytest.raises(ServiceError) as caught:
        services.login(
            email=user.email,
            password=DEFAULT_PASSWORD,
            meta=META,
            device_token=device_token,
        )
    assert caught.value.code == ErrorCode.MFA_REQUIRED
    clock.shift(30)
    return services.verify_mfa(
        mfa_token=caught.value.extra["mfa_token"], code=code_for(user), meta=META
    )


def test_an_mfa_login_from_a_new_device_is_recorded_and_notified_once_after_the_code(
    user, clock, committed
):
    from tests.mfa import enrol

    enrol(user)
    mail.outbox.clear()
    with Recorded() as got, committed():
        pair = _mfa_login(user, clock)
    assert (got.only.kind, got.only.session_id) == (
        K.NEW_DEVICE_LOGIN,
        pair.session.pk,
    )
    assert [m.subject for m in mail.outbox] == ["New sign-in to your account"]


def test_an_mfa_login_from_a_known_device_records_login_and_sends_nothing(
    user, clock, committed
):
    from tests.mfa import enrol

    device_token = _login(user, RequestMeta()).device_token
    enrol(user)
    mail.outbox.clear()
    with Recorded() as got, committed():
        pair = _mfa_login(user, clock, device_token=device_token)
    assert got.kinds == [K.LOGIN]
    assert mail.outbox == []
    # The device keeps its identity through the second step.
    assert devices.recognise(pair.device_token, user.email).id == (
        devices.recognise(device_token, user.email).id
    )
