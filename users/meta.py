"""What a service may know about the request: address, user agent and session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    """The caller's IP (already resolved through trusted proxies) and user agent.

    ``session_id`` is the session of the access token that authenticated the
    request, when one did; security events name it as the session concerned.
    """

    ip_address: str | None = None
    user_agent: str = ""
    session_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_agent", (self.user_agent or "")[:512])
