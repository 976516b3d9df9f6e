"""Which paths are the token APIs: one definition for every middleware that asks.

Under ``/api/v1/`` and ``/graphql/`` a caller is identified by the
``Authorization`` header alone (``core.bearer``), never by a cookie, and every
view is CSRF-exempt. Django's browser-session machinery (sessions, CSRF
cookies, ``request.user``, OTP, messages) has nothing to do there; the admin and
the HTML documentation pages (``/api/docs/``, ``/api/redoc/``) live outside
these prefixes, and ``core.admin_login.admin_url_prefix`` refuses an admin URL
inside them.
"""

from __future__ import annotations

API_PREFIXES = ("/api/v1/", "/graphql/")


def is_token_api_path(path: str) -> bool:
    """Return whether ``path`` (a request's ``path_info``) is a token-API path."""
    return path.startswith(API_PREFIXES)
