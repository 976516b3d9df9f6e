"""Set and delete the user's avatar."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from users import ratelimits
from users.images import normalise_avatar, read_limited
from users.meta import RequestMeta
from users.models import User


def _delete_file_on_commit(name: str) -> None:
    if not name:
        return
    storage = User._meta.get_field("avatar").storage
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def set_avatar(*, user: User, upload: object, meta: RequestMeta | None = None) -> User:
    """Validate, re-encode and store a new avatar under a random name.

    The old file is deleted only after the new one is saved and committed, so a
    failure at any step leaves the previous avatar intact.
    """
    if meta is not None:
        ratelimits.enforce("avatar_upload", meta=meta, subject=str(user.pk))
    data = read_limited(upload, settings.AVATAR_MAX_BYTES)
    encoded = normalise_avatar(data)
    old_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user.avatar.save(
            f"{secrets.token_urlsafe(18)}.webp", ContentFile(encoded), save=False
        )
        user.save(update_fields=["avatar"])
        _delete_file_on_commit(old_name)
    return user


def delete_avatar(*, user: User) -> User:
    """Remove the avatar (a no-op when there is none)."""
    old_name = user.avatar.name if user.avatar else ""
    if not old_name:
        return user
    with transaction.atomic():
        user.avatar = ""
        user.save(update_fields=["avatar"])
        _delete_file_on_commit(old_name)
    return user
