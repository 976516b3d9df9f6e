"""The Django admin's login, on the same budgets as the API's.

Passwords typed into ``/admin/login/`` are checked by
``core.auth_backends.AccountBackend``, i.e. by ``users.services.check_credentials``,
the one password check of every login: the per-email and per-IP budgets are the
API's, and a failure counts there too. When a budget is spent, the backend's
``RATE_LIMITED`` (or ``SERVICE_UNAVAILABLE`` while the limiter is down) leaves
Django's form machinery as an exception; this view turns it into a real 429 /
503 with ``Retry-After``, instead of the form's "wrong password" message that
would hide the lockout from the user and from monitoring.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from users.errors import ErrorCode, ServiceError, http_status

_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8>"
    "<title>{title}</title><h1>{title}</h1><p>{message}</p></html>"
)


_PREFIX = re.compile(r"^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/$")
#: Prefixes the API and the operations endpoints own.
_TAKEN = ("api/", "graphql/", "healthz/", "readyz/", "static/", "media/")


def admin_url_prefix() -> str:
    """Return ``ADMIN_URL`` as a route prefix (``"admin/"``), or refuse to start.

    Leading slashes are dropped and a trailing one added; an empty prefix or one
    that would shadow the API is a configuration error, not a silent takeover
    of ``/``.
    """
    raw = str(getattr(settings, "ADMIN_URL", "admin/")).strip().lstrip("/")
    prefix = raw if raw.endswith("/") else f"{raw}/"
    dot_segment = any(part in {".", ".."} for part in prefix.split("/"))
    if not _PREFIX.match(prefix) or prefix.startswith(_TAKEN) or dot_segment:
        raise ImproperlyConfigured(
            f"DJANGO_ADMIN_URL {raw!r} must be a path like 'admin/' or "
            "'staff-9f3a/' outside the API's paths"
        )
    return prefix


def admin_login(
    request: HttpRequest, extra_context: dict | None = None
) -> HttpResponse:
    """Serve the admin's own login view; answer 429/503 when a budget says no."""
    try:
        return admin.site.login(request, extra_context=extra_context)
    except ServiceError as exc:
        if exc.code not in {ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE}:
            raise
        title = (
            "Too many attempts"
            if exc.code == ErrorCode.RATE_LIMITED
            else "Temporarily unavailable"
        )
        response = HttpResponse(
            _PAGE.format(title=title, message=escape(exc.message)),
            status=http_status(exc.code),
        )
        response["Retry-After"] = str(exc.retry_after or 30)
        return response
