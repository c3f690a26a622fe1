from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from maintainpro.core.errors import FieldError, ValidationFailed


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str, *, field: str = "timezone") -> None:
    if name not in _known():
        raise ValidationFailed(
            "Unknown time zone.", [FieldError(field, "Not an IANA time zone name.", "invalid")]
        )
