"""Base classes for REST views: a few helpers so each view stays a few lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from rest_framework import serializers, views
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

from core.client_ip import request_meta
from rest_api.authentication import BearerAuthentication
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import Session
from users.tokens import Authenticated


class APIView(views.APIView):
    """A view behind the Bearer token (the settings' default: secure by default).

    ``error_fields`` renames a service's argument names in errors to the body's
    field names, and ``error_status`` overrides a code's status for this view
    (see ``rest_api.errors``).
    """

    error_fields: ClassVar[Mapping[str, str]] = {}
    #: Statuses that differ from ``users.errors.HTTP_STATUS`` for this view.
    error_status: ClassVar[Mapping[ErrorCode, int]] = {}

    def parse(
        self, serializer_class: type[serializers.Serializer], data: Any = None
    ) -> dict[str, Any]:
        """Validate the body (or ``data``) for shape; a failure becomes a 400."""
        serializer = serializer_class(data=self.request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @property
    def caller(self) -> Authenticated:
        """The caller behind the Bearer token: its user, session and claims."""
        auth = self.request.auth
        if not isinstance(auth, Authenticated):
            raise NotAuthenticated
        return auth

    @property
    def meta(self) -> RequestMeta:
        """The caller's address, agent and session: the request facts services see."""
        meta = request_meta(self.request)
        caller = self.request.auth
        if isinstance(caller, Authenticated):
            meta = replace(meta, session_id=caller.session.pk)
        return meta


def optional_session(request: Any) -> Session | None:
    """Return the session of a valid Bearer token on a public view, else None.

    Public views run no authentication (a stale token must not break them); the
    few that treat a logged-in caller better ask here, and never fail.
    """
    try:
        found = BearerAuthentication().authenticate(request)
    except (AuthenticationFailed, ServiceError):
        return None
    return None if found is None else found[1].session


class PublicAPIView(APIView):
    """An operation for anonymous callers.

    No authentication runs at all, so a stale token left in a client's headers
    cannot make logging in, refreshing or resetting a password fail.
    """

    authentication_classes = ()
    permission_classes = ()
