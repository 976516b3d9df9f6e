"""Device tokens: the login budget of a known device is its own (no owner lockout).

OWASP's "device cookie" defence against online guessing: after a successful
login the client gets a signed device token naming one (account, device) pair.
When it logs in again and sends the token back, its attempts count against that
device's budget instead of the per-email one. An attacker who hammers an
address exhausts the per-email budget, which locks out unknown clients only;
the owner's known devices still log in with the right password.

A device token is never a credential by itself: it only chooses which budget an
attempt draws on, and tells whether a login comes from a device that has logged
in to the account before (``is_known_device``, for new-sign-in notices).

Format: a ``django.core.signing`` payload with its own salt, holding the device
id, the user id and a keyed hash of the canonical email, so that a token only
counts for the address it was issued for, and the email itself is not readable
in it. Long-lived (``DEVICE_TOKEN_LIFETIME``, default one year); each login
that presents a valid one returns it re-signed with the same device id, so an
active device never expires.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from users.models import User

_SALT = "users.devices.device-token"
_EMAIL_SALT = "users.devices.email"
#: A real token is about 200 characters; longer input is not even decoded.
MAX_TOKEN_LENGTH = 1000


@dataclass(frozen=True)
class Device:
    """A device that logged in to one account before."""

    id: str
    user_id: int


def mint(user: User, device_id: str | None = None) -> str:
    """Return a device token for ``user`` (a new device unless ``device_id``)."""
    payload = {
        "d": device_id or secrets.token_urlsafe(16),
        "u": user.pk,
        "e": _email_hash(user.email),
    }
    return signing.dumps(payload, salt=_SALT)


def lifetime() -> int:
    """Seconds a device token stays valid after it was last issued."""
    return int(getattr(settings, "DEVICE_TOKEN_LIFETIME", 365 * 24 * 3600))


def recognise(token: object, email: str) -> Device | None:
    """Return the device a valid token names for ``email``, else None.

    None for anything else (missing, forged, expired, issued for another
    address): the caller then treats the attempt as one from an unknown device.
    Never raises: a bad device token must not make a login fail.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload = signing.loads(token, salt=_SALT, max_age=lifetime())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    device_id, user_id, email_hash = (
        payload.get("d"),
        payload.get("u"),
        payload.get("e"),
    )
    if not (isinstance(device_id, str) and type(user_id) is int):
        return None
    if not isinstance(email_hash, str) or not constant_time_compare(
        email_hash, _email_hash(email)
    ):
        return None
    return Device(id=device_id, user_id=user_id)


def is_known_device(user: User, token: object) -> bool:
    """Tell whether ``token`` is a valid device token of ``user``'s account.

    A login without one is a sign-in from a new device (worth a notice).
    """
    device = recognise(token, user.email)
    return device is not None and device.user_id == user.pk


def _email_hash(email: str) -> str:
    canonical = (email or "").strip().lower()
    return salted_hmac(_EMAIL_SALT, canonical, algorithm="sha256").hexdigest()[:32]
