"""Browser-session middleware: skipped on the token APIs, intact everywhere else."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from core import browser_middleware
from core.admin_login import admin_url_prefix

API_PATHS = ["/api/v1/users/me/", "/graphql/"]
BROWSER_PATHS = ["/admin/login/", "/api/docs/", "/"]
#: What each middleware leaves on the request when it runs.
MARKS = {
    browser_middleware.SessionMiddleware: "session",
    browser_middleware.AuthenticationMiddleware: "user",
    browser_middleware.MessageMiddleware: "_messages",
}


def _seen_by_view(middleware_class, path: str, *, prepare=()):
    """Run one middleware (after ``prepare``) and return the request the view got."""
    seen = {}

    def view(request):
        seen["request"] = request
        return HttpResponse("ok")

    handler = middleware_class(view)
    for outer in reversed(prepare):
        handler = outer(handler)
    request = RequestFactory().get(path, HTTP_COOKIE="csrftoken=" + "a" * 32)
    handler(request)
    return seen["request"]


@pytest.mark.parametrize("path", API_PATHS)
@pytest.mark.parametrize(("middleware_class", "attribute"), MARKS.items())
def test_token_api_requests_skip_the_browser_middleware(
    middleware_class, attribute, path
):
    prepare = (browser_middleware.SessionMiddleware,)
    request = _seen_by_view(middleware_class, path, prepare=prepare)
    assert not hasattr(request, attribute)


@pytest.mark.parametrize("path", BROWSER_PATHS)
@pytest.mark.parametrize(("middleware_class", "attribute"), MARKS.items())
def test_other_paths_keep_the_browser_middleware(middleware_class, attribute, path):
    prepare = (browser_middleware.SessionMiddleware,)
    request = _seen_by_view(middleware_class, path, prepare=prepare)
    assert hasattr(request, attribute)


def test_otp_middleware_still_wraps_the_admin_user():
    request = _seen_by_view(
        browser_middleware.OTPMiddleware,
        "/admin/",
        prepare=(
            browser_middleware.SessionMiddleware,
            browser_middleware.AuthenticationMiddleware,
        ),
    )
    assert hasattr(request.user, "is_verified")


@pytest.mark.django_db
def test_the_admin_login_still_refuses_a_post_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    path = "/" + admin_url_prefix() + "login/"
    assert client.get(path).cookies.get("csrftoken")

    response = client.post(path, {"username": "x@example.com", "password": "y"})

    assert response.status_code == 403


@pytest.mark.django_db
def test_api_answers_set_no_session_cookie_even_for_a_browser(client):
    client.cookies["sessionid"] = "not-a-session"
    client.cookies["csrftoken"] = "b" * 32

    response = client.post(
        "/api/v1/auth/token/refresh/",
        {"refresh": "not-a-token"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
