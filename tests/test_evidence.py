"""The committed evidence base: valid, complete, and frozen against regressions."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from cyp_evidence.cli import main
from cyp_evidence.evidence import cite, validate
from cyp_evidence.paths import ROOT

# Discrepancies in the sources that the validator detects. A new one fails here loudly: record
# it in evidence/source_issues/ (with its key in `detects`) and add it to this list.
KNOWN_DETECTIONS = {
    "total:lga24-ffic-religion:row:not-known-or-recorded-other",
    "total:lga24-ffic-religion:column:2022-23-q1",
    "total:lga24-ffic-religion:column:2022-23-q2",
    "arithmetic:lga24-ffic-advocate-share-check",
    "arithmetic:lga24-ffic-coverage-quarter-check",
}

VANGUARD_TABLES = {
    "lga24-ffic-accepted-referrals-by-vanguard",
    "lga24-ffic-age-gender",
    "lga24-ffic-ethnicity-paper-5q",
    "lga24-ffic-ethnicity-slides-6q",
    "lga24-ffic-religion",
    "lga24-ffic-referral-source",
    "lga24-ffic-education-status",
    "lga24-ffic-accommodation",
    "lga24-ffic-trauma-category",
}


def test_committed_evidence_is_valid(report):
    assert [str(p) for p in report.errors] == []


def test_known_source_discrepancies_are_pinned_and_registered(report):
    keys = {d.key for d in report.detections}
    assert keys == KNOWN_DETECTIONS, f"new: {sorted(keys - KNOWN_DETECTIONS)}; gone: {sorted(KNOWN_DETECTIONS - keys)}"
    assert report.unregistered == []


def test_a_new_discrepancy_is_detected_and_unregistered(evidence_copy, sources_dir):
    path = evidence_copy / "table_cells.csv"
    text = path.read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    target = next(r for r in rows if r["table_id"] == "lga24-ffic-age-gender" and r["kind"] == "cell")
    # a "printed" value that disagrees with the table total: the tidy line_quote check must fail
    # AND the recomputed total must differ
    target["value"] = str(float(target["value"]) + 1)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue())
    rep = validate(evidence_copy, sources_dir)
    assert any("is not the number printed" in str(p) for p in rep.errors)
    assert [d.key for d in rep.unregistered], "the changed cell breaks a total that no issue records"


def test_source_issue_register_is_not_stale(evidence_copy, sources_dir):
    path = evidence_copy / "source_issues" / "lga-cyp-board-2024-01-23.csv"
    path.write_text(path.read_text().replace("arithmetic:lga24-ffic-advocate-share-check", "arithmetic:no-such-check"))
    rep = validate(evidence_copy, sources_dir)
    assert any(
        "lists detection 'arithmetic:no-such-check', which the validator no longer finds" in str(p) for p in rep.errors
    )


def test_every_source_contributes(pkg):
    figs = pkg.figures.group_by("source_id").len()
    counts = dict(figs.iter_rows())
    for source in (
        "lga-cyp-board-2024-01-23",
        "educ-committee-2016-lac",
        "nhse-2019-send-evidence",
        "cdc-2014-cfa-health",
    ):
        assert counts.get(source, 0) >= 1, source
    recs = dict(pkg.recommendations.group_by("set").len().iter_rows())
    assert recs["lenehan-review-2017"] == 11  # the review's 11 recommendations, each with the government's action
    assert (
        recs["send-inspection-findings-2019"] >= 1 and recs["isos-send-2024"] >= 8 and recs["nhs-long-term-plan"] >= 5
    )
    themes = set(pkg.figures["theme"])
    assert {"prevalence", "workforce", "waiting_times", "eating_disorders", "inpatient", "access", "funding"} <= themes


def test_source_tables_are_kept_whole_with_their_totals(pkg):
    assert set(pkg.tables["table_id"]) == VANGUARD_TABLES
    for tid in VANGUARD_TABLES:
        kinds = set(pkg.table_cells.filter(pl.col("table_id") == tid)["kind"])
        assert "cell" in kinds and ({"grand_total", "column_total", "row_total"} & kinds), tid
    ref = pkg.table_cells.filter(
        (pl.col("table_id") == "lga24-ffic-accepted-referrals-by-vanguard") & (pl.col("kind") == "grand_total")
    )
    assert ref["printed"].to_list() == ["4111"]


NUMERIC = {"value", "value_min", "value_max", "scale", "rate_per"}


def _frozen_mismatches(frozen_file: str, frame: pl.DataFrame, key: list[str], cols: list[str]) -> list[str]:
    frozen = pl.read_csv(ROOT / "tests" / "data" / frozen_file, infer_schema=False)
    now = frame.select(*key, *cols).with_columns(
        pl.col(c).cast(pl.Float64).cast(pl.String) if c in NUMERIC else pl.col(c).cast(pl.String) for c in cols
    )
    frozen = frozen.with_columns(
        pl.col(c).cast(pl.Float64).cast(pl.String) if c in NUMERIC else pl.col(c) for c in cols
    )
    j = frozen.join(now, on=key, how="full", suffix="_now", coalesce=True)
    problems = []
    for r in j.iter_rows(named=True):
        for c in cols:
            if r[c] != r[f"{c}_now"]:
                problems.append(f"{'/'.join(str(r[k]) for k in key)}: {c} frozen {r[c]!r}, now {r[c + '_now']!r}")
    return problems


FROZEN_FIGURE_COLUMNS = [
    "value",
    "unit",
    "scale",
    "quantity",
    "kind",
    "bound",
    "value_min",
    "value_max",
    "rate_per",
    "printed",
    "source_id",
]


def test_backtest_figures_against_frozen_copy(pkg):
    """Every figure's canonical value, unit, scale, kind of quantity, kind, bound and printed
    text as frozen: reports every mismatch at once. If a change is intended, regenerate
    tests/data/frozen_figures.csv in the same commit and say why."""
    problems = _frozen_mismatches("frozen_figures.csv", pkg.figures, ["id"], FROZEN_FIGURE_COLUMNS)
    assert not problems, f"{len(problems)} change(s):\n" + "\n".join(problems)


def test_backtest_reports_every_mismatch_at_once(pkg):
    changed = pkg.figures.with_columns(
        pl.when(pl.col("id") == "lga24-a1-mhst-cyp-covered-3-4m").then(3.4).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("id") == "lga24-cp-youth-justice-mh")
        .then(pl.lit("level"))
        .otherwise(pl.col("quantity"))
        .alias("quantity"),
    ).filter(pl.col("id") != "lga24-a1-onset-before-14")
    problems = _frozen_mismatches("frozen_figures.csv", changed, ["id"], FROZEN_FIGURE_COLUMNS)
    assert "lga24-a1-mhst-cyp-covered-3-4m: value frozen '3400000.0', now '3.4'" in problems
    assert "lga24-cp-youth-justice-mh: quantity frozen 'share', now 'level'" in problems
    assert "lga24-a1-onset-before-14: value frozen '0.3333333333333333', now None" in problems


def test_backtest_table_cells_against_frozen_copy(pkg):
    problems = _frozen_mismatches(
        "frozen_table_cells.csv", pkg.table_cells, ["table_id", "row", "column"], ["kind", "value"]
    )
    assert not problems, f"{len(problems)} change(s):\n" + "\n".join(problems)


def test_figures_export_csv_and_json(capsys, pkg):
    assert main(["figures", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == pkg.figures.height
    for col in (
        "id",
        "theme",
        "measure",
        "value",
        "unit",
        "scale",
        "quantity",
        "counted",
        "denominator",
        "bound",
        "value_min",
        "value_max",
        "rate_per",
        "printed",
        "period",
        "geography",
        "source",
        "locator",
        "quote",
    ):
        assert col in rows[0]
    # a spreadsheet gets the quantities themselves: sums and shares need no reading of 'printed'
    by_id = {r["id"]: r for r in rows}
    assert float(by_id["lga24-a1-mhst-cyp-covered-3-4m"]["value"]) == 3_400_000
    assert by_id["lga24-a1-mhst-cyp-covered-3-4m"]["scale"] == "6"
    assert float(by_id["lga24-cp-prevalence-2022"]["value"]) == 1 / 6
    years = [f"nhse19-send-programme-funding-{y}" for y in ("2016-17", "2017-18", "2018-19")]
    assert sum(float(by_id[i]["value"]) for i in years) == float(by_id["nhse19-send-programme-funding-total"]["value"])
    over = by_id["lga24-ffic-children-supported-over-3000"]
    assert (over["bound"], over["value_min"]) == ("at_least", "3000.0")
    assert main(["figures", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == pkg.figures.height and data[0]["quote"]
    rng = next(d for d in data if d["id"] == "lga24-a1-ltp-mhst-target")
    assert (rng["value"], rng["value_min"], rng["value_max"], rng["bound"]) == (None, 0.2, 0.25, "range")


def test_validate_cli_prints_warnings_and_exits_zero(capsys):
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert "evidence valid" in captured.out
    assert captured.err.count("warning: source issue:") == len(KNOWN_DETECTIONS)


def test_one_statistic_is_one_measure_whatever_its_print(pkg):
    """'730k' and '730,000' are the same statistic: one measure, one canonical value, so the
    validator compares them (and finds no conflict); the MHST counts carry no scale in their name."""
    access = pkg.figures.filter(
        pl.col("id").is_in(["lga24-a1-access-730k", "lga24-cp-access-730000", "lga24-a1-access-730000-0-17"])
    )
    assert set(access["measure"]) == {"cyp_accessing_nhs_mh"} and set(access["value"]) == {730_000.0}
    assert set(access["scale"]) == {0, 3}
    assert not pkg.figures.filter(pl.col("measure").str.contains("thousands|millions")).height


def test_one_citation_builder_serves_every_kind_of_record_long_and_short(pkg):
    """Figures, tables, recommendations and statements are cited by one builder: the long form
    'source label, locator', the short form 'key short locator' (always for short_*, and for
    cite_* while short citations are on); an unknown id names its kind."""
    cases = [
        ("figure", pkg.figures, "id", cite.cite_figure, cite.short_figure),
        ("table", pkg.tables, "table_id", cite.cite_table, cite.short_table),
        ("recommendation", pkg.recommendations, "id", cite.cite_recommendation, cite.short_recommendation),
        ("statement", pkg.statements, "id", None, cite.short_statement),
    ]
    for what, frame, column, long_, short in cases:
        r = frame.row(0, named=True)
        src = pkg.sources.filter(pl.col("source_id") == r["source_id"]).row(0, named=True)
        want_short = f"{src['key']} {cite.short_locator(r['locator'])}".strip()
        assert short(pkg, r[column]) == want_short
        if long_ is not None:
            title = src["short_title"] or src["title"]
            assert long_(pkg, r[column]) == f"{title} ({src['publisher']}, {src['published_printed']}), {r['locator']}"
            with cite.short_citations():
                assert long_(pkg, r[column]) == want_short
        with pytest.raises(KeyError, match=f"unknown {what} id 'nope'"):
            short(pkg, "nope")
    ids = pkg.figures["id"].to_list()[:3]
    assert cite.short_many(pkg, ids + ids) == list(dict.fromkeys(cite.short_figure(pkg, i) for i in ids))
    assert cite.cite_many(pkg, ids + ids) == list(dict.fromkeys(cite.cite_figure(pkg, i) for i in ids))
