"""The daily sweep: files older than a day that no attachment row names are deleted; named
files (and their thumbnails), young files and folders the service never writes are kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from uuid_utils.compat import uuid7

from maintainpro.attachment.storage import LocalStorage, new_key, thumbnail_key
from maintainpro.attachment.sweep import sweep
from maintainpro.core import context
from maintainpro.core.db import Database, transaction
from maintainpro.models import Attachment
from tests.conftest import TenantFactory


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _write(root: Path, key: str, age: timedelta) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    stamp = (datetime.now(UTC) - age).timestamp()
    os.utime(path, (stamp, stamp))


async def test_only_old_unnamed_files_are_swept(
    tmp_path: Path, database: Database, committed_tenant: TenantFactory
) -> None:
    org = await committed_tenant()
    named, orphan, young = new_key(org), new_key(org), new_key(org)
    with context.scoped(organization_id=org):
        async with transaction(database.sessions) as session:
            session.add(
                Attachment(
                    organization_id=org,
                    parent_type="work_order",
                    parent_id=uuid7(),
                    file_name="seal.png",
                    content_type="image/png",
                    size_bytes=1,
                    sha256=b"\0" * 32,
                    storage_key=named,
                    thumbnail_key=thumbnail_key(named),
                )
            )
    day = timedelta(days=1, minutes=1)
    partial = f"{org}/.{uuid7()}.partial"
    foreign = "exports/report.csv"
    for key in (named, thumbnail_key(named), orphan, thumbnail_key(orphan), partial, foreign):
        _write(tmp_path, key, day)
    _write(tmp_path, young, timedelta(hours=23))

    removed = await sweep(database, LocalStorage(tmp_path), datetime.now(UTC))

    assert _files(tmp_path) == sorted([named, thumbnail_key(named), young, foreign])
    assert removed == 3
    assert await sweep(database, LocalStorage(tmp_path), datetime.now(UTC)) == 0
