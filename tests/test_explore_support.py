"""A small, fixed evidence package for the measure and explorer tests (no test functions here).

The numbers are modelled on the LGA board papers, but they are fixed here so that every
expected value in the tests can be computed by hand, whatever the real evidence base holds.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from cyp_evidence.evidence.package import TABLES, EvidencePackage, _frame, read_package
from cyp_evidence.paths import EVIDENCE_DIR

LGA = "lga-cyp-board-2024-01-23"
DH = "dh-2017-lenehan-response"
D = dt.date
QUANTITY_OF_UNIT = {"GBP": "money", "proportion": "share", "months": "duration", "rate": "rate", "times": "multiplier"}


def fig(
    id,
    theme,
    measure,
    value,
    unit,
    printed,
    period,
    start=None,
    end=None,
    kind="observed",
    label=None,
    population="children and young people",
    geography="England",
    source=LGA,
    caveats=None,
    quantity=None,
    counted=None,
    denominator=None,
    scale=0,
    bound="exact",
    value_min=None,
    value_max=None,
    rate_per=None,
):
    """One figures row in canonical values (shares as proportions, money in pounds)."""
    quantity = quantity or QUANTITY_OF_UNIT.get(unit, "level")
    return dict(
        id=id,
        theme=theme,
        measure=measure,
        label=label or measure.replace("_", " "),
        kind=kind,
        value=value,
        unit=unit,
        scale=scale,
        quantity=quantity,
        counted=counted or (label or measure.replace("_", " ")),
        denominator=denominator or ("not stated" if quantity in ("share", "change", "rate", "multiplier") else None),
        bound=bound,
        value_min=value_min,
        value_max=value_max,
        rate_per=rate_per,
        printed=printed,
        period=period,
        period_start=start,
        period_end=end,
        geography=geography,
        population=population,
        source_id=source,
        locator="Annex 1, slide 5",
        quote=f"... {printed} ...",
        caveats=caveats,
    )


FIGURES = [
    fig(
        "ed-starts-2019-20",
        "eating_disorders",
        "ed_treatment_starts",
        8034,
        "count",
        "8,034",
        "2019/20",
        D(2019, 4, 1),
        D(2020, 3, 31),
        label="CYP starting treatment for eating disorders",
    ),
    fig(
        "ed-starts-2022-23",
        "eating_disorders",
        "ed_treatment_starts",
        11807,
        "count",
        "11,807",
        "2022/23",
        D(2022, 4, 1),
        D(2023, 3, 31),
        label="CYP starting treatment for eating disorders",
    ),
    fig(
        "ed-starts-growth",
        "eating_disorders",
        "ed_treatment_starts_increase",
        0.47,
        "proportion",
        "47% more",
        "2019/20 to 2022/23",
        D(2019, 4, 1),
        D(2023, 3, 31),
        label="Increase in CYP starting treatment for eating disorders",
        quantity="change",
    ),
    fig(
        "workforce-growth-ltp",
        "workforce",
        "cypmh_workforce_increase",
        0.46,
        "proportion",
        "46%",
        "since the start of the LTP",
        D(2019, 4, 1),
        D(2022, 3, 31),
        label="Increase in the total CYPMH workforce",
        quantity="change",
    ),
    fig(
        "prev-2017",
        "prevalence",
        "probable_disorder_prevalence",
        1 / 9,
        "proportion",
        "1 in 9",
        "2017",
        D(2017, 1, 1),
        D(2017, 12, 31),
        label="CYP with a probable mental disorder",
    ),
    fig(
        "prev-2022",
        "prevalence",
        "probable_disorder_prevalence",
        1 / 6,
        "proportion",
        "1 in 6",
        "2022",
        D(2022, 1, 1),
        D(2022, 12, 31),
        label="CYP with a probable mental disorder",
    ),
    fig(
        "access-2023",
        "access",
        "cyp_accessing_nhs_mh",
        730000,
        "count",
        "730,000",
        "year to October 2023",
        D(2022, 11, 1),
        D(2023, 10, 31),
        label="CYP accessing NHS-funded mental health services",
    ),
    fig(
        "access-target",
        "access",
        "cyp_accessing_additional_target",
        345000,
        "count",
        "345,000",
        "by 2023/24",
        None,
        D(2024, 3, 31),
        kind="target",
        label="Additional CYP accessing NHS-funded support",
    ),
    fig(
        "mhst-coverage",
        "access",
        "mhst_coverage",
        0.35,
        "proportion",
        "35%",
        "2023",
        None,
        D(2023, 3, 31),
        label="Pupils covered by Mental Health Support Teams",
        counted="pupils covered by Mental Health Support Teams",
    ),
    fig(
        "mhst-target",
        "access",
        "mhst_coverage",
        0.25,
        "proportion",
        "25%",
        "by 2023/24",
        None,
        D(2024, 3, 31),
        kind="target",
        label="Mental Health Support Team coverage target",
        counted="pupils covered by Mental Health Support Teams",
    ),
    fig(
        "ltp-funding",
        "funding",
        "ltp_additional_funding",
        900e6,
        "GBP",
        "over £900m",
        "by 2023/24",
        D(2019, 4, 1),
        D(2024, 3, 31),
        kind="allocation",
        label="LTP additional funding for CYP mental health",
        scale=6,
        bound="at_least",
        value_min=900e6,
    ),
    fig(
        "spec-comm-funding",
        "funding",
        "specialised_commissioning_funding",
        40e6,
        "GBP",
        "£40m",
        "over 3 years from 2021/22",
        D(2021, 4, 1),
        D(2024, 3, 31),
        kind="allocation",
        label="Additional specialised commissioning funding",
        scale=6,
    ),
    fig(
        "vanguards-n",
        "vanguards",
        "ffic_vanguards",
        12,
        "count",
        "12",
        "2023",
        None,
        None,
        label="Framework for Integrated Care vanguards",
        counted="vanguard areas",
    ),
    fig(
        "admissions-2020-21",
        "inpatient",
        "cyp_admissions",
        3750,
        "count",
        "3,750",
        "2020/21",
        D(2020, 4, 1),
        D(2021, 3, 31),
        label="CYP inpatient admissions",
    ),
    fig(
        "admissions-2021-22",
        "inpatient",
        "cyp_admissions",
        2600,
        "count",
        "2,600",
        "2021/22",
        D(2021, 4, 1),
        D(2022, 3, 31),
        label="CYP inpatient admissions",
    ),
    fig(
        "admissions-2022-23",
        "inpatient",
        "cyp_admissions",
        2700,
        "count",
        "2,700",
        "2022/23",
        D(2022, 4, 1),
        D(2023, 3, 31),
        label="CYP inpatient admissions",
    ),
    fig(
        "los-ld",
        "inpatient",
        "average_length_of_stay_ld_autism",
        8.5,
        "months",
        "almost 8 and a half months",
        "not stated",
        label="Average length of stay, learning disability and autism services",
        bound="approximate",
        value_max=8.5,
    ),
    fig(
        "urgent-ed-target",
        "waiting_times",
        "ed_urgent_within_1_week",
        0.95,
        "proportion",
        "95%",
        "by 2020/21",
        None,
        D(2021, 3, 31),
        kind="target",
        label="Urgent eating-disorder cases seen within 1 week",
    ),
    fig(
        "ffic-funding",
        "vanguards",
        "ffic_funding_available",
        14e6,
        "GBP",
        "14 million",
        "not stated",
        kind="allocation",
        label="Funding available for the Framework for Integrated Care",
        scale=6,
    ),
    fig(
        "lenehan-recs",
        "governance",
        "lenehan_recommendations",
        11,
        "count",
        "11",
        "2017",
        source=DH,
        label="Recommendations in the Lenehan review",
    ),
]

TABLES_ROWS = [
    dict(
        table_id="ffic-referrals-vanguard",
        title="Accepted referrals by vanguard and quarter",
        source_id=LGA,
        locator="Annex 2, slide 12",
        row_dimension="vanguard",
        column_dimension="quarter",
        unit="count",
        header_quote="Vanguard\t2022/23",
        notes=None,
    ),
    dict(
        table_id="ffic-referrals-ethnicity",
        title="Referrals by ethnicity and quarter",
        source_id=LGA,
        locator="Annex 2, slide 14",
        row_dimension="ethnicity",
        column_dimension="quarter",
        unit="count",
        header_quote="Ethnicity\t2022/23",
        notes=None,
    ),
    dict(
        table_id="ffic-referrals-age-gender",
        title="Referrals by age group and gender",
        source_id=LGA,
        locator="Annex 2, slide 13",
        row_dimension="age group",
        column_dimension="gender",
        unit="count",
        header_quote="Age Group/Gender\tFemale\tMale",
        notes=None,
    ),
]

Q = {
    "2022/23 Q1": (D(2022, 4, 1), D(2022, 6, 30)),
    "2022/23 Q2": (D(2022, 7, 1), D(2022, 9, 30)),
    "2022/23 Q3": (D(2022, 10, 1), D(2022, 12, 31)),
}


def _cells(table_id, rows: dict[str, list[float]], columns=tuple(Q), totals=True):
    out = []
    for row, vals in rows.items():
        for col, v in zip(columns, vals, strict=False):
            if v is None:
                continue
            s, e = Q.get(col, (None, None))
            out.append(
                dict(
                    table_id=table_id,
                    row=row,
                    column=col,
                    kind="cell",
                    value=v,
                    printed=f"{v:g}",
                    period_start=s,
                    period_end=e,
                    line_quote=row,
                )
            )
        if totals:
            out.append(
                dict(
                    table_id=table_id,
                    row=row,
                    column="Total",
                    kind="row_total",
                    value=sum(v for v in vals if v),
                    printed=f"{sum(v for v in vals if v):g}",
                    period_start=None,
                    period_end=None,
                    line_quote=row,
                )
            )
    if totals:
        for i, col in enumerate(columns):
            t = sum(v[i] or 0 for v in rows.values())
            s, e = Q.get(col, (None, None))
            out.append(
                dict(
                    table_id=table_id,
                    row="Grand Total",
                    column=col,
                    kind="column_total",
                    value=t,
                    printed=f"{t:g}",
                    period_start=s,
                    period_end=e,
                    line_quote="Grand Total",
                )
            )
    return out


VANGUARDS = {"Affinity": [173, 77, 49], "Lincolnshire County Council": [235, 235, 201], "Surrey": [None, None, 10]}
ETHNICITY = {"White British": [402, 328, 327], "African": [75, 16, 37], "NULL": [23, 56, 20]}
CELLS = (
    _cells("ffic-referrals-vanguard", VANGUARDS)
    + _cells("ffic-referrals-ethnicity", ETHNICITY)
    + _cells(
        "ffic-referrals-age-gender",
        {"12 to 15": [795, 1350], "16 to 17": [246, 556]},
        columns=("Female", "Male"),
        totals=False,
    )
)


def rec(id, set, title, due_printed=None, due_date=None, progress=None, pids=None, tids=None, source=LGA):
    return dict(
        id=id,
        set=set,
        nature="commitment" if set == "nhs-long-term-plan" else "recommendation",
        number=None,
        title=title,
        text_quote=title,
        response_quote=None,
        lead=None,
        due_printed=due_printed,
        due_date=due_date,
        progress_quote=progress,
        progress_source_id=source if progress else None,
        progress_figure_ids=pids,
        target_figure_ids=tids,
        source_id=source,
        locator="Annex 1, slide 4",
    )


RECOMMENDATIONS = [
    rec(
        "ltp-access",
        "nhs-long-term-plan",
        "Additional 345,000 CYP accessing support",
        "by 2023/24",
        D(2024, 3, 31),
        pids="access-2023",
        tids="access-target",
    ),
    rec(
        "ltp-mhst",
        "nhs-long-term-plan",
        "MHSTs covering 20-25% of the country",
        "by 2023/24",
        D(2024, 3, 31),
        progress="35% coverage a year ahead of target",
        pids="mhst-coverage",
        tids="mhst-target",
    ),
    rec("lenehan-1", "lenehan-review-2017", "Recommendation 1", "by 2018", D(2018, 12, 31), source=DH),
    rec("lenehan-2", "lenehan-review-2017", "Recommendation 2", None, None, progress="Done in part", source=DH),
]

SOURCE_ISSUES = [
    dict(
        id="issue-religion-total",
        source_id=LGA,
        kind="total_mismatch",
        refs="ffic-referrals-ethnicity",
        description="Rows do not add to the total",
        explanation="Kept as printed.",
    ),
    dict(
        id="issue-prevalence",
        source_id=LGA,
        kind="ambiguity",
        refs="prev-2017 prev-2022",
        description="'1 in 6' is rounded",
        explanation="Kept as printed.",
    ),
]


VOCABULARY = ("themes", "units", "quantities", "recommendation_sets")


def make_package(**overrides) -> EvidencePackage:
    """The sample package (any table can be replaced through keyword arguments)."""
    schemas = {t: json.loads((EVIDENCE_DIR / "schemas" / f"{t}.json").read_text()) for t in TABLES}
    real = read_package(EVIDENCE_DIR)
    data = {
        "figures": FIGURES,
        "tables": TABLES_ROWS,
        "table_cells": CELLS,
        "recommendations": RECOMMENDATIONS,
        "source_issues": SOURCE_ISSUES,
        "arithmetic_checks": [],
        "statements": [],
    }
    data.update(overrides)
    # the five original sources only: a source added to the real evidence does not change the sample
    frames = {"sources": real.sources.filter(pl.col("folder") == "seeds")}
    for t in TABLES:
        if t == "sources":
            continue
        if t in VOCABULARY:  # the registers of words are the real ones
            frames[t] = real.frames[t]
            continue
        names = [f["name"] for f in schemas[t]["fields"]]
        rows = [{**{n: r.get(n) for n in names}, "_file": "sample", "_line": i + 2} for i, r in enumerate(data[t])]
        frames[t] = _frame(rows, schemas[t])
    return EvidencePackage(EVIDENCE_DIR, real.descriptor, schemas, frames, [])
