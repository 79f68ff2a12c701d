"""Citations, always built from the evidence records (never retyped)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from .package import EvidencePackage

# (frame, column) -> {key: row}; the frame is held in the value so its id is never reused while
# cached. Frames are immutable in this package (a cut-off makes new frames), so an index never
# goes stale. Bounded: cleared when it holds many frames.
_INDEXES: dict[tuple[int, str], tuple[pl.DataFrame, dict]] = {}


def row_by(frame: pl.DataFrame, column: str, key: str) -> dict | None:
    """The first row of ``frame`` whose ``column`` is ``key`` (as a dict), or None; one pass
    over the frame builds a lookup that later calls reuse (citations are looked up hundreds of
    times per annex)."""
    hit = _INDEXES.get((id(frame), column))
    if hit is None or hit[0] is not frame:
        if len(_INDEXES) > 64:
            _INDEXES.clear()
        index: dict = {}
        for row in frame.iter_rows(named=True):
            index.setdefault(row[column], row)
        hit = _INDEXES[(id(frame), column)] = (frame, index)
    return hit[1].get(key)


def source_label(pkg: EvidencePackage, source_id: str) -> str:
    row = row_by(pkg.sources, "source_id", source_id)
    if row is None:
        raise KeyError(f"unknown source id {source_id!r}")
    title = row["short_title"] or row["title"]
    return f"{title} ({row['publisher']}, {row['published_printed']})"


def _cite(pkg: EvidencePackage, frame: pl.DataFrame, column: str, key: str, what: str) -> str:
    r = row_by(frame, column, key)
    if r is None:
        raise KeyError(f"unknown {what} id {key!r}")
    return f"{source_label(pkg, r['source_id'])}, {r['locator']}"


def cite_figure(pkg: EvidencePackage, figure_id: str) -> str:
    return _cite(pkg, pkg.figures, "id", figure_id, "figure")


def cite_table(pkg: EvidencePackage, table_id: str) -> str:
    return _cite(pkg, pkg.tables, "table_id", table_id, "table")


def cite_recommendation(pkg: EvidencePackage, recommendation_id: str) -> str:
    return _cite(pkg, pkg.recommendations, "id", recommendation_id, "recommendation")


def cite_many(pkg: EvidencePackage, figure_ids: Iterable[str]) -> list[str]:
    """Distinct citations for a set of figures, in first-seen order."""
    seen: dict[str, None] = {}
    for fid in figure_ids:
        seen.setdefault(cite_figure(pkg, fid), None)
    return list(seen)
