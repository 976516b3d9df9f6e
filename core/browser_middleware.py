"""Django's browser-session middleware, skipped on the token APIs.

An authenticated API request paid for four middleware it never uses: a lazy
session store, lazy ``request.user`` and its OTP wrapper, and a message store
with its cookie and session back ends (``bench/README.md`` has the figures).
These subclasses run Django's own classes unchanged everywhere except on
``core.api_paths``, where nothing reads a session.

Security is unchanged: on the API paths no view authenticates from a session
(REST uses ``BearerAuthentication`` only, GraphQL ``core.bearer``), so skipping
the session user takes away no credential check, and it cannot add one either.
Django's ``CsrfViewMiddleware`` is left as it is, on every path. The admin, its
login and the documentation pages keep the whole stack.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest, HttpResponse
from django_otp import middleware as otp_middleware

from core.api_paths import is_token_api_path


class SkipOnTokenApi:
    """Mixin: pass token-API requests straight on; run the middleware elsewhere."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_api_path(request.path_info):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(SkipOnTokenApi, sessions_middleware.SessionMiddleware):
    """Django's SessionMiddleware, except on the token APIs."""


class AuthenticationMiddleware(SkipOnTokenApi, auth.AuthenticationMiddleware):
    """Django's AuthenticationMiddleware (session user), except on the token APIs."""


class OTPMiddleware(SkipOnTokenApi, otp_middleware.OTPMiddleware):
    """django-otp's OTPMiddleware (admin second factor), except on the token APIs."""


class MessageMiddleware(SkipOnTokenApi, messages_middleware.MessageMiddleware):
    """Django's MessageMiddleware (admin flash messages), except on the token APIs."""
