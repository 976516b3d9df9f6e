"""What a service may know about the request: address and user agent, nothing more."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    """The caller's IP (already resolved through trusted proxies) and user agent."""

    ip_address: str | None = None
    user_agent: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_agent", (self.user_agent or "")[:512])


ANONYMOUS_META = RequestMeta()
