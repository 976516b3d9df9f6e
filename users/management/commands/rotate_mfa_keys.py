"""Re-encrypt every TOTP secret under the first of ``MFA_ENCRYPTION_KEYS``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from users import secret_box
from users.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret under the current (first) MFA encryption "
        "key, so older keys can then be removed from MFA_ENCRYPTION_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        unreadable = []
        with transaction.atomic():
            for device in TOTPDevice.objects.select_for_update().only(
                "pk", "encrypted_key"
            ):
                try:
                    device.encrypted_key = secret_box.rotate(device.encrypted_key)
                except secret_box.SecretUnreadable:
                    unreadable.append(device.pk)
                    continue
                # update(): no save signals, no timestamps: only the ciphertext.
                TOTPDevice.objects.filter(pk=device.pk).update(
                    encrypted_key=device.encrypted_key
                )
                rotated += 1
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} secret(s) no configured key decrypts "
                f"(device ids {unreadable}); the others were re-encrypted."
            )
        if options["verbosity"]:
            self.stdout.write(f"Re-encrypted {rotated} TOTP secret(s).")
