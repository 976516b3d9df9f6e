"""Two tabs refresh one token at the same instant, over real HTTP.

Production settings under gunicorn with two workers, so the two requests really
run at once in two processes against PostgreSQL. Before the reuse interval, the
second of them revoked the session as theft; now both answer 200 with the
session's one current refresh token, through either surface, and nothing is
logged as an error.
"""

import json
import threading

import pytest
from django.db import connection

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.services.live import production_app
from users.models import Session

pytestmark = pytest.mark.django_db(transaction=True)

GQL_REFRESH = (
    "mutation ($r: String!) { refreshToken(refreshToken: $r) { token refreshToken } }"
)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    app = production_app(name, workers=2)
    app.start()
    try:
        yield app
    finally:
        app.stop()


def _rest_refresh(server, token):
    status, _, body = server.post_json(
        "/api/v1/auth/token/refresh/", {"refresh": token}
    )
    answer = json.loads(body)
    return status, answer.get("refresh"), answer.get("access")


def _graphql_refresh(server, token):
    status, _, body = server.post_json(
        "/graphql/", {"query": GQL_REFRESH, "variables": {"r": token}}
    )
    answer = json.loads(body)
    pair = (answer.get("data") or {}).get("refreshToken") or {}
    if answer.get("errors"):
        return status, answer["errors"], None
    return status, pair.get("refreshToken"), pair.get("token")


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=10)
        results[i] = call()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _login(server, email):
    status, _, body = server.post_json(
        "/api/v1/auth/token/", {"email": email, "password": DEFAULT_PASSWORD}
    )
    assert status == 200, body
    return json.loads(body)["refresh"]


def _me(server, access):
    status, _, body = server.request(
        "GET", "/api/v1/users/me/", headers={"Authorization": f"Bearer {access}"}
    )
    return status, json.loads(body)


@pytest.mark.parametrize(
    "surfaces",
    [(_rest_refresh, _rest_refresh), (_graphql_refresh, _rest_refresh)],
    ids=["rest+rest", "graphql+rest"],
)
def test_two_simultaneous_refreshes_both_get_a_usable_pair(server, surfaces):
    user = UserFactory()
    refresh = _login(server, user.email)
    since = server.log_position()
    first, second = _at_once(*(lambda s=s: s(server, refresh) for s in surfaces))
    assert (first[0], second[0]) == (200, 200), (first, second)
    assert first[1] == second[1] != refresh
    for _, _, access in (first, second):
        status, me = _me(server, access)
        assert (status, me["email"]) == (200, user.email)
    assert Session.objects.get(user=user).revoked_at is None
    # The shared token rotates on as usual.
    status, newer, _ = _rest_refresh(server, first[1])
    assert status == 200
    assert newer not in {first[1], refresh}
    assert server.errors_logged(since) == []
