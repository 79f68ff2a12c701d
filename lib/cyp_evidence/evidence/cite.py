"""Citations, always built from the evidence records (never retyped)."""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator

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


# While set (:func:`short_citations`), every citation built here is a short one (source key and
# short locator): the annex builds in this mode, so the citations that measures and charts carry
# are short there, and long in the explorers.
_SHORT: contextvars.ContextVar[bool] = contextvars.ContextVar("cyp_evidence_short_citations", default=False)


@contextlib.contextmanager
def short_citations() -> Iterator[None]:
    token = _SHORT.set(True)
    try:
        yield
    finally:
        _SHORT.reset(token)


def source_label(pkg: EvidencePackage, source_id: str) -> str:
    row = row_by(pkg.sources, "source_id", source_id)
    if row is None:
        raise KeyError(f"unknown source id {source_id!r}")
    if _SHORT.get():
        return row["key"]
    title = row["short_title"] or row["title"]
    return f"{title} ({row['publisher']}, {row['published_printed']})"


def _cite(pkg: EvidencePackage, frame: pl.DataFrame, column: str, key: str, what: str) -> str:
    if _SHORT.get():
        return _short(pkg, frame, column, key, what)
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


# ---------------------------------------------------------------------------- short citations
# A short citation is the source's key from the register (B24, DH17, ...) and a short locator
# in the source's own terms ("B24 item 3, para 1", "B24 Annex 1 slides, pp. 20-22"); the full
# reference appears once, in the annex's list of sources. Short locators are worked out from
# the recorded locator, so the evidence keeps one locator per record:
# - "between the 'Page 20' and 'Page 22' markers" (the pack's page numbers) -> "pp. 20-22",
#   "(page 33)" -> "p. 33";
# - anything in parentheses and every quoted title ('...') is dropped (it stays in the full
#   locator, shown with the quote in the appendix);
# - "Agenda item 3" -> "item 3";
# - after the first part, only parts that carry a number (para 1, slide 4, row 5) are kept.
_PAGES = re.compile(r"\(?between the 'Page (\d+)' and 'Page (\d+)' markers\)?")
_PAGE = re.compile(r"\(page (\d+)\)")
_QUOTED = re.compile(r"(?<![A-Za-z])'(?:[^']|'(?=[A-Za-z]))*?'(?![A-Za-z])")


def _drop_parentheses(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def short_locator(locator: str) -> str:
    """A locator short enough to print beside every figure (see the rules above)."""
    text = _PAGES.sub(r", pp. \1-\2", locator or "")
    text = _PAGE.sub(r", p. \1", text)
    text = _drop_parentheses(text)
    head = text.split(",")[0].strip()
    text = _QUOTED.sub("", text)
    text = re.sub(r"^Agenda item ", "item ", text.strip())
    text = re.sub(r"\s+([;:])", r"\1", text)
    parts = [" ".join(p.split()) for p in text.split(",")]
    parts = [p.removesuffix(":").strip() for p in parts]
    first = re.sub(r":.*$", "", parts[0]) if parts and parts[0] else head  # "Box 1: Case study: ..." -> "Box 1"
    parts = [p for p in parts[1:] if p]
    kept = [first] + [p for p in parts if re.search(r"\d", p) and p != first]
    return ", ".join(dict.fromkeys(kept))


def readable_locator(locator: str) -> str:
    """The full locator with the agenda pack's page markers as page numbers ("pp. 20-22")."""
    return re.sub(r"between the 'Page (\d+)' and 'Page (\d+)' markers", r"pp. \1-\2 of the pack", locator or "")


def source_key(pkg: EvidencePackage, source_id: str) -> str:
    row = row_by(pkg.sources, "source_id", source_id)
    if row is None:
        raise KeyError(f"unknown source id {source_id!r}")
    return row["key"]


def _short(pkg: EvidencePackage, frame: pl.DataFrame, column: str, key: str, what: str) -> str:
    r = row_by(frame, column, key)
    if r is None:
        raise KeyError(f"unknown {what} id {key!r}")
    loc = short_locator(r["locator"])
    return f"{source_key(pkg, r['source_id'])} {loc}".strip()


def short_figure(pkg: EvidencePackage, figure_id: str) -> str:
    return _short(pkg, pkg.figures, "id", figure_id, "figure")


def short_table(pkg: EvidencePackage, table_id: str) -> str:
    return _short(pkg, pkg.tables, "table_id", table_id, "table")


def short_recommendation(pkg: EvidencePackage, recommendation_id: str) -> str:
    return _short(pkg, pkg.recommendations, "id", recommendation_id, "recommendation")


def short_statement(pkg: EvidencePackage, statement_id: str) -> str:
    return _short(pkg, pkg.statements, "id", statement_id, "statement")


def short_many(pkg: EvidencePackage, figure_ids: Iterable[str]) -> list[str]:
    """Distinct short citations for a set of figures, in first-seen order."""
    seen: dict[str, None] = {}
    for fid in figure_ids:
        seen.setdefault(short_figure(pkg, fid), None)
    return list(seen)
