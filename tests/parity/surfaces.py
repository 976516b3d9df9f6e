"""Drive one operation through both surfaces and reduce each answer to one form.

An ``Outcome`` is what a client can rely on, whichever surface it speaks:
either the coded errors (code, field in snake_case, message, reason) or the
data, with the surface's spelling (camelCase, payload wrappers, status codes)
taken away. Each surface runs in its own savepoint over the same prepared data,
with the rate-limit store emptied first, so both start from the same state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.test import Client
from graphql_relay import from_global_id

GRAPHQL = "/graphql/"
API = "/api/v1"


def snake(name: str | None) -> str | None:
    """``currentPassword`` -> ``current_password`` (GraphQL's names to REST's)."""
    if name is None:
        return None
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_keys(value: Any) -> Any:
    """Rename every key of nested dicts to snake_case."""
    if isinstance(value, Mapping):
        return {snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def camel_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    """Rename ``new_password`` to ``newPassword`` (REST's names to GraphQL's)."""
    return {
        re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): v
        for k, v in values.items()
    }


@dataclass(frozen=True)
class Outcome:
    """One answer, surface-neutral: ``errors`` or ``data`` (never both)."""

    errors: tuple[tuple[str, str | None, str, str | None], ...] = ()
    data: Any = None
    #: What the test saw in the database afterwards (same probe on both runs).
    after: Any = None


@dataclass
class Operation:
    """One operation as each surface spells it.

    ``gql`` is the document (variables ``$input`` or the token mutations'
    arguments); ``gql_variables`` and ``rest_body`` build each surface's input
    from the same values; ``gql_data`` and ``rest_data`` reduce a success to the
    common form; ``fields`` renames GraphQL field names REST spells differently.
    """

    name: str
    gql: str
    rest: tuple[str, str] | Callable[[dict[str, Any]], tuple[str, str]]
    gql_variables: Callable[[dict[str, Any]], dict[str, Any]] = lambda v: {
        "input": camel_keys(v)
    }
    rest_body: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda v: v
    gql_data: Callable[[Any], Any] = lambda payload: {}
    rest_data: Callable[[Any], Any] = lambda body: {}
    fields: dict[str, str] = field(default_factory=dict)


def _graphql(
    client: Client, op: Operation, values: dict[str, Any], token: str | None
) -> Outcome:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": op.gql, "variables": op.gql_variables(values)}),
        content_type="application/json",
        **headers,
    )
    body = json.loads(response.content)
    if body.get("errors"):
        return Outcome(
            errors=tuple(
                (
                    e["extensions"]["code"],
                    _field(op, e["extensions"].get("field")),
                    e["message"],
                    e["extensions"].get("reason"),
                )
                for e in body["errors"]
            )
        )
    (payload,) = body["data"].values()
    if isinstance(payload, dict) and payload.get("errors"):
        return Outcome(
            errors=tuple(
                (e["code"], _field(op, e["field"]), e["message"], None)
                for e in payload["errors"]
            )
        )
    return Outcome(data=op.gql_data(payload))


def _field(op: Operation, name: str | None) -> str | None:
    name = snake(name)
    return op.fields.get(name, name) if name else None


def _rest(
    client: Client, op: Operation, values: dict[str, Any], token: str | None
) -> Outcome:
    method, path = op.rest(values) if callable(op.rest) else op.rest
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = op.rest_body(values)
    send = getattr(client, method)
    if method == "get":
        response = send(API + path, body or {}, **headers)
    else:
        response = send(
            API + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            **headers,
        )
    content = json.loads(response.content) if response.content else None
    if response.status_code >= 400:
        return Outcome(
            errors=tuple(
                (e["code"], e["field"], e["message"], e.get("reason"))
                for e in content["errors"]
            )
        )
    assert response.status_code < 300, response.status_code
    return Outcome(data=op.rest_data(content))


SURFACES = {"graphql": _graphql, "rest": _rest}


@dataclass
class Step:
    """One call of a case: the operation, its input values and whose token."""

    op: Operation
    values: dict[str, Any]
    token: str | None = None


def run_on(surface: str, steps: list[Step], probe: Callable[[], Any]) -> list[Outcome]:
    """Run ``steps`` through one surface in a savepoint that is rolled back."""
    for alias in caches:
        caches[alias].clear()
    client = Client()
    outcomes = []
    with transaction.atomic():
        for step in steps:
            outcome = SURFACES[surface](client, step.op, step.values, step.token)
            outcomes.append(outcome)
        outcomes[-1] = Outcome(outcomes[-1].errors, outcomes[-1].data, probe())
        transaction.set_rollback(True)
    return outcomes


def both(steps: list[Step], probe: Callable[[], Any] = lambda: None) -> list[Outcome]:
    """Run ``steps`` on each surface; assert they agree; return the outcomes."""
    graphql = run_on("graphql", steps, probe)
    rest = run_on("rest", steps, probe)
    assert graphql == rest, f"\nGraphQL: {graphql}\nREST:    {rest}"
    return graphql


# --- Reductions of successful answers -------------------------------------------

USER_FIELDS = (
    "id email pendingEmail name bio location avatarUrl emailVerified mfaEnabled "
    "dateJoined"
)


def user_data(user: Mapping[str, Any], *, new: bool = False) -> dict[str, Any]:
    """A user in snake_case; a new account's id only by its type.

    Both runs create the account, and a rolled-back sequence still moves on,
    so the two new ids differ by design.
    """
    data = snake_keys(dict(user))
    if new:
        kind, _ = from_global_id(data["id"])
        data["id"] = f"<new {kind}>"
    return data


def pair_data(access: Any, refresh: Any, device: Any = "") -> dict[str, bool]:
    """A token pair by presence (each run mints its own tokens)."""
    return {
        "pair": isinstance(access, str) and isinstance(refresh, str),
        "device_token": isinstance(device, str) and bool(device),
    }


def session_data(sessions: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Sessions with GraphQL's global ids reduced to REST's UUIDs."""
    result = []
    for session in snake_keys(sessions):
        kind, raw = from_global_id(session["id"])
        result.append({**session, "id": raw if kind == "Session" else session["id"]})
    return result
