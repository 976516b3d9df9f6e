"""Second-factor models: django-otp devices with secrets that never sit in clear.

django-otp's own TOTP and static-token plugins store the TOTP key in hex and the
static tokens in plain text. The devices here are django-otp ``Device``
subclasses with its ``ThrottlingMixin`` (exponential back-off after failures)
and ``TimestampMixin``, and compute codes with its ``django_otp.oath.TOTP``
(drift tolerance, replay window), so its middleware and admin site recognise
them; they differ only in how the secret is kept:

* ``TOTPDevice.encrypted_key`` is the secret encrypted with ``users.secret_box``
  (MultiFernet, keys from settings);
* ``RecoveryCode.code_hash`` is a keyed hash (HMAC-SHA256) of the code: the
  codes are random (about 50 bits), so a slow password hash would only make
  every login with a recovery code slow without adding strength.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from users import secret_box

_RECOVERY_SALT = "users.mfa.recovery-code"


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app: RFC 6238 codes from a secret shared at enrolment.

    ``confirmed`` stays false until the user proves, with one valid code, that
    the app holds the secret; an unconfirmed device never gates a login.
    """

    encrypted_key: models.TextField[str, str] = models.TextField(
        help_text="The shared secret, encrypted (users.secret_box)."
    )
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        default=30
    )
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = (
        models.PositiveSmallIntegerField(default=6)
    )
    tolerance: models.PositiveSmallIntegerField[int, int] = (
        models.PositiveSmallIntegerField(
            default=1, help_text="Time steps accepted before and after the current one."
        )
    )
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(
        default=0, help_text="Known clock offset of the user's app, in steps."
    )
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(
        default=-1,
        help_text="Time step of the last accepted code: only later ones are "
        "accepted (no replay).",
    )

    class Meta(Device.Meta):
        verbose_name = "TOTP device"
        constraints = [
            models.UniqueConstraint(fields=["user"], name="users_totp_one_per_user")
        ]

    @property
    def bin_key(self) -> bytes:
        """The secret, decrypted; only ever held in memory."""
        return secret_box.decrypt(self.encrypted_key)

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = secret_box.encrypt(key)

    def totp(self) -> TOTP:
        """django-otp's TOTP over this device's parameters, at the current time."""
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token: Any) -> bool:
        """Accept a code once: within ``tolerance`` steps, later than ``last_t``.

        The same rules as django-otp's ``TOTPDevice.verify_token``: a match
        records its time step (so that code and every earlier one are refused
        from then on), learns the app's drift and resets the throttle; a miss
        counts a failure for the exponential back-off.
        """
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        code = str(token).strip()
        verified = False
        if code.isascii() and code.isdigit() and len(code) == self.digits:
            totp = self.totp()
            verified = totp.verify(int(code), self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)


def normalize_recovery_code(code: object) -> str:
    """Accept what users type: any case, with or without the dash and spaces."""
    if not isinstance(code, str):
        return ""
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_hashes(code: str) -> list[str]:
    """Keyed hashes of ``code`` under the secret key and each of its fallbacks.

    The first is what is stored; the others let codes survive a rotation of
    ``SECRET_KEY`` done with ``SECRET_KEY_FALLBACKS``.
    """
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac(_RECOVERY_SALT, code, secret=s, algorithm="sha256").hexdigest()
        for s in secrets
    ]


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """The user's set of single-use recovery codes (django-otp's static device)."""

    class Meta(Device.Meta):
        verbose_name = "recovery code set"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], name="users_recovery_codes_one_per_user"
            )
        ]

    def verify_token(self, token: Any) -> bool:
        """Accept an unused code and delete it: each code works once."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        code = normalize_recovery_code(token)
        used = None
        if code:
            used = self.codes.filter(code_hash__in=recovery_code_hashes(code)).first()
        if used is None:
            self.throttle_increment(commit=True)
            return False
        used.delete()
        self.throttle_reset(commit=True)
        return True

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    device = models.ForeignKey(
        RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes"
    )
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"recovery code {self.pk} of device {self.device_id}"


class MfaChallenge(models.Model):
    """The state behind one MFA token: a password step waiting for its second factor.

    Only a hash of the token is stored. It is single-use (``used_at``), expires
    quickly, dies after a few wrong codes, and is bound to the password step that
    minted it: the account's ``token_version`` then (a password change or reset,
    a deactivation, a revocation of every session kills it) and the device token
    presented then, if any.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token_version = models.PositiveIntegerField()
    #: The device of the device token presented with the password, if any.
    device_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"MFA challenge {self.id} of user {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        # The token is 256 random bits: a plain digest is enough to make the
        # stored value useless to whoever reads the table.
        return hashlib.sha256(token.encode()).hexdigest()


@receiver(post_save, sender=TOTPDevice)
@receiver(post_delete, sender=TOTPDevice)
def _sync_mfa_enabled(sender: type[TOTPDevice], instance: TOTPDevice, **_: Any) -> None:
    """Keep ``User.mfa_enabled`` true exactly while a confirmed device exists.

    Whatever adds, confirms or deletes a device (the services, the admin, a
    shell), the flag follows; an ``update()`` leaves the user's other fields
    and its ``save()`` rules alone.
    """
    from users.models import User

    enabled = TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True)
    User.objects.filter(pk=instance.user_id).update(mfa_enabled=enabled.exists())
