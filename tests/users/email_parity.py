"""Look-alike addresses through both surfaces, on whatever database Django uses.

``run()`` registers two accounts, then tries every look-alike and neighbour
spelling of their addresses through REST and GraphQL: registration, login and
reset request. It returns what each answered and the addresses stored. The
PostgreSQL suite calls it in-process; ``python -m tests.users.email_parity``
runs it on a fresh SQLite database under the dev settings and prints the same
JSON, so one test can demand the same answers from both databases.
"""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

PASSWORD = "a-long-unusual-passphrase-42"
MARKER = "EMAIL-PARITY-RESULT "

#: The accounts registered first, and their stored (canonical) spellings.
ORIGINALS = ["name@example.com", "info@example.com", "name@BÜCHER.de"]

#: Spellings tried next to them: (label, address).
SPELLINGS = [
    ("zero-width space at the end", "name@example.com\u200b"),
    ("dotless i in the local part", "\u0131nfo@example.com"),
    ("quoted local part", '"name"@example.com'),
    ("zero-width joiner in the local part", "na\u200dme@example.com"),
    ("byte order mark in front", "\ufeffname@example.com"),
    ("right-to-left override", "name@example.com\u202e"),
    ("soft hyphen in the domain", "name@exam\u00adple.com"),
    ("cyrillic a in the local part", "n\u0430me@example.com"),
    ("e with acute in the local part", "nam\u00e9@example.com"),
    ("fullwidth at sign", "name\uff20example.com"),
    ("no-break space at the end", "name@example.com\u00a0"),
    ("ideographic space inside", "name\u3000@example.com"),
    ("space inside", "na me@example.com"),
    ("trailing dot in the domain", "name@example.com."),
    ("domain literal", "name@[127.0.0.1]"),
    ("upper case", "NAME@EXAMPLE.COM"),
    ("fullwidth domain letters", "name@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com"),
    ("surrounding spaces", "  info@example.com "),
    ("punycode of the IDN domain", "name@xn--bcher-kva.de"),
    ("upper-case IDN domain", "NAME@bücher.DE"),
]

_addresses = (f"203.0.113.{i}" for i in itertools.count(1))


def _rest(client, path: str, body: dict[str, Any]) -> tuple[int, list]:
    response = client.post(path, body, format="json", REMOTE_ADDR=next(_addresses))
    payload = json.loads(response.content or b"{}")
    errors = payload.get("errors", []) if isinstance(payload, dict) else []
    return response.status_code, [(e["code"], e.get("field")) for e in errors]


def _graphql(client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        REMOTE_ADDR=next(_addresses),
    )
    assert response.status_code == 200, response.content
    return json.loads(response.content)


REGISTER = """
mutation ($input: RegisterInput!) {
  register(input: $input) { user { email } errors { field code } }
}
"""
TOKEN_AUTH = """
mutation ($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { token }
}
"""
RESET = """
mutation ($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { ok errors { field code } }
}
"""


def _graphql_register(client, email: str) -> list:
    body = _graphql(client, REGISTER, {"input": {"email": email, "password": PASSWORD}})
    payload = body["data"]["register"]
    return [(e["code"], e["field"]) for e in payload["errors"]] or ["created"]


def _graphql_login(client, email: str) -> list:
    body = _graphql(client, TOKEN_AUTH, {"email": email, "password": PASSWORD})
    if body.get("errors"):
        return [e["extensions"]["code"] for e in body["errors"]]
    return ["ok"]


def _graphql_reset(client, email: str) -> list:
    body = _graphql(client, RESET, {"input": {"email": email}})
    payload = body["data"]["requestPasswordReset"]
    return [(e["code"], e["field"]) for e in payload["errors"]] or ["ok"]


def run() -> dict[str, Any]:
    """Drive every spelling through both surfaces; return the answers and the rows."""
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from users.models import User

    rest, graphql = APIClient(), Client()
    originals = [
        _rest(rest, "/api/v1/auth/register/", {"email": e, "password": PASSWORD})[0]
        for e in ORIGINALS
    ]
    answers = {}
    for label, email in SPELLINGS:
        answers[label] = {
            "rest register": _rest(
                rest, "/api/v1/auth/register/", {"email": email, "password": PASSWORD}
            ),
            "graphql register": _graphql_register(graphql, email),
            "rest login": _rest(
                rest, "/api/v1/auth/token/", {"email": email, "password": PASSWORD}
            )[0],
            "graphql login": _graphql_login(graphql, email),
            "rest reset": _rest(rest, "/api/v1/auth/password/reset/", {"email": email}),
            "graphql reset": _graphql_reset(graphql, email),
        }
    return {
        "vendor": connection.vendor,
        "originals": originals,
        "answers": answers,
        "stored": sorted(User.objects.values_list("email", flat=True)),
    }


def _normalised(result: dict[str, Any]) -> dict[str, Any]:
    """Tuples become lists, as a JSON round trip makes them."""
    return json.loads(json.dumps(result))


def main() -> None:
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # 'testserver' allowed, in-memory email
    call_command("migrate", verbosity=0, interactive=False)
    sys.stdout.write(MARKER + json.dumps(_normalised(run())) + "\n")


if __name__ == "__main__":
    main()
