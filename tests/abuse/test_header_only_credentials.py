"""Only the Authorization header authenticates, read the same way on both surfaces.

A browser attaches cookies to cross-site requests by itself; /graphql/ is
CSRF-exempt because no cookie (a Django session or django-graphql-jwt's ``JWT``
cookie) ever authenticates it.
"""

import json

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from core.bearer import bearer_token
from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import ENDPOINT, GraphQLClient, login
from users.models import User

pytestmark = pytest.mark.django_db

ME_REST = "/api/v1/users/me/"
RENAME = 'mutation { updateProfile(input: {name: "pwned"}) { user { name } } }'


@pytest.fixture
def access(user) -> str:
    return login(user).access


def browser_with_jwt_cookie(access: str) -> Client:
    """A browser holding the token in django-graphql-jwt's cookie, CSRF enforced."""
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["JWT"] = access
    return browser


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("BeArEr   abc  ", "abc"),
        ("Bearer", ""),
        ("Bearer a b", "a b"),
        ("Basic dXNlcjpwYXNz", None),
        ("JWT abc", None),
        ("abc", None),
        ("", None),
    ],
)
def test_one_function_reads_the_header(header, expected):
    assert bearer_token({"HTTP_AUTHORIZATION": header}) == expected


def test_no_header_is_no_token():
    assert bearer_token({"HTTP_COOKIE": "JWT=abc"}) is None


def test_a_jwt_cookie_does_not_authenticate_graphql(user, access):
    browser = browser_with_jwt_cookie(access)
    response = browser.post(
        ENDPOINT, json.dumps({"query": "{ me { email } }"}), "application/json"
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_cross_site_form_post_with_the_jwt_cookie_changes_nothing(user, access):
    browser = browser_with_jwt_cookie(access)
    form = browser.generic(
        "POST",
        ENDPOINT,
        "query=" + RENAME,
        "application/x-www-form-urlencoded",
        HTTP_ORIGIN="https://evil.example",
    )
    assert form.status_code == 415
    assert form.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    text = browser.generic("POST", ENDPOINT, RENAME, "text/plain")
    assert text.status_code == 415
    user.refresh_from_db()
    assert user.name != "pwned"


def test_a_cross_site_multipart_post_with_the_jwt_cookie_is_anonymous(user, access):
    browser = browser_with_jwt_cookie(access)
    response = browser.post(
        ENDPOINT,
        {"operations": json.dumps({"query": RENAME}), "map": "{}"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    user.refresh_from_db()
    assert user.name != "pwned"


def test_a_jwt_cookie_does_not_authenticate_rest(access):
    response = browser_with_jwt_cookie(access).get(ME_REST)
    assert response.status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_scheme_is_case_insensitive_on_both_surfaces(client, user, access, scheme):
    header = {"HTTP_AUTHORIZATION": f"{scheme} {access}"}
    rest = client.get(ME_REST, **header)
    assert rest.status_code == 200
    assert rest.json()["email"] == user.email
    graphql = client.post(
        ENDPOINT,
        json.dumps({"query": "{ me { email } }"}),
        "application/json",
        **header,
    )
    assert graphql.json()["data"]["me"]["email"] == user.email


@pytest.mark.parametrize("header", ["Bearer", "Bearer {} extra", "bearer garbage"])
def test_a_malformed_bearer_header_is_token_invalid_on_both_surfaces(
    client, access, header
):
    value = {"HTTP_AUTHORIZATION": header.format(access)}
    rest = client.get(ME_REST, **value)
    assert rest.status_code == 401
    assert rest.json()["errors"][0]["code"] == "TOKEN_INVALID"
    result = GraphQLClient(client)(
        "{ me { id } }", HTTP_AUTHORIZATION=value["HTTP_AUTHORIZATION"]
    )
    assert result.errors[0]["extensions"]["reason"] == "TOKEN_INVALID"


def test_django_authenticate_never_takes_a_token_from_the_request(user, access):
    """No authentication backend turns a header or cookie into a Django login."""
    request = RequestFactory().post(
        "/admin/login/", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    request.COOKIES["JWT"] = access
    assert authenticate(request) is None
    assert authenticate(request, username=user.email, password="wrong") is None


def test_a_bearer_header_or_jwt_cookie_does_not_log_into_the_admin(staff):
    access = login(staff).access
    browser = Client()
    browser.cookies["JWT"] = access
    response = browser.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": "not-the-password"},
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert "_auth_user_id" not in browser.session
    assert response.status_code == 200  # the login form again, with its error
    assert browser.get("/admin/").status_code == 302


def test_the_admin_still_logs_in_with_the_password(staff):
    browser = Client()
    browser.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": DEFAULT_PASSWORD},
    )
    assert browser.session["_auth_user_id"] == str(staff.pk)
    assert User.objects.filter(pk=staff.pk).exists()


def test_the_admin_session_cookie_authenticates_the_admin_and_nothing_else(staff):
    """The one cookie that authenticates anything: the admin's, on the admin only."""
    browser = Client()
    browser.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": DEFAULT_PASSWORD},
    )
    assert browser.get("/admin/").status_code == 200
    assert "sessionid" in browser.cookies
    graphql = browser.post(
        ENDPOINT,
        json.dumps({"query": "{ me { email } users(first: 1) { totalCount } }"}),
        "application/json",
    )
    assert graphql.json()["data"] == {"me": None, "users": None}
    assert {e["extensions"]["code"] for e in graphql.json()["errors"]} == {
        "UNAUTHENTICATED"
    }
    assert browser.get(ME_REST).status_code == 401
    assert browser.get("/api/v1/users/").status_code == 401
