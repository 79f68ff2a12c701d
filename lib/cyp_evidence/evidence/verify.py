"""Verify the evidence base against the source texts.

Errors are problems with *our* data (a quote not in its source, a value that does not match
what is printed, a broken reference): the evidence base is invalid.

Detections are discrepancies *in the sources* (a printed total that does not add up, a printed
percentage that does not follow from its printed inputs, two statements of the same measure that
disagree). They are kept as printed and must be recorded in the source-issues register; the
validator reports them as warnings.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..paths import EVIDENCE_DIR, default_sources_dir
from .package import EvidencePackage, Problem, read_package

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "half": 50,
    "quarter": 25,
    "three-quarters": 75,
    "third": 33,
    "two-thirds": 67,
    "once": 1,
    "twice": 2,
    "single": 1,
    "double": 2,
    "dozen": 12,
}
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _decimals(x: float) -> int:
    s = repr(float(x))
    return 0 if s.endswith(".0") else len(s.split(".")[1])


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

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unregistered(self) -> list[Detection]:
        return [d for d in self.detections if d.registered_as is None]


def load_sources(pkg: EvidencePackage, sources_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    texts, problems = {}, []
    for r in pkg.sources.iter_rows(named=True):
        path = Path(sources_dir) / (r["file"] or "")
        if not path.is_file():
            problems.append(Problem(r["_file"], f"source text not found at {path}", r["_line"], r["source_id"], "file"))
            continue
        texts[r["source_id"]] = path.read_text(encoding="utf-8")
    return texts, problems


def check_quotes(pkg: EvidencePackage, texts: dict[str, str]) -> list[Problem]:
    out: list[Problem] = []
    for r in pkg.figures.iter_rows(named=True):
        text = texts.get(r["source_id"])
        quote, printed, value = r["quote"], r["printed"], r["value"]
        p = lambda msg, fld, r=r: out.append(Problem(r["_file"], msg, r["_line"], r["id"], fld))
        if text is not None and quote and quote not in text:
            p(f"quote is not an exact substring of {r['source_id']}: {quote[:80]!r}", "quote")
        if quote and printed and printed not in quote:
            p(f"printed value {printed!r} does not appear in the quote", "printed")
        if printed and value is not None and not any(_close(value, n) for n in numbers_in(printed)):
            p(f"value {value:g} is not the number printed in {printed!r}", "value")
        if r["period_start"] and r["period_end"] and r["period_start"] > r["period_end"]:
            p("period_start is after period_end", "period_start")
    for table, cols in (
        ("recommendations", ("text_quote", "response_quote", "progress_quote")),
        ("tables", ("header_quote",)),
    ):
        idcol = pkg.frames[table].columns[0]
        for r in pkg.frames[table].iter_rows(named=True):
            for col in cols:
                src = (
                    r.get("progress_source_id")
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


def check_table_cells(pkg: EvidencePackage, texts: dict[str, str]) -> list[Problem]:
    out = []
    lines_by_source = {s: set(t.splitlines()) for s, t in texts.items()}
    source_of = dict(zip(pkg.tables["table_id"].to_list(), pkg.tables["source_id"].to_list(), strict=True))
    for r in pkg.table_cells.iter_rows(named=True):
        key = f"{r['table_id']}/{r['row']}/{r['column']}"
        lines = lines_by_source.get(source_of.get(r["table_id"]))
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

        def mismatch(what: str, printed: float, computed: float, key: str, table_id: str = table_id):
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
                mismatch(f"row '{r['row']}' total", r["value"], parts["value"].sum(), f"row:{_slug(r['row'])}")
        for r in t.filter(pl.col("kind") == "column_total").iter_rows(named=True):
            parts = body.filter(pl.col("column") == r["column"])
            if parts.height:
                mismatch(
                    f"column '{r['column']}' total", r["value"], parts["value"].sum(), f"column:{_slug(r['column'])}"
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


# Money is printed at different scales; arithmetic across them is done in pounds.
MONEY_SCALE = {"gbp": 1.0, "gbp_thousand": 1e3, "gbp_million": 1e6, "gbp_billion": 1e9}


def check_arithmetic(pkg: EvidencePackage) -> tuple[list[Problem], list[Detection]]:
    """Recompute every printed derived figure (percentages, sums) from its printed inputs.
    Money inputs at different printed scales are compared in pounds when the check mixes them."""
    problems, found = [], []
    valid = pkg.figures.filter(pl.col("value").is_not_null())
    values = dict(zip(valid["id"].to_list(), valid["value"].to_list(), strict=True))
    units = dict(zip(valid["id"].to_list(), valid["unit"].to_list(), strict=True))
    for r in pkg.arithmetic_checks.iter_rows(named=True):
        ids = (r["input_ids"] or "").split()
        if r["result_id"] not in values or any(i not in values for i in ids):
            continue  # reported as an unknown reference already
        kind = r["kind"]
        involved = [r["result_id"], *ids]
        scale_all = (
            kind in ("sum", "difference")
            and len({units[i] for i in involved}) > 1
            and all(units[i] in MONEY_SCALE for i in involved)
        )
        scale = (lambda i: MONEY_SCALE[units[i]]) if scale_all else (lambda i: 1.0)
        xs = [values[i] * scale(i) for i in ids]
        need = {"percent_change": 2, "percent_of": 2, "difference": 2, "ratio": 2}.get(kind)
        if need and len(xs) != need:
            problems.append(
                Problem(r["_file"], f"{kind} needs {need} inputs, got {len(xs)}", r["_line"], r["id"], "input_ids")
            )
            continue
        if kind == "percent_change":
            computed = (xs[1] - xs[0]) / xs[0] * 100
        elif kind == "percent_of":
            computed = xs[0] / xs[1] * 100
        elif kind == "difference":
            computed = xs[1] - xs[0]
        elif kind == "ratio":
            computed = xs[0] / xs[1]
        else:
            computed = sum(xs)
        printed = values[r["result_id"]] * scale(r["result_id"])
        tolerance = (0.5 * 10 ** -_decimals(values[r["result_id"]]) + 1e-9) * scale(r["result_id"])
        if abs(computed - printed) > tolerance:
            found.append(
                Detection(
                    f"arithmetic:{r['id']}",
                    "percentage_mismatch" if kind.startswith("percent") else "total_mismatch",
                    (r["result_id"], *ids),
                    f"{r['result_id']} printed {printed:g}; {kind} of {', '.join(ids)} gives {computed:.4g}",
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
                    f"conflict:{measure}:{_slug(geo)}:{_slug(unit)}:{kind}",
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
    report.errors.extend(check_table_cells(pkg, texts))
    arith_problems, arith = check_arithmetic(pkg)
    report.errors.extend(arith_problems)
    report.detections, stale = register(pkg, reconcile_tables(pkg) + arith + compare_measures(pkg))
    report.errors.extend(stale)
    return report
