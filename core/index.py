"""``GET /``: where to go from here, for a program (JSON) and for a person (HTML).

Under ``make run`` the first thing a newcomer opens is the root; it answers the
API's name, version and the links that matter instead of a 404. JSON unless the
client prefers HTML (a browser's ``Accept``), so ``curl`` gets JSON.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from core.views import error_response
from users.errors import ErrorCode

NAME = "Accounts API"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def version() -> str:
    """Return the version from pyproject.toml, the one place it lives."""
    with PYPROJECT.open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def links() -> dict[str, str]:
    found = {
        "graphql": reverse("graphql"),
        "rest_base": "/api/v1/",
        "swagger_ui": reverse("api-docs"),
        "redoc": reverse("api-redoc"),
        "openapi_schema": reverse("api-schema"),
        "health": reverse("healthz"),
        "readiness": reverse("readyz"),
    }
    if settings.GRAPHIQL_ENABLED:
        found["graphiql"] = reverse("graphql")
    return found


def index(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        refusal = error_response(
            ErrorCode.METHOD_NOT_ALLOWED, 405, "Only GET is allowed here."
        )
        refusal["Allow"] = "GET, HEAD"
        return refusal
    body = {"name": NAME, "version": version(), "links": links()}
    if request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        response: HttpResponse = render(request, "core/index.html", body)
    else:
        response = JsonResponse(body)
    response["Vary"] = "Accept"
    return response
