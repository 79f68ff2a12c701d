"""Chart builders for the JupyterLab explorations (lib/cyp_evidence/explore).

Each builder takes a tidy polars frame and returns an altair chart with a text alternative
(``described``: it becomes the chart's aria-label), the project palette, tooltips that show the
figure as printed, and, where it helps, an altair selection (click a legend entry or a bar to
pick out one category; shift-click adds more). Builders never compute figures: the explorers
pass them frames from the evidence records and :mod:`cyp_evidence.measures`.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from . import (
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

WIDTH = 560
MUTED = 0.25


def alt_items(df: pl.DataFrame, label: str, value: str, limit: int = 20) -> str:
    items = [f"{r[label]}: {r[value]}" for r in df.head(limit).iter_rows(named=True)]
    more = f"; and {df.height - limit} more" if df.height > limit else ""
    return "; ".join(items) + more


def empty(message: str) -> alt.TopLevelMixin:
    """A blank chart that says why there is nothing to draw."""
    chart = (
        alt.Chart(pl.DataFrame({"message": [message]}))
        .mark_text(fontSize=14, align="left", color="#3D3D3D")
        .encode(text="message:N")
        .properties(width=WIDTH, height=60)
    )
    return described(chart, message)


def wrapped(df: pl.DataFrame, field: str, width: int) -> pl.DataFrame:
    """``df`` with the labels in ``field`` split into lines of at most ``width`` characters
    (:func:`charts.wrap_label`), drawn by :func:`charts.wrapped_axis`: never cut off."""
    return df.with_columns(pl.col(field).map_elements(lambda t: wrap_label(t, width), return_dtype=pl.String))


def _legend_pick(field: str, name: str = "pick") -> alt.Parameter:
    return alt.selection_point(name=name, fields=[field], bind="legend")


def _highlight(pick: alt.Parameter) -> alt.OpacityValue:
    """Full opacity for the picked categories, muted for the rest. (Built as a schema object,
    not the dict ``alt.condition`` returns: altair would rebuild its class table to wrap a dict,
    which is most of the time a chart takes to build.)"""
    return alt.OpacityValue(MUTED, condition={"param": pick.name, "value": 1})


def _scale(n: int) -> alt.Scale:
    """The palette for ``n`` categories (at most ``len(PALETTE)``: more colours than that are
    not told apart; use small multiples or highlight one)."""
    if n > len(PALETTE):
        raise MixedAxisError(f"{n} categories in colour: at most {len(PALETTE)}")
    return alt.Scale(range=PALETTE[:n])


def bars(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    color: str | None = None,
    color_title: str = "",
    tooltip: list | None = None,
    description: str,
    sort: str | list = "-x",
    label_chars: int = 56,
    color_domain: list[str] | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars, one per category; colour (optional) picked out through the legend, each
    category the colour of its place in ``color_domain`` (the same whatever the filter leaves).
    The rows must carry ``quantity`` and ``unit`` (one of each: :func:`one_axis`)."""
    if df.height == 0:
        return empty("No figures match the current choices.")
    axis = one_axis(df, "bars")
    df = wrapped(df, category, label_chars)
    enc = dict(
        y=alt.Y(f"{category}:N", sort=sort, title=None, axis=wrapped_axis()),
        x=alt.X(f"{value}:Q", title=value_title),
        tooltip=tooltip or [alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=",.4~g")],
    )
    chart = alt.Chart(df).mark_bar()
    if color:
        pick = _legend_pick(color)
        enc["color"] = alt.Color(
            f"{color}:N",
            title=color_title or color,
            scale=colour_scale(color_domain or df[color].unique(maintain_order=True).to_list()),
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=0),
        )
        enc["opacity"] = _highlight(pick)
        chart = chart.add_params(pick)
    chart = chart.encode(**enc).properties(width=WIDTH - 200, height=wrapped_step(df[category]))
    return described(with_axes(chart, x=axis), description)


def stacked_with_totals(
    df: pl.DataFrame,
    *,
    x: str,
    x_order: list[str],
    x_title: str,
    value: str,
    value_title: str,
    total: str,
    total_title: str,
    category: str,
    category_title: str,
    category_order: list[str],
    tooltip: list,
    description: str,
) -> alt.TopLevelMixin:
    """Stacked bars of ``value`` (x = quarter) beside one bar per category of ``total`` summed
    over the quarters shown.

    The two are linked: click a category's bar on the right (or its legend entry) to pick it
    out on the left; shift-click adds more; double-click clears."""
    if df.height == 0:
        return empty("No figures match the current choices.")
    # Built as one set of schema objects (data and the selection at the top, the right-hand view
    # named for it) rather than by chaining ``mark_bar().encode().properties()`` and
    # ``alt.hconcat``: each step copies the chart, and this chart is redrawn on every change of
    # the vanguard explorer's controls. The spec is the same apart from the view's name.
    colour = alt.Color(
        f"{category}:N",
        title=category_title,
        sort=category_order,
        scale=colour_scale(category_order),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0),
    )
    opacity = _highlight(alt.Parameter(name="pick"))
    left = alt.Chart(
        mark=alt.MarkDef(type="bar"),
        encoding=alt.FacetedEncoding(
            x=alt.X(f"{x}:N", sort=x_order, title=x_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value_title),
            color=colour,
            order=alt.Order("order:Q"),
            opacity=opacity,
            tooltip=tooltip,
        ),
        width=WIDTH - 140,
        height=320,
    )
    right = alt.Chart(
        mark=alt.MarkDef(type="bar"),
        encoding=alt.FacetedEncoding(
            y=alt.Y(f"{category}:N", sort=category_order, title=None, axis=alt.Axis(labelLimit=0)),
            x=alt.X(f"sum({total}):Q", title=total_title),
            color=colour,
            opacity=opacity,
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"sum({total}):Q", title=total_title, format=","),
            ],
        ),
        name="totals",
        width=180,
        height=alt.Step(16),
    )
    pick = alt.TopLevelSelectionParameter(
        name="pick",
        select=alt.PointSelectionConfig(type="point", fields=[category]),
        bind="legend",
        views=["totals"],
    )
    chart = alt.HConcatChart(
        hconcat=[left, right],
        data=df,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")),
        description=description,
    )
    chart.params = [pick]  # set after: the constructor would re-check (validate) a top-level param
    return with_axes(chart, y=one_axis(df, "stacked bars"), x=Axis("level", "count"))


def grouped_bars(
    df: pl.DataFrame,
    *,
    category: str,
    category_order: list[str],
    group: str,
    value: str,
    value_title: str,
    tooltip: list,
    description: str,
) -> alt.TopLevelMixin:
    """Bars for each category, one per group side by side (e.g. age group by gender)."""
    if df.height == 0:
        return empty("No figures match the current choices.")
    pick = _legend_pick(group)
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=category_order, title=None, axis=alt.Axis(labelLimit=0)),
            yOffset=alt.YOffset(f"{group}:N"),
            x=alt.X(f"{value}:Q", title=value_title),
            color=alt.Color(
                f"{group}:N",
                scale=colour_scale(df[group].unique(maintain_order=True).to_list()),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=_highlight(pick),
            tooltip=tooltip,
        )
        .add_params(pick)
        .properties(width=WIDTH - 160, height=alt.Step(12))
    )
    return described(with_axes(chart, x=one_axis(df, "grouped bars")), description)


def timeline(
    df: pl.DataFrame,
    *,
    date: str,
    row: str,
    color: str,
    color_order: list[str],
    shape: str | None,
    tooltip: list,
    at: str,
    description: str,
    row_title: str = "",
    color_title: str = "Progress in the sources",
) -> alt.TopLevelMixin:
    """Dated events per row (due dates, reported dates) with a rule at the chosen date."""
    if df.height == 0:
        return empty("Nothing with a date matches the current choices.")
    pick = _legend_pick(color)
    df = wrapped(df, row, 44)
    enc = dict(
        x=alt.X(f"{date}:T", title="Date"),
        y=alt.Y(f"{row}:N", title=row_title or None, axis=wrapped_axis()),
        color=alt.Color(
            f"{color}:N",
            title=color_title,
            sort=color_order,
            scale=colour_scale(color_order),
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=0),
        ),
        opacity=_highlight(pick),
        tooltip=tooltip,
    )
    if shape:
        enc["shape"] = alt.Shape(f"{shape}:N", title="Date of", legend=alt.Legend(orient="bottom"))
    points = alt.Chart(df).mark_point(filled=True, size=110).encode(**enc).add_params(pick)
    rule = (
        alt.Chart(pl.DataFrame({"at": [at], "label": [f"Chosen date: {at}"]}))
        .mark_rule(color=TEXT, strokeDash=[6, 3], size=2)
        .encode(x="at:T", tooltip=alt.Tooltip("label:N", title=""))
    )
    chart = alt.layer(points, rule).properties(width=WIDTH - 120, height=wrapped_step(df[row]))
    return described(chart, description)


__all__ = [
    "alt_items",
    "wrapped",
    "bars",
    "empty",
    "grouped_bars",
    "stacked_with_totals",
    "timeline",
]
