"""Liveness and readiness probes for orchestrators and load balancers."""

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


def _check_redis() -> str | None:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return type(exc).__name__
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and (if configured) Redis answer, else 503.

    The body names each failing dependency so an operator sees which one.
    """
    checks = {"database": _check_database(), "redis": _check_redis()}
    failing = {name: error for name, error in checks.items() if error}
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {
            name: ("fail: " + error if error else "ok")
            for name, error in checks.items()
            if name != "redis" or settings.REDIS_URL
        },
    }
    return JsonResponse(body, status=503 if failing else 200)
