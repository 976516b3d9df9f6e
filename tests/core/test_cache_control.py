"""Answers that may carry a token or account data are never stored by a cache."""

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD
from tests.graphql.client import login

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/auth/token/", {"email": "u@example.com", "password": "x"}),
        ("post", "/api/v1/auth/token/refresh/", {"refresh": "x"}),
        ("post", "/api/v1/auth/register/", {}),
        ("post", "/api/v1/auth/logout/", {"refresh": "x"}),
        ("get", "/api/v1/users/me/", None),
        ("get", "/api/v1/users/", None),
        ("get", "/api/v1/nowhere/", None),
        ("post", "/graphql/", {"query": "{ me { email } }"}),
        ("get", "/graphql/?query=%7Bme%7Bemail%7D%7D", None),
    ],
)
def test_every_api_answer_is_no_store_even_errors(method, path, body):
    client = Client()
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(path, body, **kwargs)
    assert _no_store(response), (path, response.status_code)


def test_a_successful_login_and_the_profile_are_no_store(user):
    client = Client()
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert _no_store(response)
    assert response["Pragma"] == "no-cache"
    me = client.get(
        "/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {login(user).access}"
    )
    assert me.status_code == 200
    assert _no_store(me)


def test_an_oversized_body_refused_before_any_view_is_no_store():
    response = Client().post(
        "/api/v1/auth/token/",
        "x" * (2 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert _no_store(response)


def test_the_api_docs_may_be_cached():
    response = Client().get("/api/schema.json")
    assert "no-store" not in response.get("Cache-Control", "")
