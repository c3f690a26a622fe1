"""Printable QR codes (asset labels, request links)."""

from __future__ import annotations

import io
from typing import Literal

import segno
from fastapi import Response

from maintainpro.core.openapi import BINARY, TEXT, media

RESPONSES = media({"image/svg+xml": TEXT, "image/png": BINARY})


def qr_response(payload: str, image_format: Literal["svg", "png"]) -> Response:
    image = io.BytesIO()
    segno.make(payload, error="m").save(image, kind=image_format, scale=8, border=2)
    media_type = "image/png" if image_format == "png" else "image/svg+xml"
    return Response(image.getvalue(), media_type=media_type)
