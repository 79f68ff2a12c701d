"""Altair chart builders: accessible (aria description, colour-blind-safe palette with
sufficient contrast), captioned and cited. Charts know nothing of papermill or widgets.

Every builder returns a ``Figure``: the chart, the data behind it (a polars frame that is
shown as a table next to the chart), a caption, a text alternative and the citations taken
from the evidence records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import polars as pl

# Government Analysis Function categorical palette (accessible on white, in this order).
# https://analysisfunction.civilservice.gov.uk/policy-store/data-visualisation-colours-in-charts/
PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
# A longer sequence for charts with more categories than the palette (keeps contrast >= 3:1).
EXTENDED = PALETTE + ["#0F7B6C", "#B4406B", "#6B4C9A", "#8A5A00", "#1D70B8", "#5E5E5E"]
TEXT = "#0B0C0C"
FONT = "Arial, Helvetica, sans-serif"


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 300},
            "range": {"category": EXTENDED},
            "axis": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "labelFontSize": 12,
                "titleFontSize": 13,
                "gridColor": "#D9D9D9",
            },
            "legend": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 12, "titleFontSize": 13},
            "title": {"color": TEXT, "fontSize": 15, "anchor": "start"},
            "mark": {"color": PALETTE[0]},
        }
    }


alt.theme.register("cyp_evidence", enable=True)(theme)


@dataclass
class Figure:
    """A chart with everything an accessible, cited exhibit needs."""

    chart: alt.TopLevelMixin
    data: pl.DataFrame
    caption: str
    alt_text: str
    citations: list[str] = field(default_factory=list)

    def spec(self) -> dict:
        return self.chart.to_dict()


def wrap_label(text: str, width: int = 48) -> str:
    """A long category label broken into lines of at most ``width`` characters (joined by
    newlines), for :func:`wrapped_axis`: nothing is cut off, as it would be at a label limit."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def wrapped_axis(**kwargs) -> alt.Axis:
    """An axis that draws :func:`wrap_label` labels on several lines."""
    return alt.Axis(labelExpr="split(datum.value, '\\n')", labelLimit=0, **kwargs)


def wrapped_step(labels) -> alt.Step:
    """The band height for :func:`wrap_label` labels: room for the label with the most lines."""
    lines = max((str(v).count("\n") + 1 for v in labels), default=1)
    return alt.Step(max(26, 14 * lines + 8))


def described(chart: alt.TopLevelMixin, alt_text: str) -> alt.TopLevelMixin:
    """Attach the text alternative (it becomes the chart's aria-label)."""
    return chart.properties(description=alt_text)
