"""Encryption at rest for second-factor secrets (cryptography's MultiFernet).

A TOTP secret must be readable by the server (it computes the expected code), so
it cannot be hashed like a password; it is encrypted instead, so that a copy of
the database (a backup, a replica, an SQL injection) does not hand out every
account's second factor.

Keys
----
``settings.MFA_ENCRYPTION_KEYS`` lists Fernet keys (``Fernet.generate_key()``,
url-safe base64 of 32 bytes), newest first: the first encrypts, every one of them
decrypts. Left empty, one key is derived from ``SECRET_KEY`` (HKDF-SHA256 with a
label of its own), plus one from each of ``SECRET_KEY_FALLBACKS``, so a deployment
works out of the box and rotating the secret key the Django way keeps secrets
readable. Production should set keys of their own, so that the signing key and
the encryption key are not one secret.

Rotation: put the new key first, keep the old ones after it, deploy, run
``manage.py rotate_mfa_keys`` (re-encrypts every secret under the first key),
then drop the old keys.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_HKDF_INFO = b"accounts-api mfa secret encryption v1"


class SecretUnreadable(Exception):
    """No configured key decrypts the stored secret (lost or rotated-away key)."""


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(raw)


def _keys() -> list[bytes]:
    configured = [k for k in getattr(settings, "MFA_ENCRYPTION_KEYS", []) if k]
    if configured:
        return [k.encode() if isinstance(k, str) else k for k in configured]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_derived_key(s) for s in secrets]


def _box() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS must hold Fernet keys "
            "(cryptography.fernet.Fernet.generate_key())"
        ) from exc


def encrypt(plaintext: bytes) -> str:
    """Encrypt (and authenticate) ``plaintext`` under the current key."""
    return _box().encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    """Decrypt with whichever configured key encrypted ``token``."""
    try:
        return _box().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise SecretUnreadable("No MFA encryption key decrypts this secret") from exc


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the current (first) key."""
    try:
        return _box().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUnreadable("No MFA encryption key decrypts this secret") from exc
