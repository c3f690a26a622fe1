"""The default failure codes every organization starts with, after ISO 14224 (failure modes,
failure causes and maintenance activities of equipment reliability data). Organizations edit
or delete them freely; `load` adds back only what no live row has."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# (code, name) per kind; codes are the ISO 14224 abbreviations where it has one.
PROBLEMS = (
    ("ELP", "External leakage - process medium"),
    ("ELU", "External leakage - utility medium"),
    ("INL", "Internal leakage"),
    ("FTS", "Fail to start on demand"),
    ("STP", "Fail to stop on demand"),
    ("UST", "Spurious stop"),
    ("FTF", "Fail to function on demand"),
    ("BRD", "Breakdown"),
    ("VIB", "Vibration"),
    ("NOI", "Noise"),
    ("OHE", "Overheating"),
    ("HIO", "High output"),
    ("LOO", "Low output"),
    ("ERO", "Erratic output"),
    ("PLU", "Plugged / choked"),
    ("STD", "Structural deficiency"),
    ("AIR", "Abnormal instrument reading"),
    ("PDE", "Parameter deviation"),
    ("SER", "Minor in-service problems"),
    ("OTH", "Other"),
)
CAUSES = (
    ("WEA", "Wear"),
    ("COR", "Corrosion"),
    ("ERO", "Erosion"),
    ("FAT", "Fatigue"),
    ("BRE", "Breakage"),
    ("DEF", "Deformation"),
    ("LOO", "Looseness"),
    ("OVH", "Overheating"),
    ("VIB", "Vibration"),
    ("CON", "Contamination"),
    ("BLO", "Blockage / plugged"),
    ("ELE", "Electrical failure"),
    ("INS", "Instrument failure"),
    ("LUB", "Lubrication failure"),
    ("DES", "Design"),
    ("MAN", "Manufacturing or installation error"),
    ("OPE", "Improper operation"),
    ("MNT", "Maintenance error"),
    ("EXT", "External influence"),
    ("UNK", "Unknown"),
)
REMEDIES = (
    ("RPL", "Replace"),
    ("REP", "Repair"),
    ("MOD", "Modify"),
    ("ADJ", "Adjust"),
    ("REF", "Refit"),
    ("CHK", "Check"),
    ("SVC", "Service"),
    ("OVH", "Overhaul"),
    ("CLN", "Clean"),
    ("LUB", "Lubricate"),
    ("TIG", "Tighten"),
    ("CAL", "Calibrate"),
    ("RST", "Reset / restart"),
    ("TST", "Test"),
    ("INS", "Inspect"),
    ("CMB", "Combination of actions"),
    ("OTH", "Other"),
)
DEFAULTS = {"problem": PROBLEMS, "cause": CAUSES, "remedy": REMEDIES}

_ROWS = [(kind, code, name) for kind, codes in DEFAULTS.items() for code, name in codes]

# One statement; a code some live row already has (under this kind) is left as it is.
_LOAD = text("""
WITH added AS (
  INSERT INTO failure_codes (id, organization_id, kind, code, name, created_by, updated_by)
  SELECT app.uuidv7(), :org, d.kind, d.code, d.name, :actor, :actor
  FROM unnest(CAST(:kinds AS text[]), CAST(:codes AS text[]), CAST(:names AS text[]))
       AS d(kind, code, name)
  ON CONFLICT (organization_id, kind, code) WHERE deleted_at IS NULL DO NOTHING
  RETURNING 1
)
SELECT count(*) FROM added
""")


async def load(session: AsyncSession, organization_id: UUID, actor_id: UUID | None) -> int:
    """Adds the default codes the organization has no live row for; returns how many."""
    kinds, codes, names = (list(column) for column in zip(*_ROWS, strict=True))
    added = await session.scalar(
        _LOAD,
        {"org": organization_id, "actor": actor_id, "kinds": kinds, "codes": codes, "names": names},
    )
    return int(added or 0)
