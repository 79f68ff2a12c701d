"""Honest encodings by construction: one axis takes one kind of quantity in one unit, colours
stay apart under colour-vision deficiencies and keep 3:1 contrast, missing answers are set
apart. Checked on the builders and on every chart the annexes draw."""

from __future__ import annotations

import polars as pl
import pytest

from cyp_evidence import charts
from cyp_evidence.briefing.content import html as h
from cyp_evidence.briefing.content.annex import Briefing
from cyp_evidence.charts import builders


def frame(**cols):
    return pl.DataFrame(cols)


def test_the_palette_passes_and_the_raw_analysis_function_order_is_caught():
    assert charts.colour_problems(charts.PALETTE) == []
    assert charts.colour_problems([*charts.PALETTE, charts.GREY, charts.TEXT]) == []
    # dark blue beside dark pink is 6.5 apart under protanopia: why dark pink is not used
    problems = charts.colour_problems(charts.AF_PALETTE[:3])
    assert any("#12436D and #801650" in p and "protan" in p for p in problems), problems
    # a pale grey fails WCAG 1.4.11 against white
    assert any("contrast" in p for p in charts.colour_problems(["#BFC1C3"]))


def test_one_axis_refuses_mixed_kinds_and_units():
    ok = frame(quantity=["share", "share"], unit=["proportion", "proportion"])
    assert charts.one_axis(ok, "test") == charts.Axis("share", "proportion")
    with pytest.raises(charts.MixedAxisError, match="change, share"):
        charts.one_axis(frame(quantity=["share", "change"], unit=["proportion", "proportion"]), "figure 2")
    with pytest.raises(charts.MixedAxisError, match="rate per 10,000|count, rate"):
        charts.one_axis(frame(quantity=["rate", "rate"], unit=["rate", "count"]), "rates")
    with pytest.raises(charts.MixedAxisError, match="no 'quantity' column"):
        charts.one_axis(frame(unit=["count"]), "bare")


def test_builders_refuse_a_mixed_axis():
    mixed = frame(
        label=["Growth", "Coverage"],
        period=["2019 to 2022", "2023"],
        value=[0.37, 0.35],
        printed=["37% more", "35%"],
        quantity=["change", "share"],
        unit=["proportion", "proportion"],
    )
    with pytest.raises(charts.MixedAxisError):
        builders.period_columns(
            mixed, period="period", value="value", label="printed", value_title="", tooltip=[], description=""
        )
    with pytest.raises(charts.MixedAxisError):
        builders.change_dots(
            mixed.filter(pl.col("quantity") == "share"),
            measure="label",
            value="value",
            label="printed",
            period="period",
            group="label",
            groups=["Coverage"],
            value_title="",
            tooltip=[],
            description="",
        )


def test_more_categories_than_colours_is_refused():
    with pytest.raises(charts.MixedAxisError, match="at most 5"):
        charts.colour_scale([f"c{i}" for i in range(6)])
    scale = charts.colour_scale(["a", "b", charts.NOT_RECORDED]).to_dict()
    assert scale["range"] == [charts.PALETTE[0], charts.PALETTE[1], charts.GREY]


@pytest.mark.parametrize(
    "label", ["NULL", "Not known", "Invalid - Provided response did not ma", "NULL-Invalid - x", "Not stated"]
)
def test_missing_answers_are_recognised(label):
    assert charts.is_missing(label)
    assert charts.not_recorded(frame(row=[label, "Female"]), "row")["row"].to_list() == ["Not recorded", "Female"]


def test_check_spec_catches_targets_drawn_as_bars_and_undeclared_axes():
    import altair as alt

    rows = frame(
        m=["a", "b"],
        v=[1, 2],
        quantity=["share", "share"],
        unit=["proportion", "proportion"],
        kind=["observed", "target"],
    )
    bare = alt.Chart(rows).mark_bar().encode(x="v:Q", y="m:N").to_dict()
    assert any("no declared kind" in p for p in charts.check_spec(bare))
    declared = charts.with_axes(
        alt.Chart(rows).mark_bar().encode(x="v:Q", y="m:N"), x=charts.Axis("share", "proportion")
    )
    assert any("targets drawn as bars" in p for p in charts.check_spec(declared.to_dict()))


ANNEXES = [
    dict(board="lga-cyp-board", meeting="2024-03-12"),
    dict(board="lga-cyp-board", meeting="2024-03-12", focus="Surrey"),
    # an early cut-off, without the meeting's key messages (they cite the board papers, so a
    # render with them fails: tests/test_messages.py)
    dict(board="lga-cyp-board", meeting="2024-03-12", as_of="2019-03-01", messages_file="/nonexistent/messages.md"),
]


@pytest.fixture(scope="module")
def annex_charts():
    """Every chart spec the annexes build (the default, a focus and an early cut-off)."""
    seen: list[tuple[str, dict]] = []
    real = h.chart_html
    h.chart_html = lambda chart: (
        seen.append((chart.to_dict(validate=False).get("description", ""), chart.to_dict(validate=False))),
        real(chart),
    )[1]
    try:
        for params in ANNEXES:
            Briefing.from_parameters(**params)
    finally:
        h.chart_html = real
    return seen


def test_every_annex_chart_has_one_kind_per_axis_and_safe_colours(annex_charts):
    assert len(annex_charts) >= 12
    problems = [p for title, spec in annex_charts for p in charts.check_spec(spec, title)]
    assert problems == []


def test_every_annex_chart_title_is_short(annex_charts):
    for title, _ in annex_charts:
        assert 0 < charts.title_words(title) <= charts.MAX_TITLE_WORDS, title


def _series(**extra):
    return frame(
        measure=["admissions"] * 3,
        period=["2021/22", "2020/21", "2022/23"],
        period_end=["2022-03-31", "2021-03-31", "2023-03-31"],
        value=[2600, 3750, 2700],
        printed=["2,600", "3,750", "2,700"],
        quantity=["level"] * 3,
        unit=["count"] * 3,
        kind=["observed"] * 3,
        **extra,
    )


def test_check_spec_catches_periods_out_of_time_order_and_measures_sharing_an_axis():
    """Issue 14: a measure over periods runs left to right in period order; two measures (even
    both counts) never share one axis."""
    import altair as alt

    rows = _series()
    axis = charts.Axis("level", "count")
    # the inpatient explorer's old default: horizontal bars, largest first
    by_size = charts.with_axes(alt.Chart(rows).mark_bar().encode(y=alt.Y("period:N", sort="-x"), x="value:Q"), x=axis)
    assert any("top to bottom" in p for p in charts.check_spec(by_size.to_dict()))
    # columns, but sorted by value or in the wrong order
    by_value = charts.with_axes(alt.Chart(rows).mark_bar().encode(x=alt.X("period:N", sort="-y"), y="value:Q"), y=axis)
    assert any("sorted by value" in p for p in charts.check_spec(by_value.to_dict()))
    wrong = charts.with_axes(
        alt.Chart(rows).mark_bar().encode(x=alt.X("period:N", sort=["2021/22", "2020/21", "2022/23"]), y="value:Q"),
        y=axis,
    )
    assert any("out of time order" in p for p in charts.check_spec(wrong.to_dict()))
    right = charts.with_axes(
        alt.Chart(rows).mark_bar().encode(x=alt.X("period:N", sort=["2020/21", "2021/22", "2022/23"]), y="value:Q"),
        y=axis,
    )
    assert charts.check_spec(right.to_dict()) == []
    # admissions beside service lines on one count axis
    two = pl.concat([rows, _series().head(1).with_columns(measure=pl.lit("service lines"), period_end=pl.lit(None))])
    shared = charts.with_axes(
        alt.Chart(two).mark_bar().encode(x=alt.X("period:N", sort=["2020/21", "2021/22", "2022/23"]), y="value:Q"),
        y=axis,
    )
    assert any("2 different measures on one axis" in p for p in charts.check_spec(shared.to_dict()))
    # a facet by measure with a shared value axis is still one axis
    facet_shared = charts.with_axes(
        alt.Chart(two)
        .mark_bar()
        .encode(x=alt.X("period:N", sort=["2020/21", "2021/22", "2022/23"]), y="value:Q")
        .facet("measure:N"),
        y=axis,
    )
    assert any("different measures on one axis" in p for p in charts.check_spec(facet_shared.to_dict()))


def test_measure_panels_give_each_measure_its_own_axis_in_time_order():
    two = pl.concat(
        [
            _series(),
            frame(
                measure=["lines"],
                period=["not stated"],
                period_end=[None],
                value=[8],
                printed=["eight"],
                quantity=["level"],
                unit=["count"],
                kind=["observed"],
            ).with_columns(pl.col("period_end").cast(pl.String)),
        ]
    ).with_columns(pl.col("measure").alias("name"))
    chart = builders.measure_panels(
        two,
        panel="name",
        column="period",
        column_order=["2020/21", "2021/22", "2022/23", "not stated"],
        value="value",
        label="printed",
        value_title="Numbers",
        tooltip=[],
        description="d",
    )
    spec = chart.to_dict()
    assert charts.check_spec(spec) == []
    assert spec["resolve"]["scale"]["y"] == "independent"
    # the same chart with one value axis for both is refused by the check
    spec["resolve"]["scale"]["y"] = "shared"
    assert any("2 different measures on one axis" in p for p in charts.check_spec(spec))


def test_long_labels_are_split_into_lines_never_cut():
    text = "Percentage of referrals with no (NULL) data on whether a young person's advocate was assigned"
    lines = charts.label_lines(text, 30)
    assert len(lines) > 1 and all(len(line) <= 30 for line in lines)
    assert " ".join(lines) == text  # every word kept, in order
    assert charts.label_lines("Supercalifragilistic", 5) == ["Supercalifragilistic"]  # a long word is not cut
    assert charts.wrap_label(text, 30) == "\n".join(lines)


def test_a_label_cut_off_at_its_limit_is_caught():
    import altair as alt

    rows = frame(
        m=["Percentage of referrals with no (NULL) data on whether a young person's advocate was assigned"],
        v=[0.36],
        quantity=["share"],
        unit=["proportion"],
    )
    cut = alt.Chart(rows).mark_bar().encode(y=alt.Y("m:N", axis=alt.Axis(labelLimit=300)), x="v:Q").to_dict()
    assert any("cut off at 300px" in p for p in charts.label_problems(cut))
    default = alt.Chart(rows).mark_bar().encode(y="m:N", x="v:Q").to_dict()  # Vega's default limit: 180px
    assert any("cut off at 180px" in p for p in charts.label_problems(default))
    lines = alt.Chart(rows.with_columns(pl.col("m").map_elements(lambda t: charts.wrap_label(t, 30))))
    wrapped = lines.mark_bar().encode(y=alt.Y("m:N", axis=charts.wrapped_axis()), x="v:Q").to_dict()
    assert charts.label_problems(wrapped) == []
