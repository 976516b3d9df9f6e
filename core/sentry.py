"""Sentry set-up with scrubbing: no password, token or reset link leaves the app."""

import re
from typing import Any

_SECRET_KEYS = re.compile(
    r"pass(word)?|token|secret|authorization|cookie|refresh|access|signature|api[-_]?key",
    re.IGNORECASE,
)
_FILTERED = "[Filtered]"


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _FILTERED if _SECRET_KEYS.search(str(k)) else _scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Drop secrets from request data, headers, extras and breadcrumbs."""
    request = event.get("request") or {}
    for part in ("data", "headers", "cookies", "env"):
        if part in request:
            request[part] = _scrub(request[part])
    if "query_string" in request:
        request["query_string"] = _FILTERED
    for key in ("extra", "contexts"):
        if key in event:
            event[key] = _scrub(event[key])
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        if "data" in crumb:
            crumb["data"] = _scrub(crumb["data"])
    return event


def init_sentry(dsn: str, environment: str, traces_sample_rate: float = 0.0) -> None:
    """Start the SDK when a DSN is configured; a no-op otherwise."""
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,  # type: ignore[arg-type]  # events are plain dicts
    )
