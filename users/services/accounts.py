"""Register, update the profile, change the email, delete or deactivate accounts."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from users import emails, events, ratelimits
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import User
from users.passwords import check_password, validate_new_password
from users.services.sessions import revoke_all_sessions
from users.staff import require_staff_for_account
from users.validation import clean_email, clean_profile_fields, clean_strings

_EMAIL_TAKEN = "An account with this email address already exists."


def _email_in_use(email: str, *, exclude: User | None = None) -> bool:
    users = User.objects.by_email(email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


@clean_strings
def register(*, email: str, password: str, name: str = "", meta: RequestMeta) -> User:
    """Create an account and send the verification email.

    Saying ``EMAIL_TAKEN`` tells a caller that an address has an account; that is
    the price of a usable sign-up form, and registration is rate limited per IP so
    it cannot be used to enumerate at scale.
    """
    ratelimits.enforce("register", meta=meta)
    email = clean_email(email)
    profile = clean_profile_fields({"name": name})
    candidate = User(email=email, **profile)
    password = validate_new_password(password, user=candidate, field="password")
    if _email_in_use(email):
        raise ServiceError(ErrorCode.EMAIL_TAKEN, _EMAIL_TAKEN, field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, **profile)
            emails.send_verification_email(user, user.email)
    except IntegrityError as exc:
        # Lost a race with a concurrent registration: the unique index decided.
        raise ServiceError(ErrorCode.EMAIL_TAKEN, _EMAIL_TAKEN, field="email") from exc
    return user


@clean_strings
def update_profile(
    *,
    user: User,
    meta: RequestMeta,
    name: str | None = None,
    bio: str | None = None,
    location: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> User:
    """Update the given fields (None = leave as is).

    A new email needs the current password: a bearer token alone (perhaps
    stolen) must not be able to move the account to another address and then
    reset the password there. The new address is not applied: it waits in
    ``pending_email`` until the link sent there is followed, and the current
    address gets a notice with a link that cancels the change.
    """
    given = {"name": name, "bio": bio, "location": location}
    profile = clean_profile_fields({k: v for k, v in given.items() if v is not None})
    new_email = None
    if email is not None:
        new_email = clean_email(email)
        if new_email == user.email:  # both canonical
            new_email = None
        else:
            _check_email_change_password(user, password, meta)
            if _email_in_use(new_email, exclude=user):
                raise ServiceError(ErrorCode.EMAIL_TAKEN, _EMAIL_TAKEN, field="email")
    with transaction.atomic():
        for field, value in profile.items():
            setattr(user, field, value)
        fields = list(profile)
        if new_email is not None:
            user.pending_email = new_email
            fields.append("pending_email")
            emails.send_verification_email(user, new_email)
            emails.send_email_change_notice(user, user.email, new_email)
            events.record(
                events.Kind.EMAIL_CHANGE_REQUESTED, user_id=user.pk, meta=meta
            )
        if fields:
            user.save(update_fields=fields)
    return user


def _check_email_change_password(
    user: User, password: str | None, meta: RequestMeta
) -> None:
    # Counted before the password is checked (and fail-closed): this is a
    # password oracle for whoever holds a token.
    ratelimits.enforce("email_change", meta=meta, subject=str(user.pk))
    if not password:
        raise ServiceError(
            ErrorCode.REQUIRED,
            "Enter your current password to change the email address.",
            field="password",
        )
    if not check_password(user, password):
        raise ServiceError(
            ErrorCode.PASSWORD_INCORRECT, "The password is wrong.", field="password"
        )


@clean_strings
def delete_account(*, user: User, password: str, meta: RequestMeta) -> None:
    """Delete the account after re-checking the password; sessions go with it."""
    ratelimits.enforce("delete_account", meta=meta, subject=str(user.pk))
    if not check_password(user, password):
        raise ServiceError(
            ErrorCode.PASSWORD_INCORRECT, "The password is wrong.", field="password"
        )
    email, name = user.email, user.name
    avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        revoke_all_sessions(user=user)
        user.delete()
        emails.send_account_deleted_notice(email, name)
        if avatar_name:
            storage = User._meta.get_field("avatar").storage
            transaction.on_commit(lambda: storage.delete(avatar_name), robust=True)


def deactivate_user(*, actor: User, user_id: str) -> User:
    """Staff only: block the account; every token and session of it dies at once.

    ``user_id`` is the account's global id; ``FORBIDDEN`` comes before anything
    is said about it (``require_staff_for_account``), as for the activity feed.

    Staff may not deactivate themselves: the one staff member of a small
    deployment would lock everyone out of the staff features, with no surface
    left to undo it (the admin is where an account is reactivated). Deactivating
    an inactive account changes nothing and is not an error. ``User.save`` kills
    the credentials: any change of ``is_active`` bumps ``token_version`` and
    revokes the sessions, so the admin's checkbox does exactly the same.
    """
    pk = require_staff_for_account(actor, user_id)
    if pk == actor.pk:
        raise ServiceError(
            ErrorCode.INVALID_INPUT,
            "You cannot deactivate your own account.",
            field="id",
        )
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No such user.", field="id")
    if user.is_active:
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
    return user
