"""Citations, always built from the evidence records (never retyped)."""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator
from functools import partial

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


# What can be cited: the kind of record -> (its table, its id column).
RECORDS = {
    "source": ("sources", "source_id"),
    "figure": ("figures", "id"),
    "table": ("tables", "table_id"),
    "recommendation": ("recommendations", "id"),
    "statement": ("statements", "id"),
}


def record(pkg: EvidencePackage, what: str, key: str) -> dict:
    """The record of kind ``what`` ('source', 'figure', ...) with id ``key``; KeyError if none."""
    table, column = RECORDS[what]
    row = row_by(pkg.frames[table], column, key)
    if row is None:
        raise KeyError(f"unknown {what} id {key!r}")
    return row


def source_key(pkg: EvidencePackage, source_id: str) -> str:
    """The source's key in the register ('B24', 'DH17')."""
    return record(pkg, "source", source_id)["key"]


def source_label(pkg: EvidencePackage, source_id: str) -> str:
    """'Short title (publisher, date)', or the key while short citations are on."""
    row = record(pkg, "source", source_id)
    if _SHORT.get():
        return row["key"]
    title = row["short_title"] or row["title"]
    return f"{title} ({row['publisher']}, {row['published_printed']})"


def cite(pkg: EvidencePackage, key: str, what: str, short: bool | None = None) -> str:
    """The citation of one record: 'source label, locator', or, ``short`` (by default while
    :func:`short_citations` is on), 'source key, short locator'."""
    r = record(pkg, what, key)
    if _SHORT.get() if short is None else short:
        return f"{source_key(pkg, r['source_id'])} {short_locator(r['locator'])}".strip()
    return f"{source_label(pkg, r['source_id'])}, {readable_locator(r['locator'])}"


def cite_many(pkg: EvidencePackage, figure_ids: Iterable[str], short: bool | None = None) -> list[str]:
    """Distinct citations for a set of figures, in first-seen order."""
    return list(dict.fromkeys(cite(pkg, fid, "figure", short) for fid in figure_ids))


# cite_figure(pkg, figure_id) and the like; short_* always give the short form.
cite_figure = partial(cite, what="figure")
cite_table = partial(cite, what="table")
cite_recommendation = partial(cite, what="recommendation")
short_figure = partial(cite, what="figure", short=True)
short_table = partial(cite, what="table", short=True)
short_recommendation = partial(cite, what="recommendation", short=True)
short_statement = partial(cite, what="statement", short=True)
short_many = partial(cite_many, short=True)


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


def readable_locator(locator: str | None) -> str:
    """The full locator as readers are shown it (the annex's quotes appendix, the explorers):
    the agenda pack's page markers as page numbers, "between the 'Page 20' and 'Page 22'
    markers" as "pp. 20-22 of the pack" and "after the 'Page 22' marker" as "from p. 22 of
    the pack"; the rest as recorded (the evidence keeps the markers: they are checked against
    where the quote is)."""
    text = re.sub(r"between the 'Page (\d+)' and 'Page (\d+)' markers", r"pp. \1-\2 of the pack", locator or "")
    return re.sub(r"after the 'Page (\d+)' marker", r"from p. \1 of the pack", text)
