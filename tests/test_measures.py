"""Derived figures, checked against numbers worked out by hand from the sample package
(tests/test_explore_support.py), and run over the real evidence base."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from test_explore_support import FIGURES, fig, make_package

from cyp_evidence import measures as m

D = dt.date
FIG_BASE = fig("x", "access", "x", 0, "count", "0", "not stated")


@pytest.fixture(scope="module")
def sample():
    return make_package()


def test_percent_change_from_two_printed_counts(sample):
    d = m.percent_change(sample, "ed-starts-2019-20", "ed-starts-2022-23")
    # (11807 - 8034) / 8034 * 100 = 3773 / 8034 * 100 = 46.963...
    assert d.value == pytest.approx(46.9629, abs=1e-4)
    assert d.formula == "(11,807 − 8,034) ÷ 8,034 × 100 = 47%"
    assert d.inputs == ("ed-starts-2019-20", "ed-starts-2022-23")
    assert d.unit == "percent" and d.group == "Need and demand"
    assert len(d.citations) == 1 and "Annex 1, slide 5" in d.citations[0]
    assert d.period == "2019/20 to 2022/23"


def test_one_in_n_is_compared_as_a_rate(sample):
    d = m.percent_change(sample, "prev-2017", "prev-2022")
    # 1 in 9 -> 1 in 6: (1/6 - 1/9) / (1/9) = (3/18 - 2/18) / (2/18) = 1/2 = 50%
    assert d.value == pytest.approx(50.0)
    assert d.formula.startswith("(1 in 6 − 1 in 9) ÷ 1 in 9")


def test_annualise_by_hand():
    # 47% over 4 years: 1.47 ** 0.25 = 1.10111 -> 10.11% a year
    assert m.annualise(47, 4) == pytest.approx(10.111, abs=1e-3)
    # 21% over 2 years is exactly 10% a year (1.1 * 1.1 = 1.21)
    assert m.annualise(21, 2) == pytest.approx(10.0)
    # a fall: -28% over 2 years: sqrt(0.72) = 0.848528 -> -15.15% a year
    assert m.annualise(-28, 2) == pytest.approx(-15.147, abs=1e-3)
    with pytest.raises(ValueError):
        m.annualise(10, 0)


def test_years_between_counts_both_ends():
    assert m.years_between(D(2019, 4, 1), D(2023, 3, 31)) == pytest.approx(1461 / 365.25)  # 4 years
    assert m.years_between(D(2019, 4, 1), D(2023, 3, 31)) == pytest.approx(4.0, abs=1e-9)


def test_growth_measures_cover_printed_and_series(sample):
    recs = {d.id: d for d in m.growth_measures(sample)}
    assert set(recs) == {
        "printed:ed-starts-growth",
        "annual:printed:ed-starts-growth",
        "printed:workforce-growth-ltp",
        "annual:printed:workforce-growth-ltp",
        "change:ed-starts-2019-20:ed-starts-2022-23",
        "annual:change:ed-starts-2019-20:ed-starts-2022-23",
        "change:prev-2017:prev-2022",
        "annual:change:prev-2017:prev-2022",
        "change:admissions-2020-21:admissions-2022-23",
        "annual:change:admissions-2020-21:admissions-2022-23",
    }
    # printed 46% over 1 Apr 2019 - 31 Mar 2022 (3 years): 1.46 ** (1/3) = 1.13441 -> 13.44% a year
    assert recs["annual:printed:workforce-growth-ltp"].value == pytest.approx(13.441, abs=1e-3)
    assert recs["annual:printed:workforce-growth-ltp"].group == "Workforce"
    assert recs["printed:workforce-growth-ltp"].formula == "as printed: '46%'"
    # 1 in 9 (2017) -> 1 in 6 (2022): start to start, 1 Jan 2017 to 31 Dec 2021 = 1,826 days = 4.99932 years;
    # ln 1.5 / 4.99932 = 0.081104, e ** 0.081104 = 1.084484 -> 8.448% a year
    assert recs["annual:change:prev-2017:prev-2022"].value == pytest.approx(8.448, abs=1e-3)
    # admissions 3,750 (2020/21) -> 2,700 (2022/23): -28% over 2 years -> -15.15% a year
    assert recs["change:admissions-2020-21:admissions-2022-23"].value == pytest.approx(-28.0)
    assert recs["annual:change:admissions-2020-21:admissions-2022-23"].value == pytest.approx(-15.147, abs=1e-2)
    # target and allocation figures are never growth
    assert not any("mhst" in k or "funding" in k for k in recs)


def test_frame_keeps_formula_inputs_and_citations(sample):
    f = m.frame(m.growth_measures(sample))
    assert f.columns == list(m.DERIVED_SCHEMA)
    row = f.filter(pl.col("id") == "change:ed-starts-2019-20:ed-starts-2022-23").row(0, named=True)
    assert row["inputs"] == "ed-starts-2019-20 ed-starts-2022-23"
    assert row["citations"].startswith("LGA Children & Young People Board papers")
    assert m.frame([]).height == 0


def test_table_shares_of_the_quarter(sample):
    s = m.table_shares(sample, "ffic-referrals-vanguard")
    q1 = s.filter((pl.col("row") == "Affinity") & (pl.col("column") == "2022/23 Q1")).row(0, named=True)
    # printed column total for Q1 = 173 + 235 = 408 (Surrey blank): 173 / 408 = 42.40%
    assert q1["denominator"] == 408
    assert q1["share"] == pytest.approx(42.402, abs=1e-3)
    assert q1["formula"] == "173 ÷ 408 (printed total, column '2022/23 Q1') × 100 = 42.4%"
    assert q1["inputs"] == "ffic-referrals-vanguard:Affinity:2022/23 Q1"
    surrey = s.filter(pl.col("row") == "Surrey").row(0, named=True)
    assert surrey["share"] == pytest.approx(10 / 260 * 100)  # 49 + 201 + 10 = 260
    # shares of each quarter add to 100
    assert s.group_by("column").agg(pl.col("share").sum())["share"].to_list() == pytest.approx([100.0] * 3)


def test_table_shares_without_unknown_answers(sample):
    s = m.table_shares(sample, "ffic-referrals-ethnicity", include_unknown=False)
    assert "NULL" not in s["row"].to_list()
    wb = s.filter((pl.col("row") == "White British") & (pl.col("column") == "2022/23 Q1")).row(0, named=True)
    assert wb["denominator"] == 477  # 402 + 75, NULL (23) left out
    assert wb["share"] == pytest.approx(402 / 477 * 100)
    assert "sum of cells shown" in wb["formula"]


def test_table_shares_per_row(sample):
    s = m.table_shares(sample, "ffic-referrals-vanguard", per="row")
    # Affinity's printed row total 173 + 77 + 49 = 299: Q2 = 77 / 299
    assert s.filter((pl.col("row") == "Affinity") & (pl.col("column") == "2022/23 Q2"))["share"][0] == pytest.approx(
        77 / 299 * 100
    )


def test_sum_cells(sample):
    d = m.sum_cells(sample, "ffic-referrals-vanguard", "Affinity", ["2022/23 Q1", "2022/23 Q2"])
    assert d.value == 250 and d.formula == "173 + 77 = 250"
    assert d.inputs == ("ffic-referrals-vanguard:Affinity:2022/23 Q1", "ffic-referrals-vanguard:Affinity:2022/23 Q2")


@pytest.mark.parametrize(
    "due,progress,at,expected",
    [
        (D(2024, 3, 31), False, D(2024, 1, 23), "Not yet due"),
        (D(2024, 3, 31), True, D(2024, 4, 1), "Due date passed: progress reported"),
        (D(2024, 3, 31), True, D(2024, 3, 31), "Due date passed: progress reported"),
        (D(2018, 12, 31), False, D(2024, 1, 23), "Due date passed: no progress reported"),
        (None, True, D(2024, 1, 23), "No due date: progress reported"),
        (None, False, D(2024, 1, 23), "No due date: no progress reported"),
    ],
)
def test_status_at(due, progress, at, expected):
    assert m.status_at(due, progress, at) == expected


def test_share_of_target(sample):
    d = m.share_of_target(sample, "mhst-coverage", "mhst-target")
    assert d.value == pytest.approx(140.0)  # 0.35 / 0.25 * 100
    assert d.formula == "35% ÷ 25% × 100 = 140%"
    # an 'additional 345,000' target cannot be compared with a total of 730,000
    d = m.share_of_target(sample, "access-2023", "access-target")
    assert d.value is None and "additional" in d.formula
    # different units are never divided
    d = m.share_of_target(sample, "ed-starts-growth", "access-target")
    assert d.value is None and "same unit" in d.formula


def test_commitments_at_a_date(sample):
    c = m.commitments(sample, D(2024, 1, 23))
    assert c["commitment_id"].to_list() == ["ltp-access", "ltp-mhst", "urgent-ed-target"]
    mhst = c.filter(pl.col("commitment_id") == "ltp-mhst").row(0, named=True)
    assert mhst["share_of_target"] == pytest.approx(140.0)
    assert mhst["status"] == "Not yet due" and mhst["target"] == "25%" and mhst["reported_date"] == D(2023, 3, 31)
    ed = c.filter(pl.col("commitment_id") == "urgent-ed-target").row(0, named=True)
    assert ed["set"] == "target figure" and ed["status"] == "Due date passed: no progress reported"
    later = m.commitments(sample, D(2024, 4, 1))
    assert later.filter(pl.col("commitment_id") == "ltp-mhst")["status"][0] == "Due date passed: progress reported"


def test_money_per_child_and_per_area(sample):
    d = m.per_unit(sample, "ltp-funding", "access-2023")
    assert d.value == pytest.approx(900_000_000 / 730_000)  # £1,232.88
    assert d.formula == "over £900m = £900,000,000; £900,000,000 ÷ 730,000 = £1,233"
    assert d.inputs == ("ltp-funding", "access-2023") and d.unit == "gbp"
    assert "periods differ" in d.caveats
    y = m.per_unit(sample, "spec-comm-funding", "vanguards-n", per_year=True)
    # £40m / 12 vanguards = £3,333,333; over 1 Apr 2021 - 31 Mar 2024 (1,096 days = 3.0007 years)
    assert y.value == pytest.approx(40_000_000 / 12 / (1096 / 365.25))
    assert y.unit == "gbp_per_year" and "÷ 3.00 years" in y.formula
    none = m.per_unit(sample, "ltp-funding", "vanguards-n", per_year=False)
    assert none.value == pytest.approx(75_000_000)
    assert m.per_unit(sample, "ltp-funding", "access-2023", per_year=True).value == pytest.approx(
        900e6 / 730_000 / 5.0, rel=1e-3
    )


def test_in_pounds_and_formatting():
    assert m.in_pounds(1.4e9, "GBP") == 1.4e9  # evidence money is in pounds whatever its printed scale
    for old_unit in ("gbp_million", "count"):
        with pytest.raises(ValueError):
            m.in_pounds(14, old_unit)
    with pytest.raises(ValueError):
        m.in_pounds(3, "count")
    assert m.fmt(11807) == "11,807" and m.fmt(46.96) == "47" and m.fmt(8.447, 2) == "8.45" and m.fmt(None) == "n/a"
    assert m.money(1232.88) == "£1,233" and m.money(12.5) == "£12.50"


def test_real_evidence_measures_are_traceable(pkg):
    """Whatever the evidence base holds now, every derived record names real inputs and cites them."""
    ids = set(pkg.figures["id"])
    for d in m.growth_measures(pkg):
        assert d.inputs and set(d.inputs) <= ids and d.citations and d.formula
    for money_id in m.money_figures(pkg)["id"].to_list():
        for count_id in m.denominator_candidates(pkg, money_id, "child")["id"].to_list():
            d = m.per_unit(pkg, money_id, count_id)
            assert d.value is None or d.value > 0
    c = m.commitments(pkg, dt.date(2024, 3, 12))
    assert set(c["status"].to_list()) <= set(m.STATUSES)
    for tid in pkg.tables["table_id"].to_list():
        s = m.table_shares(pkg, tid)
        assert s["citation"].is_not_null().all()


def test_best_share_of_target_tries_every_pair(sample):
    # growth (percent) cannot be compared with a 20-25% coverage target... but 35% coverage can
    d = m.best_share_of_target(sample, ["ed-starts-growth", "mhst-coverage"], ["mhst-target"])
    assert d.value == pytest.approx(140.0) and d.inputs == ("mhst-coverage", "mhst-target")
    d = m.best_share_of_target(sample, ["access-2023"], ["access-target"])
    assert d.value is None and "additional" in d.formula
    assert m.best_share_of_target(sample, [], ["access-target"]) is None


def test_combine_rows(sample):
    s = m.table_shares(sample, "ffic-referrals-vanguard")
    c = m.combine_rows(s, ["Lincolnshire County Council"], "Others")
    q3 = c.filter((pl.col("row") == "Others") & (pl.col("column") == "2022/23 Q3")).row(0, named=True)
    # Affinity 49 + Surrey 10 = 59 of 260 in Q3
    assert q3["value"] == 59 and q3["share"] == pytest.approx(59 / 260 * 100)
    assert q3["formula"] == "49 + 10 = 59 (2 rows); share 22.7%"
    assert q3["inputs"] == "ffic-referrals-vanguard:Affinity:2022/23 Q3 ffic-referrals-vanguard:Surrey:2022/23 Q3"
    assert m.combine_rows(s, s["row"].unique().to_list()).height == s.height


def test_denominator_candidates_are_related_counts(sample):
    c = m.denominator_candidates(sample, "ltp-funding", "child")
    # same source and a related theme (funding / access): 2 points each; eating-disorder starts
    # and admissions share only the source (1 point) and are left out
    assert c.rows() == [
        ("access-2023", 2, "same source; related theme"),
        ("access-target", 2, "same source; related theme"),
    ]
    a = m.denominator_candidates(sample, "ffic-funding", "area")
    assert a.rows() == [("vanguards-n", 4, "same programme (ffic); same source; related theme")]
    assert m.denominator_candidates(sample, "ltp-funding", "area").height == 0
    assert m.denominator_candidates(sample, "ltp-funding", "child", limit=1).height == 1


def test_counts_printed_with_a_scale_are_stored_multiplied_out():
    """'730k' is stored as 730000 (scale 3) and '3.4m' as 3400000 (scale 6): measures divide the
    stored values as they are and show the print beside them."""
    extra = [
        dict(
            FIG_BASE,
            id="access-730k",
            measure="cyp_accessing_nhs_mh",
            value=730_000,
            unit="count",
            scale=3,
            printed="730k",
            label="CYP accessing support",
            counted="CYP accessing support",
        ),
        dict(
            FIG_BASE,
            id="mhst-3-4m",
            measure="mhst_cyp_covered",
            value=3_400_000,
            unit="count",
            scale=6,
            printed="3.4m",
            label="CYP covered by MHSTs",
        ),
        dict(
            FIG_BASE,
            id="mhst-5m",
            measure="mhst_cyp_covered",
            value=5_000_000,
            unit="count",
            scale=6,
            printed="5m",
            kind="target",
            label="CYP covered by MHSTs by 2025",
        ),
    ]
    pkg = make_package(figures=FIGURES + extra)
    d = m.per_unit(pkg, "ltp-funding", "access-730k")
    assert d.value == pytest.approx(900e6 / 730_000)
    assert d.formula == "over £900m = £900,000,000; £900,000,000 ÷ 730,000 ('730k') = £1,233"
    s = m.share_of_target(pkg, "mhst-3-4m", "mhst-5m")
    assert s.value == pytest.approx(68.0) and s.formula == "3,400,000 ÷ 5,000,000 × 100 = 68%"
    assert m.comparable_value(dict(FIG_BASE, value=900e6, unit="GBP", printed="£900m"))[0] == 900e6
    assert m.comparable_value(dict(FIG_BASE, value=4, unit="months", printed="almost 4 months"))[0] == 4


def test_a_range_target_is_not_divided():
    extra = [
        dict(
            FIG_BASE,
            id="mhst-range",
            measure="mhst_coverage",
            value=None,
            unit="proportion",
            quantity="share",
            bound="range",
            value_min=0.2,
            value_max=0.25,
            printed="20-25%",
            kind="target",
        )
    ]
    pkg = make_package(figures=FIGURES + extra)
    d = m.share_of_target(pkg, "mhst-coverage", "mhst-range")
    assert d.value is None and d.formula == "not computed: '20-25%' printed as a range, not a single value"


def test_total_shares_of_the_sum_of_row_totals_when_no_grand_total(sample):
    s = m.total_shares(sample, "ffic-referrals-ethnicity")
    wb = s.filter(pl.col("row") == "White British").row(0, named=True)
    assert wb["value"] == 1057 and wb["denominator"] == 1057 + 128 + 99
    assert wb["share"] == pytest.approx(1057 / 1284 * 100)
    assert wb["formula"] == "1057 ÷ 1,284 (sum of the printed row totals) × 100 = 82.3%"
    assert wb["inputs"] == "ffic-referrals-ethnicity:White British:Total"
    assert s["share"].sum() == pytest.approx(100.0)
    assert m.total_shares(sample, "ffic-referrals-age-gender").height == 0  # no row totals printed


def test_total_shares_use_the_printed_grand_total():
    from cyp_evidence.evidence import load

    pkg = load()
    cells = pkg.table_cells
    with_grand = cells.filter(pl.col("kind") == "grand_total")["table_id"].unique().to_list()
    assert with_grand
    for tid in with_grand:
        s = m.total_shares(pkg, tid)
        if s.height == 0:
            continue
        grand = cells.filter((pl.col("table_id") == tid) & (pl.col("kind") == "grand_total")).row(0, named=True)
        assert set(s["denominator"].to_list()) == {grand["value"]}, tid
        assert all(f"printed grand total {grand['printed']}" in f for f in s["formula"]), tid
        assert all(i.endswith(f":{grand['row']}:{grand['column']}") for i in s["inputs"]), tid


@pytest.mark.parametrize(
    "x, expected", [(16.1034, "16.1"), (0.0486, "0.049"), (0.35, "0.35"), (0, "0"), (None, "n/a"), (100.0, "100")]
)
def test_fmt_share(x, expected):
    assert m.fmt_share(x) == expected
