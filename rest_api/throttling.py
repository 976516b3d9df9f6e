"""The general per-user request budget, applied the DRF way (as a throttle).

Per-operation limits live in the services. The ``general`` policy of
``users.ratelimits`` is the ceiling on everything an authenticated caller does,
and the surfaces apply it; here it runs after authentication, so it is keyed by
the user as well as the address, and shares its buckets with GraphQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import BaseThrottle

from core.client_ip import request_meta
from users import ratelimits

if TYPE_CHECKING:  # rest_framework.views reads this module's class while loading
    from rest_framework.request import Request
    from rest_framework.views import APIView


class GeneralRateLimit(BaseThrottle):
    def allow_request(self, request: Request, view: APIView) -> bool:
        """Count the request; over the limit, ``ServiceError(RATE_LIMITED)`` → 429."""
        if request.user is not None:
            ratelimits.enforce(
                "general", meta=request_meta(request), subject=str(request.user.pk)
            )
        return True
