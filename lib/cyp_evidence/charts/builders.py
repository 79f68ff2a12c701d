"""Chart builders shared by the annex and the explorers. Each checks its data with
:func:`one_axis` (a spec mixing kinds of quantity or units on one axis is refused), records the
axis in the spec (:func:`with_axes`), uses :data:`PALETTE` and sets missing answers apart.

Every builder takes a tidy polars frame with ``quantity`` and ``unit`` columns (the kind of
quantity and the unit of each row, as in the evidence records) and returns an altair chart
described by ``description`` (its text alternative).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from . import (
    GREY,
    MARKER_QUANTITIES,
    NOT_RECORDED,
    PALETTE,
    TEXT,
    Axis,
    MixedAxisError,
    colour_scale,
    described,
    one_axis,
    with_axes,
    wrap_label,
    wrapped_axis,
    wrapped_step,
)

WIDTH = 480
# d3 formats for each unit's axis and labels
FORMATS = {
    "proportion": ".0%",
    "percent": ".0f",
    "percentage_points": "+.1f",
    "count": ",.0f",
    "GBP": "$,.0f",
    "rate": ",.1f",
    "times": ".1f",
}


def _fmt(unit: str) -> str:
    return FORMATS.get(unit, ",.4~g")


def _axis(df: pl.DataFrame, where: str, value: str) -> Axis:
    if value not in df.columns:
        raise MixedAxisError(f"{where}: no '{value}' column to draw")
    return one_axis(df, where)


def status_bars(
    df: pl.DataFrame, *, status: str, order: list[str], count: str, facet: str, description: str = ""
) -> alt.TopLevelMixin:
    """How many items are in each status, one small bar chart per ``facet`` value (e.g. the
    list they belong to): statuses in a fixed order, one colour, the number beside each bar."""
    data = df.with_columns(pl.lit("level").alias("quantity"), pl.lit("count").alias("unit"))
    axis = _axis(data, "status bars", count)
    base = alt.Chart().encode(
        y=alt.Y(f"{status}:N", sort=order, scale=alt.Scale(domain=order), title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X(f"{count}:Q", title="Number of items", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[
            alt.Tooltip(f"{facet}:N", title="List"),
            alt.Tooltip(f"{status}:N", title="Status"),
            alt.Tooltip(f"{count}:Q", title="Number"),
        ],
    )
    layer = alt.layer(
        base.mark_bar(color=PALETTE[0]),
        base.mark_text(align="left", dx=4, color=TEXT).encode(text=alt.Text(f"{count}:Q")),
        data=data,
        width=WIDTH - 200,
        height=alt.Step(22),
    )
    chart = layer.facet(
        row=alt.Row(
            f"{facet}:N",
            title=None,
            header=alt.Header(
                labelAngle=0,
                labelAlign="left",
                labelAnchor="start",
                labelFontWeight="bold",
                labelFontSize=13,
                labelOrient="top",
            ),
        )
    )
    chart = with_axes(chart, x=axis)
    return described(chart, description) if description else chart


def period_columns(
    df: pl.DataFrame,
    *,
    period: str,
    value: str,
    label: str,
    value_title: str,
    tooltip: list,
    description: str,
    period_order: list[str] | None = None,
) -> alt.TopLevelMixin:
    """One measure over periods: columns left to right in period order, each labelled with
    the figure as printed (so "almost", "c." and "over" stay visible). Rows of kind target (a
    ``kind`` column) are black ticks in their period's place, never columns."""
    axis = _axis(df, "period columns", value)
    order = period_order or list(dict.fromkeys(df[period].to_list()))
    is_target = pl.col("kind").eq("target") if "kind" in df.columns else pl.lit(False)
    reported, targets = df.filter(~is_target), df.filter(is_target)
    x = alt.X(
        f"{period}:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelAngle=0, labelLimit=160),
    )
    y = alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=_fmt(axis.unit)), stack=None)
    layers = []
    if reported.height:
        base = alt.Chart(reported).encode(x=x, y=y, tooltip=tooltip)
        layers += [
            base.mark_bar(color=PALETTE[0], width={"band": 0.6}),
            base.mark_text(baseline="bottom", dy=-4, color=TEXT, fontSize=13).encode(text=alt.Text(f"{label}:N")),
        ]
    if targets.height:
        tb = alt.Chart(targets).encode(x=x, y=y, tooltip=tooltip)
        layers += [
            tb.mark_tick(color=TEXT, thickness=3, size=40),
            tb.mark_text(baseline="bottom", dy=-6, color=TEXT, fontSize=12).encode(text=alt.Text(f"{label}:N")),
        ]
    chart = alt.layer(*layers, width=min(WIDTH, 120 * max(len(order), 2)), height=260)
    return described(with_axes(chart, y=axis), description)


def measure_panels(
    df: pl.DataFrame,
    *,
    panel: str,
    column: str,
    column_order: list[str],
    value: str,
    label: str,
    value_title: str,
    tooltip: list,
    description: str,
    columns: int = 3,
) -> alt.TopLevelMixin:
    """Several measures of one kind and unit: one small column chart per measure (``panel``
    names it, as the panel's heading), each with its own value axis titled ``value_title``, so
    no two measures share an axis; in each, its figures left to right in ``column_order``
    (earliest period first), labelled as printed; rows of kind target are black ticks, never
    columns. Headings and column labels are wrapped onto lines, never cut off."""
    axis = _axis(df, "measure panels", value)
    panels = list(dict.fromkeys(df[panel].to_list()))
    heads = {p: wrap_label(p, 30) for p in panels}
    ticks = {c: wrap_label(c, 14) for c in column_order}
    data = df.with_columns(
        pl.col(panel).replace_strict(heads, return_dtype=pl.String),
        pl.col(column).replace_strict(ticks, default=pl.col(column), return_dtype=pl.String),
    )
    if "kind" not in data.columns:
        data = data.with_columns(pl.lit("").alias("kind"))
    x = alt.X(
        f"{column}:N",
        sort=[ticks[c] for c in column_order],
        title=None,
        axis=wrapped_axis(labelAngle=0),
    )
    # shares: every panel from 0 to 100%, so a panel's height reads as the share it shows
    scale = alt.Scale(domain=[0, 1]) if axis.unit == "proportion" and axis.quantity == "share" else alt.Undefined
    y = alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=_fmt(axis.unit)), scale=scale, stack=None)
    lines = max(str(t).count("\n") + 1 for t in heads.values())

    # Built from schema objects (one unit per layer, the data and the facet at the top) rather
    # than by chaining ``encode().transform_filter().mark_bar()`` and ``facet()``: each step
    # copies the chart, and this chart is redrawn on every change of a theme explorer's controls.
    kinds = set(data["kind"].eq("target").to_list())

    def unit(mark: alt.MarkDef, targets: bool, text: bool = False) -> alt.Chart:
        enc = alt.FacetedEncoding(x=x, y=y, tooltip=tooltip, **({"text": alt.Text(f"{label}:N")} if text else {}))
        test = "datum.kind === 'target'" if targets else "datum.kind !== 'target'"
        # (a filter only where both kinds are drawn: each layer and transform costs Vega time on
        # every redraw, times the number of panels)
        return alt.Chart(
            mark=mark, encoding=enc, transform=[alt.FilterTransform(filter=test)] if len(kinds) > 1 else []
        )

    layers = []
    if False in kinds:  # figures as reported: columns, labelled as printed
        layers += [
            unit(alt.MarkDef(type="bar", color=PALETTE[0], width={"band": 0.6}), targets=False),
            unit(alt.MarkDef(type="text", baseline="bottom", dy=-4, color=TEXT, fontSize=12), False, text=True),
        ]
    if True in kinds:  # targets: black ticks, labelled as printed
        layers += [
            unit(alt.MarkDef(type="tick", color=TEXT, thickness=3, size=40), targets=True),
            unit(alt.MarkDef(type="text", baseline="bottom", dy=-6, color=TEXT, fontSize=12), True, text=True),
        ]
    if len(panels) == 1:  # one measure: its columns, no heading (the chart's title names it)
        width = min(WIDTH, 120 * max(len(set(data[column])), 2))
        one = alt.LayerChart(layer=layers, data=data, width=width, height=260)
        return described(with_axes(one, y=axis), description)
    layer = alt.LayerChart(layer=layers, width=170, height=150)
    chart = alt.FacetChart(
        data=data,
        spec=layer,
        facet=alt.FacetFieldDef(
            field=panel,
            type="nominal",
            sort=[heads[p] for p in panels],
            title=None,
            header=alt.Header(
                labelExpr="split(datum.label, '\\n')",
                labelLimit=0,
                labelFontSize=12,
                labelFontWeight="bold",
                labelAlign="left",
                labelAnchor="start",
                labelBaseline="top",
                labelPadding=6,
                labelLineHeight=15,
            ),
        ),
        columns=min(columns, len(panels)),
        spacing={"row": 12 + 15 * (lines - 1), "column": 24},
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="independent", y="independent")),
    )
    return described(with_axes(chart, y=axis), description)


def change_dots(
    df: pl.DataFrame,
    *,
    measure: str,
    value: str,
    label: str,
    period: str,
    group: str,
    groups: list[str],
    value_title: str,
    tooltip: list,
    description: str,
) -> alt.TopLevelMixin:
    """Changes over different periods: one dot per change, labelled, in one panel per period
    (so no two changes of different periods sit side by side as bars of one chart); colour
    says which group (need and demand, workforce, access) each belongs to."""
    axis = _axis(df, "change dots", value)
    if axis.quantity != "change":
        raise MixedAxisError(f"change dots: draws changes, not {axis.quantity}")
    data = df.with_columns(pl.col(measure).map_elements(lambda t: wrap_label(t, 56), return_dtype=pl.String))
    base = alt.Chart().encode(
        y=alt.Y(f"{measure}:N", title=None, sort=None, axis=wrapped_axis()),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=_fmt(axis.unit)), scale=alt.Scale(zero=True)),
        tooltip=tooltip,
    )
    rule = alt.Chart().mark_rule(color=TEXT, strokeWidth=1, aria=False).encode(x=alt.datum(0))  # the zero line
    dots = base.mark_point(filled=True, size=120, opacity=1).encode(
        color=alt.Color(f"{group}:N", title="Group", scale=colour_scale(groups), legend=alt.Legend(orient="top"))
    )
    text = base.mark_text(align="left", dx=9, color=TEXT).encode(text=alt.Text(f"{label}:N"))
    layer = alt.layer(rule, dots, text, data=data, width=WIDTH - 160, height=wrapped_step(data[measure]))
    chart = layer.facet(
        row=alt.Row(
            f"{period}:N",
            title=None,
            sort=None,
            header=alt.Header(
                labelAngle=0,
                labelAlign="left",
                labelAnchor="start",
                labelFontWeight="bold",
                labelOrient="top",
                labelFontSize=13,
                labelLimit=600,
            ),
        ),
        spacing=4,
    ).resolve_scale(y="independent")
    return described(with_axes(chart, x=axis), description)


def against_targets(
    df: pl.DataFrame,
    *,
    row: str,
    value: str,
    low: str,
    high: str,
    label: str,
    value_title: str,
    tooltip: list,
    description: str,
) -> alt.TopLevelMixin:
    """Reported figures against their targets, one row per commitment (a bullet chart): the
    reported value as a bar, each target as a black tick or, for a range, a band between its
    ends; labels give the figures as printed. Rows of kind target (``kind`` column) are never
    bars."""
    axis = _axis(df, "against targets", value)
    is_target = pl.col("kind").eq("target") | pl.col("quantity").is_in(list(MARKER_QUANTITIES))
    reported = df.filter(~is_target)
    targets = df.filter(is_target)
    y = alt.Y(f"{row}:N", title=None, sort=None, axis=wrapped_axis())
    x_axis = alt.Axis(format=_fmt(axis.unit))
    x = alt.X(f"{value}:Q", title=value_title, axis=x_axis, scale=alt.Scale(zero=True), stack=None)
    bars = alt.Chart(reported).mark_bar(color=PALETTE[0], height=16).encode(y=y, x=x, tooltip=tooltip)
    bar_text = (
        alt.Chart(reported)
        .mark_text(align="left", baseline="bottom", dy=-10, color=TEXT, fontSize=12)
        .encode(y=y, x=alt.datum(0), text=alt.Text(f"{label}:N"))
    )
    band = (
        alt.Chart(targets.filter(pl.col(low) != pl.col(high)))
        .mark_bar(color=GREY, opacity=0.35, height=34)
        .encode(y=y, x=alt.X(f"{low}:Q", stack=None), x2=alt.X2(f"{high}:Q"), tooltip=tooltip)
    )
    ticks = (
        alt.Chart(targets)
        .mark_tick(color=TEXT, thickness=3, size=34)
        .encode(y=y, x=alt.X(f"{high}:Q", stack=None), tooltip=tooltip)
    )
    tick_text = (
        alt.Chart(targets)
        .mark_text(align="left", baseline="top", dx=-2, dy=19, color=TEXT, fontSize=11)
        .encode(y=y, x=alt.X(f"{low}:Q", stack=None), text=alt.Text(f"{label}:N"))
    )
    chart = alt.layer(band, bars, ticks, bar_text, tick_text, width=WIDTH - 120, height=alt.Step(78))
    return described(with_axes(chart, x=axis), description)


def category_bars(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    label: str,
    value_title: str,
    tooltip: list,
    description: str,
) -> alt.TopLevelMixin:
    """Counts or shares by category, largest first, with "Not recorded" (missing answers,
    see :func:`charts.not_recorded`) last and in grey; each bar labelled."""
    axis = _axis(df, "category bars", value)
    known = df.filter(pl.col(category) != NOT_RECORDED).sort(value, descending=True)
    missing = df.filter(pl.col(category) == NOT_RECORDED)
    order = known[category].to_list() + missing[category].to_list()
    data = pl.concat([known, missing])
    base = alt.Chart(data).encode(
        y=alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=_fmt(axis.unit))),
        tooltip=tooltip,
    )
    # the typed form of alt.condition(test, alt.value(GREY), alt.value(PALETTE[0])): same spec,
    # but altair does not look the plain dict up against its whole schema (about 8 ms a chart)
    grey_if_missing = alt.ConditionalPredicateValueDefGradientstringnullExprRef(
        test=alt.datum[category] == NOT_RECORDED, value=GREY
    )
    bars = base.mark_bar().encode(color=alt.ColorValue(PALETTE[0], condition=grey_if_missing))
    text = base.mark_text(align="left", dx=4, color=TEXT).encode(text=alt.Text(f"{label}:N"))
    chart = alt.layer(bars, text, width=WIDTH - 160, height=alt.Step(20))
    return described(with_axes(chart, x=axis), description)


def small_multiples(
    df: pl.DataFrame,
    *,
    panel: str,
    x: str,
    x_order: list[str],
    value: str,
    value_title: str,
    tooltip: list,
    description: str,
    columns: int = 4,
    highlight: str | None = None,
    pick: bool = False,
) -> alt.TopLevelMixin:
    """One small column chart per ``panel`` (e.g. per vanguard), periods left to right, one
    shared value axis: instead of stacking more than four series. With ``highlight``, one
    chart of column totals with the highlighted series in colour and the rest in grey."""
    axis = _axis(df, "small multiples", value)
    if highlight is not None:
        data = df.with_columns(
            pl.when(pl.col(panel) == highlight)
            .then(pl.lit(highlight))
            .otherwise(pl.lit("All other vanguards"))
            .alias("series")
        )
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X(f"{x}:N", sort=x_order, title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y(f"sum({value}):Q", title=value_title),
                color=alt.Color(
                    "series:N",
                    title=None,
                    scale=alt.Scale(domain=[highlight, "All other vanguards"], range=[PALETTE[0], GREY]),
                    legend=alt.Legend(orient="top"),
                ),
                order=alt.Order("series_order:Q"),
                tooltip=tooltip,
            )
            .transform_calculate(series_order=f"datum.series === {highlight!r} ? 0 : 1")
            .properties(width=WIDTH, height=260)
        )
        return described(with_axes(chart, y=axis), description)
    df = df.with_columns(pl.col(panel).map_elements(lambda t: wrap_label(t, 22), return_dtype=pl.String))
    base = alt.Chart(df).mark_bar(color=PALETTE[0])
    enc: dict = dict(
        x=alt.X(f"{x}:N", sort=x_order, title=None, axis=alt.Axis(labelAngle=-90, labelFontSize=10)),
        y=alt.Y(f"{value}:Q", title=value_title),
        tooltip=tooltip,
    )
    if pick:  # click a panel's bars to pick it out (the same selection as the explorers' other charts)
        sel = alt.selection_point(name="pick", fields=[panel])
        enc["opacity"] = alt.OpacityValue(0.25, condition={"param": "pick", "value": 1})
        base = base.add_params(sel)
    chart = (
        base.encode(**enc)
        .properties(width=130, height=90)
        .facet(
            facet=alt.Facet(
                f"{panel}:N",
                title=None,
                header=alt.Header(labelFontSize=11, labelLimit=0, labelExpr="split(datum.label, '\\n')"),
            ),
            columns=columns,
        )
    )
    return described(with_axes(chart, y=axis), description)


__all__ = [
    "against_targets",
    "measure_panels",
    "category_bars",
    "change_dots",
    "period_columns",
    "small_multiples",
    "status_bars",
]
