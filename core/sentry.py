"""Sentry set-up and scrubbing: no password, token or emailed link leaves the app.

Three layers, the SDK's own first:

1. SDK options. ``send_default_pii=False``: the integrations attach no cookies,
   no user, and drop the ``Authorization``, ``Cookie`` and forwarding headers.
   ``include_local_variables=False``: a frame's locals hold the reprs of
   serializers, requests and payloads, strings in which a password or a link
   sits where no key names it, so they are never sent; tracebacks keep file,
   line and source. The integrations: Django, Celery, Redis (commands with
   their arguments masked) and logging (INFO+ as breadcrumbs, ERROR+ as events).
2. ``EventScrubber`` with the SDK's denylist plus this API's credential names,
   both spellings (``current_password`` and GraphQL's ``currentPassword``), and
   ``recursive=True`` so nested bodies are reached; email addresses (and the
   admin form's ``username``) are dropped as personal data. It matches keys
   only.
3. ``scrub_event`` (``before_send`` and ``before_send_transaction``), for what
   keys cannot show: a GraphQL document carrying a password as an inline
   literal (``tokenAuth(email: "…", password: "…")``) has its string literals
   replaced, its variables (JSON, a multipart ``operations`` field, a GET
   ``variables`` parameter) have every string masked whatever their names,
   query strings lose their credential parameters, and every string in the
   event (log messages and breadcrumbs, exception messages, URLs) has Bearer
   credentials, JWTs, ``django.core.signing`` tokens and ``token=``-style link
   parameters masked.
   (A worker's stdout, where the console mail backend prints each email with
   its link, is logged as ``celery.redirected``, which the Celery integration
   already ignores.)

Trade-off: events say less (no locals, no literal or variable values in
documents, no addresses); the operation, the stack and the shape of the
request stay, which is what finding a bug needs. Breadcrumbs leave the
process only inside an event, so ``scrub_event`` sees them there; no
``before_breadcrumb`` is needed.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from graphql import GraphQLError, StringValueNode, Visitor, parse, print_ast, visit
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

FILTERED = "[Filtered]"

#: Request fields and headers that carry a credential on either surface, as the
#: scrubber compares them (lower-cased): REST's snake_case, GraphQL's camelCase.
SENSITIVE_KEYS: tuple[str, ...] = (
    "password",
    "current_password",
    "currentpassword",
    "new_password",
    "newpassword",
    "old_password",
    "password1",
    "password2",
    "token",
    "access",
    "access_token",
    "refresh",
    "refresh_token",
    "refreshtoken",
    "mfa_token",
    "mfatoken",
    "device_token",
    "devicetoken",
    "code",
    "recovery_code",
    "recoverycode",
    "recovery_codes",
    "recoverycodes",
    "secret",
    "otpauth_uri",
    "otpauthuri",
    "qr_svg",
    "qrsvg",
    "link",
    "signature",
    "authorization",
    "http_authorization",
    "cookie",
    "http_cookie",
    "set-cookie",
    "jwt",
    "csrfmiddlewaretoken",
    "x-csrftoken",
)

#: Personal data dropped while ``send_default_pii`` is off.
PII_KEYS: tuple[str, ...] = (
    "email",
    "username",  # the admin login form's name for the email
    "new_email",
    "old_email",
    "pending_email",
    "pendingemail",
)

#: Parameters of a URL or query string whose value is a credential.
_SENSITIVE_PARAMS = (
    "token|access|access_token|refresh|refresh_token|mfa_token|device_token|code"
    "|recovery_code|password|current_password|new_password|secret|signature|sig"
    "|key|jwt"
)
_DENIED = frozenset(SENSITIVE_KEYS)
#: A document longer than this is masked whole rather than parsed.
_MAX_DOCUMENT_TOKENS = 5_000

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer <token>, wherever it was copied (a log line, a repr).
    (re.compile(r"(?i)\b(bearer)(\s+)[^\s'\",;]+"), rf"\1\2{FILTERED}"),
    # JWTs (access and refresh tokens): three base64url parts, header first.
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]+"), FILTERED),
    # django.core.signing tokens (verification, action links, device tokens):
    # payload:timestamp:signature, the signature a base64url SHA-256.
    (re.compile(r"(?<![\w.-])[\w.-]+:[0-9A-Za-z]{4,}:[\w-]{43}(?![\w-])"), FILTERED),
    # Emailed links and query strings: ?token=…, &code=…
    (
        re.compile(rf"(?i)([?&;]|\b)((?:{_SENSITIVE_PARAMS})=)[^&#\s'\"<>]+"),
        rf"\1\2{FILTERED}",
    ),
)


def event_scrubber() -> EventScrubber:
    """Build the SDK's key-based scrubber, taught this API's credential names."""
    return EventScrubber(
        denylist=[*DEFAULT_DENYLIST, *SENSITIVE_KEYS],
        pii_denylist=[*DEFAULT_PII_DENYLIST, *PII_KEYS],
        recursive=True,
        send_default_pii=False,
    )


class _StringLiteralMasker(Visitor):
    """Replace each string literal (arguments, input objects, lists, defaults)."""

    def enter_string_value(self, *_: Any) -> StringValueNode:
        return StringValueNode(value=FILTERED)


def mask_graphql_document(document: str) -> str:
    """Return the document with every string literal replaced by ``[Filtered]``.

    The operation, its fields and its variable names stay readable; a value
    typed inline (a password, a reset token, a code) does not. A document that
    does not parse, or is too long to parse cheaply, is masked whole: nothing
    can be told apart in it.
    """
    try:
        tree = parse(document, no_location=True, max_tokens=_MAX_DOCUMENT_TOKENS)
    except (GraphQLError, RecursionError):
        return FILTERED
    return print_ast(visit(tree, _StringLiteralMasker()))


def _filter_keys(value: Any) -> Any:
    """Mask values under credential names, at any depth."""
    if isinstance(value, dict):
        return {
            key: FILTERED if str(key).lower() in _DENIED else _filter_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_filter_keys(item) for item in value]
    return value


def _mask_strings(value: Any) -> Any:
    """Keep the shape of GraphQL variables, mask every string in them.

    A variable's name says nothing of what it holds (``$p`` may be a
    password), so unlike a REST body no key-based rule can pick the secrets
    out; strings are masked as the document's literals are.
    """
    if isinstance(value, str):
        return FILTERED
    if isinstance(value, dict):
        return {key: _mask_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_strings(item) for item in value]
    return value


def _json_or_filtered(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return FILTERED


def scrub_graphql_params(params: dict[str, Any]) -> dict[str, Any]:
    """Mask a GraphQL request's document, variables and multipart operations.

    ``params`` is a JSON body, a multipart form or a GET query string's
    parameters: ``variables`` and ``operations`` may arrive as JSON text.
    """
    for key, value in params.items():
        if key == "query" and isinstance(value, str):
            params[key] = mask_graphql_document(value)
        elif key == "variables":
            if isinstance(value, str) and value:
                params[key] = json.dumps(_mask_strings(_json_or_filtered(value)))
            else:
                params[key] = _mask_strings(value)
        elif key == "operations" and isinstance(value, str):
            operations = _json_or_filtered(value)
            batch = operations if isinstance(operations, list) else [operations]
            for operation in batch:
                if isinstance(operation, dict):
                    scrub_graphql_params(operation)
            params[key] = json.dumps(operations)
    return params


def _is_graphql(params: dict[str, Any]) -> bool:
    return isinstance(params.get("query"), str) or "operations" in params


def scrub_query_string(query_string: str) -> str:
    """Drop credential parameters; mask a GraphQL document and its variables."""
    pairs = [
        (key, FILTERED if key.lower() in _DENIED else value)
        for key, value in parse_qsl(query_string, keep_blank_values=True)
    ]
    params = dict(pairs)
    if _is_graphql(params):
        scrub_graphql_params(params)
        pairs = [(key, params[key]) for key, _ in pairs]
    return urlencode(pairs, safe="[]")


def _scrub_request_data(data: Any) -> Any:
    if isinstance(data, dict) and _is_graphql(data):
        return scrub_graphql_params(data)
    if isinstance(data, list):  # a batch of operations
        return [_scrub_request_data(item) for item in data]
    return data


def scrub_text(text: str) -> str:
    """Mask credentials by their shape in free text (messages, URLs, reprs)."""
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _scrub_values(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: _scrub_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_scrub_values(item) for item in value)
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict:
    """Mask what the key-based scrubber cannot see; used for every event type.

    Runs after the SDK's ``EventScrubber`` (the client applies it first).
    """
    request = event.get("request")
    if isinstance(request, dict):
        if "data" in request:
            request["data"] = _scrub_request_data(request["data"])
        if isinstance(request.get("query_string"), str):
            request["query_string"] = scrub_query_string(request["query_string"])
    for part in ("contexts", "tags"):
        if isinstance(event.get(part), dict):
            event[part] = _filter_keys(event[part])
    return _scrub_values(event)


def init_sentry(dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    """Start the SDK when a DSN is configured; a no-op otherwise."""
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            RedisIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        send_default_pii=False,
        include_local_variables=False,
        event_scrubber=event_scrubber(),
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,  # type: ignore[arg-type]  # events are plain dicts
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
    )
