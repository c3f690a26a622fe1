"""Where attachment bytes live: a small interface (put, get, delete by key) so an object store
can replace the local disk later; the key is opaque to the database."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol
from uuid import UUID

from maintainpro.models.base import new_id

_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}(\.thumb)?$")


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Stores `data` under `key` (a fresh key: never an overwrite)."""

    async def get(self, key: str) -> bytes:
        """The bytes under `key`; FileNotFoundError when there are none."""

    async def delete(self, key: str) -> None:
        """Removes `key`; nothing happens when it is already gone."""


def new_key(organization_id: UUID) -> str:
    """A fresh key, per organization (a tenant's files can be listed, moved or purged as one)."""
    return f"{organization_id}/{new_id()}"


def thumbnail_key(key: str) -> str:
    return f"{key}.thumb"


class LocalStorage:
    """Files under one directory: `<root>/<organization id>/<uuid>`. A write goes to a temporary
    name first and is renamed into place, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.rename(path)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def _stale(self, before: float) -> Iterator[str]:
        for path in self.root.glob("*/*"):
            if path.is_file() and path.stat().st_mtime < before:
                yield path.relative_to(self.root).as_posix()

    async def stale_keys(self, before: datetime) -> list[str]:
        """Every file written before `before`, as a key (a leftover partial write included:
        its key is the partial file's, `.<uuid>.partial`, which no row can name)."""
        return await asyncio.to_thread(lambda: sorted(self._stale(before.timestamp())))

    async def remove(self, key: str) -> None:
        """Deletes any file under the root by its relative key (the sweep's partial files)."""
        path = (self.root / key).resolve()
        if path.parent.parent != self.root.resolve():
            raise ValueError(f"not a stored file: {key!r}")
        await asyncio.to_thread(path.unlink, missing_ok=True)
