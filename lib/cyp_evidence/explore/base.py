"""What every explorer shares: controls, chart data, the widget, citations, table and CSV.

An explorer is driven without a browser::

    ex = VanguardExplorer(pkg)
    ex.controls["measure"].value = "Share (%)"
    ex.chart_data          # the polars frame the chart draws (for the current choices)
    ex.chart()             # the altair chart for the current choices
    ex.table               # the figures behind the chart, each row with its citation
    ex.save_csv()          # writes ``table`` under outputs/explore/ and returns the path

``ex.widget`` is the ipywidgets UI for JupyterLab: the controls, the chart (an
``alt.JupyterChart`` whose front end keeps every chart it has drawn, with the JavaScript bundled
offline, so no CDN is needed: ``thirdparty/jupyterchart.chart_class``), the
source citation under it, a toggle that shows the figures behind the chart, and a button that
saves them as CSV. Changing a control redraws the chart in place.

Redrawing is kept fast (``refresh``): the chart is built without altair's validation of every
object as it is made, and its Vega-Lite spec is validated against the schema only the first time
a spec of its shape is drawn (``spec_shape``: the spec less what cannot make it invalid, such as
the inline rows, the text alternative and titles); the spec then goes straight to the
``alt.JupyterChart`` rather than through its ``chart`` setter, which would validate it again.
What a choice of the controls shows (the chart's data, its spec and text, the citations, notes
and definitions) is kept, up to ``VIEWS_KEPT`` choices an explorer: the evidence does not
change while a notebook runs, so going back to a choice seen before sends what was built then.
``refresh()`` always builds anew (and keeps the result).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import ipywidgets as widgets
import polars as pl
from altair.utils.schemapi import debug_mode

from .. import charts  # registers and enables the project theme
from ..escape import html_text
from ..evidence import EvidencePackage, load
from ..evidence.cite import source_label
from ..htmltable import INLINE, frame_table
from ..ids import slugify
from ..paths import OUTPUTS_DIR
from ..thirdparty import jupyterchart
from . import definitions, download, tables

EXPLORE_OUTPUTS = OUTPUTS_DIR / "explore"
ALL = "All"
MAX_TABLE_ROWS = 300
VIEWS_KEPT = 64  # choices of the controls whose view an explorer keeps (see the module docstring)
_offline = False


def enable_offline() -> None:
    """Draw every chart with the Vega JavaScript bundled by vl-convert (no CDN), both the
    explorers' ``alt.JupyterChart`` widgets and plain altair charts shown in a notebook."""
    global _offline
    if not _offline:
        jupyterchart.check_versions()
        jupyterchart.enable_offline()  # JupyterChart's offline module, cached on disk
        alt.renderers.enable("jupyter", offline=True)
        _offline = True


def grow_layout() -> widgets.Layout:
    """A list whose options are long (a measure's whole label): as wide as the row leaves it,
    from 520 px, so a closed list shows as much of the choice as fits; narrower when the
    notebook is (it never forces the row wider than the page)."""
    return widgets.Layout(width="auto", flex="1 1 520px", max_width="100%")


# the project's one HTML text escaper (never rounds a figure)
esc = html_text


def html_table(df: pl.DataFrame, caption: str, max_rows: int = MAX_TABLE_ROWS) -> str:
    """The figures behind a chart as an accessible table (inline styles: no stylesheet of ours
    applies in JupyterLab) of at most ``max_rows`` rows, saying when some are left out."""
    more = (
        f"<p>Showing the first {max_rows} of {df.height} rows; the CSV has them all.</p>"
        if df.height > max_rows
        else ""
    )
    return frame_table(df.head(max_rows), caption, styles=INLINE) + more


# Shapes of spec already validated against the Vega-Lite schema (see ``spec_shape``).
_VALID_SHAPES: set[str] = set()
_MAX_SHAPES = 1024
_FREE_TEXT = ("description", "title")
_GENERATED_NAME = re.compile(r"^(data-[0-9a-f]{32}|view_[0-9a-f]+_\d+|view_\d+|param_\d+)$")


def spec_shape(spec: dict) -> str:
    """The spec as the schema sees it: what decides whether a Vega-Lite spec is valid.

    Left out, because no value of theirs can make a spec invalid: the inline rows (``datasets``:
    arrays of objects), free text (``description``, ``title`` strings), the orders in ``sort``
    lists (arrays of strings or numbers) and the names altair generates for data and views.
    Everything else (marks, encodings, field types, formats, params, scales) is kept, so two
    specs of one shape are both valid or both invalid."""

    def walk(v, key=None):
        if isinstance(v, dict):
            return {k: ([] if k == "datasets" and key is None else walk(x, k)) for k, x in v.items()}
        if isinstance(v, list):
            items = [walk(x, key) for x in v]
            if key in ("sort", "domain") and all(isinstance(x, (str, int, float)) for x in v):
                return sorted({type(x).__name__ for x in v})
            return items
        if isinstance(v, str):
            if key in _FREE_TEXT:
                return ""
            if _GENERATED_NAME.match(v):
                return "name"
        return v

    return json.dumps(walk(spec), sort_keys=True, default=str)


def checked_spec(chart: alt.TopLevelMixin) -> dict:
    """``chart``'s Vega-Lite spec, validated against the schema the first time a spec of its
    shape is seen (altair's ``to_dict()``), built without validation after that."""
    spec, shape = unchecked_spec(chart)
    if shape is not None:
        spec = check_shape(chart, shape)
    return spec


def unchecked_spec(chart: alt.TopLevelMixin) -> tuple[dict, str | None]:
    """``chart``'s spec built without validation, and its shape if no spec of that shape has
    been validated yet (then :func:`check_shape` must follow)."""
    spec = chart.to_dict(validate=False)
    shape = spec_shape(spec)
    return spec, (None if shape in _VALID_SHAPES else shape)


def check_shape(chart: alt.TopLevelMixin, shape: str) -> dict:
    """Validate ``chart`` (altair's ``to_dict()``: raises its SchemaValidationError if the spec is
    invalid) and remember its shape as valid; returns the validated spec."""
    spec = chart.to_dict()
    if len(_VALID_SHAPES) >= _MAX_SHAPES:
        _VALID_SHAPES.clear()
    _VALID_SHAPES.add(shape)
    return spec


def citation_html(pkg: EvidencePackage, citations: list[str], open_up_to: int = 4) -> str:
    """The citations under a chart, grouped by source document: each document once, then the
    places in it ("Annex 1, slide 5; para 8"). Long lists are folded (click to open)."""
    if not citations:
        return "<p style='font-size:13px'><b>Source:</b> no figures shown.</p>"
    labels = [source_label(pkg, s) for s in pkg.sources["source_id"].to_list()]
    groups: dict[str, list[str]] = {}
    for c in citations:
        label = next((lab for lab in labels if c.startswith(lab)), "")
        groups.setdefault(label or c, []).append(c[len(label) :].lstrip(", ") if label else "")
    items = "".join(
        f"<li>{esc(doc)}"
        + (f": <span style='color:#3D3D3D'>{esc('; '.join(p for p in places if p))}</span>" if any(places) else "")
        + "</li>"
        for doc, places in groups.items()
    )
    head = f"Source{'s' if len(citations) > 1 else ''}: {len(citations)} place{'s' if len(citations) > 1 else ''} in {len(groups)} document{'s' if len(groups) > 1 else ''}"
    body = f"<ul style='margin:2px 0'>{items}</ul>"
    if len(citations) <= open_up_to:
        return f"<div style='font-size:13px'><b>{head}</b>{body}</div>"
    return f"<details style='font-size:13px'><summary><b>{head}</b> (click to list them)</summary>{body}</details>"


def heading_html(text: charts.ChartText) -> str:
    """The chart's title and subtitle above it (as the annex's figure caption gives them)."""
    return (
        f"<h4 style='margin:8px 0 0;font-size:15px'>{esc(text.title)}</h4>"
        f"<p style='margin:0 0 4px;font-size:13px'>{esc(text.subtitle)}</p>"
    )


def description_html(text: charts.ChartText) -> str:
    """The chart's description as text under it: what a screen reader announces, once (the
    chart's own label is its title)."""
    if not text.description:
        return ""
    return f"<details style='font-size:12px'><summary>Description of the chart</summary><p>{esc(text.description)}</p></details>"


def offer(control, options: list, reset: bool = False) -> None:
    """Give ``control`` the choices that draw something (``options``: values or (label, value)
    pairs, "All" first where there is one): its value kept if still offered (unless ``reset``),
    else the first; hidden when it is left with one choice or none (no choice to make)."""
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    if list(control.options) != list(options):  # unchanged options: nothing to send to the browser
        control.options = options
    value = values[0] if values and (reset or control.value not in values) else control.value
    if values and control.value != value:
        control.value = value
    choices = [v for v in values if v not in (ALL, None)]
    display = "none" if len(choices) <= 1 else None
    if control.layout.display != display:
        control.layout.display = display


def earliest_date(pkg: EvidencePackage, draws) -> dt.date | None:
    """The first source publication date at which ``draws(date)`` is true (a status at a date
    before it would have nothing to show), None if there is none."""
    for d in sorted(set(pkg.sources["published"].to_list())):
        if draws(d):
            return d
    return None


# A slider's readout ("2022/23 Q1-2023/24 Q2") is cut at a fixed width by the widgets' own
# stylesheet; in an explorer it is shown whole.
WIDGET_STYLE = (
    "<style>.cyp-explorer .jupyter-widget-readout, .cyp-explorer .widget-readout"
    "{max-width:none;overflow:visible;margin-right:16px}</style>"
)


class ExplorerWidget(widgets.VBox):
    """The explorer's UI. Its plain-text form is short and fixed (it is what a notebook stores
    as the cell's text output, and what nbval compares), whatever the evidence holds."""

    def __init__(self, explorer: Explorer, **kwargs):
        self._label = f"{explorer.title}: to show this explorer, choose Run, then Run All Cells"
        super().__init__(**kwargs)
        self.add_class("cyp-explorer")

    def __repr__(self) -> str:
        # what JupyterLab shows in place of the explorer until the notebook is run
        return self._label


@dataclass(frozen=True)
class _View:
    """What one choice of an explorer's controls shows in its widget."""

    data: pl.DataFrame
    chart: alt.TopLevelMixin
    text: charts.ChartText
    spec: dict
    cite: str
    notes: str
    definition: str


class Explorer:
    """Base class: subclasses set ``name`` and ``title`` and define ``_controls``, ``compute``,
    ``build_chart`` and ``citations``; optionally ``table`` and ``notes``."""

    name = "explorer"
    title = "Explorer"
    show_table_at_start = False

    def __init__(self, pkg: EvidencePackage | None = None, outdir: Path | str | None = None):
        self.pkg = pkg if pkg is not None else load()
        self.outdir = Path(outdir) if outdir else EXPLORE_OUTPUTS
        self._widget: ExplorerWidget | None = None
        self._updating = False
        self._views: dict[str, _View] = {}
        self.controls: dict[str, widgets.ValueWidget] = self._controls()
        if self.controls:  # the controls offer, from the start, only what draws something
            self._sync_options(next(iter(self.controls)))
        for c in self.controls.values():
            c.observe(self._changed, names="value")
            if isinstance(c, widgets.ToggleButtons):
                c.style.button_width = "auto"
            if getattr(c, "description", "") and hasattr(c.style, "description_width"):
                c.style.description_width = "initial"  # the whole label ("Kind of figure"), never cut
        self._data = self.compute()

    # ---------------------------------------------------------------- to override
    def _controls(self) -> dict[str, widgets.ValueWidget]:
        raise NotImplementedError

    def compute(self) -> pl.DataFrame:
        """The frame the chart draws, for the current control values."""
        raise NotImplementedError

    def build_chart(self, data: pl.DataFrame) -> alt.TopLevelMixin:
        raise NotImplementedError

    def heading(self, data: pl.DataFrame) -> tuple[str, str, str, str]:
        """The chart's title (what it shows, in at most 15 words) and the measure, area and
        period its subtitle gives, for the current choices."""
        raise NotImplementedError

    @property
    def citations(self) -> list[str]:
        raise NotImplementedError

    @property
    def table(self) -> pl.DataFrame:
        """The figures behind the chart (default: the chart data)."""
        return self._data

    # readers' headers and words for this explorer's table, where they differ from tables.HEADERS
    reader_headers: dict[str, str] = {}
    reader_values: dict = {}

    @property
    def reader_table(self) -> pl.DataFrame:
        """``table`` as a reader sees it, under the chart and in the CSV: readers' headers,
        coded values in words, ids only in the reference columns (:mod:`.tables`)."""
        return tables.for_readers(self.pkg, self.table, self.reader_headers, self.reader_values)

    def notes(self) -> str:
        """HTML shown under the citation (caveats, formulas); empty by default."""
        return ""

    def definition(self) -> str:
        """The definition panel beside the chart (:mod:`.definitions`) for the evidence figures
        and source tables behind it (the table's ids and inputs); empty (and the panel hidden)
        when neither is behind it."""
        table = self.table
        return definitions.definition_html(
            self.pkg, definitions.figure_ids(self.pkg, table), tables=definitions.table_ids(self.pkg, table)
        )

    def _sync_options(self, changed: str) -> None:
        """Update dependent controls' options after ``changed`` changed (e.g. measures of a theme)."""

    # ---------------------------------------------------------------- shared behaviour
    @property
    def chart_data(self) -> pl.DataFrame:
        return self._data

    def figure(self) -> tuple[alt.TopLevelMixin, charts.ChartText]:
        """The chart for the current choices and what it says about itself (title, subtitle,
        description): the title is the chart's accessible name, as in the annex
        (:func:`charts.titled`); the description is shown once, as text under the chart."""
        built = self.build_chart(self._data)
        desc = getattr(built, "description", "")
        text = charts.ChartText(*self.heading(self._data), description=desc if isinstance(desc, str) else "")
        return charts.titled(built, text.title), text

    def chart(self) -> alt.TopLevelMixin:
        return self.figure()[0]

    def chart_text(self) -> charts.ChartText:
        return self.figure()[1]

    def state(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    def _changed(self, change) -> None:
        if self._updating:
            return
        with ExitStack() as held:
            if self._widget is not None:
                # the other controls' new options, values and displays go to the page in one
                # message each, after the chart: the redraw the adviser waits for comes first
                for c in self.controls.values():
                    if c is not change["owner"]:
                        held.enter_context(c.hold_sync())
                        held.enter_context(c.layout.hold_sync())
            self._updating = True
            try:
                owner = next((k for k, c in self.controls.items() if c is change["owner"]), "")
                self._sync_options(owner)
            finally:
                self._updating = False
            view = self._views.get(self._state_key()) if self._widget is not None else None
            if view is None:
                self.refresh()
            else:
                self._show_view(view)

    def set(self, **values) -> Explorer:
        """Set several controls at once (one recomputation per control)."""
        for k, v in values.items():
            self.controls[k].value = v
        return self

    def refresh(self) -> None:
        """Recompute the chart data and, when the widget is shown, redraw it (see ``_redraw``)
        and keep what it shows for this choice of the controls."""
        self._data = self.compute()
        if self._widget is not None:
            chart, text, spec = self._redraw()
            view = _View(self._data, chart, text, spec, self._citation_html(), self.notes(), self.definition())
            self._show_view(view, drawn=True)
            self._keep(view)

    def _state_key(self) -> str:
        return repr(tuple(self.state().items()))

    def _keep(self, view: _View) -> None:
        if len(self._views) >= VIEWS_KEPT:
            del self._views[next(iter(self._views))]  # the oldest choice kept
        self._views[self._state_key()] = view

    def _show_view(self, view: _View, drawn: bool = False) -> None:
        """Show ``view`` in the widget: the chart first (unless ``drawn``), then the rest."""
        self._data = view.data
        if not drawn:
            jupyterchart.set_spec(self._jchart, view.chart, view.spec)
            self._heading.value, self._described.value = heading_html(view.text), description_html(view.text)
        self._cite.value = view.cite
        self._notes.value = view.notes
        self._definition.value = view.definition
        self._definition.layout.display = None if view.definition else "none"
        if self._show.value:
            self._table_html.value = self._table_block()

    def _redraw(self) -> tuple[alt.TopLevelMixin, charts.ChartText, dict]:
        """Send the current chart to the widget (see the module docstring). A spec of a shape
        not seen before is validated just after it is sent, so the check is not on the path of
        the redraw; an invalid one still raises (the tests draw every combination of every
        control, so none is expected), and the next redraw validates its shape again."""
        with debug_mode(False):  # no validation of each altair object as it is built
            chart, text = self.figure()
            spec, new_shape = unchecked_spec(chart)
        jupyterchart.set_spec(self._jchart, chart, spec)
        self._heading.value, self._described.value = heading_html(text), description_html(text)
        if new_shape is not None:
            check_shape(chart, new_shape)
        return chart, text, spec

    def csv_path(self) -> Path:
        """outputs/explore/<explorer>--<control values>.csv (one file per set of choices)."""
        parts = [
            slugify("-".join(map(str, v)) if isinstance(v, (tuple, list)) else v, 40, fallback="all")
            for v in self.state().values()
        ]
        stem = (f"{self.name}--" + "--".join(parts))[:180].rstrip("-")
        return self.outdir / f"{stem}.csv"

    def save_csv(self, path: Path | str | None = None) -> Path:
        """Write ``reader_table`` as CSV (UTF-8 with a byte-order mark, for Excel) and return the
        path. In JupyterLab the download buttons send the same bytes to the browser instead."""
        path = Path(path) if path else self.csv_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(download.csv_bytes(self.reader_table))
        return path

    def download(self, what: str) -> tuple[str, bytes, str]:
        """What the download buttons send to the browser: ``(file name, bytes, message)`` for
        ``what`` = ``csv`` (the figures behind the chart), ``svg`` or ``png`` (the chart)."""
        stem = self.csv_path().stem
        if what == "csv":
            table = self.reader_table
            data = download.csv_bytes(table)
            detail = f"{table.height} row{'s' if table.height != 1 else ''} with their sources"
        elif what == "svg":
            data, detail = download.chart_svg(self._titled_spec()), "the chart as drawn, with its title"
        elif what == "png":
            data, detail = download.chart_png(self._titled_spec()), "the chart as drawn, with its title"
        else:
            raise ValueError(f"download: unknown kind {what!r} (choose csv, svg or png)")
        filename = f"{stem}.{what}"
        return filename, data, f"Downloaded {filename} ({detail}) to your browser's downloads folder."

    def _titled_spec(self) -> dict:
        """The chart's spec with its title and subtitle drawn on it (a downloaded picture
        travels without the page around it)."""
        chart, text = self.figure()
        spec = checked_spec(chart)
        spec["title"] = {"text": text.title, "subtitle": text.subtitle, "anchor": "start"}
        return spec

    def _citation_html(self) -> str:
        return citation_html(self.pkg, self.citations)

    @property
    def widget(self) -> ExplorerWidget:
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def _build_widget(self) -> ExplorerWidget:
        enable_offline()
        chart, text = self.figure()
        # alt.JupyterChart with a front end that keeps what it has drawn (thirdparty/jupyterchart)
        self._jchart = jupyterchart.chart_class()(chart, embed_options={"renderer": "svg", "actions": False})
        self._heading = widgets.HTML(heading_html(text))
        self._described = widgets.HTML(description_html(text))
        _VALID_SHAPES.add(spec_shape(self._jchart.spec))  # altair has just validated it
        self._cite = widgets.HTML(self._citation_html())
        self._notes = widgets.HTML(self.notes())
        self._definition = widgets.HTML(
            self.definition(), layout=widgets.Layout(width="26em", max_height="560px", overflow="auto")
        )
        self._definition.add_class("cyp-definition")
        self._definition.layout.display = None if self._definition.value else "none"
        self._show = widgets.ToggleButton(
            value=self.show_table_at_start,
            description="Show the figures behind the chart",
            icon="table",
            layout=widgets.Layout(width="auto"),
        )
        self._downloads = download.DownloadBar(self.download)
        self._table_html = widgets.HTML(self._table_block() if self.show_table_at_start else "")
        self._table_html.layout.display = None if self.show_table_at_start else "none"

        def toggle(change):
            if change["new"]:
                self._table_html.value = self._table_block()
            self._table_html.layout.display = None if change["new"] else "none"
            self._show.description = "Hide the figures" if change["new"] else "Show the figures behind the chart"

        self._show.observe(toggle, names="value")
        self._keep(
            _View(
                self._data, chart, text, self._jchart.spec, self._cite.value, self._notes.value, self._definition.value
            )
        )
        controls = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        return ExplorerWidget(
            self,
            children=[
                widgets.HTML(f"{WIDGET_STYLE}<h3 style='margin:4px 0'>{esc(self.title)}</h3>"),
                controls,
                self._heading,
                widgets.HBox(
                    [self._jchart, self._definition],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
                self._described,
                self._cite,
                self._notes,
                widgets.HBox(
                    [self._show, self._downloads], layout=widgets.Layout(align_items="center", flex_flow="row wrap")
                ),
                self._table_html,
            ],
        )

    def _table_block(self) -> str:
        return html_table(self.reader_table, f"Figures behind the chart: {self.title}")

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
