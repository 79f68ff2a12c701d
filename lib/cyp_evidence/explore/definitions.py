"""The definition panel beside an explorer's chart (as OHID Fingertips shows beside each
indicator): for each measure the chart shows, what is counted, its unit and kind, area, period,
the sources with short citations, caveats and the source issues that touch it; and, where the
evidence holds more than one figure for the measure (other documents, other periods), all of them
side by side with the differences in definition or base stated."""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from ..escape import html_text as esc
from ..evidence import EvidencePackage, vocab
from ..evidence.cite import readable_locator, row_by, source_label
from ..measures import issue_kind

MAX_MEASURES = 6
_ID = re.compile(r"[a-z0-9][a-z0-9-]+")
KIND_WORDS = {
    "observed": "reported (observed)",
    "estimate": "an estimate",
    "allocation": "money allocated or promised",
    "target": "a target",
}
# the kind of a figure as a control's choice, and what each choice means (its tooltip)
KIND_LABELS = {"observed": "Reported", "estimate": "Estimated", "allocation": "Money allocated", "target": "Targets"}
KIND_TOOLTIPS = {
    "observed": "Figures the source reports as counted or measured",
    "estimate": "Figures the source says are estimated (for example from a survey)",
    "allocation": "Money allocated or promised, not money shown to be spent",
    "target": "Targets and ambitions, not achievements",
}
# what a figure is a quantity of, in readers' words (the definition panel's "Unit and kind")
QUANTITY_WORDS = {
    "level": "a level",
    "share": "a share",
    "change": "a change",
    "rate": "a rate",
    "multiplier": "a multiplier",
    "rank": "a rank",
    "target": "a target",
    "threshold": "a threshold",
    "duration": "a length of time",
    "money": "an amount of money",
}


def kind_label(kind: str | None) -> str:
    """'Reported', 'Estimated', 'Money allocated', 'Targets' (the kind as a reader's word)."""
    return KIND_LABELS.get(str(kind), str(kind or "").replace("_", " ").capitalize())


def kind_tooltips(values: Iterable[str], all_value: str) -> list[str]:
    """What each kind choice means, in the order of ``values`` (for a toggle's tooltips)."""
    return ["Figures of every kind" if v == all_value else KIND_TOOLTIPS.get(v, kind_label(v)) for v in values]


def kind_options(kinds: Iterable[str], all_label: str, all_value: str) -> list[tuple[str, str]]:
    """Control options for the kinds of figure: ``[("All", ALL), ("Reported", "observed"), ...]``."""
    return [(all_label, all_value)] + [(kind_label(k), k) for k in kinds]


# fields whose difference between two figures of one measure changes what is compared
DEFINITION_FIELDS = (
    ("label", "label"),
    ("population", "who is counted"),
    ("counted", "what is counted"),
    ("denominator", "base (of what, per what)"),
    ("geography", "area"),
    ("unit", "unit"),
)


def figure_ids(pkg: EvidencePackage, table: pl.DataFrame) -> list[str]:
    """The evidence figures behind a table: its ``id`` column, and the ids in ``inputs`` (derived
    figures) and ``target_ids`` / ``reported_ids`` (commitments), in first-seen order, keeping
    only ids the package holds."""
    known = set(pkg.figures["id"].to_list())
    seen: dict[str, None] = {}
    for col in ("id", "inputs", "target_ids", "reported_ids"):
        if col not in table.columns:
            continue
        for v in table[col].to_list():
            values = v if isinstance(v, list) else _ID.findall(str(v or ""))
            for x in values:
                if x in known:
                    seen.setdefault(x, None)
    return list(seen)


def table_ids(pkg: EvidencePackage, table: pl.DataFrame) -> list[str]:
    """The source tables behind a table of cells: ``inputs`` holds ``table_id:row:column``."""
    known = set(pkg.tables["table_id"].to_list())
    seen: dict[str, None] = {}
    if "inputs" in table.columns:
        for v in table["inputs"].to_list():
            for part in str(v or "").replace(";", " ").split():
                tid = part.split(":", 1)[0]
                if tid in known:
                    seen.setdefault(tid, None)
    return list(seen)


def source_table_html(pkg: EvidencePackage, table_id: str) -> str:
    """What one source table counts: title, rows by columns, unit, source, notes and the source
    issues whose references name it."""
    t = row_by(pkg.tables, "table_id", table_id)
    if t is None:
        return ""
    cite, doc = short_citation(pkg, t["source_id"], t["locator"])
    issues = [
        r
        for r in pkg.source_issues.iter_rows(named=True)
        if any(ref == table_id or ref.startswith(table_id + ":") for ref in str(r["refs"] or "").split())
    ]
    parts = [
        f"<h4 style='margin:6px 0 2px 0;font-size:13px'>{esc(t['title'])}</h4>",
        f"<p style='margin:2px 0'><b>What is counted:</b> {esc(UNIT_WORDS.get(t['unit'], t['unit']))}, by {esc(t['row_dimension'])} "
        f"and {esc(t['column_dimension'])}</p>",
        f"<div style='margin:2px 0' title='{esc(doc)}'><b>Source:</b> {esc(cite)} "
        f"<span style='color:#3D3D3D'>({esc(doc)})</span></div>",
    ]
    if t.get("notes"):
        parts.append(f"<p style='margin:2px 0'><b>Caveats:</b> {esc(t['notes'])}</p>")
    if issues:
        parts.append(
            "<div style='margin:2px 0'><b>Source issues:</b> <ul style='margin:0;padding-left:1.2em'>"
            + "".join(f"<li>{esc(issue_kind(i['kind']))}: {esc(i['description'])}</li>" for i in issues)
            + "</ul></div>"
        )
    return "".join(parts)


def short_citation(pkg: EvidencePackage, source_id: str, locator: str | None) -> tuple[str, str]:
    """``("B24, Annex 1, slide 5", "Children & Young People Board agenda pack (LGA, January 2024)")``"""
    row = row_by(pkg.sources, "source_id", source_id)
    key = row["key"] if row and row.get("key") else source_id
    return (f"{key}, {readable_locator(locator)}" if locator else key), source_label(pkg, source_id)


def issues_touching(pkg: EvidencePackage, ids: Iterable[str]) -> list[dict]:
    ids = set(ids)
    return [r for r in pkg.source_issues.iter_rows(named=True) if ids & set(str(r["refs"] or "").split())]


def _period(r: dict) -> str:
    return r["period"] if r.get("period") and r["period"] != "not stated" else "not stated"


def _kind(r: dict) -> str:
    """The kind of figure, and the kind of quantity where the unit does not already say it
    ("a share (shown as a percentage)" is a share; a count is a level; a change is said)."""
    words = KIND_WORDS.get(r["kind"], r["kind"])
    q = r.get("quantity")
    said = QUANTITY_WORDS.get(str(q), str(q or "").replace("_", " "))
    if not q or q == "level" or said in _unit(r):
        return words
    return f"{words}; {said}"


UNIT_WORDS = vocab.unit_definitions()  # evidence/units.csv


def _unit(r: dict) -> str:
    raw = str(r.get("unit") or "")
    u = UNIT_WORDS.get(raw) or raw.replace("_", " ")
    if r.get("rate_per"):
        u += f" per {r['rate_per']}"
    return u


def _differences(rows: list[dict]) -> list[str]:
    out = []
    for col, words in DEFINITION_FIELDS:
        values = list(dict.fromkeys(str(r.get(col)) for r in rows if r.get(col) not in (None, "")))
        if len(values) > 1:
            out.append(f"{words} differs: " + " / ".join(f"“{esc(v.replace('_', ' '))}”" for v in values))
    return out


def measure_html(pkg: EvidencePackage, measure: str, shown: list[str]) -> str:
    figs = pkg.figures.filter(pl.col("measure") == measure)
    rows = list(figs.iter_rows(named=True))
    here = [r for r in rows if r["id"] in shown] or rows
    first = here[0]

    def dd(values: Iterable[str]) -> str:
        return esc("; ".join(dict.fromkeys(v for v in values if v)))

    cites = []
    for r in here:
        c, doc = short_citation(pkg, r["source_id"], r["locator"])
        cites.append(f"<li title='{esc(doc)}'>{esc(c)} <span style='color:#3D3D3D'>({esc(doc)})</span></li>")
    caveats = list(dict.fromkeys(r["caveats"] for r in here if r["caveats"]))
    issues = issues_touching(pkg, [r["id"] for r in rows])
    parts = [
        f"<h4 style='margin:6px 0 2px 0;font-size:13px'>{esc(first['label'])}</h4>",
        f"<p style='margin:2px 0'><b>What is counted:</b> {dd(r.get('counted') or r['population'] for r in here)}</p>",
        f"<p style='margin:2px 0'><b>Unit and kind:</b> {dd(_unit(r) for r in here)}; {dd(_kind(r) for r in here)}</p>",
        f"<p style='margin:2px 0'><b>Area:</b> {dd(r['geography'] for r in here)}</p>",
        f"<p style='margin:2px 0'><b>Period:</b> {dd(_period(r) for r in here)}</p>",
        f"<div style='margin:2px 0'><b>Source{'s' if len(cites) > 1 else ''}:</b> <ul style='margin:0;padding-left:1.2em'>{''.join(dict.fromkeys(cites))}</ul></div>",
    ]
    if caveats:
        parts.append(
            "<div style='margin:2px 0'><b>Caveats:</b> <ul style='margin:0;padding-left:1.2em'>"
            + "".join(f"<li>{esc(c)}</li>" for c in caveats)
            + "</ul></div>"
        )
    if issues:
        parts.append(
            "<div style='margin:2px 0'><b>Source issues:</b> <ul style='margin:0;padding-left:1.2em'>"
            + "".join(f"<li>{esc(issue_kind(i['kind']))}: {esc(i['description'])}</li>" for i in issues)
            + "</ul></div>"
        )
    if len(rows) > 1:
        parts.append(compare_html(pkg, rows))
    return "".join(parts)


def compare_html(pkg: EvidencePackage, rows: list[dict]) -> str:
    """Every figure the evidence holds for one measure, by period and document, with what
    differs between them (label, who is counted, base, area, unit) or that nothing does."""
    rows = sorted(rows, key=lambda r: (str(r["period_start"] or "9999"), r["source_id"]))
    docs = {r["source_id"] for r in rows}
    periods = {_period(r) for r in rows}
    head = (
        f"Printed {len(rows)} times"
        + (f", in {len(docs)} documents" if len(docs) > 1 else ", in one document")
        + (f", for {len(periods)} periods" if len(periods) > 1 else "")
    )
    body = "".join(
        f"<tr><td>{esc(r['printed'])}</td><td>{esc(_period(r))}</td>"
        f"<td title='{esc(source_label(pkg, r['source_id']))}'>{esc(short_citation(pkg, r['source_id'], None)[0])}</td></tr>"
        for r in rows
    )
    diffs = _differences(rows)
    said = (
        "<ul style='margin:0;padding-left:1.2em'>" + "".join(f"<li>{d}</li>" for d in diffs) + "</ul>"
        if diffs
        else "<p style='margin:0'>Label, who is counted, area and unit are the same in every one.</p>"
    )
    return (
        f"<p style='margin:4px 0 0 0'><b>Compare: {esc(head)}</b></p>"
        "<table style='border-collapse:collapse;font-size:12px'><caption class='sr-only' style='text-align:left'>"
        "Every figure for this measure</caption><thead><tr><th scope='col' style='text-align:left'>As printed</th>"
        "<th scope='col' style='text-align:left'>Period</th><th scope='col' style='text-align:left'>Source</th></tr></thead>"
        f"<tbody>{body}</tbody></table>{said}"
    )


def definition_html(
    pkg: EvidencePackage, ids: list[str], limit: int = MAX_MEASURES, tables: list[str] | None = None
) -> str:
    """The panel for the figures ``ids`` (one block per measure, at most ``limit``) and the
    source tables ``tables``; empty when there is neither."""
    tables = tables or []
    if not ids and not tables:
        return ""
    figs = pkg.figures.filter(pl.col("id").is_in(ids))
    measures = list(dict.fromkeys(figs["measure"].to_list()))
    blocks = "".join(source_table_html(pkg, t) for t in tables[:limit])
    blocks += "".join(measure_html(pkg, m, ids) for m in measures[:limit])
    more = (
        f"<p style='margin:4px 0'>Definitions of the first {limit} of {len(measures)} measures shown: "
        "choose one measure to see its own.</p>"
        if len(measures) > limit
        else ""
    )
    return (
        "<section aria-label='Definition' style='font-size:12px;line-height:1.35'>"
        f"<h3 style='margin:0;font-size:14px'>Definition</h3>{blocks}{more}</section>"
    )


# ---------------------------------------------------------------------------- the registers
# What each part of a recommendation's status means (the tracker's definition panel).
STATUS_WORDS = (
    ("Met early", "a source published by the chosen date says the item was met before its due date."),
    ("Not yet due", "its due date, as the source prints it, is after the chosen date."),
    ("Due date passed", "its due date is on or before the chosen date."),
    ("No due date", "the source gives none."),
    (
        "Progress reported",
        "a source published by the chosen date quotes progress, or the recorded response says an action was "
        "taken. Progress is not the same as met.",
    ),
    (
        "Not reported in these sources",
        "none of the sources in this evidence base, published by the chosen date, reports progress; it does "
        "not mean that nothing was done.",
    ),
)
# What each kind of source issue means (the source-issues view's definition panel).
ISSUE_KIND_MEANING = {
    "total_mismatch": "the parts of a printed table do not add up to the total the source prints.",
    "percentage_mismatch": "a printed percentage does not follow from the printed figures it is based on.",
    "internal_inconsistency": "the document gives two different values or dates for the same thing.",
    "cross_document": "two documents print different values or descriptions for the same thing.",
    "ambiguity": "the wording allows more than one reading (of a period, a base or what is counted).",
    "typo": "an evident typing error in the document.",
}


def _section(blocks: str) -> str:
    return (
        "<section aria-label='Definition' style='font-size:12px;line-height:1.35'>"
        f"<h3 style='margin:0;font-size:14px'>Definition</h3>{blocks}</section>"
    )


def _list(title: str, items: Iterable[str]) -> str:
    body = "".join(f"<li>{x}</li>" for x in items)
    return f"<div style='margin:2px 0'><b>{esc(title)}:</b> <ul style='margin:0;padding-left:1.2em'>{body}</ul></div>"


def _source_items(pkg: EvidencePackage, rows: Iterable[dict]) -> list[str]:
    out: dict[str, None] = {}
    for r in rows:
        cite, doc = short_citation(pkg, r["source_id"], None)
        out.setdefault(f"<span title='{esc(doc)}'>{esc(cite)} <span style='color:#3D3D3D'>({esc(doc)})</span></span>")
    return list(out)


def tracker_html(
    pkg: EvidencePackage, items: pl.DataFrame, list_names: dict[str, str], tracked: Iterable[str], at: str
) -> str:
    """The recommendations tracker's panel: what is listed and counted, what each status means,
    the lists shown with their documents, and the source issues that touch the items shown."""
    if items.height == 0:
        return ""
    tracked = tuple(tracked)
    recs = pkg.recommendations.filter(pl.col("id").is_in(items["id"].to_list()))
    rows = list(recs.iter_rows(named=True))
    lists = list(dict.fromkeys(r["set"] for r in rows))
    counted = sum(1 for r in rows if r["nature"] in tracked)
    parts = [
        "<p style='margin:2px 0'><b>What is counted:</b> "
        f"the {esc(' and '.join(t + 's' for t in tracked))} made by {esc(at)} ({counted} of the {len(rows)} items listed); "
        "findings, proposals and duties in law are listed as what they are, with no status.</p>",
        _list("Status", (f"<b>{esc(name)}</b>: {esc(meaning)}" for name, meaning in STATUS_WORDS)),
        _list(
            "Lists shown" if len(lists) > 1 else "List shown",
            (
                f"{esc(list_names.get(s, s))}: " + "; ".join(_source_items(pkg, [r for r in rows if r["set"] == s]))
                for s in lists
            ),
        ),
    ]
    issues = issues_touching(pkg, [r["id"] for r in rows])
    if issues:
        parts.append(_list("Source issues", (f"{esc(issue_kind(i['kind']))}: {esc(i['description'])}" for i in issues)))
    return _section("".join(parts))


def source_issue_html(pkg: EvidencePackage, issue_id: str | None) -> str:
    """The source-issues view's panel for one issue: what its kind means, the document, and the
    definition of every measure and source table it touches (as beside the other charts)."""
    if issue_id is None:
        return ""
    issue = row_by(pkg.source_issues, "id", issue_id)
    if issue is None:
        return ""
    refs = str(issue["refs"] or "").split()
    figure_refs = [r for r in refs if r in set(pkg.figures["id"].to_list())]
    table_refs = [r for r in refs if r in set(pkg.tables["table_id"].to_list())]
    kind = issue["kind"]
    parts = [
        f"<p style='margin:2px 0'><b>Kind of issue:</b> {esc(issue_kind(kind))}: "
        f"{esc(ISSUE_KIND_MEANING.get(kind, 'as described.'))} The evidence keeps every figure as printed.</p>",
        _list("Source", _source_items(pkg, [issue])),
    ]
    figs = pkg.figures.filter(pl.col("id").is_in(figure_refs))
    measures = list(dict.fromkeys(figs["measure"].to_list()))
    parts += [source_table_html(pkg, t) for t in table_refs[:MAX_MEASURES]]
    parts += [measure_html(pkg, m, figure_refs) for m in measures[:MAX_MEASURES]]
    return _section("".join(parts))
