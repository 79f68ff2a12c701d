"""Phrase search over everything the evidence base holds: figures, table cells, recommendations
and source issues, answered with a readable list and a link to the explorer that shows each match.

A query is a phrase: ``1 in 6`` finds "1 in 6" but not "1 in 60" or "1 in 9 ... 6". Several
phrases can be given in double quotes (``"eating disorder" 2022``): each phrase and each other
word must then appear. Case, curly quotes, dashes, spacing and thousands separators are ignored
("4111" finds "4,111"); a phrase that ends in a letter also finds longer words ("eating
disorder" finds "eating disorders"), one that ends in a digit does not ("6" is not "60").

Matches come in this order: figures, then table cells, recommendations and source issues; among
figures, those whose value as printed matches first, then their label, then their quote, then
the rest (caveats, population, measure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ipywidgets as widgets
import polars as pl

from ..escape import html_text as esc
from ..evidence import EvidencePackage
from ..measures import issue_kind
from . import catalogue
from .definitions import short_citation

KINDS = ("Figure", "Table cell", "Recommendation", "Source issue")
MAX_SHOWN = 40
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def normalise(text: str) -> str:
    """Lower case, plain quotes and dashes, no thousands separators, single spaces."""
    text = _THOUSANDS.sub("", str(text).translate(_QUOTES).lower())
    return " ".join(text.split())


@dataclass(frozen=True)
class Hit:
    kind: str  # one of KINDS
    label: str
    printed: str  # the value as printed ("" when the record has none)
    period: str
    citation: str  # short: the source's key and the place in it (B24, Annex 1, slide 5)
    document: str  # the source document in full (title, publisher, date)
    used_in: tuple[catalogue.Entry, ...]
    matched: str  # which field matched, in readers' words
    rank: tuple[int, int, int] = field(default=(0, 0, 0), compare=False)


@dataclass(frozen=True)
class _Record:
    kind: str
    label: str
    printed: str
    period: str
    source_id: str
    locator: str
    used_in: tuple[catalogue.Entry, ...]
    fields: tuple[tuple[str, str], ...]  # (readers' name, normalised text), most telling first


def _period(start, end, printed: str | None = None) -> str:
    if printed and printed != "not stated":
        return printed
    if start and end:
        return f"{start} to {end}" if start != end else str(start)
    return str(start or end or "not stated")


def _fields(*pairs: tuple[str, object]) -> tuple[tuple[str, str], ...]:
    return tuple((name, normalise(str(text))) for name, text in pairs if text)


class SearchIndex:
    """Every record of the package, normalised once (about 900 records; a search is a scan)."""

    def __init__(self, pkg: EvidencePackage):
        self.pkg = pkg
        self.records: list[_Record] = []
        f = pkg.figures
        for r in f.iter_rows(named=True):
            self.records.append(
                _Record(
                    "Figure",
                    r["label"],
                    r["printed"] or "",
                    _period(r["period_start"], r["period_end"], r["period"]),
                    r["source_id"],
                    r["locator"] or "",
                    tuple(catalogue.showing_theme(r["theme"])),
                    _fields(
                        ("value as printed", r["printed"]),
                        ("label", r["label"]),
                        ("quote", r["quote"]),
                        ("caveats", r["caveats"]),
                        ("population", r["population"]),
                        ("measure", str(r["measure"]).replace("_", " ")),
                        ("area", r["geography"]),
                    ),
                )
            )
        tables = {t["table_id"]: t for t in pkg.tables.iter_rows(named=True)}
        cells_in = tuple(catalogue.showing("table_cells"))
        for r in pkg.table_cells.iter_rows(named=True):
            t = tables.get(r["table_id"], {})
            title = t.get("title", r["table_id"])
            self.records.append(
                _Record(
                    "Table cell",
                    f"{title}: {r['row']}, {r['column']}",
                    r["printed"] or "",
                    _period(r["period_start"], r["period_end"], None if r["period_start"] else r["column"]),
                    t.get("source_id", ""),
                    t.get("locator", "") or "",
                    cells_in,
                    _fields(
                        ("value as printed", r["printed"]),
                        ("row", r["row"]),
                        ("column", r["column"]),
                        ("table title", title),
                        ("line as printed", r["line_quote"]),
                    ),
                )
            )
        recs_in = tuple(catalogue.showing("recommendations"))
        for r in pkg.recommendations.iter_rows(named=True):
            self.records.append(
                _Record(
                    "Recommendation",
                    f"{r['number']}. {r['title']}" if r["number"] else r["title"],
                    "",
                    f"due {r['due_printed']}" if r["due_printed"] else "no due date printed",
                    r["source_id"],
                    r["locator"] or "",
                    recs_in,
                    _fields(
                        ("title", r["title"]),
                        ("text", r["text_quote"]),
                        ("response", r["response_quote"]),
                        ("progress", r["progress_quote"]),
                        ("lead", r["lead"]),
                    ),
                )
            )
        issues_in = tuple(catalogue.showing("source_issues"))
        for r in pkg.source_issues.iter_rows(named=True):
            self.records.append(
                _Record(
                    "Source issue",
                    r["description"],
                    "",
                    issue_kind(r["kind"]),
                    r["source_id"],
                    "",
                    issues_in,
                    _fields(("what the source prints", r["description"]), ("our reading", r["explanation"])),
                )
            )

    def search(self, query: str) -> list[Hit]:
        terms = parse_query(query)
        if not terms:
            return []
        hits = []
        for n, rec in enumerate(self.records):
            where = _match(rec.fields, terms)
            if where is None:
                continue
            citation, document = short_citation(self.pkg, rec.source_id, rec.locator) if rec.source_id else ("", "")
            hits.append(
                Hit(
                    rec.kind,
                    rec.label,
                    rec.printed,
                    rec.period,
                    citation,
                    document,
                    rec.used_in,
                    rec.fields[where][0],
                    (KINDS.index(rec.kind), where if rec.kind == "Figure" else 0, n),
                )
            )
        return sorted(hits, key=lambda h: h.rank)

    def frame(self, query: str) -> pl.DataFrame:
        """The matches as a table (what the list shows, for a CSV or a test)."""
        rows = [
            {
                "what": h.kind,
                "label": h.label,
                "value as printed": h.printed,
                "period": h.period,
                "source": h.citation,
                "document": h.document,
                "shown in": "; ".join(e.title for e in h.used_in),
                "matched in": h.matched,
            }
            for h in self.search(query)
        ]
        cols = ["what", "label", "value as printed", "period", "source", "document", "shown in", "matched in"]
        return pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String))


def parse_query(query: str) -> list[re.Pattern]:
    """One pattern per phrase: the quoted phrases, then the other words; unquoted, the whole
    query is one phrase."""
    query = normalise(query)
    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"?', " ", query).split()
    parts = [p.strip() for p in phrases if p.strip()] + rest if phrases else ([query] if query else [])
    out = []
    for p in parts:
        words = [re.escape(w) for w in p.split()]
        if not words:
            continue
        tail = r"(?!\d)" if p[-1].isdigit() else ""
        head = r"(?<![\w])" if p[0].isalnum() else ""
        out.append(re.compile(head + r"\s+".join(words) + tail))
    return out


def _match(fields: tuple[tuple[str, str], ...], terms: list[re.Pattern]) -> int | None:
    """The index of the most telling field where a term matches, if every term matches somewhere."""
    best = None
    for t in terms:
        found = next((i for i, (_, text) in enumerate(fields) if t.search(text)), None)
        if found is None:
            return None
        best = found if best is None else min(best, found)
    return best


def hits_html(hits: list[Hit], query: str, limit: int = MAX_SHOWN) -> str:
    """The list an adviser reads: each match's label, value as printed, period, short citation
    (the document named in its tooltip) and links to the explorers that show it."""
    if not query.strip():
        return "<p style='font-size:13px'>Type a phrase, for example <i>1 in 6</i> or <i>eating disorder</i>.</p>"
    if not hits:
        return f"<p role='status' style='font-size:13px'>Nothing in the evidence base matches “{esc(query)}”.</p>"
    counts = {k: sum(h.kind == k for h in hits) for k in KINDS}
    summary = ", ".join(f"{n} {k.lower()}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
    items = []
    for h in hits[:limit]:
        links = ", ".join(
            f'<a href="{esc(e.notebook)}" style="text-decoration:underline">{esc(e.title)}</a>' for e in h.used_in
        )
        value = f" <b>{esc(h.printed)}</b>" if h.printed else ""
        items.append(
            f"<li style='margin:0 0 8px 0'><span style='font-size:12px;color:#3D3D3D'>{esc(h.kind)}</span><br>"
            f"<b>{esc(h.label)}</b>{(':' + value) if value else ''}"
            f"<br><span>{'Kind' if h.kind == 'Source issue' else 'Period'}: {esc(h.period or 'not stated')}</span> · "
            f"<span title='{esc(h.document)}'>Source: {esc(h.citation)}</span>"
            f"<br><span>Shown in: {links}</span>"
            f" <span style='font-size:12px;color:#3D3D3D'>(matched in the {esc(h.matched)})</span></li>"
        )
    more = f"<p>Showing the first {limit} of {len(hits)}.</p>" if len(hits) > limit else ""
    return (
        f"<p role='status' style='font-size:13px'><b>{len(hits)} match{'es' if len(hits) != 1 else ''}</b> for “{esc(query)}”: {summary}.</p>"
        f"<ol class='cyp-search-results' style='font-size:13px;padding-left:1.4em;max-width:60em'>{''.join(items)}</ol>{more}"
    )


class SearchBox:
    """The search on the start page: a text box and the list of matches (redrawn as you type)."""

    def __init__(self, pkg: EvidencePackage, query: str = ""):
        self.index = SearchIndex(pkg)
        self.box = widgets.Text(
            value=query,
            description="Search",
            placeholder="a phrase, e.g. 1 in 6 or eating disorder",
            continuous_update=True,
            layout=widgets.Layout(width="32em"),
        )
        self.results = widgets.HTML(self._html(query))
        self.box.observe(lambda ch: setattr(self.results, "value", self._html(ch["new"])), names="value")
        self.widget = widgets.VBox([self.box, self.results])

    def _html(self, query: str) -> str:
        return hits_html(self.index.search(query), query)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return "Search the evidence: to show the search box, choose Run, then Run All Cells"
