"""Decode, check and re-encode avatar images with Pillow.

The format is decided by decoding, never by the file name or declared type, and
the dimensions are checked from the header before any pixel is decompressed, so
a small file that declares a huge image (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from users.errors import ErrorCode, ServiceError

ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
OUTPUT_SIDE = 512
WEBP_QUALITY = 85


def _invalid(message: str) -> ServiceError:
    return ServiceError(ErrorCode.FILE_INVALID, message, field="avatar")


def read_limited(upload: Any, limit: int) -> bytes:
    """Read at most ``limit`` bytes; more than that is FILE_TOO_LARGE.

    Reads ``limit + 1`` bytes at the most, so an unbounded stream is never held
    in memory whole.
    """
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise ServiceError(
            ErrorCode.FILE_TOO_LARGE,
            f"The image must be at most {limit // (1024 * 1024)} MB.",
            field="avatar",
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            ErrorCode.FILE_TOO_LARGE,
            f"The image must be at most {limit // (1024 * 1024)} MB.",
            field="avatar",
        )
    if not data:
        raise _invalid("The file is empty.")
    return data


def normalise_avatar(data: bytes) -> bytes:
    """Return a re-encoded WebP of at most 512x512 px, without any metadata.

    Raises FILE_INVALID for anything that is not a single-frame PNG, JPEG or
    WebP within the size limits.
    """
    max_side = settings.AVATAR_MAX_PIXELS_SIDE
    with warnings.catch_warnings():
        # Pillow warns (then errors) on huge images; every warning is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _invalid("Use a PNG, JPEG or WebP image.")
                width, height = probe.size
                if width > max_side or height > max_side:
                    raise _invalid(
                        f"The image must be at most {max_side}x{max_side} px."
                    )
                if getattr(probe, "n_frames", 1) > 1:
                    raise _invalid("Animated images are not accepted.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
                has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((OUTPUT_SIDE, OUTPUT_SIDE), Image.Resampling.LANCZOS)
                # A fresh image carries pixels only: no EXIF, ICC, XMP or comments.
                clean = Image.new(image.mode, image.size)
                clean.paste(image)
                out = io.BytesIO()
                clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
                return out.getvalue()
        except ServiceError:
            raise
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
        ) as exc:
            raise _invalid(
                "The file is not a readable PNG, JPEG or WebP image."
            ) from exc


def avatar_url(user: object, request_base: str | None = None) -> str | None:
    """Return the public URL of the user's avatar, absolute when a base is given."""
    avatar = getattr(user, "avatar", None)
    if not avatar:
        return None
    url = avatar.url
    if request_base and url.startswith("/"):
        return request_base.rstrip("/") + url
    return url
