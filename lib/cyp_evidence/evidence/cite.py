"""Citations, always built from the evidence records (never retyped)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from .package import EvidencePackage

# Short titles for citations; the register keeps the full titles.
SHORT_TITLES = {
    "dh-2017-lenehan-response": "Department of Health, letter to Dame Christine Lenehan responding to 'These are our children'",
    "lga-cyp-board-2024-01-23": "LGA Children & Young People Board papers, 23 January 2024",
    "educ-committee-2016-lac": "House of Commons Education Committee, Mental health and well-being of looked-after children, ch. 6",
    "nhse-2019-send-evidence": "NHS England, written evidence SCN0672 to the Education Committee SEND inquiry",
    "cdc-2014-cfa-health": "Council for Disabled Children, Using the Children and Families Act 2014 (briefing for health services)",
}


def source_label(pkg: EvidencePackage, source_id: str) -> str:
    row = pkg.sources.filter(pl.col("source_id") == source_id).row(0, named=True)
    title = SHORT_TITLES.get(source_id, row["title"])
    return f"{title} ({row['publisher']}, {row['published_printed']})"


def cite_figure(pkg: EvidencePackage, figure_id: str) -> str:
    rows = pkg.figures.filter(pl.col("id") == figure_id)
    if rows.height == 0:
        raise KeyError(f"unknown figure id {figure_id!r}")
    r = rows.row(0, named=True)
    return f"{source_label(pkg, r['source_id'])}, {r['locator']}"


def cite_table(pkg: EvidencePackage, table_id: str) -> str:
    rows = pkg.tables.filter(pl.col("table_id") == table_id)
    if rows.height == 0:
        raise KeyError(f"unknown table id {table_id!r}")
    r = rows.row(0, named=True)
    return f"{source_label(pkg, r['source_id'])}, {r['locator']}"


def cite_many(pkg: EvidencePackage, figure_ids: Iterable[str]) -> list[str]:
    """Distinct citations for a set of figures, in first-seen order."""
    seen: dict[str, None] = {}
    for fid in figure_ids:
        seen.setdefault(cite_figure(pkg, fid), None)
    return list(seen)
