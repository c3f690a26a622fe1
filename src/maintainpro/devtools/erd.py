"""Mermaid ER diagram generated from the ORM metadata.

The database blueprint embeds the diagram between two markers; CI compares it with a fresh
rendering so the document can never drift from the models.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, MetaData, Table, UniqueConstraint
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.postgresql import INET, JSONB, TSVECTOR

BEGIN_MARKER = "<!-- erd:begin -->"
END_MARKER = "<!-- erd:end -->"
DOCUMENT = (
    Path(__file__).resolve().parents[3]
    / "Documentation"
    / "Development"
    / "DatabaseImplementation.md"
)

# Most specific class first: JSONB is a JSON, Text a String, Float a Numeric. Short, portable
# names keep the diagram readable and independent of dialect spellings such as VARCHAR(64).
_TYPE_NAMES: tuple[tuple[type[object], str], ...] = (
    (sqltypes.Uuid, "uuid"),
    (JSONB, "jsonb"),
    (sqltypes.JSON, "json"),
    (INET, "inet"),
    (TSVECTOR, "tsvector"),
    (sqltypes.Text, "text"),
    (sqltypes.String, "string"),
    (sqltypes.Boolean, "bool"),
    (sqltypes.Integer, "int"),
    (sqltypes.Float, "float"),
    (sqltypes.Numeric, "numeric"),
    (sqltypes.Date, "date"),
    (sqltypes.Time, "time"),
    (sqltypes.Interval, "interval"),
)


def _type_name(type_: sqltypes.TypeEngine[object]) -> str:
    if isinstance(type_, sqltypes.TypeDecorator):
        return _type_name(type_.impl_instance)
    if isinstance(type_, sqltypes.DateTime):
        return "timestamptz" if type_.timezone else "timestamp"
    for cls, name in _TYPE_NAMES:
        if isinstance(type_, cls):
            return name
    return type(type_).__name__.lower()


def _unique_columns(table: Table) -> set[str]:
    """Columns of any unique constraint or unique index (partial ones included)."""
    names = {
        c.name for u in table.constraints if isinstance(u, UniqueConstraint) for c in u.columns
    }
    names.update(c.name for i in table.indexes if i.unique for c in i.columns)
    return names


def _attribute(column: Column[object], unique: set[str]) -> str:
    keys = [
        key
        for key, present in (
            ("PK", column.primary_key),
            ("FK", bool(column.foreign_keys)),
            ("UK", column.name in unique),
        )
        if present
    ]
    line = f"{_type_name(column.type)} {column.name}"
    return f"{line} {', '.join(keys)}" if keys else line


def render_mermaid(metadata: MetaData) -> str:
    """The `erDiagram` text: entities sorted by name, then one sorted line per foreign key."""
    lines = ["erDiagram"]
    relationships: set[str] = set()
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        unique = _unique_columns(table)
        lines.append(f"    {table.name} {{")
        lines.extend(f"        {_attribute(column, unique)}" for column in table.columns)
        lines.append("    }")
        for fk in table.foreign_key_constraints:
            label = ", ".join(c.name for c in fk.columns)
            relationships.add(f'    {fk.referred_table.name} ||--o{{ {table.name} : "{label}"')
    lines.extend(sorted(relationships))
    return "\n".join(lines) + "\n"


def update_document(text: str, diagram: str) -> str:
    """Replaces only what lies between the markers; the prose around them is left as written."""
    begin = text.find(BEGIN_MARKER)
    start = begin + len(BEGIN_MARKER)
    end = text.find(END_MARKER, start) if begin >= 0 else -1
    if end < 0:
        raise ValueError(f"the document needs {BEGIN_MARKER} followed by {END_MARKER}")
    return f"{text[:start]}\n```mermaid\n{diagram}```\n{text[end:]}"


def document_is_current(path: Path, metadata: MetaData) -> bool:
    text = path.read_text(encoding="utf-8")
    return update_document(text, render_mermaid(metadata)) == text


def write_document(path: Path, metadata: MetaData) -> bool:
    """Rewrites the diagram in place; returns True when the file changed."""
    text = path.read_text(encoding="utf-8")
    updated = update_document(text, render_mermaid(metadata))
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True
