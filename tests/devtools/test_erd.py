"""The ER diagram generator and the committed database blueprint (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB

from maintainpro.devtools.erd import (
    BEGIN_MARKER,
    DOCUMENT,
    END_MARKER,
    document_is_current,
    render_mermaid,
    update_document,
    write_document,
)
from maintainpro.models import Base


def _toy_metadata() -> MetaData:
    metadata = MetaData()
    Table(
        "orgs",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("slug", String(63), nullable=False),
        Column("settings", JSONB),
        Column("deleted_at", DateTime(timezone=True)),
        Index("uq_orgs_slug", "slug", unique=True, postgresql_where=text("deleted_at IS NULL")),
    )
    Table(
        "nodes",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("org_id", Uuid, nullable=False),
        Column("parent_id", Uuid),
        Column("depth", Integer),
        Column("cost", Numeric(12, 2)),
        Column("note", Text),
        Column("ip", INET),
        Column("seen_at", DateTime(timezone=True)),
        Column("due_on", DateTime()),
        ForeignKeyConstraint(["org_id"], ["orgs.id"], ondelete="CASCADE"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "parent_id"], ["nodes.org_id", "nodes.id"]),
    )
    return metadata


TOY_DIAGRAM = """\
erDiagram
    nodes {
        uuid id PK, UK
        uuid org_id FK, UK
        uuid parent_id FK
        int depth
        numeric cost
        text note
        inet ip
        timestamptz seen_at
        timestamp due_on
    }
    orgs {
        uuid id PK
        string slug UK
        jsonb settings
        timestamptz deleted_at
    }
    nodes ||--o{ nodes : "org_id, parent_id"
    orgs ||--o{ nodes : "org_id"
"""


def test_committed_document_is_current() -> None:
    assert DOCUMENT.is_file(), f"{DOCUMENT} is missing"
    assert document_is_current(DOCUMENT, Base.metadata), (
        f"The ER diagram in {DOCUMENT.name} is stale: run `uv run maintainpro docs erd`"
        " and commit the result."
    )


def test_render_is_deterministic() -> None:
    assert render_mermaid(Base.metadata) == render_mermaid(Base.metadata)
    assert render_mermaid(_toy_metadata()) == render_mermaid(_toy_metadata())


def test_every_table_and_foreign_key_appears() -> None:
    diagram = render_mermaid(Base.metadata)
    lines = diagram.splitlines()
    assert lines[0] == "erDiagram"
    for table in Base.metadata.tables.values():
        assert f"    {table.name} {{" in lines
        for fk in table.foreign_key_constraints:
            label = ", ".join(c.name for c in fk.columns)
            assert f'    {fk.referred_table.name} ||--o{{ {table.name} : "{label}"' in lines


def test_toy_metadata_renders_exact_text() -> None:
    assert render_mermaid(_toy_metadata()) == TOY_DIAGRAM


def test_identical_relationships_are_listed_once() -> None:
    metadata = _toy_metadata()
    nodes = metadata.tables["nodes"]
    nodes.append_constraint(ForeignKeyConstraint(["org_id"], ["orgs.id"], name="fk_again"))
    assert render_mermaid(metadata).count('orgs ||--o{ nodes : "org_id"') == 1


@pytest.mark.parametrize(
    "document",
    [
        "no markers at all",
        f"only {BEGIN_MARKER}",
        f"only {END_MARKER}",
        f"{END_MARKER} {BEGIN_MARKER}",
    ],
)
def test_update_document_requires_both_markers_in_order(document: str) -> None:
    with pytest.raises(ValueError, match="erd:begin"):
        update_document(document, "erDiagram\n")


def test_update_document_replaces_only_between_markers() -> None:
    before = f"# Title\n\nIntro.\n{BEGIN_MARKER}\nold diagram\n{END_MARKER}\n\nAfter.\n"
    updated = update_document(before, "erDiagram\n    a {\n    }\n")
    assert updated == (
        f"# Title\n\nIntro.\n{BEGIN_MARKER}\n```mermaid\nerDiagram\n    a {{\n    }}\n```\n"
        f"{END_MARKER}\n\nAfter.\n"
    )
    assert update_document(updated, "erDiagram\n    a {\n    }\n") == updated


def test_write_document_reports_whether_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(f"intro\n{BEGIN_MARKER}\n{END_MARKER}\noutro\n", encoding="utf-8")
    metadata = _toy_metadata()
    assert not document_is_current(path, metadata)
    assert write_document(path, metadata) is True
    assert document_is_current(path, metadata)
    assert TOY_DIAGRAM in path.read_text(encoding="utf-8")
    assert write_document(path, metadata) is False
