"""Liveness and readiness probes for orchestrators and load balancers."""

from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 while the process can serve; no I/O, so it never flaps."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return type(exc).__name__
    return None


def _redis_urls() -> list[str]:
    """Every Redis the app uses (cache, rate limits, broker), one URL per server."""
    candidates = [settings.CACHE_REDIS_URL, settings.RATELIMIT_REDIS_URL]
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        candidates.append(broker)
    return [url for url in dict.fromkeys(candidates) if url]


def _check_redis() -> str | None:
    import redis

    for url in _redis_urls():
        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=1, socket_timeout=1
            )
            try:
                client.ping()
            finally:
                client.close()
        except Exception as exc:
            return type(exc).__name__
    return None


def _outbox_backlog() -> tuple[dict[str, Any], str | None]:
    """Report the undelivered messages; an error past the thresholds.

    Stuck mail is invisible to users until they complain; a backlog that only
    grows (no worker, a dead SMTP relay) is what the operator needs paged on.
    """
    from users import outbox

    try:
        backlog = outbox.backlog()
    except Exception as exc:
        return {}, type(exc).__name__
    age = backlog.oldest_age()
    seconds = round(age.total_seconds(), 1) if age is not None else None
    report = {"pending": backlog.pending, "oldest_pending_seconds": seconds}
    max_age, max_pending = (
        settings.OUTBOX_READY_MAX_AGE,
        settings.OUTBOX_READY_MAX_PENDING,
    )
    if max_age and seconds is not None and seconds > max_age:
        return report, f"oldest undelivered message is older than {max_age}s"
    if max_pending and backlog.pending > max_pending:
        return report, f"more than {max_pending} undelivered messages"
    return report, None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and (if configured) Redis answer, else 503.

    Also 503 when the outbox backlog passes its thresholds (``OUTBOX_READY_*``).
    The body names each failing check so an operator sees which one, and
    reports the backlog (count, age of the oldest undelivered message).
    """
    database = _check_database()
    checks = {"database": database, "redis": _check_redis()}
    body: dict[str, Any] = {}
    if database is None:
        body["outbox"], checks["outbox"] = _outbox_backlog()
    failing = {name: error for name, error in checks.items() if error}
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {
            name: ("fail: " + error if error else "ok")
            for name, error in checks.items()
            if name != "redis" or _redis_urls()
        },
        **body,
    }
    return JsonResponse(body, status=503 if failing else 200)
