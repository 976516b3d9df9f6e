"""The counting engine under ``users.ratelimits``: fixed windows, one round trip.

:func:`hit` counts one attempt in every window it is given and answers, for each,
the count so far and the milliseconds until that window closes. With Redis it is
one ``EVALSHA`` of a short Lua script, whatever the number of windows: Redis runs
a script atomically, so increment and expiry can never come apart (no key that
expires between a ``SET NX`` and an ``INCRBY``), and a request pays one network
round trip for all of an operation's buckets.

A window starts at the first attempt after the previous one closed
(``INCR``; ``PEXPIRE`` when the key has no expiry yet) and lasts its period, so
different keys reset at different moments instead of all at once on the minute.

Where the configured cache is not Redis (the embedded dev settings run on the
local-memory cache), the same semantics run in-process under a lock: good for one
process, which is all such a setup has.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

#: KEYS[i] gets ARGV[i] (its period in ms); the answer is count, ms left, ... .
_HIT_SCRIPT = """
local answer = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local left = redis.call('PTTL', key)
  if left < 0 then
    left = tonumber(ARGV[i])
    redis.call('PEXPIRE', key, left)
  end
  answer[#answer + 1] = count
  answer[#answer + 1] = left
end
return answer
"""

_REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


@dataclass(frozen=True)
class Window:
    """One counter: its store key and how long a window lasts."""

    key: str
    period_ms: int


@dataclass(frozen=True)
class Usage:
    """The count in a window after this attempt, and when the window closes."""

    count: int
    ms_left: int


class Counter(Protocol):
    def hit(self, windows: Sequence[Window]) -> list[Usage]: ...


class RedisCounter:
    """Windows in Redis, counted by one atomic script call."""

    def __init__(self, url: str, options: dict) -> None:
        import redis

        timeouts = {
            name: options[name]
            for name in ("socket_timeout", "socket_connect_timeout")
            if name in options
        }
        self._client = redis.Redis.from_url(url, **timeouts)
        self._script = self._client.register_script(_HIT_SCRIPT)

    def hit(self, windows: Sequence[Window]) -> list[Usage]:
        raw = self._script(
            keys=[w.key for w in windows], args=[w.period_ms for w in windows]
        )
        return [
            Usage(count=int(raw[i]), ms_left=int(raw[i + 1]))
            for i in range(0, len(raw), 2)
        ]


class LocalCounter:
    """The same windows in this process's memory (no Redis configured)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}

    def hit(self, windows: Sequence[Window]) -> list[Usage]:
        now = time.monotonic()
        answer = []
        with self._lock:
            for window in windows:
                count, closes = self._windows.get(window.key, (0, 0.0))
                if closes <= now:
                    count, closes = 0, now + window.period_ms / 1000
                count += 1
                self._windows[window.key] = (count, closes)
                answer.append(Usage(count, max(1, int((closes - now) * 1000))))
            if len(self._windows) > 100_000:
                self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
        return answer

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


@cache
def counter() -> Counter:
    """Return this process's counter, built once from the limiter's cache setting."""
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    config = settings.CACHES[alias]
    if config["BACKEND"] == _REDIS_BACKEND:
        location = config["LOCATION"]
        if isinstance(location, str):
            location = location.split(",")
        return RedisCounter(location[0], config.get("OPTIONS", {}))
    return LocalCounter()


def key_prefix() -> str:
    """Return the cache's key prefix: ``cache.clear()`` then resets the limiter too."""
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    return caches[alias].make_key("rl")


def hit(windows: Sequence[Window]) -> list[Usage]:
    """Count one attempt in each window (one store round trip); see the module doc."""
    if not windows:
        return []
    return counter().hit(windows)


@receiver(setting_changed)
def _forget_counter(*, setting: str, **_kwargs) -> None:
    if setting in {"CACHES", "RATELIMIT_USE_CACHE"}:
        counter.cache_clear()
