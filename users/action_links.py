"""Signed, single-use "account action" links, one mechanism for every emailed action.

A security email may carry a link that acts on the account without a login:
"cancel this email change", "this sign-in wasn't me". Both need the same
properties, so both use this module:

- The token is a ``django.core.signing`` payload (HMAC with ``SECRET_KEY``,
  honouring ``SECRET_KEY_FALLBACKS``), salted per action, so a token minted for
  one action can never be replayed as another, nor as any other signed value of
  the project.
- It carries the user id, the action, a random nonce and whatever the action
  needs to bind the link to one event (e.g. the address of the change).
- It expires after the action's ``max_age`` (``ACCOUNT_ACTION_LINK_MAX_AGE``).
- It is single-use: consuming it records its nonce in ``UsedActionLink`` inside
  the caller's transaction; a second use finds the row and is ``TOKEN_INVALID``.
  Storing the nonce (rather than deriving single-use from account state, as
  password-reset tokens do) keeps the link working whatever else happens to the
  account meanwhile: the owner must still be able to undo a takeover after the
  attacker changed the password.

Links are minted by the worker that sends the email (``tasks.emails``), never
passed through the broker.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from users.errors import ErrorCode, ServiceError
from users.models import UsedActionLink, User

#: Real tokens are a few hundred characters; longer input is refused unread.
MAX_TOKEN_LENGTH = 2000
_SALT_PREFIX = "users.action_links:"


@dataclass(frozen=True)
class ActionLink:
    """An authentic, unexpired, not yet used link: whose it is and what it binds."""

    user: User
    action: str
    data: dict[str, Any] = field(default_factory=dict)


def make_action_token(
    user: User, action: str, data: dict[str, Any] | None = None
) -> str:
    """Sign a single-use token for ``action`` on ``user``'s account."""
    payload = {"u": user.pk, "a": action, "n": secrets.token_hex(16), "d": data or {}}
    return signing.dumps(payload, salt=_SALT_PREFIX + action, compress=True)


def max_age(action: str) -> int:
    """Seconds a link for ``action`` stays valid (a setting per action)."""
    ages = getattr(settings, "ACCOUNT_ACTION_LINK_MAX_AGE", {})
    return int(ages.get(action, ages.get("default", 7 * 24 * 3600)))


def consume_action_token(token: object, action: str) -> ActionLink:
    """Verify a link for ``action`` and mark it used (in the caller's transaction).

    Raises ``ServiceError`` on the ``token`` field: ``TOKEN_EXPIRED`` for an
    authentic token that is too old, ``TOKEN_INVALID`` for anything else
    (forged, another action's, already used, or its account gone). Call it
    inside ``transaction.atomic()``: if the action then fails, the link stays
    usable.
    """
    payload = _read(token, action)
    user = User.objects.filter(pk=payload["u"]).first()
    if user is None:
        raise _invalid()
    try:
        with transaction.atomic():
            UsedActionLink.objects.create(
                nonce=payload["n"],
                action=action,
                user=user,
                expires_at=timezone.now() + timedelta(seconds=max_age(action)),
            )
    except IntegrityError as exc:
        raise ServiceError(
            ErrorCode.TOKEN_INVALID, "This link was already used.", field="token"
        ) from exc
    return ActionLink(user=user, action=action, data=payload["d"])


def _read(token: object, action: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    try:
        payload = signing.loads(
            token, salt=_SALT_PREFIX + action, max_age=max_age(action)
        )
    except signing.SignatureExpired as exc:
        raise ServiceError(ErrorCode.TOKEN_EXPIRED, field="token") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise _invalid() from exc
    if not isinstance(payload, dict) or payload.get("a") != action:
        raise _invalid()
    if type(payload.get("u")) is not int or not isinstance(payload.get("n"), str):
        raise _invalid()
    if not isinstance(payload.get("d"), dict):
        raise _invalid()
    return payload


def _invalid() -> ServiceError:
    return ServiceError(ErrorCode.TOKEN_INVALID, field="token")
