"""Helpers for two-factor tests: codes computed from the stored secret, never guessed.

The code is computed with django-otp's own TOTP over the device's decrypted
secret, the way an authenticator app computes it from the enrolment QR code;
the time is whatever the test's clock says (move it with ``time_machine``).
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP

from users import services
from users.meta import RequestMeta
from users.models import Session, TOTPDevice, User

META = RequestMeta(ip_address="198.51.100.40", user_agent="mfa-tests/1.0")


def code_for(user: User, *, offset_steps: int = 0, at: float | None = None) -> str:
    """The 6-digit code the user's app shows now (or ``offset_steps`` away)."""
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = (time.time() if at is None else at) + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(
    user: User, meta: RequestMeta = META, *, keep: Session | None = None
) -> list[str]:
    """Turn TOTP on through the services; return the recovery codes.

    As from a client of session ``keep``: confirming ends every other session.
    """
    services.setup_totp(user=user, meta=meta)
    codes = services.confirm_totp(
        user=user, code=code_for(user), meta=meta, current_session=keep
    )
    user.refresh_from_db()
    return codes
