"""What a file is, read from its bytes (never from the client's name or declared type), and
whether its name and declared type agree with that."""

from __future__ import annotations

from pathlib import PurePath

import puremagic

from maintainpro.core.errors import FieldError, UnsupportedMediaType, ValidationFailed

OCTET_STREAM = "application/octet-stream"
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
# What a file name's extension says its content is.
EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
}
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# Text is what has no magic number: UTF-8 that decodes, without control characters but the
# usual whitespace.
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _CONTROL.intersection(data)


def sniff(data: bytes) -> str:
    """The content type the bytes show."""
    try:
        found = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):
        found = ""
    if found:
        return ALIASES.get(found, found)
    return "text/plain" if data and _is_text(data) else OCTET_STREAM


def _normal(content_type: str | None) -> str | None:
    if not content_type:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    return None if bare in ("", OCTET_STREAM) else ALIASES.get(bare, bare)


def _mismatch(message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError("file", message, "content_mismatch")])


def content_type(data: bytes, file_name: str, declared: str | None, allowed: frozenset[str]) -> str:
    """The type to store and serve the file as. A type not allowed is a 415; a name or a
    declared type that says something else than the bytes is a 422."""
    sniffed = sniff(data)
    suffix = PurePath(file_name).suffix.lower()
    named = EXTENSIONS.get(suffix)
    if sniffed == "text/plain" and named in TEXT_TYPES:
        sniffed = named  # text has no magic: CSV is told from plain text by its name only
    if sniffed not in allowed:
        raise UnsupportedMediaType(
            f"Files of type {sniffed} are not accepted; allowed: {', '.join(sorted(allowed))}.",
            [FieldError("file", f"The content is {sniffed}.", "type_not_allowed")],
        )
    if suffix and named != sniffed:
        raise _mismatch(f"The file's content is {sniffed}, which its name ({suffix}) does not say.")
    claimed = _normal(declared)
    if claimed is not None and claimed != sniffed and not {claimed, sniffed} <= TEXT_TYPES:
        raise _mismatch(f"The file's content is {sniffed}, but it was sent as {claimed}.")
    return sniffed
