"""Verify the evidence base against the source texts.

Errors are problems with *our* data (a quote not in its source, a value that does not match
what is printed, a broken reference): the evidence base is invalid.

Detections are discrepancies *in the sources* (a printed total that does not add up, a printed
percentage that does not follow from its printed inputs, two statements of the same measure that
disagree). They are kept as printed and must be recorded in the source-issues register; the
validator reports them as warnings.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..ids import slugify
from ..paths import EVIDENCE_DIR, default_sources_dir
from ..text import programmers_words
from .package import EvidencePackage, Problem, read_package
from .quantity import CARDINALS, Parsed, parse_in_context
from .texts import PAGE_BREAK, TextIndex, locator_pages, source_path

if TYPE_CHECKING:  # .coverage (its patterns compiled at import) is imported by validate(), which runs it
    from .coverage import SourceCoverage

# Number words a table cell or a count may be printed in. Word fractions ('a third') are shares:
# they are read by quantity.parse_printed, never rounded to a percentage here.
NUMBER_WORDS = {**CARDINALS, "once": 1, "twice": 2, "single": 1, "double": 2}
_NUM = re.compile(r"\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def numbers_in(printed: str) -> list[float]:
    """Every number shown in a printed figure: digits (with thousands separators) or words."""
    found = [float(m.group(0).replace(",", "").replace(" ", "")) for m in _NUM.finditer(printed)]
    # "8 and a half" -> 8.5
    found += [float(m.group(1)) + 0.5 for m in re.finditer(r"(\d+) and a half", printed)]
    for word in re.findall(r"[a-z]+(?:-[a-z]+)?", printed.lower()):
        if word in NUMBER_WORDS:
            found.append(float(NUMBER_WORDS[word]))
    return found


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@dataclass(frozen=True)
class Detection:
    """A discrepancy in the sources, found by recomputation or comparison."""

    key: str
    kind: str
    refs: tuple[str, ...]
    message: str
    registered_as: str | None = None

    def __str__(self) -> str:
        reg = f"registered as {self.registered_as}" if self.registered_as else "NOT in the source-issues register"
        return f"[{self.kind}] {self.message} ({reg})"


@dataclass
class Report:
    package: EvidencePackage
    errors: list[Problem] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)
    coverage: list[SourceCoverage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unregistered(self) -> list[Detection]:
        return [d for d in self.detections if d.registered_as is None]

    @property
    def open_numbers(self) -> dict[str, int]:
        """Per source key, how many numbers are neither in the evidence nor excluded."""
        return {sc.key: len(sc.open) for sc in self.coverage if sc.open}


def load_sources(pkg: EvidencePackage, sources_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    """The text of record of every registered source, from its folder (see ``texts``)."""
    texts, problems = {}, []
    for r in pkg.sources.iter_rows(named=True):
        path = source_path(r, pkg.directory, sources_dir)
        if not path.is_file():
            problems.append(Problem(r["_file"], f"source text not found at {path}", r["_line"], r["source_id"], "file"))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if r["sha256"] and digest != r["sha256"]:
            problems.append(
                Problem(
                    r["_file"],
                    f"source text {path} has changed since it was registered (sha256 {digest}, register says "
                    f"{r['sha256']}): re-check every quote from it, then update sha256",
                    r["_line"],
                    r["source_id"],
                    "sha256",
                )
            )
        texts[r["source_id"]] = data.decode("utf-8")
    return texts, problems


# fields written by us (not quoted from a source) that readers see: the caveats of figures,
# recommendations and statements (the explorers' definition panels and tables), a source
# issue's explanation ("Our reading", in the source issues explorer) and a table's notes
READER_TEXT_FIELDS = {
    "figures": ("caveats",),
    "recommendations": ("caveats",),
    "statements": ("caveats",),
    "source_issues": ("explanation",),
    "tables": ("notes",),
}


def check_reader_words(pkg: EvidencePackage) -> list[Problem]:
    """Caveats and explanations are shown to readers: no field names ("value_max",
    "rate_per") and no ids ("si-lga-..."), which mean nothing to them. They say in words what a
    field records, and a source issue that touches a record is listed beside it (its ``refs``),
    so "see the source issues" is enough."""
    out = []
    for table, fields in READER_TEXT_FIELDS.items():
        frame = pkg.frames.get(table)
        if frame is None:
            continue
        key = "table_id" if table == "tables" else "id"
        for col in fields:
            for r in frame.select(col, "_file", "_line", pl.col(key).alias("id")).iter_rows(named=True):
                words = programmers_words(r[col] or "")
                if words:
                    shown = ", ".join(repr(w) for w in dict.fromkeys(words))
                    out.append(
                        Problem(
                            r["_file"],
                            f"{col} use words meant for programmers, not readers: {shown} (say it in words)",
                            r["_line"],
                            r["id"],
                            col,
                        )
                    )
    return out


def check_progress_dates(pkg: EvidencePackage) -> list[Problem]:
    """A recommendation that quotes progress says when it was reported: on or before the
    publication date of the document that reports it."""
    published = dict(zip(pkg.sources["source_id"].to_list(), pkg.sources["published"].to_list(), strict=True))
    out = []
    for r in pkg.recommendations.iter_rows(named=True):
        if r["progress_quote"] and r["progress_date"] is None:
            out.append(
                Problem(
                    r["_file"],
                    "progress is quoted without the date it was reported (the date of the document that reports it)",
                    r["_line"],
                    r["id"],
                    "progress_date",
                )
            )
        src = r["progress_source_id"] or r["source_id"]
        if r["progress_date"] is not None and src in published and r["progress_date"] > published[src]:
            out.append(
                Problem(
                    r["_file"],
                    f"progress_date {r['progress_date']} is after {src} was published ({published[src]})",
                    r["_line"],
                    r["id"],
                    "progress_date",
                )
            )
    return out


def check_quotes(pkg: EvidencePackage, texts: dict[str, str]) -> list[Problem]:
    out: list[Problem] = []
    for r in pkg.figures.iter_rows(named=True):
        text = texts.get(r["source_id"])
        quote, printed = r["quote"], r["printed"]
        p = lambda msg, fld, r=r: out.append(Problem(r["_file"], msg, r["_line"], r["id"], fld))
        if text is not None and quote and quote not in text:
            p(f"quote is not an exact substring of {r['source_id']}: {quote[:80]!r}", "quote")
        if quote and printed and printed not in quote:
            p(f"printed value {printed!r} does not appear in the quote", "printed")
        if r["period_start"] and r["period_end"] and r["period_start"] > r["period_end"]:
            p("period_start is after period_end", "period_start")
    out.extend(check_page_locators(pkg, texts))
    for table, cols in (
        ("recommendations", ("text_quote", "response_quote", "progress_quote")),
        ("tables", ("header_quote",)),
        ("statements", ("statement",)),
    ):
        if table not in pkg.frames:
            continue
        idcol = pkg.frames[table].columns[0]
        for r in pkg.frames[table].iter_rows(named=True):
            for col in cols:
                src: str = (
                    r["progress_source_id"]
                    if col == "progress_quote" and r.get("progress_source_id")
                    else r["source_id"]
                )
                text = texts.get(src)
                if text is not None and r[col] and r[col] not in text:
                    out.append(
                        Problem(
                            r["_file"],
                            f"{col} is not an exact substring of {src}: {r[col][:80]!r}",
                            r["_line"],
                            r[idcol],
                            col,
                        )
                    )
    return out


# Units each kind of quantity may be measured in.
QUANTITY_UNITS = {
    "level": ("count",),
    "share": ("proportion",),
    "change": ("proportion", "percentage_points", "count"),
    "rate": ("rate",),
    "multiplier": ("times",),
    "rank": ("rank",),
    "money": ("GBP",),
    "duration": ("days", "weeks", "months", "years"),
    "threshold": ("days", "weeks", "months", "years", "count", "proportion", "GBP"),
    "target": ("count", "GBP", "proportion", "rate", "days", "weeks", "months", "years"),
}
NEEDS_DENOMINATOR = {
    "share": "of what",
    "rate": "per what population",
    "multiplier": "than whom",
    "change": "from what to what",
}


def _value_hint(stored: float, parsed: Parsed) -> str:
    """Why a stored value differs from the print, when the mistake is a familiar one."""
    want = parsed.value
    if want is None:
        return ""
    if parsed.scale and _close(stored * 10**parsed.scale, want):
        return f": write the quantity without its scale ({want:.15g}, scale {parsed.scale})"
    if parsed.unit == "proportion" and stored > 1 and abs(stored / 100 - want) <= 0.01:
        rounded = "" if _close(stored / 100, want) else ", never rounded"
        return f": shares are proportions ({want!r}, not a percentage{rounded})"
    if parsed.unit == "proportion" and stored and _close(1 / stored, want):
        return f": '1 in N' and '1/N' are the share 1/N ({want!r}), not N"
    return f": {parsed.value:.15g} as printed, never rounded"


def check_values(pkg: EvidencePackage) -> list[Problem]:
    """Every figure's canonical value, scale, bound, unit and kind of quantity against what
    ``printed`` says (read by ``quantity.parse_in_context``, with any qualifier printed next to
    the figure in the quote). Every problem of every row is reported."""
    out: list[Problem] = []
    # a field the schema check already reported (not a number, unknown unit) is not checked again
    reported = {(q.file, q.line, q.field) for q in pkg.problems}
    for r in pkg.figures.iter_rows(named=True):

        def p(msg: str, fld: str, r: dict = r) -> None:
            # one message per field: the first (most specific) check that fails
            if (r["_file"], r["_line"], fld) not in reported:
                reported.add((r["_file"], r["_line"], fld))
                out.append(Problem(r["_file"], msg, r["_line"], r["id"], fld))

        printed, quantity, unit = r["printed"], r["quantity"], r["unit"]
        if not printed:
            continue
        try:
            parsed = parse_in_context(printed, r["quote"])
        except ValueError as exc:
            p(f"{exc}: write printed as the source prints the figure, in a form the parser reads", "printed")
            continue
        if r["scale"] is not None and r["scale"] != parsed.scale:
            p(f"scale {r['scale']} does not match {printed!r}, which is printed at scale {parsed.scale}", "scale")
        allowed = {parsed.bound} | ({"approximate"} if parsed.bound == "exact" else set())
        if r["bound"] is not None and r["bound"] not in allowed:
            p(f"bound {r['bound']!r} does not match {printed!r}, which reads as {parsed.bound}", "bound")
        if parsed.bound == "range" or parsed.value is None:
            if r["value"] is not None:
                p(f"{printed!r} is a range: leave value empty and give value_min and value_max", "value")
        elif r["value"] is None:
            p(f"value is missing: {printed!r} reads as {parsed.value:.15g}", "value")
        elif not _close(r["value"], parsed.value):
            p(
                f"value {r['value']:.15g} is not the quantity printed as {printed!r}{_value_hint(r['value'], parsed)}",
                "value",
            )
        same_bound = r["bound"] == parsed.bound
        for fld in ("value_min", "value_max"):
            want, have = (getattr(parsed, fld), r[fld]) if same_bound else (None, r[fld])
            if want is None and have is not None:
                p(f"{fld} is only for a bound that {printed!r} does not print (bound {r['bound']})", fld)
            elif want is not None and (have is None or not _close(have, want)):
                p(f"{fld} must be {want:.15g} for {printed!r} (bound {parsed.bound})", fld)
        known = {u for units in QUANTITY_UNITS.values() for u in units}
        if parsed.unit and unit in known and unit != parsed.unit:
            p(f"unit {unit!r} does not match {printed!r}, which reads as {parsed.unit}", "unit")
        if unit == "rate":
            if r["rate_per"] is None:
                p("a rate needs rate_per (the population base, e.g. 10000 for 'per 10,000')", "rate_per")
            elif parsed.rate_per is not None and r["rate_per"] != parsed.rate_per:
                p(f"rate_per {r['rate_per']} does not match {printed!r} (per {parsed.rate_per})", "rate_per")
        elif r["rate_per"] is not None:
            p("rate_per is only for unit rate", "rate_per")
        if quantity in QUANTITY_UNITS and unit is not None and unit not in QUANTITY_UNITS[quantity]:
            p(f"a {quantity} is not measured in {unit} (use {' or '.join(QUANTITY_UNITS[quantity])})", "unit")
        if quantity in NEEDS_DENOMINATOR and not r["denominator"]:
            p(
                f"a {quantity} needs a denominator ({NEEDS_DENOMINATOR[quantity]}; write '... (not stated)' if the source does not say)",
                "denominator",
            )
        if quantity == "share" and unit == "proportion":
            for fld in ("value", "value_min", "value_max"):
                if r[fld] is not None and not 0 <= r[fld] <= 1:
                    p(f"a share is a proportion between 0 and 1, not {r[fld]:g}", fld)
    return out


def check_page_locators(pkg: EvidencePackage, texts: dict[str, str]) -> list[Problem]:
    """In a text with pages (a PDF's), a locator that starts "p. N" (or "pp. N-M") must name the
    page its quote is on."""
    out: list[Problem] = []
    indexes = {sid: TextIndex(t) for sid, t in texts.items() if PAGE_BREAK in t}
    if not indexes:
        return out
    for table, col in (("figures", "quote"), ("recommendations", "text_quote"), ("tables", "header_quote")):
        idcol = pkg.frames[table].columns[0]
        for r in pkg.frames[table].iter_rows(named=True):
            index = indexes.get(r["source_id"])
            pages = locator_pages(r["locator"]) if index is not None else None
            if index is None or pages is None or not r[col] or r[col] not in index.text:
                continue
            found = set()
            i = index.text.find(r[col])
            while i >= 0:
                found.add(index.locate(i).page)
                i = index.text.find(r[col], i + 1)
            if not any(pages[0] <= (p or 0) <= pages[1] for p in found):
                on = ", ".join(f"p. {p}" for p in sorted(p for p in found if p is not None))
                out.append(
                    Problem(
                        r["_file"],
                        f"locator {r['locator']!r} names the wrong page: the quote is on {on}",
                        r["_line"],
                        r[idcol],
                        "locator",
                    )
                )
    return out


def check_table_cells(pkg: EvidencePackage, texts: dict[str, str]) -> list[Problem]:
    out = []
    lines_by_source = {s: set(t.splitlines()) for s, t in texts.items()}
    source_of = dict(zip(pkg.tables["table_id"].to_list(), pkg.tables["source_id"].to_list(), strict=True))
    for r in pkg.table_cells.iter_rows(named=True):
        key = f"{r['table_id']}/{r['row']}/{r['column']}"
        lines = lines_by_source.get(source_of.get(r["table_id"], ""))
        if lines is not None and r["line_quote"] not in lines:
            out.append(
                Problem(r["_file"], "line_quote is not a whole line of the source text", r["_line"], key, "line_quote")
            )
        elif r["printed"] not in [c.strip() for c in r["line_quote"].split("\t")]:
            out.append(
                Problem(
                    r["_file"], f"printed {r['printed']!r} is not a field of line_quote", r["_line"], key, "printed"
                )
            )
        if r["value"] is not None and r["printed"] and not any(_close(r["value"], n) for n in numbers_in(r["printed"])):
            out.append(
                Problem(
                    r["_file"],
                    f"value {r['value']:g} is not the number printed in {r['printed']!r}",
                    r["_line"],
                    key,
                    "value",
                )
            )
    return out


def reconcile_tables(pkg: EvidencePackage) -> list[Detection]:
    """Recompute every row total, column total and grand total from the printed cells."""
    found = []
    cells = pkg.table_cells.filter(pl.col("value").is_not_null())
    for (table_id,), t in cells.group_by(["table_id"], maintain_order=True):
        body = t.filter(pl.col("kind") == "cell")

        def mismatch(what: str, printed: float, computed: Any, key: str, table_id: str = table_id):
            # computed: a polars column sum (int, float or Decimal)
            if not _close(printed, computed):
                found.append(
                    Detection(
                        f"total:{table_id}:{key}",
                        "total_mismatch",
                        (table_id,),
                        f"{table_id}: {what} printed {printed:g}, cells add to {computed:g}",
                    )
                )

        for r in t.filter(pl.col("kind") == "row_total").iter_rows(named=True):
            parts = body.filter(pl.col("row") == r["row"])
            if parts.height:
                mismatch(f"row '{r['row']}' total", r["value"], parts["value"].sum(), f"row:{slugify(r['row'], None)}")
        for r in t.filter(pl.col("kind") == "column_total").iter_rows(named=True):
            parts = body.filter(pl.col("column") == r["column"])
            if parts.height:
                mismatch(
                    f"column '{r['column']}' total",
                    r["value"],
                    parts["value"].sum(),
                    f"column:{slugify(r['column'], None)}",
                )
        for r in t.filter(pl.col("kind") == "grand_total").iter_rows(named=True):
            row_totals = t.filter(pl.col("kind") == "row_total")["value"]
            col_totals = t.filter(pl.col("kind") == "column_total")["value"]
            if row_totals.len():
                mismatch("grand total vs row totals", r["value"], row_totals.sum(), "grand-vs-rows")
            if col_totals.len():
                mismatch("grand total vs column totals", r["value"], col_totals.sum(), "grand-vs-columns")
            if body.height and not row_totals.len() and not col_totals.len():
                mismatch("grand total vs cells", r["value"], body["value"].sum(), "grand-vs-cells")
    return found


def check_arithmetic(pkg: EvidencePackage) -> tuple[list[Problem], list[Detection]]:
    """Recompute every printed derived figure (shares, changes, sums) from its printed inputs, in
    canonical values (pounds, proportions); the result may differ by half a step of its last
    printed digit ('52%' covers 0.515 to 0.525)."""
    problems, found = [], []
    valid = pkg.figures.filter(pl.col("value").is_not_null())
    values = dict(zip(valid["id"].to_list(), valid["value"].to_list(), strict=True))
    printed = dict(zip(valid["id"].to_list(), valid["printed"].to_list(), strict=True))
    for r in pkg.arithmetic_checks.iter_rows(named=True):
        ids = (r["input_ids"] or "").split()
        if r["result_id"] not in values or any(i not in values for i in ids):
            continue  # reported as an unknown reference already
        kind = r["kind"]
        xs = [values[i] for i in ids]
        need = {"percent_change": 2, "percent_of": 2, "difference": 2, "ratio": 2}.get(kind)
        if need and len(xs) != need:
            problems.append(
                Problem(r["_file"], f"{kind} needs {need} inputs, got {len(xs)}", r["_line"], r["id"], "input_ids")
            )
            continue
        if kind == "percent_change":
            computed = (xs[1] - xs[0]) / xs[0]
        elif kind in ("percent_of", "ratio"):
            computed = xs[0] / xs[1]
        elif kind == "difference":
            computed = xs[1] - xs[0]
        else:
            computed = sum(xs)
        result = values[r["result_id"]]
        try:
            step = parse_in_context(printed[r["result_id"]], None).step
        except ValueError:
            step = 0.0
        if abs(computed - result) > step / 2 + 1e-9:
            found.append(
                Detection(
                    f"arithmetic:{r['id']}",
                    "percentage_mismatch" if kind.startswith("percent") else "total_mismatch",
                    (r["result_id"], *ids),
                    f"{r['result_id']} printed {printed[r['result_id']]!r} ({result:.6g}); "
                    f"{kind} of {', '.join(ids)} gives {computed:.4g}",
                )
            )
    return problems, found


def _not_stated(period: str | None) -> bool:
    return period is None or "not stated" in period.lower()


def compare_measures(pkg: EvidencePackage) -> list[Detection]:
    """Figures for the same measure, kind and geography whose periods match (or are not stated)
    but whose values differ, within or across documents."""
    found = []
    groups = defaultdict(list)
    for r in pkg.figures.filter(pl.col("value").is_not_null()).iter_rows(named=True):
        groups[(r["measure"], r["kind"], r["geography"], r["unit"])].append(r)
    for (measure, kind, geo, unit), rows in groups.items():
        if len({r["value"] for r in rows}) < 2:
            continue
        clash = []
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                same_period = (
                    a["period"] == b["period"]
                    or (
                        a["period_end"] is not None
                        and a["period_end"] == b["period_end"]
                        and a["period_start"] == b["period_start"]
                    )
                    or _not_stated(a["period"])
                    or _not_stated(b["period"])
                )
                if same_period and not _close(a["value"], b["value"]):
                    clash.extend([a, b])
        if clash:
            ids = tuple(sorted({r["id"] for r in clash}))
            sources = sorted({r["source_id"] for r in clash})
            detail = "; ".join(f"{r['id']}={r['printed']} ({r['period']})" for r in rows if r["id"] in ids)
            found.append(
                Detection(
                    f"conflict:{measure}:{slugify(geo, None)}:{slugify(unit, None)}:{kind}",
                    "cross_document" if len(sources) > 1 else "internal_inconsistency",
                    ids,
                    f"{measure} ({kind}, {geo}, {unit}) disagrees: {detail}",
                )
            )
    return found


def register(pkg: EvidencePackage, detections: list[Detection]) -> tuple[list[Detection], list[Problem]]:
    """Attach each detection to the source-issues row whose ``detects`` lists its key. A row that
    claims a key the validator no longer detects is stale: that is an error in the register."""
    claimed: dict[str, tuple[str, dict]] = {}
    for r in pkg.source_issues.iter_rows(named=True):
        for key in (r.get("detects") or "").split():
            claimed[key] = (r["id"], r)
    out = [Detection(d.key, d.kind, d.refs, d.message, claimed.get(d.key, (None,))[0]) for d in detections]
    found = {d.key for d in detections}
    stale = [
        Problem(
            r["_file"],
            f"lists detection {key!r}, which the validator no longer finds (remove it or fix the evidence)",
            r["_line"],
            iid,
            "detects",
        )
        for key, (iid, r) in claimed.items()
        if key not in found
    ]
    return out, stale


def validate(evidence_dir: Path | str = EVIDENCE_DIR, sources_dir: Path | str | None = None) -> Report:
    pkg = read_package(evidence_dir)
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    report = Report(pkg, errors=list(pkg.problems))
    texts, problems = load_sources(pkg, sources_dir)
    report.errors.extend(problems)
    report.errors.extend(check_quotes(pkg, texts))
    report.errors.extend(check_values(pkg))
    report.errors.extend(check_progress_dates(pkg))
    report.errors.extend(check_reader_words(pkg))
    report.errors.extend(check_table_cells(pkg, texts))
    arith_problems, arith = check_arithmetic(pkg)
    report.errors.extend(arith_problems)
    report.detections, stale = register(pkg, reconcile_tables(pkg) + arith + compare_measures(pkg))
    report.errors.extend(stale)
    if "exclusions" in pkg.frames:
        from .coverage import check_exclusions, coverage

        report.coverage = coverage(pkg, texts)
        report.errors.extend(check_exclusions(pkg, texts, report.coverage))
    return report
