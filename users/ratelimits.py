"""The one rate-limit policy of the accounts domain.

Services call :func:`enforce` before doing any work, never the surfaces, so a
GraphQL mutation, a REST view, every alias in one GraphQL document and every entry
of a batch all draw on the same budget.

Policy format
-------------
``settings.RATE_LIMITS`` maps an operation name to a list of buckets, each written
``"<rate> <key>"``. The rate is written ``count/period`` (``"5/m"``, ``"100/h"``,
``"10/5m"``: an optional multiplier + ``s``, ``m``, ``h`` or ``d``, the syntax
django-ratelimit made familiar); the key says what the bucket counts per:

``ip``
    the caller's address from ``RequestMeta`` (IPv6 grouped by /64, like
    django-ratelimit's ``RATELIMIT_IPV6_MASK``, since one host owns a whole /64);
``email``
    the ``subject`` argument, stripped and lowercased, so case games do not open
    a fresh bucket;
``user``
    the ``subject`` argument as given (a user id);
``device``
    the ``subject`` argument as given: the id of a device token that is valid
    for the login's email (``users.devices``), so a known device's login
    attempts have a budget of their own (``login_known_device``) that nobody
    else's failures can exhaust.

Operations named in the setting replace that operation's default buckets; the
others keep :data:`DEFAULT_RATE_LIMITS`. An empty list turns an operation's
limits off. Example::

    RATE_LIMITS = {"login": ["5/m ip", "10/m email"], "refresh": []}

Every call counts one attempt in every bucket that applies, whether the attempt
then succeeds or fails: a correct password does not reset the per-IP counter, or
one known account would let an attacker keep guessing others from the same
address. A bucket whose key is unknown (no ``subject``, no IP) is skipped.

Windows are fixed windows that open at a key's first attempt (so not every bucket
resets at the same second); ``retry_after`` is the number of seconds until the
latest-resetting exceeded bucket rolls over, so retrying then succeeds.

Counting is ``users.ratecounter``'s job: all of a call's buckets are counted in
one atomic Redis round trip (a Lua script), in the Redis of the Django cache
named by ``RATELIMIT_USE_CACHE`` (``ratelimit``: a database of its own, which a
flush of the default cache cannot touch). The key material (addresses,
emails, ids) is HMAC'd with the secret key, so the store never holds an email and
a dictionary of known addresses cannot be matched against its keys.

When the store is unreachable
-----------------------------
Every operation that checks a password or a second factor
(:data:`CREDENTIAL_CHECKS`: logins, password change, email change, account
deletion; the MFA operations belong there too) answers ``SERVICE_UNAVAILABLE``,
and so do the operations in ``settings.RATE_LIMIT_FAIL_CLOSED`` (default:
``register``, ``password_reset_request``; the setting can add operations but not
remove a credential check). They are what credential stuffing, password
guessing with a stolen token, account farming and mail bombing go through, and
an outage of the limiter must not become an open window for them. Every other
operation fails open (with one warning per call) because it is already
authenticated or cheap, and refusing token refreshes or profile edits would turn a
Redis outage into an outage of the whole API. The cache's socket timeouts (1 s)
bound how long a call can wait for a dead server.

``RATELIMIT_ENABLE = False`` turns all limits off.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from users import ratecounter
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta

logger = logging.getLogger(__name__)

DEFAULT_RATE_LIMITS: dict[str, list[str]] = {
    # Logins without a valid device token for the email draw on the per-email
    # budget; with one, on that device's own (users/devices.py), so hammering
    # an address cannot lock its owner's known devices out.
    "login": ["20/m ip", "200/h ip", "10/m email", "50/h email"],
    "login_known_device": ["20/m ip", "200/h ip", "10/m device", "50/h device"],
    "register": ["10/h ip"],
    "refresh": ["60/m ip"],
    "password_change": ["10/h user"],
    "password_reset_request": ["10/h ip", "5/h email"],
    "verification_resend": ["5/h user"],
    "avatar_upload": ["20/h user"],
    "email_change": ["10/h user"],
    "delete_account": ["10/h user"],
    # Second factor. Each MFA token also dies after MFA_TOKEN_MAX_ATTEMPTS wrong
    # codes (counted in its row); these bound the account and the address.
    "mfa_verify": ["30/m ip", "10/15m user", "30/d user"],
    "mfa_setup": ["10/h user"],
    "mfa_confirm": ["10/15m user"],
    "mfa_disable": ["10/h user"],
    "mfa_recovery_codes": ["10/h user"],
    # The ceiling every authenticated request counts against (surfaces call it
    # from their authentication path, with the user id as subject).
    "general": ["600/m user", "1200/m ip"],
}

#: Operations that check a password or a second factor. They always fail closed
#: when the counter store is down (an unmetered window would be a password
#: oracle); ``RATE_LIMIT_FAIL_CLOSED`` can add operations, never remove these.
CREDENTIAL_CHECKS: frozenset[str] = frozenset(
    {
        "login",
        "login_known_device",
        "password_change",
        "email_change",
        "delete_account",
        "mfa_verify",
        "mfa_confirm",
        "mfa_disable",
        "mfa_recovery_codes",
    }
)
DEFAULT_FAIL_CLOSED: frozenset[str] = frozenset({"register", "password_reset_request"})

KEY_KINDS = frozenset({"ip", "email", "user", "device"})
#: Stands in for a missing address so that callers without one still share a
#: budget instead of escaping the IP buckets altogether.
UNKNOWN_IP = "unknown"
_HMAC_SALT = "users.ratelimits"
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Bucket:
    """One ``rate`` counted per ``kind`` of key within one operation."""

    rate: str
    kind: str
    limit: int
    period: int


def parse_rate(rate: str) -> tuple[int, int]:
    """Read ``"10/5m"`` as (10 attempts, 300 seconds)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"{rate!r} is not '<count>/<period>'")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _SECONDS[unit]


@lru_cache(maxsize=256)
def parse_bucket(spec: str) -> Bucket:
    """Read ``"<rate> <key>"``; a typo must fail loudly, not disable a limit."""
    try:
        rate, kind = spec.split()
        limit, period = parse_rate(rate)
    except (AttributeError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"RATE_LIMITS bucket {spec!r} is not '<rate> <key>', e.g. '10/m ip'"
        ) from exc
    if kind not in KEY_KINDS:
        raise ImproperlyConfigured(
            f"RATE_LIMITS bucket {spec!r}: key must be one of {sorted(KEY_KINDS)}"
        )
    if period <= 0:
        raise ImproperlyConfigured(f"RATE_LIMITS bucket {spec!r}: empty period")
    return Bucket(rate=rate, kind=kind, limit=limit, period=period)


def buckets_for(operation: str) -> list[Bucket]:
    """Return the operation's buckets; an unknown name is a programming error."""
    table = {**DEFAULT_RATE_LIMITS, **getattr(settings, "RATE_LIMITS", {})}
    if operation not in table:
        raise ImproperlyConfigured(f"No rate-limit policy for operation {operation!r}")
    specs = table[operation]
    if not all(isinstance(spec, str) for spec in specs):
        raise ImproperlyConfigured(f"RATE_LIMITS[{operation!r}] must list strings")
    # Identical specs would share a cache key and count each attempt twice.
    return [parse_bucket(spec) for spec in dict.fromkeys(specs)]


def enforce(operation: str, *, meta: RequestMeta, subject: str | None = None) -> None:
    """Count one attempt at ``operation`` and refuse it if any bucket is over.

    Every bucket is counted in one atomic store round trip. Raises
    ``ServiceError(RATE_LIMITED, retry_after=...)`` when over a limit, and
    ``ServiceError(SERVICE_UNAVAILABLE)`` when the counter store is down and the
    operation fails closed.
    """
    buckets = buckets_for(operation)
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    counted: list[tuple[Bucket, ratecounter.Window]] = []
    prefix = ratecounter.key_prefix()
    for bucket in buckets:
        key = bucket_key(operation, bucket, meta=meta, subject=subject, prefix=prefix)
        if key is not None:
            counted.append((bucket, ratecounter.Window(key, bucket.period * 1000)))
    if not counted:
        return
    try:
        usages = ratecounter.hit([window for _bucket, window in counted])
    except Exception as exc:  # the store's errors are many; all mean "unknown"
        _store_failed(operation, exc)
        return
    retry_after = max(
        (
            max(1, -(-usage.ms_left // 1000))  # whole seconds, rounded up
            for (bucket, _window), usage in zip(counted, usages, strict=True)
            if usage.count > bucket.limit
        ),
        default=0,
    )
    if retry_after:
        raise ServiceError(
            ErrorCode.RATE_LIMITED,
            rate_limited_message(retry_after),
            retry_after=retry_after,
        )


def bucket_key(
    operation: str,
    bucket: Bucket,
    *,
    meta: RequestMeta,
    subject: str | None,
    prefix: str | None = None,
) -> str | None:
    """Return the store key counting ``bucket`` for this caller (None: skipped)."""
    value = _key_value(bucket.kind, meta=meta, subject=subject)
    if value is None:
        return None
    prefix = ratecounter.key_prefix() if prefix is None else prefix
    return f"{prefix}:{operation}:{bucket.rate}:{bucket.kind}:{value}"


def rate_limited_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many attempts. Try again in {seconds} {unit}."


def _key_value(kind: str, *, meta: RequestMeta, subject: str | None) -> str | None:
    if kind == "ip":
        raw = _ip_key(meta.ip_address)
    elif subject is None or str(subject).strip() == "":
        return None
    elif kind == "email":
        raw = str(subject).strip().lower()
    else:
        raw = str(subject)
    return _keyed_digest(f"{kind}:{raw}", settings.SECRET_KEY)


#: Every request computes the same few keys again (its user's, its address's):
#: the HMAC (two SHA-256 key derivations and a MAC) and the address parsing are
#: memoised per process, bounded, so many distinct callers only evict entries.
_KEY_CACHE_SIZE = 8192


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _keyed_digest(message: str, secret: str) -> str:
    # The secret is part of the cache key: a rotated SECRET_KEY never meets an
    # entry derived from the old one.
    return salted_hmac(
        _HMAC_SALT, message, secret=secret, algorithm="sha256"
    ).hexdigest()


def _ip_key(address: str | None) -> str:
    return _network_key(
        (address or "").strip(),
        getattr(settings, "RATELIMIT_IPV4_MASK", 32),
        getattr(settings, "RATELIMIT_IPV6_MASK", 64),
    )


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _network_key(address: str, ipv4_mask: int, ipv6_mask: int) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN_IP
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    mask = ipv6_mask if ip.version == 6 else ipv4_mask
    return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False).network_address)


def fails_closed(operation: str) -> bool:
    """Tell whether ``operation`` is refused while the counter store is down."""
    extra = getattr(settings, "RATE_LIMIT_FAIL_CLOSED", DEFAULT_FAIL_CLOSED)
    return operation in CREDENTIAL_CHECKS or operation in extra


def _store_failed(operation: str, exc: BaseException) -> None:
    reason = type(exc).__name__
    if fails_closed(operation):
        logger.error(
            "Rate-limit store unavailable (%s); refusing %s", reason, operation
        )
        raise ServiceError(
            ErrorCode.SERVICE_UNAVAILABLE,
            "This is temporarily unavailable. Please try again in a moment.",
        ) from exc
    logger.warning(
        "Rate-limit store unavailable (%s); allowing %s unchecked", reason, operation
    )
