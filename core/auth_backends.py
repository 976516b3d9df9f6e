"""Django's authentication backend: the API's own password check, budgets included.

This is the only entry in ``AUTHENTICATION_BACKENDS``, so every password that
reaches ``django.contrib.auth.authenticate`` (the admin login, any login view a
later feature adds) goes through ``users.services.check_credentials``: the same
per-email, per-device and per-IP budgets, the same timing-equalised check, the
same failed-login records as ``tokenAuth`` and ``POST /auth/token/``.

No backend reads the ``Authorization`` header: django-graphql-jwt's
``JSONWebTokenBackend`` used to, so a Bearer token sent with a wrong admin
password logged its staff user into a Django session. API tokens authenticate
API requests only (``rest_api.authentication``, ``graphql_api.auth``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from core.client_ip import request_meta
from users import services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import User

#: Answers that mean "not these credentials"; any other ServiceError (a spent
#: budget, the limiter down) propagates, so the caller can answer 429/503.
#: Answers that mean "not these credentials": the form says so and logs no one in.
#: An address with no canonical spelling (a look-alike) is one of them.
_REFUSALS = frozenset(
    {
        ErrorCode.INVALID_CREDENTIALS,
        ErrorCode.ACCOUNT_INACTIVE,
        ErrorCode.EMAIL_INVALID,
        ErrorCode.REQUIRED,
    }
)


class AccountBackend(ModelBackend):
    """``ModelBackend`` (permissions, sessions) with the services' password check."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        meta = (
            request_meta(request)
            if request is not None
            else RequestMeta(ip_address=None, user_agent="")
        )
        try:
            user = services.check_credentials(
                email=username, password=password, meta=meta
            )
        except ServiceError as exc:
            if exc.code in _REFUSALS:
                return None
            raise
        return user if self.user_can_authenticate(user) else None
