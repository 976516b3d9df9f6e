"""Helpers for the REST tests."""

import json

from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD
from users import services
from users.meta import RequestMeta
from users.models import User
from users.tokens import TokenPair

META = RequestMeta(ip_address="198.51.100.20", user_agent="rest-tests/1.0")


def login(user: User) -> TokenPair:
    """Open a session the way any client would (the service both surfaces call)."""
    return services.login(email=user.email, password=DEFAULT_PASSWORD, meta=META)


def client_for(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def codes(response) -> list[tuple[str, str | None]]:
    """The (code, field) pairs of an error body."""
    return [(e["code"], e["field"]) for e in json.loads(response.content)["errors"]]
