"""The figures behind a chart as a reader sees them (the table under the chart and the CSV):
columns under readers' headers ("Figure", "As printed", "Period", "Source"), coded values in
words (kinds, themes, units, lists, documents), ids kept only in clearly labelled reference
columns ("Reference (for citing)"), so a figure can still be traced to its record.

An explorer's ``table`` keeps the record's own column names (for Python users and the
definition panel, which reads the ids); ``reader_table`` is what is shown and downloaded."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from .. import measures
from ..evidence import EvidencePackage
from .definitions import kind_label

# column -> header, for every column an explorer's table holds
HEADERS = {
    "id": "Reference (for citing)",
    "theme": "Theme",
    "label": "Figure",
    "printed": "As printed",
    "value": "Value (plain units)",
    "unit": "Unit",
    "kind": "Kind",
    "period": "Period",
    "geography": "Area",
    "population": "Population",
    "quote": "Quote",
    "caveats": "Caveats",
    "citation": "Source",
    "citations": "Sources",
    "group": "Group",
    "formula": "How it is worked out",
    "inputs": "Worked out from (references)",
    "divided_by": "Divided by",
    "why_this_count": "Why this count",
    "title": "Title",
    "target": "Target",
    "due_printed": "Due (as printed)",
    "reported": "Reported",
    "share_of_target": "Share of target reached (%)",
    "status": "Status",
    "target_ids": "Target (references)",
    "reported_ids": "Reported (references)",
    "set": "List",
    "number": "Number in its list",
    "lead": "Lead",
    "kind_of_item": "Kind of item",
    "text_quote": "Text (quoted)",
    "response_quote": "Response (quoted)",
    "progress": "Progress reported",
    "source_id": "Source document",
    "refs": "Affects (references)",
    "description": "What the source prints",
    "explanation": "Our reading",
    "column": "Column",
    "share_percent": "Share (%)",
}

# columns of ids: kept so that a figure can be cited and traced, after what a reader reads
REFERENCES = ("id", "inputs", "target_ids", "reported_ids", "refs")

UNIT_WORDS = {
    "count": "number",
    "GBP": "£",
    "proportion": "proportion (1 = 100%)",
    "percent": "per cent",
    "percent_per_year": "per cent a year",
    "percentage_points": "percentage points",
    "rate": "rate",
    "times": "times (multiplier)",
    "rank": "rank",
}

ACRONYMS = {"Send": "SEND", "Cypmh": "CYPMH"}


def words(code: str | None) -> str | None:
    """A code in words: 'waiting_times' -> 'Waiting times', 'send' -> 'SEND'."""
    if code is None:
        return None
    text = str(code).replace("_", " ")
    text = text[:1].upper() + text[1:]
    return ACRONYMS.get(text, text)


def source_names(pkg: EvidencePackage) -> dict[str, str]:
    """Each document's publisher and year, as the explorers' legends name it."""
    return {r["source_id"]: f"{r['publisher']} ({r['published'].year})" for r in pkg.sources.iter_rows(named=True)}


def value_words(pkg: EvidencePackage) -> dict[str, Callable[[str | None], str | None]]:
    """How each coded column is put into words."""
    docs = source_names(pkg)
    return {
        "theme": words,
        "kind": lambda k: kind_label(k) if k else k,
        "unit": lambda u: UNIT_WORDS.get(u, words(u)) if u else u,
        "source_id": lambda s: docs.get(s, s) if s else s,
        "set": lambda s: measures.LIST_NAMES.get(s, s) if s else s,
        "kind_of_item": words,
    }


def for_readers(
    pkg: EvidencePackage,
    table: pl.DataFrame,
    headers: Mapping[str, str] | None = None,
    values: Mapping[str, Callable[[str | None], str | None]] | None = None,
) -> pl.DataFrame:
    """``table`` with coded values in words and every column under its reader's header
    (``headers`` and ``values`` override the defaults for one explorer). A column with no
    header of its own keeps its name in words."""
    convert = {**value_words(pkg), **(values or {})}
    names = {**HEADERS, **(headers or {})}
    out = table.with_columns(
        [
            pl.col(c).map_elements(f, return_dtype=pl.String)
            for c, f in convert.items()
            if c in table.columns and table.schema[c] == pl.String
        ]
    )
    # the figure (or item) first, as the row's header; the references last
    refs = [c for c in REFERENCES if c in out.columns]
    out = out.select([c for c in out.columns if c not in refs] + refs)
    return out.rename({c: names.get(c) or words(c) or c for c in out.columns})


def unreadable_headers(df: pl.DataFrame) -> list[str]:
    """Headers a reader should not see: column names ("id", "printed", "source_id"), that is
    snake_case or not starting with a capital letter."""
    return [c for c in df.columns if "_" in c or c[:1].islower()]


__all__ = ["HEADERS", "for_readers", "source_names", "unreadable_headers", "words"]
