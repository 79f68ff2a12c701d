"""Evidence cut-offs and the vanguard referrals table, in polars only (no altair import), so
that ``cyp-evidence render`` can check parameters before loading the charting stack.

``cyp_evidence.briefing.content.annex`` imports them from here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .package import EvidencePackage


def evidence_as_of(pkg: EvidencePackage, as_of: dt.date) -> EvidencePackage:
    """The evidence published on or before the cut-off: sources, and everything citing them."""
    keep = pkg.sources.filter(pl.col("published") <= as_of)
    ids = keep["source_id"].implode()
    frames = dict(pkg.frames)
    frames["sources"] = keep
    for name in ("figures", "tables", "recommendations", "source_issues", "statements"):
        if name in frames:
            frames[name] = pkg.frames[name].filter(pl.col("source_id").is_in(ids))
    frames["table_cells"] = pkg.table_cells.filter(pl.col("table_id").is_in(frames["tables"]["table_id"].implode()))
    return EvidencePackage(pkg.directory, pkg.descriptor, pkg.schemas, frames, [])


def vanguard_table_id(pkg: EvidencePackage) -> str | None:
    """The table whose rows are the vanguards (found by its row dimension)."""
    t = pkg.tables.filter(pl.col("row_dimension").str.to_lowercase().str.contains("vanguard"))
    return t["table_id"][0] if t.height else None


def vanguard_names(pkg: EvidencePackage) -> list[str]:
    """The vanguards as printed in the referrals table, in table order."""
    tid = vanguard_table_id(pkg)
    if tid is None:
        return []
    cells = pkg.table_cells.filter((pl.col("table_id") == tid) & (pl.col("kind") == "cell"))
    return cells["row"].unique(maintain_order=True).to_list()
