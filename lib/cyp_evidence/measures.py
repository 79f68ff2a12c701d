"""Derived figures: growth, shares, target against reported, money per child or per area.

Nothing derived is stored in the evidence base. Every number computed here is a ``Derived``
record that carries its value, the formula as text (with the printed inputs written in), the
ids of its inputs (figure ids, or ``table_id:row:column`` for table cells) and the citations
of those inputs, taken from the evidence records.

This module knows nothing of charts or widgets; the explorers and the briefing call it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from .evidence import EvidencePackage, vocab
from .evidence.cite import cite_figure, cite_many, cite_recommendation, cite_table, row_by

# Evidence values are canonical (cyp_evidence.evidence.quantity): money in pounds, shares as
# proportions, counts multiplied out ('730k' is 730000). Nothing here decodes a print.
MONEY_UNITS = {"GBP": 1.0}
# What a count counts ('counted'), for dividing money per child or per area.
AREA_COUNTED = re.compile(
    r"\b(areas?|organisations?|services?|teams?|regions?|local authorities|clinical commissioning groups|providers)\b",
    re.I,
)
UNKNOWN_CATEGORY = re.compile(r"null|not known|not stated|not recorded|invalid|unknown", re.I)

# Status of a recommendation or commitment at a date (categories, in display order). A status
# says only what the sources say: "not reported in these sources" is not "no progress".
MET_EARLY = "Met early (the source says so)"
PROGRESS, NOT_REPORTED = "progress reported", "not reported in these sources"
NOT_YET_DUE, DUE_PASSED, NO_DUE_DATE = "Not yet due", "Due date passed", "No due date"
STATUSES = (
    MET_EARLY,
    f"{NOT_YET_DUE}: {PROGRESS}",
    f"{NOT_YET_DUE}: {NOT_REPORTED}",
    f"{DUE_PASSED}: {PROGRESS}",
    f"{DUE_PASSED}: {NOT_REPORTED}",
    f"{NO_DUE_DATE}: {PROGRESS}",
    f"{NO_DUE_DATE}: {NOT_REPORTED}",
)
# How far each status says a source reports progress (colour on timelines: three, not seven).
PROGRESS_CLASSES = (MET_EARLY, "Progress reported", "Not reported in these sources")


def progress_class(status: str) -> str:
    """``MET_EARLY``, 'Progress reported' or 'Not reported in these sources' for a status."""
    if status == MET_EARLY:
        return MET_EARLY
    return PROGRESS_CLASSES[1] if status.endswith(PROGRESS) else PROGRESS_CLASSES[2]


# Readers' names of the register lists (evidence/recommendation_sets.csv).
LIST_NAMES = vocab.list_names()
# Readers' words for each kind of source issue (the source_issues register's ``kind``).
ISSUE_KINDS = {
    "total_mismatch": "Printed total does not add up",
    "percentage_mismatch": "Percentage does not follow from its printed inputs",
    "internal_inconsistency": "The source disagrees with itself",
    "cross_document": "Two sources disagree",
    "ambiguity": "Ambiguous wording",
    "typo": "Typing error in the source",
}


def issue_kind(kind: str | None) -> str:
    """'Printed total does not add up' for ``total_mismatch`` (any other kind: its words)."""
    return ISSUE_KINDS.get(str(kind), str(kind or "").replace("_", " "))


# Only recommendations and commitments are tracked (get a status); findings, proposals and
# duties in law (the register's ``nature`` column says which an item is) are shown as what they are.
TRACKED_KINDS = ("commitment", "recommendation")
UNTRACKED_STATUS = {
    "finding": "A finding: not a commitment, so no status",
    "proposal": "A proposal: not a commitment, so no status",
    "statutory duty": "A duty in law: not a commitment, so no status",
}
# A response that records something done ("have published", "has commissioned", "has been
# published"), not only promised ("will publish") or expected ("should have received"), and
# not a clause about someone else ("who has been admitted").
ACTION_DONE = re.compile(
    r"(?:^|[.;,]\s*|\b(?!(?:should|will|would|must|could|may|might|who|which|that)\b)\w+\s+)"
    r"(?:has|have)\s+(?:now\s+|already\s+)?(?:been\s+)?(?:\w+ed|met|begun|made|set up|built)\b",
    re.I,
)
# A source saying a target was reached before its date ("a year ahead of target").
AHEAD = re.compile(r"\bahead of (?:target|schedule|plan|time)\b|\bmet early\b", re.I)


# How current a figure is: figures whose period (or, with no period stated, whose source)
# ends more than DATED_AFTER_YEARS before the meeting are marked as dated. Set here only.
DATED_AFTER_YEARS = 5
# Terms that no longer applied at a later meeting: (pattern, date the term lapsed, caveat).
LAPSED_TERMS = (
    (
        re.compile(r"\bCCGs?\b|clinical commissioning group", re.I),
        dt.date(2022, 7, 1),
        "CCGs were replaced by integrated care boards (ICBs) on 1 July 2022",
    ),
)
# Figures that are not about children and young people in England: kept out of comparisons of
# England figures for children and young people, and labelled.
OTHER_SCOPE = (
    (re.compile(r"^world$|\bglobal\b", re.I), "geography", "global figure"),
    (re.compile(r"england and wales", re.I), "geography", "England and Wales"),
    (re.compile(r"\ball ages\b|of all ages|all-age", re.I), "population", "all ages"),
)


@dataclass(frozen=True)
class Derived:
    """One derived number and everything needed to check it by hand."""

    id: str
    label: str
    value: float | None
    unit: str
    formula: str
    inputs: tuple[str, ...]
    citations: tuple[str, ...]
    period: str = ""
    group: str = ""
    caveats: str = ""

    def as_row(self) -> dict:
        row = asdict(self)
        row["inputs"] = " ".join(self.inputs)
        row["citations"] = "; ".join(self.citations)
        return row


DERIVED_SCHEMA = {
    "id": pl.String,
    "label": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "formula": pl.String,
    "inputs": pl.String,
    "citations": pl.String,
    "period": pl.String,
    "group": pl.String,
    "caveats": pl.String,
}


def frame(records: Iterable[Derived]) -> pl.DataFrame:
    """Derived records as a polars frame (inputs space-separated, citations '; '-separated)."""
    return pl.DataFrame([r.as_row() for r in records], schema=DERIVED_SCHEMA)


# ---------------------------------------------------------------------------- small helpers
def fmt(x: float | None, digits: int = 1) -> str:
    """A number as a person writes it: thousands separators, no trailing '.0'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    r = round(x, digits)
    if r == int(r):
        return f"{int(r):,}"
    return f"{r:,.{digits}f}".rstrip("0").rstrip(".")


def fmt_share(x: float | None) -> str:
    """A percentage to one decimal place, or two significant figures below 1% so a small
    share never reads as 0% (0.0486 -> '0.049')."""
    if x is None or x == 0 or abs(x) >= 1 or (isinstance(x, float) and math.isnan(x)):
        return fmt(x)
    return f"{x:.2g}"


def _lower_first(label: str) -> str:
    """'Children and young people ...' -> 'children and young people ...' (mid-sentence);
    acronyms and names ('NHS', 'CYPMH') are left alone."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[0].isupper() and label[1].islower() else label


def money(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"£{x:,.0f}" if abs(x) >= 100 else f"£{x:,.2f}"


def figure(pkg: EvidencePackage, figure_id: str) -> dict:
    row = row_by(pkg.figures, "id", figure_id)
    if row is None:
        raise KeyError(f"unknown figure id {figure_id!r}")
    return dict(row)


def in_pounds(value: float, unit: str) -> float:
    """Money in pounds (evidence values are already in pounds: unit GBP)."""
    if unit not in MONEY_UNITS:
        raise ValueError(f"{unit!r} is not a money unit")
    return value * MONEY_UNITS[unit]


def years_between(start: dt.date, end: dt.date) -> float:
    """Length of a period in years (days / 365.25), from the first day of ``start`` to ``end``."""
    return ((end - start).days + 1) / 365.25


def annualise(percent: float, years: float) -> float:
    """Compound annual rate (% a year) equivalent to a total change of ``percent`` over ``years``."""
    if years <= 0:
        raise ValueError("years must be positive")
    return ((1 + percent / 100) ** (1 / years) - 1) * 100


def comparable_value(row: dict) -> tuple[float, str]:
    """The canonical value to compare or divide, and how to write it in a formula: a share as
    printed ('1 in 6', '35%'), anything else as the number itself ('730,000')."""
    value = row["value"]
    if value is None:
        raise ValueError(f"figure {row['id']!r} has no single value (printed {row['printed']!r})")
    if row["unit"] == "proportion":
        return value, row["printed"]
    return value, fmt(value, 6)


def _period_label(a: dict, b: dict) -> str:
    return f"{a['period']} to {b['period']}"


# ---------------------------------------------------------------------------- how current
def as_at(pkg: EvidencePackage, row: dict) -> tuple[dt.date, bool]:
    """The date a figure is as at: the end of its period, or (no period dated) the publication
    date of its source; and whether that date comes from the period (True) or the source."""
    if row.get("period_end"):
        return row["period_end"], True
    return published(pkg)[row["source_id"]], False


def is_dated(pkg: EvidencePackage, row: dict, meeting: dt.date) -> bool:
    """Older than ``DATED_AFTER_YEARS`` at the meeting date."""
    when, _ = as_at(pkg, row)
    return (meeting - when).days > DATED_AFTER_YEARS * 365.25


def scope_label(row: dict) -> str:
    """'global figure', 'England and Wales', 'all ages' for a figure outside England's children
    and young people; '' for one inside it."""
    labels = [label for pattern, col, label in OTHER_SCOPE if pattern.search(row.get(col) or "")]
    return "; ".join(labels)


def currency_note(pkg: EvidencePackage, row: dict, meeting: dt.date) -> str:
    """What period a figure is as at, in words, with the marks a reader needs at the meeting:
    'December 2014 (as at 31 December 2014; dated: more than 5 years before the meeting)'."""
    when, from_period = as_at(pkg, row)
    period = row.get("period") or "not stated"
    note = [f"as at {when:%-d %B %Y}" if from_period else f"period not stated; source published {when:%B %Y}"]
    if is_dated(pkg, row, meeting):
        note.append(f"dated: more than {DATED_AFTER_YEARS} years before the meeting")
    text = " ".join(str(row.get(k) or "") for k in ("label", "counted", "population", "quote"))
    for pattern, lapsed, caveat in LAPSED_TERMS:
        if pattern.search(text) and meeting >= lapsed and when < lapsed:
            note.append(caveat)
    scope = scope_label(row)
    if scope:
        note.append(scope)
    if from_period or period != "not stated":
        return f"{period} ({'; '.join(note)})"
    first = note[0][:1].upper() + note[0][1:]
    return first + (f" ({'; '.join(note[1:])})" if note[1:] else "")


# ---------------------------------------------------------------------------- growth
def percent_change(pkg: EvidencePackage, earlier_id: str, later_id: str, group: str = "") -> Derived:
    """(later − earlier) ÷ earlier × 100, from two printed figures of the same measure."""
    a, b = figure(pkg, earlier_id), figure(pkg, later_id)
    va, ta = comparable_value(a)
    vb, tb = comparable_value(b)
    value = (vb - va) / va * 100
    caveats = []
    if a["unit"] != b["unit"]:
        titles = vocab.unit_titles(pkg)  # readers' names of the units
        caveats.append(f"units differ ({titles.get(a['unit'], a['unit'])}, {titles.get(b['unit'], b['unit'])})")
    if a["geography"] != b["geography"] or a["population"] != b["population"]:
        caveats.append("geography or population differs between the two figures")
    return Derived(
        id=f"change:{earlier_id}:{later_id}",
        label=f"Change in {_lower_first(a['label'].rstrip('.'))}",
        value=value,
        unit="percent",
        formula=f"({tb} − {ta}) ÷ {ta} × 100 = {fmt(value)}%",
        inputs=(earlier_id, later_id),
        citations=tuple(cite_many(pkg, [earlier_id, later_id])),
        period=_period_label(a, b),
        group=group or vocab.growth_groups(pkg).get(a["theme"], a["theme"]),
        caveats="; ".join(caveats),
    )


def annualised_change(
    pkg: EvidencePackage,
    change: Derived,
    start: dt.date,
    end: dt.date,
    start_label: str = "",
    end_label: str = "",
    inclusive_end: bool = False,
) -> Derived:
    """A total percentage change expressed per year (compound), so periods of different length
    compare. ``start`` and ``end`` are the true dates between which the change happened (for two
    figures of whole periods: the start of each period); the formula names them."""
    if change.value is None:
        raise ValueError(f"{change.id}: no value to express per year")
    years = ((end - start).days + (1 if inclusive_end else 0)) / 365.25
    value = annualise(change.value, years)
    when = f"{start:%-d %B %Y}{f' (start of {start_label})' if start_label else ''} to {end:%-d %B %Y}" + (
        f" (start of {end_label})" if end_label else ""
    )
    return Derived(
        id=f"annual:{change.id}",
        label=change.label,
        value=value,
        unit="percent_per_year",
        formula=f"{fmt(change.value)}% over {years:.2f} years, from {when}: (1 {'−' if change.value < 0 else '+'} "
        f"{fmt(abs(change.value))} ÷ 100) to the power 1 ÷ {years:.2f}, minus 1, is {fmt(value)}% a year (compound)",
        inputs=change.inputs,
        citations=change.citations,
        period=change.period,
        group=change.group,
        caveats=change.caveats,
    )


def is_share(row: dict) -> bool:
    """A share of a population ('1 in 6', '35%' of pupils), not a count or a change."""
    return row.get("quantity") == "share"


def share_change(pkg: EvidencePackage, earlier_id: str, later_id: str, group: str = "") -> Derived:
    """The change between two shares of the same population, in percentage points (the value)
    and as a relative change in per cent (in the formula): '1 in 9 → 1 in 6: +5.6 points, +50%'."""
    a, b = figure(pkg, earlier_id), figure(pkg, later_id)
    va, vb = comparable_value(a)[0], comparable_value(b)[0]  # proportions
    points = (vb - va) * 100
    relative = (vb - va) / va * 100
    return Derived(
        id=f"share-change:{earlier_id}:{later_id}",
        label=f"Change in {_lower_first(a['label'].rstrip('.'))}",
        value=points,
        unit="percentage_points",
        formula=f"{a['printed']} ({fmt(va * 100)}%) to {b['printed']} ({fmt(vb * 100)}%): {points:+.1f} points, "
        f"{relative:+.0f}% relative to the earlier share ({points:.1f} ÷ {fmt(va * 100)})",
        inputs=(earlier_id, later_id),
        citations=tuple(cite_many(pkg, [earlier_id, later_id])),
        period=_period_label(a, b),
        group=group or vocab.growth_groups(pkg).get(a["theme"], a["theme"]),
        caveats="a change in a share: in percentage points, and relative to the earlier share",
    )


def printed_growth(pkg: EvidencePackage, figure_id: str) -> Derived:
    """A growth percentage printed by a source, as a record (not derived: the formula says so)."""
    r = figure(pkg, figure_id)
    return Derived(
        id=f"printed:{figure_id}",
        label=r["label"],
        value=r["value"] * 100,  # a relative change (proportion) as a percentage
        unit="percent",
        formula=f"as printed: '{r['printed']}'",
        inputs=(figure_id,),
        citations=(cite_figure(pkg, figure_id),),
        period=r["period"],
        group=vocab.growth_groups(pkg).get(r["theme"], r["theme"]),
        caveats=r["caveats"] or "",
    )


def is_growth_figure(row: dict) -> bool:
    """A printed relative change over time ('47% more', 'increased by 46%')."""
    return row["quantity"] == "change" and row["unit"] == "proportion" and row["kind"] in ("observed", "estimate")


def series(pkg: EvidencePackage) -> list[list[dict]]:
    """Figures of one measure, geography, population and unit at two or more dated periods,
    earliest first (observed or estimated values only)."""
    figs = pkg.figures.filter(
        pl.col("kind").is_in(["observed", "estimate"])
        & pl.col("period_end").is_not_null()
        & pl.col("value").is_not_null()
        & (pl.col("quantity") != "change")
    )
    out = []
    for _, g in figs.group_by("measure", "geography", "population", "unit", maintain_order=True):
        g = g.sort("period_end").unique("period_end", keep="first", maintain_order=True)
        if g.height >= 2:
            out.append(g.to_dicts())
    return out


def growth_measures(pkg: EvidencePackage) -> list[Derived]:
    """Growth in need, demand, workforce and access: every printed growth percentage, and the
    change between the earliest and latest figure of every dated series, each as a total and
    (where the period is known) as a compound rate a year."""
    out: list[Derived] = []
    for r in pkg.figures.iter_rows(named=True):
        if not is_growth_figure(r):
            continue
        d = printed_growth(pkg, r["id"])
        out.append(d)
        if r["period_start"] and r["period_end"] and r["period_end"] > r["period_start"]:
            out.append(annualised_change(pkg, d, r["period_start"], r["period_end"], inclusive_end=True))
    for s in series(pkg):
        a, b = s[0], s[-1]
        d = percent_change(pkg, a["id"], b["id"])
        out.append(d)
        if is_share(a) and is_share(b):
            out.append(share_change(pkg, a["id"], b["id"]))
        # the time between the two figures: from the start of one period to the start of the
        # other (or, without start dates, from the end of one to the end of the other)
        if a["period_start"] and b["period_start"]:
            start, end, labels = a["period_start"], b["period_start"], ("start of", a["period"], b["period"])
        else:
            start, end, labels = a["period_end"], b["period_end"], ("end of", "", "")
        if end > start:
            out.append(annualised_change(pkg, d, start, end, labels[1], labels[2]))
    return out


# ---------------------------------------------------------------------------- tables
def cell_ref(table_id: str, row: str, column: str) -> str:
    return f"{table_id}:{row}:{column}"


def table_shares(
    pkg: EvidencePackage, table_id: str, per: str = "column", include_unknown: bool = True
) -> pl.DataFrame:
    """Each printed cell as a share (%) of its column's total (``per='column'``, e.g. of the
    quarter's referrals) or of its row's total (``per='row'``).

    The denominator is the printed total where the table prints one and every category is
    counted, otherwise the sum of the printed cells shown. With ``include_unknown=False``, rows
    that record no usable answer (NULL, not known, invalid) are dropped and the denominator is
    the sum of the remaining cells. Columns: row, column, value, printed, share, denominator,
    formula, inputs, citation."""
    cells = pkg.table_cells.filter(pl.col("table_id") == table_id)
    body = cells.filter(pl.col("kind") == "cell")
    if not include_unknown:
        body = body.filter(~pl.col("row").str.contains(f"(?i){UNKNOWN_CATEGORY.pattern}"))
    key, total_kind = ("column", "column_total") if per == "column" else ("row", "row_total")
    printed_totals = {}
    if include_unknown:
        printed_totals = dict(cells.filter(pl.col("kind") == total_kind).select(key, "value").iter_rows())
    sums = dict(body.group_by(key).agg(pl.col("value").sum()).iter_rows())
    citation = cite_table(pkg, table_id)
    rows = []
    for r in body.iter_rows(named=True):
        k = r[key]
        denom, what = (printed_totals[k], "printed total") if k in printed_totals else (sums[k], "sum of cells shown")
        share = r["value"] / denom * 100 if denom else None
        rows.append(
            {
                "row": r["row"],
                "column": r["column"],
                "value": r["value"],
                "printed": r["printed"],
                "share": share,
                "denominator": denom,
                "formula": f"{r['printed']} ÷ {fmt(denom)} ({what}, {key} '{k}') × 100 = {fmt(share)}%",
                "inputs": cell_ref(table_id, r["row"], r["column"]),
                "citation": citation,
            }
        )
    schema = {
        "row": pl.String,
        "column": pl.String,
        "value": pl.Float64,
        "printed": pl.String,
        "share": pl.Float64,
        "denominator": pl.Float64,
        "formula": pl.String,
        "inputs": pl.String,
        "citation": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def total_shares(pkg: EvidencePackage, table_id: str) -> pl.DataFrame:
    """Each printed row total as a share (%) of the table's grand total: who is referred, all
    columns together (e.g. accepted referrals by age band over every quarter).

    The denominator is the printed grand total where the table prints one, otherwise the sum
    of the printed row totals. Columns: row, value, printed, share, denominator, formula,
    inputs, citation (empty when the table prints no row totals)."""
    cells = pkg.table_cells.filter(pl.col("table_id") == table_id)
    totals = cells.filter(pl.col("kind") == "row_total")
    grand = cells.filter(pl.col("kind") == "grand_total")
    denom, what = (
        (float(grand["value"][0]), f"printed grand total {grand['printed'][0]}")
        if grand.height
        else (float(totals["value"].sum()), "sum of the printed row totals")
    )
    citation = cite_table(pkg, table_id)
    rows = []
    for r in totals.iter_rows(named=True):
        share = r["value"] / denom * 100 if denom else None
        rows.append(
            {
                "row": r["row"],
                "value": r["value"],
                "printed": r["printed"],
                "share": share,
                "denominator": denom,
                "formula": f"{r['printed']} ÷ {fmt(denom)} ({what}) × 100 = {fmt_share(share)}%",
                "inputs": " ".join(
                    [cell_ref(table_id, r["row"], r["column"])]
                    + ([cell_ref(table_id, grand["row"][0], grand["column"][0])] if grand.height else [])
                ),
                "citation": citation,
            }
        )
    schema = {
        "row": pl.String,
        "value": pl.Float64,
        "printed": pl.String,
        "share": pl.Float64,
        "denominator": pl.Float64,
        "formula": pl.String,
        "inputs": pl.String,
        "citation": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def combine_rows(shares: pl.DataFrame, keep: list[str], other: str = "All other categories") -> pl.DataFrame:
    """``table_shares`` rows with every row not in ``keep`` added up, column by column, into one
    row ``other`` (counts and shares summed; the formula lists the printed parts)."""
    kept = shares.filter(pl.col("row").is_in(keep))
    rest = shares.filter(~pl.col("row").is_in(keep))
    if rest.height == 0:
        return kept
    combined = []
    for (column,), g in rest.group_by(["column"], maintain_order=True):
        value = float(g["value"].sum())
        share = float(g["share"].sum()) if g["share"].null_count() == 0 else None
        combined.append(
            {
                "row": other,
                "column": column,
                "value": value,
                "printed": "",
                "share": share,
                "denominator": g["denominator"][0] if g["denominator"].n_unique() == 1 else None,
                "formula": " + ".join(g["printed"].to_list())
                + f" = {fmt(value)} ({g.height} rows)"
                + (f"; share {fmt(share)}%" if share is not None else ""),
                "inputs": " ".join(g["inputs"].to_list()),
                "citation": "; ".join(dict.fromkeys(g["citation"].to_list())),
            }
        )
    return pl.concat([kept, pl.DataFrame(combined, schema=shares.schema)])


def sum_cells(pkg: EvidencePackage, table_id: str, row: str, columns: list[str]) -> Derived:
    """The sum of one row's printed cells over some columns (e.g. referrals in chosen quarters)."""
    cells = pkg.table_cells.filter(
        (pl.col("table_id") == table_id)
        & (pl.col("row") == row)
        & (pl.col("kind") == "cell")
        & pl.col("column").is_in(columns)
    )
    parts = cells.sort("period_start")
    value = float(parts["value"].sum())
    return Derived(
        id=f"sum:{table_id}:{row}:{'|'.join(columns)}",
        label=f"{row}, {columns[0]} to {columns[-1]}" if len(columns) > 1 else f"{row}, {columns[0]}",
        value=value,
        unit="count",
        formula=" + ".join(parts["printed"].to_list() or ["0"]) + f" = {fmt(value)}",
        inputs=tuple(cell_ref(table_id, row, c) for c in parts["column"].to_list()),
        citations=(cite_table(pkg, table_id),),
        period=f"{columns[0]} to {columns[-1]}",
    )


# ---------------------------------------------------------------------------- commitments
@dataclass(frozen=True)
class Progress:
    """What a source reports done against a recommendation or commitment, and when."""

    text: str  # the quote (or the printed figures)
    date: dt.date  # publication date of the source that reports it
    source_id: str
    how: str  # 'progress quoted', 'action recorded in the response', 'figures reported'

    def describe(self) -> str:
        return f"{self.text} ({self.how}, {self.date:%-d %B %Y})"


def status_at(due: dt.date | None, has_progress: bool, at: dt.date, met_early: bool = False) -> str:
    """Status of a recommendation or commitment at a date, from what the sources say only
    (one of ``STATUSES``). Progress reported is not the same as met; "met early" only where a
    source says so; with nothing reported the status says so, never "no progress"."""
    if met_early:
        return MET_EARLY
    timing = NO_DUE_DATE if due is None else (NOT_YET_DUE if due > at else DUE_PASSED)
    return f"{timing}: {PROGRESS if has_progress else NOT_REPORTED}"


_PUBLISHED: dict[int, tuple[pl.DataFrame, dict[str, dt.date]]] = {}


def published(pkg: EvidencePackage) -> dict[str, dt.date]:
    """Publication date of every source (the date its items and progress are known from).
    Asked for a few hundred times per annex: kept for the very ``sources`` frame it was read
    from (a package whose sources frame is another object reads its own); a copy each call."""
    sources = pkg.sources
    hit = _PUBLISHED.get(id(sources))
    if hit is None or hit[0] is not sources:
        if len(_PUBLISHED) > 32:
            _PUBLISHED.clear()
        hit = (sources, dict(sources.select("source_id", "published").iter_rows()))
        _PUBLISHED[id(sources)] = hit
    return dict(hit[1])


def item_kind(rec: dict) -> str:
    """'commitment', 'recommendation', 'finding', 'proposal' or 'statutory duty': the register's
    ``nature`` column (its schema's enum lists them)."""
    return rec["nature"]


def progress_reported(pkg: EvidencePackage, rec: dict, at: dt.date) -> Progress | None:
    """What the sources published on or before ``at`` report done for ``rec``: a progress quote,
    else an action its recorded response says was taken, else progress figures; None if none."""
    when = published(pkg)
    src = rec.get("progress_source_id") or rec["source_id"]
    if rec.get("progress_quote") and when.get(src, dt.date.max) <= at:
        date = rec.get("progress_date") or when[src]
        if date <= at:
            return Progress(rec["progress_quote"], date, src, "progress quoted")
    response = rec.get("response_quote") or ""
    if ACTION_DONE.search(response) and when.get(rec["source_id"], dt.date.max) <= at:
        return Progress(response, when[rec["source_id"]], rec["source_id"], "action recorded in the response")
    figs = [figure(pkg, i) for i in _ids(rec.get("progress_figure_ids")) if i in set(pkg.figures["id"])]
    figs = [f for f in figs if when.get(f["source_id"], dt.date.max) <= at]
    if figs:
        text = "; ".join(f"{f['label']}: {f['printed']} ({f['period']})" for f in figs)
        return Progress(text, max(when[f["source_id"]] for f in figs), figs[0]["source_id"], "figures reported")
    return None


def item_status(pkg: EvidencePackage, rec: dict, at: dt.date) -> tuple[str, Progress | None]:
    """The status of one register item at ``at`` and the progress it rests on. Findings,
    proposals and duties in law get no commitment status (``UNTRACKED_STATUS``)."""
    kind = item_kind(rec)
    progress = progress_reported(pkg, rec, at)
    if kind not in TRACKED_KINDS:
        return UNTRACKED_STATUS[kind], progress
    due = rec["due_date"]
    early = bool(
        progress
        and progress.how == "progress quoted"
        and AHEAD.search(progress.text)
        and (due is None or progress.date <= due)
    )
    return status_at(due, progress is not None, at, met_early=early), progress


def recommendation_status(pkg: EvidencePackage, rec: dict, at: dt.date) -> str:
    """``item_status`` without the progress."""
    return item_status(pkg, rec, at)[0]


def made_by(pkg: EvidencePackage, frame_: pl.DataFrame, at: dt.date) -> pl.DataFrame:
    """The rows of a register or figures frame whose source was published on or before ``at``
    (a status at a date knows nothing made after it)."""
    when = published(pkg)
    return frame_.filter(
        pl.col("source_id").replace_strict(when, default=dt.date.max, return_dtype=pl.Date) <= pl.lit(at)
    )


TRACKER_SCHEMA = {
    "kind_of_item": pl.String,
    "status": pl.String,
    "progress": pl.String,
    "reported_on": pl.Date,
}


def tracker(pkg: EvidencePackage, at: dt.date, recs: pl.DataFrame | None = None) -> pl.DataFrame:
    """The register items made on or before ``at`` (all of ``pkg``'s, or ``recs``) with their
    kind, status at ``at``, and the progress reported by then (``progress``: quote, how and date;
    ``reported_on``: that date)."""
    recs = made_by(pkg, pkg.recommendations if recs is None else recs, at)
    rows = []
    for r in recs.iter_rows(named=True):
        status, progress = item_status(pkg, r, at)
        rows.append(
            {
                "kind_of_item": item_kind(r),
                "status": status,
                "progress": progress.describe() if progress else NOT_REPORTED,
                "reported_on": progress.date if progress else None,
            }
        )
    return pl.concat([recs, pl.DataFrame(rows, schema=TRACKER_SCHEMA)], how="horizontal")


def share_of_target(pkg: EvidencePackage, reported_id: str, target_id: str) -> Derived:
    """Reported ÷ target × 100, only when the two count the same thing (``counted``), as the same
    kind of quantity in the same unit, and the target is a single value; otherwise value None
    and the reason, in words. A share against a share target also gives the gap in points."""
    rep, tgt = figure(pkg, reported_id), figure(pkg, target_id)
    base: dict[str, Any] = dict(
        id=f"target-share:{reported_id}:{target_id}",
        label=f"{rep['label']} as a share of the target",
        unit="percent",
        inputs=(reported_id, target_id),
        citations=tuple(cite_many(pkg, [reported_id, target_id])),
        period=f"{rep['period']} (target: {tgt['period']})",
    )

    def no(reason: str) -> Derived:
        return Derived(value=None, formula=f"not computed: {reason}", **base)

    lo, hi = tgt.get("value_min"), tgt.get("value_max")
    if (
        tgt["value"] is None
        and rep["value"] is not None
        and lo is not None
        and hi is not None
        and rep["unit"] == tgt["unit"]
    ):
        where = "above its top" if rep["value"] > hi else "below its bottom" if rep["value"] < lo else "within it"
        return no(
            f"the target '{tgt['printed']}' is a range, not a single value; reported '{rep['printed']}' is {where}"
        )
    if tgt["value"] is None or rep["value"] is None:
        ranged = [f"'{r['printed']}'" for r in (rep, tgt) if r["value"] is None]
        return no(f"{' and '.join(ranged)} printed as a range, not a single value")
    if _is_change(tgt) != _is_change(rep):
        change, level = (tgt, rep) if _is_change(tgt) else (rep, tgt)
        return no(
            f"'{change['printed']}' is an additional number (an increase on a level the sources do not print), and "
            f"'{level['printed']}' a total: an increase cannot be set against a total without the level it starts from"
        )
    if rep["unit"] != tgt["unit"] or rep.get("quantity") != tgt.get("quantity"):
        return no(
            f"reported '{rep['printed']}' is {_kind_words(rep)} and the target '{tgt['printed']}' {_kind_words(tgt)}"
        )
    if (rep.get("counted") or "").strip().lower() != (tgt.get("counted") or "").strip().lower():
        return no(
            f"the reported figure counts {rep.get('counted') or 'something unstated'}, the target {tgt.get('counted') or 'something unstated'}"
        )
    if not tgt["value"]:
        return no(f"the target '{tgt['printed']}' is zero")
    (a, ta), (b, tb) = comparable_value(rep), comparable_value(tgt)
    value = a / b * 100
    formula = f"{ta} ÷ {tb} × 100 = {fmt(value)}%"
    if rep["unit"] == "proportion":
        gap = (a - b) * 100
        formula += (
            f" ({fmt(abs(gap))} points {'above' if gap > 0 else 'below'} the target)" if gap else " (at the target)"
        )
    caveats = []
    if rep["population"] != tgt["population"] or rep["geography"] != tgt["geography"]:
        caveats.append("reported figure and target cover different populations or areas")
    return Derived(value=value, formula=formula, caveats="; ".join(caveats), **base)


_UNIT_WORDS = vocab.unit_nouns()  # evidence/units.csv


def _kind_words(row: dict) -> str:
    """'a number of admissions', 'a share of urgent eating-disorder cases' (for a reason)."""
    what = _UNIT_WORDS.get(row["unit"], f"in {row['unit']}")
    return f"{what} ({row['counted']})" if row.get("counted") else what


def best_share_of_target(pkg: EvidencePackage, progress_ids: list[str], target_ids: list[str]) -> Derived | None:
    """The share of target for the first (target, reported) pair that can be compared, the
    latest reported figure first; if none can, the first pair's record with the reason."""
    if not progress_ids or not target_ids:
        return None
    latest = sorted(progress_ids, key=lambda i: figure(pkg, i)["period_end"] or dt.date.min, reverse=True)
    tried = [share_of_target(pkg, p, t) for t in target_ids for p in latest]
    return next((d for d in tried if d.value is not None), tried[0])


def _is_change(row: dict) -> bool:
    """An increase ('additional 345,000', '47% more') rather than a level."""
    text = f"{row['label']} {row['measure'].replace('_', ' ')}"
    return is_growth_figure(row) or bool(re.search(r"\b(additional|extra|more)\b", text, re.I))


def _ids(s: str | None) -> list[str]:
    return (s or "").split()


COMMITMENT_SCHEMA = {
    "commitment_id": pl.String,
    "title": pl.String,
    "set": pl.String,
    "target": pl.String,
    "target_ids": pl.String,
    "due_printed": pl.String,
    "due_date": pl.Date,
    "reported": pl.String,
    "reported_ids": pl.String,
    "reported_date": pl.Date,
    "share_of_target": pl.Float64,
    "formula": pl.String,
    "status": pl.String,
    "progress": pl.String,
    "citation": pl.String,
}


def commitments(pkg: EvidencePackage, at: dt.date) -> pl.DataFrame:
    """Progress against each commitment: target, date due, what is reported and when, the share
    of the target reached (where the figures count the same thing) and the status at ``at``.

    Commitments are the recommendations of a Long Term Plan set or with target figures, plus
    every target figure that no recommendation refers to (its due date is its period end).
    Only what was published on or before ``at`` counts: later items, later progress and later
    figures are left out."""
    recs = made_by(
        pkg,
        pkg.recommendations.filter(
            pl.col("set").str.contains("long-term-plan") | pl.col("target_figure_ids").is_not_null()
        ),
        at,
    )
    known = set(made_by(pkg, pkg.figures, at)["id"])
    rows = []
    linked: set[str] = set()
    for r in recs.iter_rows(named=True):
        tids = [i for i in _ids(r["target_figure_ids"]) if i in known]
        pids = [i for i in _ids(r["progress_figure_ids"]) if i in known]
        linked.update(_ids(r["target_figure_ids"]))
        status, progress = item_status(pkg, r, at)
        rows.append(
            _commitment_row(
                pkg,
                r["id"],
                r["title"],
                r["set"],
                tids,
                pids,
                r["due_printed"],
                r["due_date"],
                status,
                progress,
                cite_recommendation(pkg, r["id"]),
            )
        )
    targets = made_by(pkg, pkg.figures.filter((pl.col("kind") == "target") & ~pl.col("id").is_in(list(linked))), at)
    for t in targets.iter_rows(named=True):
        rows.append(
            _commitment_row(
                pkg,
                t["id"],
                t["label"],
                "target figure",
                [t["id"]],
                [],
                t["period"],
                t["period_end"],
                status_at(t["period_end"], False, at),
                None,
                cite_figure(pkg, t["id"]),
            )
        )
    return pl.DataFrame(rows, schema=COMMITMENT_SCHEMA)


def _commitment_row(
    pkg: EvidencePackage,
    cid: str,
    title: str,
    set_: str,
    tids: list[str],
    pids: list[str],
    due_printed: str | None,
    due_date: dt.date | None,
    status: str,
    progress: Progress | None,
    citation: str,
) -> dict:
    targets = [figure(pkg, i) for i in tids]
    reported = [figure(pkg, i) for i in pids]
    share = best_share_of_target(pkg, pids, tids)
    dates = [p["period_end"] for p in reported if p["period_end"]]
    return {
        "commitment_id": cid,
        "title": title,
        "set": set_,
        "target": "; ".join(t["printed"] for t in targets) or "not stated",
        "target_ids": " ".join(tids),
        "due_printed": due_printed or "not stated",
        "due_date": due_date,
        "reported": "; ".join(f"{p['printed']} ({p['period']})" for p in reported) or NOT_REPORTED,
        "reported_ids": " ".join(pids),
        "reported_date": max(dates) if dates else None,
        "share_of_target": share.value if share else None,
        "formula": share.formula if share else "",
        "status": status,
        "progress": progress.describe() if progress and progress.how != "figures reported" else "",
        "citation": "; ".join(dict.fromkeys([citation] + ([*share.citations] if share else []))),
    }


# ---------------------------------------------------------------------------- money
def money_figures(pkg: EvidencePackage) -> pl.DataFrame:
    return pkg.figures.filter(pl.col("unit").is_in(list(MONEY_UNITS)))


# Words that say nothing about which programme a figure belongs to.
_GENERIC = set(
    "cyp mh mental health funding fund funds funded investment invested additional extra number total count children child young "
    "people and of the per nhs england allocated available services service in to for with by on a an from over under aged year years "
    "annual million billion gbp support".split()
)
_CHILD_COUNT = re.compile(r"child|young|pupil|learner|\bcyp\b|referral|admission|patient|starts|people", re.I)
_SERVICE_THEMES = {"funding", "access", "programmes", "commitments"}


def _tokens(row: dict) -> set[str]:
    return {t for t in row["measure"].split("_") if t not in _GENERIC and not t.isdigit() and len(t) > 2}


def denominator_candidates(pkg: EvidencePackage, money_id: str, basis: str, limit: int = 8) -> pl.DataFrame:
    """Counts that a sum of money can sensibly be divided by, most related first, with the reason.

    ``basis`` 'child': counts of people (children, young people, pupils, referrals, admissions);
    'area': numbers of areas, organisations, services or teams. A candidate must share at least
    two of: a programme word in its measure name (counts twice), the source document, the theme
    (funding, access, programmes and commitments count as one). Money per head is only ever over
    the money's own population: a count of people must cover the same population as the money
    (all-age money is never divided by a count of children)."""
    m = figure(pkg, money_id)
    figs = pkg.figures.filter(
        (pl.col("unit") == "count")
        & pl.col("value").is_not_null()
        & pl.col("kind").is_in(["observed", "target", "estimate"])
        & (pl.col("value") >= (50 if basis == "child" else 2))
        & ~pl.col("measure").str.contains("rank")
    )
    rows = []
    for r in figs.iter_rows(named=True):
        counted = r["counted"] or ""
        is_child = bool(_CHILD_COUNT.search(counted))
        if is_child != (basis == "child") or (basis == "area" and not AREA_COUNTED.search(counted)):
            continue
        if basis == "child" and (r["population"] or "").strip().lower() != (m["population"] or "").strip().lower():
            continue  # money per head only over a matching population
        shared = sorted(_tokens(m) & _tokens(r))
        same_source = r["source_id"] == m["source_id"]
        same_theme = r["theme"] == m["theme"] or {r["theme"], m["theme"]} <= _SERVICE_THEMES
        score = 2 * bool(shared) + same_source + same_theme
        if score >= 2:
            why = (
                ([f"same programme ({', '.join(shared)})"] if shared else [])
                + (["same source"] if same_source else [])
                + (["related theme"] if same_theme else [])
            )
            rows.append({"id": r["id"], "score": score, "reason": "; ".join(why)})
    out = pl.DataFrame(rows, schema={"id": pl.String, "score": pl.Int64, "reason": pl.String})
    return out.sort("score", "id", descending=[True, False]).head(limit)


def per_unit(pkg: EvidencePackage, money_id: str, count_id: str, per_year: bool = False) -> Derived:
    """Money ÷ count (pounds per child, per area...), optionally also ÷ the years the money covers."""
    m, c = figure(pkg, money_id), figure(pkg, count_id)
    pounds = in_pounds(m["value"], m["unit"])
    count, count_text = comparable_value(c)
    value = pounds / count
    formula = f"{m['printed']} = {money(pounds)}; {money(pounds)} ÷ {count_text}" + (
        f" ('{c['printed']}')" if count_text != c["printed"] else ""
    )
    unit = "gbp"
    caveats = ["indicative ratio of two printed figures, not a unit cost"]
    if per_year:
        if not (m["period_start"] and m["period_end"]):
            return Derived(
                f"per-unit:{money_id}:{count_id}:year",
                f"{m['label']} per year, per {c['label']}",
                None,
                "gbp_per_year",
                f"not computed: the period of '{m['printed']}' has no start and end dates",
                (money_id, count_id),
                tuple(cite_many(pkg, [money_id, count_id])),
                m["period"],
                "",
                "",
            )
        years = years_between(m["period_start"], m["period_end"])
        value = value / years
        formula += f" ÷ {years:.2f} years"
        unit = "gbp_per_year"
    formula += f" = {money(value)}"
    if m["period"] != c["period"]:
        caveats.append(f"periods differ ('{m['period']}' and '{c['period']}')")
    if m["population"] != c["population"]:
        caveats.append(f"populations differ ('{m['population']}' and '{c['population']}')")
    if c["kind"] == "target":
        caveats.append("the count is a target, not a reported number")
    return Derived(
        id=f"per-unit:{money_id}:{count_id}" + (":year" if per_year else ""),
        label=f"{m['label']} per {c['label']}",
        value=value,
        unit=unit,
        formula=formula,
        inputs=(money_id, count_id),
        citations=tuple(cite_many(pkg, [money_id, count_id])),
        period=m["period"],
        caveats="; ".join(caveats),
    )
