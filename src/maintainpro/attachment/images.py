"""Thumbnails of uploaded photos (Pillow), made before the upload is stored."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from maintainpro.core.errors import FieldError, ValidationFailed

THUMBNAILED = frozenset({"image/png", "image/jpeg", "image/webp"})
THUMBNAIL_TYPE = "image/webp"
# Refused before decoding: a small file can claim a huge canvas (a decompression bomb).
MAX_PIXELS = 60_000_000


@dataclass(frozen=True, slots=True)
class Picture:
    width: int
    height: int
    thumbnail: bytes


def _unreadable(detail: str) -> ValidationFailed:
    return ValidationFailed(detail, [FieldError("file", detail, "unreadable_image")])


def thumbnail(data: bytes, size_px: int) -> Picture:
    """The image's size and a WebP thumbnail whose longer side is at most `size_px`, upright as
    the camera meant it (EXIF orientation applied). CPU-bound: run it in a thread."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _unreadable(f"The image is too large ({width} x {height} pixels).")
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((size_px, size_px))
            if upright.mode not in ("RGB", "RGBA"):
                upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
            out = io.BytesIO()
            upright.save(out, "WEBP", quality=80)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _unreadable("The image cannot be read.") from exc
    return Picture(width=width, height=height, thumbnail=out.getvalue())
