"""Who may use staff features: the one check every surface and service calls.

Staff-only reads (the user list, another account's activity, any ``User``
node) and writes (deactivating an account) ask here, so GraphQL, REST and the
admin can never disagree about who counts as staff.
"""

from __future__ import annotations

from django.conf import settings

from users import mfa
from users.errors import ErrorCode, ServiceError
from users.global_ids import USER_TYPE, decode_pk
from users.models import User


def is_staff_member(actor: User | None) -> bool:
    """Whether ``actor`` is an active staff account (MFA aside)."""
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and actor.is_staff
    )


def staff_mfa_missing(actor: User) -> bool:
    """Whether a staff member must still turn TOTP on before staff features."""
    return bool(settings.MFA_REQUIRED_FOR_STAFF) and not mfa.is_enabled(actor)


def require_staff(actor: User | None) -> User:
    """Return ``actor`` if staff features may serve them, else raise.

    Anonymous is ``UNAUTHENTICATED``; anyone but active staff is ``FORBIDDEN``.
    With ``MFA_REQUIRED_FOR_STAFF`` a password alone must not open every
    account to whoever phished one staff member: until TOTP is on, staff
    features answer ``FORBIDDEN`` with the reason ``MFA_SETUP_REQUIRED``.
    """
    if actor is None or not actor.is_authenticated:
        raise ServiceError(ErrorCode.UNAUTHENTICATED, "Log in first.")
    if not is_staff_member(actor):
        raise ServiceError(ErrorCode.FORBIDDEN, "Staff only.")
    if staff_mfa_missing(actor):
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "Turn on two-factor authentication (setupTotp) to use staff features.",
            reason=ErrorCode.MFA_SETUP_REQUIRED,
        )
    return actor


def require_staff_for_account(actor: User | None, user_id: object) -> int:
    """Return the key of the account a staff operation names, after the staff check.

    ``user_id`` is the account's global id as the client sent it. The staff
    check comes first, so anyone else gets the same refusal whatever id they
    send: a malformed id must not answer ``NOT_FOUND`` to a caller who may not
    ask at all. Every staff operation that takes an account's id starts here.
    """
    require_staff(actor)
    return decode_pk(user_id, USER_TYPE)
