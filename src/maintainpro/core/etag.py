"""Optimistic concurrency on the wire (D11): `ETag: W/"<version>"`, `If-Match` on updates."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from maintainpro.core.errors import FieldError, StaleVersion, ValidationFailed

_WEAK_VERSION = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = _WEAK_VERSION.match(if_match.strip())
    if match is None:
        raise ValidationFailed(
            "If-Match must be an ETag this API returned.",
            [FieldError("If-Match", 'Expected W/"<version>".', "invalid")],
        )
    return int(match[1])


def check_version(expected: int | None, actual: int, *, what: str) -> None:
    if expected is not None and expected != actual:
        raise StaleVersion(f"The {what} was changed by someone else; reload it and try again.")


IfMatch = Annotated[str | None, Header(alias="If-Match")]
