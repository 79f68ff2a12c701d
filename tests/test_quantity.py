"""Canonical values: the parser of printed figures, and the validator's checks of value, scale,
bound, unit and kind of quantity against ``printed``. Every class has a case that must fail."""

from __future__ import annotations

import csv
import io

import pytest

from cyp_evidence.evidence import validate
from cyp_evidence.evidence.quantity import parse_in_context, parse_printed

THIRD = 1 / 3


@pytest.mark.parametrize(
    "printed,value,scale,unit,as_printed",
    [
        ("£299,684", 299684, 0, "GBP", 299684),
        ("730k", 730_000, 3, None, 730),
        ("£110K", 110_000, 3, "GBP", 110),
        ("3.4m", 3_400_000, 6, None, 3.4),
        ("£36 million", 36_000_000, 6, "GBP", 36),
        ("14 million", 14_000_000, 6, None, 14),
        ("£1.4bn", 1_400_000_000, 9, "GBP", 1.4),
        ("£1.4 billion", 1_400_000_000, 9, "GBP", 1.4),
        ("c35 000", 35_000, 0, None, 35000),
    ],
)
def test_scales(printed, value, scale, unit, as_printed):
    p = parse_printed(printed)
    assert (p.value, p.scale, p.unit) == (value, scale, unit)
    assert p.value / 10**p.scale == pytest.approx(as_printed)  # the print is rebuilt from value and scale


@pytest.mark.parametrize(
    "printed,value",
    [
        ("1 in 6", 1 / 6),
        ("1 in 9", 1 / 9),
        ("1/3", THIRD),
        ("A third", THIRD),
        ("a quarter", 0.25),
        ("half", 0.5),
        ("three-quarters", 0.75),
        ("20%", 0.2),
        ("53 per cent", 0.53),
        ("48.4%", 0.484),
        ("(56)%", 0.56),
        ("47% more", 0.47),
    ],
)
def test_shares_are_exact_proportions(printed, value):
    p = parse_printed(printed)
    assert p.unit == "proportion" and p.value == value  # exact to float precision, never 33 for a third


@pytest.mark.parametrize(
    "printed,bound,value,vmin,vmax",
    [
        ("seven", "exact", 7, None, None),
        ("c.50%", "approximate", 0.5, None, None),
        ("c. 37% more", "approximate", 0.37, None, None),
        ("c1.5 million", "approximate", 1_500_000, None, None),
        ("almost 4 months", "approximate", 4, None, 4),
        ("Nearly three-quarters", "approximate", 0.75, None, 0.75),
        ("almost 8 and a half months", "approximate", 8.5, None, 8.5),
        ("over 3,000", "at_least", 3000, 3000, None),
        ("over £900m", "at_least", 900_000_000, 900_000_000, None),
        ("39+", "at_least", 39, 39, None),
        ("six meetings plus", "at_least", 6, 6, None),
        ("three months or more", "at_least", 3, 3, None),
        ("up to 20%", "at_most", 0.2, None, 0.2),
        ("fewer than 10", "at_most", 10, None, 10),
        ("20-25%", "range", None, 0.2, 0.25),
        ("18-25", "range", None, 18, 25),
    ],
)
def test_bounds(printed, bound, value, vmin, vmax):
    p = parse_printed(printed)
    assert (p.bound, p.value, p.value_min, p.value_max) == (bound, value, vmin, vmax)


@pytest.mark.parametrize(
    "printed,unit,value,rate_per",
    [
        ("63.8 per 10,000", "rate", 63.8, 10000),
        ("10 times", "times", 10, None),
        ("four times", "times", 4, None),
        ("2nd", "rank", 2, None),
        ("number one", "rank", 1, None),
        ("6 weeks", "weeks", 6, None),
        ("almost 4 months", "months", 4, None),
        ("190/195", None, 190, None),  # a count out of a total, not the share 0.974
    ],
)
def test_rates_multipliers_ranks_durations(printed, unit, value, rate_per):
    p = parse_printed(printed)
    assert (p.unit, p.value, p.rate_per) == (unit, value, rate_per)


def test_a_qualifier_printed_next_to_the_figure_counts():
    quote = "approximately **37% more** Children and Young People"
    assert parse_in_context("37% more", quote).bound == "approximate"
    assert parse_in_context("37% more", "with 37% more").bound == "exact"
    assert parse_in_context("three months", "for three months or more").bound == "at_least"


@pytest.mark.parametrize("printed", ["", "lots", "a great many", "£"])
def test_unreadable_prints_are_errors_naming_the_text(printed):
    with pytest.raises(ValueError, match="printed" if printed else "nothing printed"):
        parse_printed(printed)


# ---------------------------------------------------------------------------- the validator
FILES = {
    "lga24": "figures/lga-cyp-board-2024-01-23.csv",
    "ffic": "figures/lga-cyp-board-2024-01-23-vanguards.csv",
    "nhse19": "figures/nhse-2019-send-evidence.csv",
    "ec16": "figures/educ-committee-2016-lac.csv",
    "cdc14": "figures/cdc-2014-cfa-health.csv",
    "dh17": "figures/dh-2017-lenehan-response.csv",
}


def _file_of(figure_id: str) -> str:
    if figure_id.startswith("lga24-ffic"):
        return FILES["ffic"]
    return FILES[figure_id.split("-")[0]]


def _errors_after(evidence_dir, sources_dir, changes: dict[str, dict[str, str]]) -> list[str]:
    """Change fields of real figure rows, validate, and return every error message."""
    by_file: dict[str, dict[str, dict[str, str]]] = {}
    for fid, fields in changes.items():
        by_file.setdefault(_file_of(fid), {})[fid] = fields
    for name, rows_changed in by_file.items():
        path = evidence_dir / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for r in rows:
            r.update(rows_changed.get(r["id"], {}))
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return [str(p) for p in validate(evidence_dir, sources_dir).errors]


def _one(errors: list[str], figure_id: str, field: str) -> str:
    hits = [e for e in errors if f"(id={figure_id}) field '{field}'" in e]
    assert len(hits) == 1, (figure_id, field, errors)
    return hits[0]


def test_the_committed_figures_pass_every_value_check(report):
    assert report.errors == []


CASES = [
    # scale: '3.4m' stored as 3.4 fails, and so does a wrong scale
    (
        "lga24-a1-mhst-cyp-covered-3-4m",
        {"value": "3.4"},
        "value",
        "write the quantity without its scale (3400000, scale 6)",
    ),
    ("lga24-a1-mhst-cyp-covered-3-4m", {"scale": "0"}, "scale", "which is printed at scale 6"),
    ("lga24-a1-access-730k", {"value": "730"}, "value", "without its scale (730000, scale 3)"),
    ("nhse19-send-programme-funding-2016-17", {"value": "110"}, "value", "(110000, scale 3)"),
    ("lga24-ffic-future-in-mind-investment", {"scale": "6"}, "scale", "printed at scale 9"),
    ("nhse19-send-programme-funding-total", {"scale": "3"}, "scale", "printed at scale 0"),
    # shares: 'a third' stored as 33 fails; '1 in 6' stored as 6 fails; percentages are proportions
    ("lga24-cp-youth-justice-mh", {"value": "33"}, "value", "shares are proportions"),
    ("lga24-cp-youth-justice-mh", {"value": "0.33"}, "value", "0.333333333333333 as printed, never rounded"),
    ("lga24-cp-prevalence-2022", {"value": "6"}, "value", "'1 in N' and '1/N' are the share 1/N"),
    ("lga24-a1-burden-of-disease", {"value": "45"}, "value", "shares are proportions (0.45"),
    ("lga24-cp-youth-justice-mh", {"denominator": ""}, "denominator", "a share needs a denominator (of what"),
    ("lga24-cp-youth-justice-mh", {"unit": "count"}, "unit", "which reads as proportion"),
    # bounds
    ("lga24-ffic-children-supported-over-3000", {"bound": "exact", "value_min": ""}, "bound", "reads as at_least"),
    ("lga24-ffic-children-supported-over-3000", {"value_min": ""}, "value_min", "value_min must be 3000"),
    ("cdc14-sen-prevalence-school-age", {"value_max": ""}, "value_max", "value_max must be 0.2"),
    ("cdc14-sen-prevalence-school-age", {"bound": "exact", "value_max": ""}, "bound", "reads as at_most"),
    ("lga24-a3-average-length-of-stay", {"value_max": ""}, "value_max", "value_max must be 4"),
    ("lga24-ffic-complex-needs-cohort-estimate", {"bound": "exact"}, "bound", "reads as approximate"),
    ("lga24-a1-access-increase-since-2019-20", {"bound": "exact"}, "bound", "reads as approximate"),
    ("lga24-a1-ltp-mhst-target", {"value": "0.25"}, "value", "is a range: leave value empty"),
    ("lga24-a1-ltp-mhst-target", {"value_min": ""}, "value_min", "value_min must be 0.2"),
    ("lga24-a3-gau-share-of-beds", {"bound": "at_least"}, "bound", "reads as exact"),
    ("lga24-a3-gau-share-of-beds", {"value_min": "0.5"}, "value_min", "only for a bound"),
    # kinds of quantity and their units
    ("ec16-trafford-lac-rate-dec-2014", {"rate_per": ""}, "rate_per", "a rate needs rate_per"),
    ("ec16-trafford-lac-rate-dec-2014", {"rate_per": "1000"}, "rate_per", "(per 10000)"),
    ("ec16-trafford-lac-rate-dec-2014", {"denominator": ""}, "denominator", "per what population"),
    ("lga24-cp-black-people-mha-detention", {"unit": "count"}, "unit", "which reads as times"),
    ("lga24-cp-black-people-mha-detention", {"denominator": ""}, "denominator", "than whom"),
    ("lga24-a1-suicide-cause-of-death-rank", {"unit": "count"}, "unit", "which reads as rank"),
    ("lga24-a1-ed-starts-increase", {"denominator": ""}, "denominator", "from what to what"),
    ("lga24-min-yef-endowment", {"unit": "count"}, "unit", "which reads as GBP"),
    ("lga24-ffic-funding-available", {"unit": "count"}, "unit", "a money is not measured in count"),
    ("lga24-a3-average-length-of-stay", {"unit": "count"}, "unit", "which reads as months"),
    ("nhse19-send-tribunal-trial-length", {"unit": "count"}, "unit", "a duration is not measured in count"),
    ("dh17-statutory-visits-residential-placement-threshold", {"unit": "GBP"}, "unit", "which reads as months"),
    ("lga24-ffic-vanguards-count-paper", {"unit": "proportion"}, "unit", "a level is not measured in proportion"),
    ("lga24-ffic-vanguards-count-paper", {"quantity": "target", "unit": "times"}, "unit", "a target is not"),
    ("lga24-cp-self-harm-young-women-2014", {"value": "1.2"}, "value", "is not the quantity printed"),
]


@pytest.mark.parametrize("figure_id,change,field,message", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_value_that_does_not_mean_what_is_printed_fails(
    evidence_copy, sources_dir, figure_id, change, field, message
):
    errors = _errors_after(evidence_copy, sources_dir, {figure_id: change})
    assert message in _one(errors, figure_id, field)


def test_an_exact_print_may_be_recorded_as_approximate(evidence_copy, sources_dir):
    """'c.50% (5m)': the context makes the 5m approximate although its own print does not."""
    errors = _errors_after(evidence_copy, sources_dir, {"lga24-a3-gau-share-of-beds": {"bound": "approximate"}})
    assert errors == []


def test_every_value_problem_is_reported_at_once_with_file_line_id_and_field(evidence_copy, sources_dir):
    errors = _errors_after(
        evidence_copy,
        sources_dir,
        {
            "lga24-a1-mhst-cyp-covered-3-4m": {"value": "3.4"},
            "lga24-cp-youth-justice-mh": {"value": "33", "denominator": ""},
            "lga24-ffic-children-supported-over-3000": {"bound": "exact", "value_min": ""},
            "ec16-trafford-lac-rate-dec-2014": {"rate_per": ""},
        },
    )
    assert len(errors) == 5, errors
    path = evidence_copy / FILES["lga24"]
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("lga24-cp-youth-justice-mh,"))
    assert any(
        e.startswith(f"evidence/{FILES['lga24']}:{line} (id=lga24-cp-youth-justice-mh) field 'value'") for e in errors
    )
    assert any(e.startswith(f"evidence/{FILES['ec16']}:") and "field 'rate_per'" in e for e in errors)
