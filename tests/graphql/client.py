"""A client for ``/graphql/`` over Django's test client, and a login helper."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from tests.factories import DEFAULT_PASSWORD
from users import services
from users.meta import RequestMeta
from users.models import User
from users.tokens import TokenPair

META = RequestMeta(ip_address="198.51.100.30", user_agent="graphql-tests/1.0")
ENDPOINT = "/graphql/"


def login(user: User, password: str = DEFAULT_PASSWORD) -> TokenPair:
    """Open a session through the service, as the REST surface would."""
    return services.login(email=user.email, password=password, meta=META)


@dataclass
class Result:
    """One answer of ``/graphql/``: status, JSON body and helpers over it."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any] | None:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.errors]


class GraphQLClient:
    """POSTs documents as JSON (or multipart) with an optional Bearer token."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self, token: str | None) -> dict[str, str]:
        token = token or self.token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    @staticmethod
    def _result(response) -> Result:
        assert response["Content-Type"].startswith("application/json"), (
            response.status_code,
            response["Content-Type"],
            response.content[:200],
        )
        return Result(response.status_code, json.loads(response.content))

    def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        **extra: Any,
    ) -> Result:
        body = {"query": query, "variables": variables or {}}
        response = self.client.post(
            ENDPOINT,
            data=json.dumps(body),
            content_type="application/json",
            **self._headers(token),
            **extra,
        )
        return self._result(response)

    def raw(self, data: Any, content_type: str = "application/json") -> Result:
        payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
        response = self.client.post(
            ENDPOINT, data=payload, content_type=content_type, **self._headers(None)
        )
        return self._result(response)

    def get(self, params: dict[str, str], **extra: Any) -> Result:
        return self._result(
            self.client.get(ENDPOINT, params, **self._headers(None), **extra)
        )

    def multipart(
        self, query: str, variables: dict[str, Any], files: dict[str, Any]
    ) -> Result:
        """Send a GraphQL multipart request (what apollo-upload-client sends).

        ``files`` maps a variable path (``"variables.input.avatar"``) to a file.
        """
        operations = {"query": query, "variables": variables}
        file_map = {str(i): [path] for i, path in enumerate(files)}
        data = {"operations": json.dumps(operations), "map": json.dumps(file_map)}
        data.update({str(i): upload for i, upload in enumerate(files.values())})
        response = self.client.post(ENDPOINT, data=data, **self._headers(None))
        return self._result(response)
