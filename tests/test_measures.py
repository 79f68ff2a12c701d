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
        "share-change:prev-2017:prev-2022",
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
    # the compound rate names its true dates, in plain typography (no ^ or code notation)
    f = recs["annual:change:prev-2017:prev-2022"].formula
    assert (
        "1 January 2017 (start of 2017) to 1 January 2022 (start of 2022)" in f
        and "^" not in f
        and "31 Dec 2021" not in f
    )
    # a change in a share: points and per cent ("1 in 9 -> 1 in 6: +5.6 points, +50%")
    share = recs["share-change:prev-2017:prev-2022"]
    assert share.value == pytest.approx(100 / 6 - 100 / 9) and share.unit == "percentage_points"
    assert "+5.6 points, +50% relative" in share.formula
    # admissions 3,750 (2020/21) -> 2,700 (2022/23): -28% over 2 years -> -15.15% a year
    assert recs["change:admissions-2020-21:admissions-2022-23"].value == pytest.approx(-28.0)
    assert recs["annual:change:admissions-2020-21:admissions-2022-23"].value == pytest.approx(-15.147, abs=1e-2)
    assert recs["change:admissions-2020-21:admissions-2022-23"].group == "Inpatient care"  # activity, not demand
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
        (D(2024, 3, 31), False, D(2024, 1, 23), "Not yet due: not reported in these sources"),
        (D(2024, 3, 31), True, D(2024, 1, 23), "Not yet due: progress reported"),
        (D(2024, 3, 31), True, D(2024, 4, 1), "Due date passed: progress reported"),
        (D(2024, 3, 31), True, D(2024, 3, 31), "Due date passed: progress reported"),
        (D(2018, 12, 31), False, D(2024, 1, 23), "Due date passed: not reported in these sources"),
        (None, True, D(2024, 1, 23), "No due date: progress reported"),
        (None, False, D(2024, 1, 23), "No due date: not reported in these sources"),
    ],
)
def test_status_at(due, progress, at, expected):
    assert m.status_at(due, progress, at) == expected
    assert expected in m.STATUSES and "no progress" not in expected.lower()


def test_met_early_only_where_a_source_says_so(sample):
    rec = sample.recommendations.filter(pl.col("id") == "ltp-mhst").row(0, named=True)
    status, progress = m.item_status(sample, rec, D(2024, 1, 23))
    assert status == m.MET_EARLY and progress.text == "35% coverage a year ahead of target"
    assert progress.date == D(2024, 1, 23)  # the publication date of the source that says it
    plain = {**rec, "progress_quote": "35% coverage"}
    assert m.item_status(sample, plain, D(2024, 1, 23))[0] == "Not yet due: progress reported"


def test_progress_from_the_recorded_response(sample):
    base = sample.recommendations.filter(pl.col("id") == "lenehan-1").row(0, named=True)
    done = {**base, "response_quote": "NHS England and the LGA have published guidance on models of care."}
    status, progress = m.item_status(sample, done, D(2024, 1, 23))
    assert status == "Due date passed: progress reported"
    assert progress.how == "action recorded in the response" and progress.date == D(2017, 11, 6)
    for promise in (
        "The Department will publish guidance by March 2018.",
        "Every one who requires one should have received a review.",
        "a child who has been admitted, and their family",
    ):
        assert m.item_status(sample, {**base, "response_quote": promise}, D(2024, 1, 23))[0] == (
            "Due date passed: not reported in these sources"
        ), promise


def test_findings_proposals_and_duties_get_no_commitment_status(sample):
    base = sample.recommendations.row(0, named=True)
    for set_, id_, kind in (
        ("isos-send-2024", "isos-message-1", "finding"),
        ("isos-send-2024", "isos-proposal-1-x", "proposal"),
        ("send-inspection-findings-2019", "finding-1", "finding"),
        ("cfa-2014", "act", "statutory duty"),
    ):
        rec = {**base, "set": set_, "id": id_, "nature": kind, "due_date": D(2014, 9, 30)}
        status = m.recommendation_status(sample, rec, D(2024, 1, 23))
        assert m.item_kind(rec) == kind and status == m.UNTRACKED_STATUS[kind] and status not in m.STATUSES


def test_status_at_a_date_ignores_later_items_and_later_progress(pkg):
    early = m.tracker(pkg, D(2010, 1, 1))
    assert early.height == 0  # every list in the evidence was published after 2010
    at_2018 = m.tracker(pkg, D(2018, 1, 1))
    assert set(at_2018["source_id"]) <= {"dh-2017-lenehan-response", "educ-committee-2016-lac", "cdc-2014-cfa-health"}
    assert at_2018.filter(pl.col("reported_on") > D(2018, 1, 1)).height == 0
    c = m.commitments(pkg, D(2023, 12, 31))  # before the 2024 papers: no LTP commitment known yet
    assert not c["commitment_id"].str.starts_with("lga24-").any()


def test_real_lenehan_responses_show_their_progress(pkg):
    t = m.tracker(pkg, D(2024, 3, 12)).filter(pl.col("set") == "lenehan-review-2017")
    models = t.filter(pl.col("id") == "dh17-lenehan-rec-04-models-of-care").row(0, named=True)
    assert models["status"] == "No due date: progress reported"
    assert "have published" in models["progress"] and "6 November 2017" in models["progress"]
    # a promise ("will ensure") is not progress, and is said to be unreported, not "no progress"
    promise = t.filter(pl.col("id") == "dh17-lenehan-rec-07-local-authority-role").row(0, named=True)
    assert promise["response_quote"].startswith("The Department of Education will publish")
    assert promise["status"] == "No due date: not reported in these sources"


def test_real_findings_and_the_act_have_no_commitment_status(pkg):
    t = m.tracker(pkg, D(2024, 3, 12))
    untracked = t.filter(pl.col("set").is_in(["isos-send-2024", "send-inspection-findings-2019", "cfa-2014"]))
    assert untracked.height and not untracked["status"].is_in(list(m.STATUSES)).any()
    mhst = t.filter(pl.col("id") == "lga24-ltp-mhst-20-25pct")["status"][0]
    assert mhst == m.MET_EARLY


def test_share_of_target(sample):
    d = m.share_of_target(sample, "mhst-coverage", "mhst-target")
    assert d.value == pytest.approx(140.0)  # 0.35 / 0.25 * 100
    assert d.formula == "35% ÷ 25% × 100 = 140% (10 points above the target)"
    # an 'additional 345,000' target cannot be compared with a total of 730,000: the reason in words
    d = m.share_of_target(sample, "access-2023", "access-target")
    assert d.value is None and "an increase cannot be set against a total" in d.formula
    # a change is never divided by a level
    d = m.share_of_target(sample, "ed-starts-growth", "access-target")
    assert d.value is None and d.formula.startswith("not computed")


def test_share_of_target_only_when_both_count_the_same_thing(sample):
    """The review's 68.5%: 4,111 accepted referrals divided by a target of 6,000 children."""
    referrals = m.figure(sample, "access-2023") | {
        "id": "referrals",
        "value": 4111.0,
        "printed": "4111",
        "counted": "accepted referrals",
    }
    children = m.figure(sample, "access-2023") | {
        "id": "children",
        "value": 6000.0,
        "printed": "6,000",
        "counted": "children with complex trauma",
        "kind": "target",
    }
    pkg = make_package(figures=[*FIGURES, referrals, children])
    d = m.share_of_target(pkg, "referrals", "children")
    assert d.value is None and "68.5" not in d.formula
    assert "counts accepted referrals, the target children with complex trauma" in d.formula
    same = make_package(figures=[*FIGURES, referrals, children | {"counted": "accepted referrals"}])
    assert m.share_of_target(same, "referrals", "children").value == pytest.approx(4111 / 6000 * 100)


def test_share_of_a_range_target_says_where_the_figure_lies(pkg):
    d = m.share_of_target(pkg, "lga24-cp-mhst-coverage", "lga24-a1-ltp-mhst-target")
    assert d.value is None and "is a range" in d.formula and "'35 per cent' is above its top" in d.formula


def test_real_complex_trauma_target_has_no_share(pkg):
    c = m.commitments(pkg, D(2024, 3, 12))
    trauma = c.filter(pl.col("commitment_id") == "lga24-ltp-complex-trauma-6000").row(0, named=True)
    assert trauma["share_of_target"] is None and "68.5" not in trauma["formula"]
    assert "counts children" in trauma["formula"] and "highly vulnerable children" in trauma["formula"]


def test_commitments_at_a_date(sample):
    c = m.commitments(sample, D(2024, 1, 23))
    assert c["commitment_id"].to_list() == ["ltp-access", "ltp-mhst", "urgent-ed-target"]
    mhst = c.filter(pl.col("commitment_id") == "ltp-mhst").row(0, named=True)
    assert mhst["share_of_target"] == pytest.approx(140.0)
    assert mhst["status"] == m.MET_EARLY and mhst["target"] == "25%" and mhst["reported_date"] == D(2023, 3, 31)
    assert "a year ahead of target" in mhst["progress"]
    ed = c.filter(pl.col("commitment_id") == "urgent-ed-target").row(0, named=True)
    assert ed["set"] == "target figure" and ed["status"] == "Due date passed: not reported in these sources"
    access = c.filter(pl.col("commitment_id") == "ltp-access").row(0, named=True)
    assert access["status"] == "Not yet due: progress reported"  # 730,000 reported, due 2023/24


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
    assert d.value is None and d.formula == (
        "not computed: the target '20-25%' is a range, not a single value; reported '35%' is above its top"
    )


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


def test_money_per_head_only_over_the_moneys_own_population(pkg):
    """The review's £36m ÷ 6,000 children: all-age inpatient money is never divided by children."""
    assert m.denominator_candidates(pkg, "lga24-a3-iqtp-funding", "child").height == 0
    ffic = m.denominator_candidates(pkg, "lga24-ffic-funding-available", "child")
    assert ffic.height and not ffic["id"].str.contains("referrals").any()  # per child, not per referral
    money = m.figure(pkg, "lga24-ffic-funding-available")
    for i in ffic["id"]:
        assert m.figure(pkg, i)["population"] == money["population"]


def test_how_current_each_figure_is(pkg):
    meeting = D(2024, 3, 12)
    trafford = m.currency_note(pkg, m.figure(pkg, "ec16-trafford-lac-rate-dec-2014"), meeting)
    assert trafford.startswith("December 2014 (as at 31 December 2014") and "dated: more than 5 years" in trafford
    ccgs = m.currency_note(pkg, m.figure(pkg, "nhse19-ccgs-with-designated-officers"), meeting)
    assert "source published February 2019" in ccgs and "replaced by integrated care boards" in ccgs
    # the same figure read at a meeting before July 2022 carries no CCG caveat, and is not yet dated
    early = m.currency_note(pkg, m.figure(pkg, "nhse19-ccgs-with-designated-officers"), D(2020, 1, 1))
    assert "integrated care boards" not in early and "dated" not in early
    recent = m.currency_note(pkg, m.figure(pkg, "lga24-a3-admissions-2022-23"), meeting)
    assert recent == "2022/23 (as at 31 March 2023)"
    assert m.DATED_AFTER_YEARS == 5  # set in one place


def test_global_all_age_and_england_and_wales_figures_are_labelled(pkg):
    assert m.scope_label(m.figure(pkg, "lga24-a1-cyp-share-world-population")) == "global figure"
    assert m.scope_label(m.figure(pkg, "lga24-cp-black-people-cto")) == "England and Wales; all ages"
    assert m.scope_label(m.figure(pkg, "lga24-a3-admissions-2022-23")) == ""


def test_the_register_says_what_each_item_is_and_only_commitments_and_recommendations_get_a_status(pkg):
    """The kind of each item is the register's ``nature`` column, not a rule in the code."""
    nature = dict(zip(pkg.recommendations["id"], pkg.recommendations["nature"], strict=True))
    assert nature["lga24-isos-proposal-1-reframe-purpose"] == "proposal"
    assert nature["lga24-isos-message-1-reform-essential"] == "finding"
    assert nature["cdc14-local-offer-ages-0-25"] == "statutory duty"
    assert nature["lga24-ltp-access-345000"] == "commitment"
    rows = m.tracker(pkg, D(2024, 3, 12)).to_dicts()
    assert {r["kind_of_item"] for r in rows} == set(nature.values())
    for r in rows:
        if r["kind_of_item"] in m.TRACKED_KINDS:
            assert r["status"] in m.STATUSES, r
        else:
            assert r["status"] == m.UNTRACKED_STATUS[r["kind_of_item"]], r
