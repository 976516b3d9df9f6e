"""Second-factor rules shared by the services: devices, codes, MFA tokens.

The services in ``users.services.mfa`` (enrolment, verification) and
``users.services.sessions`` (the password step) call these; nothing here sees a
request. Codes are checked by the django-otp devices of ``users.mfa_models``.
"""

from __future__ import annotations

import base64
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.util import random_hex

from users.errors import ErrorCode, ServiceError
from users.mfa_models import (
    MfaChallenge,
    RecoveryCode,
    RecoveryCodeDevice,
    TOTPDevice,
    recovery_code_hashes,
)
from users.models import User

#: Unambiguous lowercase letters and digits (no 0/o, 1/l/i): read off a sheet of
#: paper and typed back without mistakes. 10 of them are about 49 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
#: The secret length RFC 4226 recommends (160 bits, the HMAC-SHA1 block).
TOTP_SECRET_BYTES = 20
#: An MFA token is ``token_urlsafe(32)``: 43 characters.
MAX_MFA_TOKEN_LENGTH = 64
#: Longest code looked at (a TOTP code is 6 digits, a recovery code shorter).
MAX_CODE_LENGTH = 64

CodeKind = Literal["totp", "recovery"]


@dataclass(frozen=True)
class CodeCheck:
    """Which kind of code was accepted, by which django-otp device."""

    kind: CodeKind
    device: TOTPDevice | RecoveryCodeDevice


@dataclass(frozen=True)
class TotpSetup:
    """What an authenticator app needs: the secret, as text, URI and QR code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def totp_device(user: User, *, for_update: bool = False) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if for_update:
        devices = devices.select_for_update()
    return devices.first()


def is_enabled(user: User) -> bool:
    """Whether the account has a confirmed TOTP device (MFA is on)."""
    return bool(user is not None and user.pk and user.mfa_enabled)


def base32_secret(device: TOTPDevice) -> str:
    """Return the secret as apps take it when typed in (RFC 4648 base32)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def otpauth_uri(device: TOTPDevice, user: User) -> str:
    """Google Authenticator's key URI format (``otpauth://totp/Issuer:label?...``)."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
    label = f"{issuer}:{user.email}" if issuer else user.email
    params = {
        "secret": base32_secret(device),
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    if issuer:
        params["issuer"] = issuer
    return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"


def qr_svg(uri: str) -> str:
    """Render the URI as an SVG QR code (segno), ready to inline in a page."""
    qr = segno.make(uri, error="m", micro=False)
    out = io.BytesIO()
    # With its namespace, so it also works as an <img> data URI or a file.
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=4,
        border=4,
        title="Scan with your authenticator app",
    )
    return out.getvalue().decode("utf-8")


def new_pending_device(user: User) -> TOTPDevice:
    """Replace any unconfirmed device with a fresh secret (caller holds a lock)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=False)
    device.set_key(bytes.fromhex(random_hex(TOTP_SECRET_BYTES)))
    device.save()
    return device


def setup_payload(device: TOTPDevice, user: User) -> TotpSetup:
    uri = otpauth_uri(device, user)
    return TotpSetup(secret=base32_secret(device), otpauth_uri=uri, qr_svg=qr_svg(uri))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes; return the new ones, formatted.

    Only their keyed hashes are stored: the codes are shown this once.
    """
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    device.codes.all().delete()
    device.throttle_reset(commit=True)
    count = getattr(settings, "MFA_RECOVERY_CODE_COUNT", 10)
    raw = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(count)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=recovery_code_hashes(code)[0])
        for code in raw
    )
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in raw]


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def remove_all(user: User) -> None:
    """Delete every second factor of the account (TOTP and recovery codes)."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


def _looks_like_totp(code: str, device: TOTPDevice | None) -> bool:
    digits = device.digits if device is not None else 6
    stripped = "".join(code.split())
    return stripped.isascii() and stripped.isdigit() and len(stripped) == digits


def check_code(user: User, code: object, *, field: str = "code") -> CodeCheck:
    """Check a TOTP code or a recovery code of ``user``; consume it if right.

    A TOTP code is accepted once (its time step is recorded), a recovery code
    is deleted. Misses are committed even when the caller's transaction rolls
    back, so the django-otp throttle cannot be reset by failing. Raises
    ``MFA_CODE_INVALID`` for a wrong, reused or malformed code and
    ``RATE_LIMITED`` while the device's exponential back-off is running.
    """
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE_LENGTH:
        raise ServiceError(ErrorCode.MFA_CODE_INVALID, _WRONG_CODE, field=field)
    with transaction.atomic():
        totp = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .first()
        )
        if _looks_like_totp(code, totp):
            device: TOTPDevice | RecoveryCodeDevice | None = totp
            kind: CodeKind = "totp"
            token = "".join(code.split())
        else:
            device = (
                RecoveryCodeDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .first()
            )
            kind = "recovery"
            token = code
        if device is None:
            verified, locked_until = False, None
        else:
            allowed, extra = device.verify_is_allowed()
            locked_until = None if allowed else (extra or {}).get("locked_until")
            verified = allowed and device.verify_token(token)
    if locked_until is not None:
        retry_after = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        raise ServiceError(
            ErrorCode.RATE_LIMITED,
            f"Too many wrong codes. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    if not verified or device is None:
        raise ServiceError(ErrorCode.MFA_CODE_INVALID, _WRONG_CODE, field=field)
    return CodeCheck(kind=kind, device=device)


_WRONG_CODE = "The code is wrong, expired or was already used."


# --- MFA tokens: the password step waiting for its second factor ------------------


def mint_challenge(user: User, *, device_id: str | None = None) -> str:
    """Record a passed password step and return its single-use MFA token.

    ``device_id`` names the device whose valid device token came with the
    password, so that the second step answers for that same device.
    """
    now = timezone.now()
    MfaChallenge.objects.filter(user=user).filter(
        Q(expires_at__lte=now) | Q(used_at__isnull=False)
    ).delete()
    token = secrets.token_urlsafe(32)
    MfaChallenge.objects.create(
        user=user,
        token_hash=MfaChallenge.hash_token(token),
        token_version=user.token_version,
        device_id=device_id or "",
        created_at=now,
        expires_at=now + timedelta(seconds=settings.MFA_TOKEN_LIFETIME),
    )
    return token


def mfa_required(user: User, *, device_id: str | None = None) -> ServiceError:
    """Build the answer to a right password on an account with MFA on."""
    return ServiceError(
        ErrorCode.MFA_REQUIRED,
        "Two-factor authentication is on: send a code from your authenticator "
        "app (or a recovery code) with this mfa_token.",
        extra={"mfa_token": mint_challenge(user, device_id=device_id)},
    )


def _invalid_token() -> ServiceError:
    return ServiceError(
        ErrorCode.TOKEN_INVALID,
        "The MFA token is invalid, expired or already used: log in again.",
        field="mfa_token",
    )


def find_challenge(token: object) -> MfaChallenge:
    """Look a token up (no lock); every kind of bad token gets the same answer."""
    if (
        not isinstance(token, str)
        or not token
        or len(token) > MAX_MFA_TOKEN_LENGTH
        or not token.isascii()
    ):
        raise _invalid_token()
    challenge = (
        MfaChallenge.objects.select_related("user")
        .filter(token_hash=MfaChallenge.hash_token(token))
        .first()
    )
    if challenge is None:
        raise _invalid_token()
    return challenge


def lock_usable_challenge(challenge: MfaChallenge) -> MfaChallenge:
    """Re-read the challenge under a row lock and check it can still be used.

    Inside the caller's transaction: two concurrent verifications of one token
    serialise here, and only the first can succeed.
    """
    locked = (
        MfaChallenge.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=challenge.pk)
        .first()
    )
    if (
        locked is None
        or locked.used_at is not None
        or locked.expires_at <= timezone.now()
        or locked.failed_attempts >= settings.MFA_TOKEN_MAX_ATTEMPTS
        or not locked.user.is_active
        or locked.user.token_version != locked.token_version
        or not is_enabled(locked.user)
    ):
        raise _invalid_token()
    return locked


def count_failure(challenge: MfaChallenge) -> None:
    """One more wrong code; at the limit the token dies (a new login is needed)."""
    MfaChallenge.objects.filter(pk=challenge.pk).update(
        failed_attempts=challenge.failed_attempts + 1
    )
