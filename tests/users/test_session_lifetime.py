"""Sessions end, and two tabs refreshing at once do not end them.

An absolute lifetime (``SESSION_ABSOLUTE_LIFETIME``) caps every session however
often it is refreshed; a refresh token retired by rotation and presented again
within ``REFRESH_TOKEN_REUSE_INTERVAL`` answers the session's current pair
instead of revoking the session. Both rules live in ``services.refresh``; the
two surfaces are driven here too. The clock is frozen and moved explicitly.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import GraphQLClient
from tests.rest.utils import codes
from users import services
from users.errors import ErrorCode, ServiceError
from users.models import SecurityEvent, Session
from users.selectors import active_sessions
from users.tokens import authenticate_access_token, decode_refresh_token

pytestmark = pytest.mark.django_db

REST_REFRESH = "/api/v1/auth/token/refresh/"
GQL_REFRESH = """
mutation ($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { token refreshToken refreshExpiresIn }
}
"""
DAY = 24 * 3600


def _login(user, meta):
    return services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)


def _refused(refresh_token, meta) -> ErrorCode:
    with pytest.raises(ServiceError) as caught:
        services.refresh(refresh_token=refresh_token, meta=meta)
    return caught.value.code


def _expiry(token: str) -> datetime:
    return datetime.fromtimestamp(decode_refresh_token(token)["exp"], tz=UTC)


# --- Reuse interval ----------------------------------------------------------------


def test_a_retired_token_within_the_interval_gets_the_current_pair(user, meta, clock):
    first = _login(user, meta)
    rotated = services.refresh(refresh_token=first.refresh, meta=meta)
    events_before = SecurityEvent.objects.count()
    clock.shift(9)
    again = services.refresh(refresh_token=first.refresh, meta=meta)
    # The very refresh token the first refresh returned: one chain, two holders.
    assert again.refresh == rotated.refresh
    assert again.access != first.access
    assert authenticate_access_token(again.access).session == first.session
    session = Session.objects.get(pk=first.session.pk)
    assert session.revoked_at is None
    assert SecurityEvent.objects.count() == events_before


def test_the_shared_current_token_rotates_on_as_usual(user, meta, clock):
    first = _login(user, meta)
    rotated = services.refresh(refresh_token=first.refresh, meta=meta)
    services.refresh(refresh_token=first.refresh, meta=meta)  # the other tab
    clock.shift(60)
    nxt = services.refresh(refresh_token=rotated.refresh, meta=meta)
    assert nxt.refresh != rotated.refresh
    assert authenticate_access_token(nxt.access).user == user


def test_the_retired_token_after_the_interval_is_theft(
    user, meta, settings, clock, after_reuse_interval
):
    first = _login(user, meta)
    rotated = services.refresh(refresh_token=first.refresh, meta=meta)
    clock.shift(settings.REFRESH_TOKEN_REUSE_INTERVAL.total_seconds())
    assert services.refresh(refresh_token=first.refresh, meta=meta).refresh == (
        rotated.refresh
    )  # the interval's last instant still counts
    after_reuse_interval()
    assert _refused(first.refresh, meta) == ErrorCode.TOKEN_REUSED
    assert Session.objects.get(pk=first.session.pk).revoked_at is not None
    assert _refused(rotated.refresh, meta) == ErrorCode.TOKEN_INVALID


def test_only_the_token_just_replaced_is_forgiven(user, meta, clock):
    first = _login(user, meta)
    second = services.refresh(refresh_token=first.refresh, meta=meta)
    services.refresh(refresh_token=second.refresh, meta=meta)
    clock.shift(1)
    # Two rotations old: theft even inside the interval.
    assert _refused(first.refresh, meta) == ErrorCode.TOKEN_REUSED
    assert Session.objects.get(pk=first.session.pk).revoked_at is not None


def test_an_interval_of_zero_treats_every_reuse_as_theft(user, meta, settings, clock):
    settings.REFRESH_TOKEN_REUSE_INTERVAL = timedelta(0)
    first = _login(user, meta)
    services.refresh(refresh_token=first.refresh, meta=meta)
    assert _refused(first.refresh, meta) == ErrorCode.TOKEN_REUSED


def test_a_revoked_session_forgives_nothing(user, meta, clock):
    first = _login(user, meta)
    services.refresh(refresh_token=first.refresh, meta=meta)
    services.logout(refresh_token=first.refresh, meta=meta)
    assert _refused(first.refresh, meta) == ErrorCode.TOKEN_INVALID


def test_rest_answers_the_current_pair_within_the_interval(user, meta, clock):
    api = APIClient()
    first = _login(user, meta)
    rotated = api.post(REST_REFRESH, {"refresh": first.refresh}).json()
    clock.shift(5)
    again = api.post(REST_REFRESH, {"refresh": first.refresh})
    assert again.status_code == 200
    assert again.json()["refresh"] == rotated["refresh"]
    assert authenticate_access_token(again.json()["access"]).user == user


def test_graphql_answers_the_current_pair_within_the_interval(
    client, user, meta, clock
):
    gql = GraphQLClient(client)
    first = _login(user, meta)
    rotated = gql(GQL_REFRESH, {"refreshToken": first.refresh})
    clock.shift(5)
    again = gql(GQL_REFRESH, {"refreshToken": first.refresh})
    assert not again.errors
    assert (
        again.data["refreshToken"]["refreshToken"]
        == (rotated.data["refreshToken"]["refreshToken"])
    )
    token = again.data["refreshToken"]["token"]
    assert authenticate_access_token(token).user == user


# --- Absolute lifetime -------------------------------------------------------------


def test_refreshing_never_stretches_a_session_past_its_absolute_lifetime(
    user, meta, settings, clock
):
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME
    pair = _login(user, meta)
    end = pair.session.created_at + lifetime
    for _ in range(4):  # used every six days, as a weekly habit would
        clock.shift(6 * DAY)
        pair = services.refresh(refresh_token=pair.refresh, meta=meta)
        assert _expiry(pair.refresh) <= end
    clock.shift(5 * DAY)  # day 29: the last token only reaches day 30
    pair = services.refresh(refresh_token=pair.refresh, meta=meta)
    assert _expiry(pair.refresh) == end.replace(microsecond=0)
    assert pair.refresh_expires_in <= DAY
    clock.shift(DAY)
    assert _refused(pair.refresh, meta) == ErrorCode.TOKEN_EXPIRED
    with pytest.raises(ServiceError):
        authenticate_access_token(pair.access)
    assert list(active_sessions(user=user)) == []


def test_a_session_from_before_the_limit_ends_at_it_too(user, meta, settings, clock):
    # A refresh token minted before the cap existed still has days to run.
    pair = _login(user, meta)
    Session.objects.filter(pk=pair.session.pk).update(
        created_at=timezone.now() - settings.SESSION_ABSOLUTE_LIFETIME
    )
    assert _expiry(pair.refresh) > timezone.now()
    assert _refused(pair.refresh, meta) == ErrorCode.TOKEN_EXPIRED
    with pytest.raises(ServiceError) as caught:
        authenticate_access_token(pair.access)
    assert caught.value.code == ErrorCode.TOKEN_INVALID
    assert list(active_sessions(user=user)) == []


def test_the_lifetime_is_a_setting(user, meta, settings, clock):
    settings.SESSION_ABSOLUTE_LIFETIME = timedelta(hours=1)
    pair = _login(user, meta)
    assert _expiry(pair.refresh) == (
        pair.session.created_at + timedelta(hours=1)
    ).replace(microsecond=0)
    clock.shift(3600)
    assert _refused(pair.refresh, meta) == ErrorCode.TOKEN_EXPIRED


@pytest.fixture
def aged_session(user, meta, settings):
    """A session whose login is older than the absolute lifetime."""
    pair = _login(user, meta)
    Session.objects.filter(pk=pair.session.pk).update(
        created_at=timezone.now() - settings.SESSION_ABSOLUTE_LIFETIME
    )
    return pair


def test_rest_refuses_a_session_past_its_lifetime_with_token_expired(aged_session):
    response = APIClient().post(REST_REFRESH, {"refresh": aged_session.refresh})
    assert response.status_code == 401
    assert codes(response) == [("TOKEN_EXPIRED", "refresh")]


def test_graphql_refuses_a_session_past_its_lifetime_with_token_expired(
    client, aged_session
):
    result = GraphQLClient(client)(GQL_REFRESH, {"refreshToken": aged_session.refresh})
    assert result.codes == ["TOKEN_EXPIRED"]
