"""Small, escaping HTML builders for annex content. Every piece of text that comes from the
evidence (quotes, labels, names, citations) goes through ``esc`` (the project's one HTML text
escaper, :func:`cyp_evidence.escape.html_text`); chart specs are embedded as script-safe JSON
(:func:`cyp_evidence.escape.script_json`); nothing from the evidence is ever inserted as markup."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

import altair as alt
import polars as pl

from ...charts import titled
from ...escape import html_text as esc
from ...escape import script_json
from ...htmltable import frame_table
from .marks import ANNEX_ENV, LAB_LIBRARIES_END, LAB_LIBRARIES_START, strip_lab_libraries

__all__ = [
    "esc",
    "chart_html",
    "figure",
    "exhibit_table",
    "CHART_SPEC_CLASS",
    "LAB_LIBRARIES_START",
    "LAB_LIBRARIES_END",
    "lab_libraries",
    "strip_lab_libraries",
]


# Annex charts are not validated against the Vega-Lite schema while an annex is built (about
# 0.15 s per annex, on the render's critical path): tests/test_annex.py sets this to True and
# builds annexes for every section, a focus and an early cut-off, so an invalid spec fails there.
VALIDATE_CHARTS = False
# vega-embed options for every annex chart: no actions menu (it needs the network for the Vega
# editor, prints into PDFs and fails accessibility checks). The annex's one script
# (export.CHART_LOADER) adds ``ast: true`` so that vega interprets expressions instead of
# compiling them with ``new Function`` (the annex's Content-Security-Policy forbids eval).
EMBED_OPTIONS = {"actions": False}
# class of the JSON data block that holds a chart's spec (read by export.CHART_LOADER)
CHART_SPEC_CLASS = "annex-chart-spec"


# Outside the annex (the notebook opened in JupyterLab, ``make notebooks``, nbval) no page inlines
# the chart libraries, and altair's script would fetch them from a CDN. So the first chart of a
# kernel carries them once, between these markers, guarded so that a page that already has
# ``vegaEmbed`` keeps it, and every chart a small script that draws it (:func:`_lab_drawer`).
# The annex does not need them: ``cyp-evidence render`` starts its kernel with
# :data:`cyp_evidence.briefing.content.marks.ANNEX_ENV` set, and the export drops any such block (:func:`strip_lab_libraries`).
_lab_libraries_sent = False


def lab_libraries() -> str:
    """The vega / vega-lite / vega-embed bundle (about 0.9 MB) as one guarded inline script."""
    from .chartlibs import vega_bundle, vega_debug

    vega_debug()  # checks that the bundle is the major versions altair writes specs for
    return (
        f'{LAB_LIBRARIES_START}<script type="text/javascript">\n'
        "if (typeof window.vegaEmbed !== 'function') {\n"
        f"{vega_bundle()}\n"
        "}\n"
        f"</script>{LAB_LIBRARIES_END}"
    )


def _libraries_once() -> str:
    global _lab_libraries_sent
    if _lab_libraries_sent or os.environ.get(ANNEX_ENV):
        return ""
    _lab_libraries_sent = True
    return lab_libraries()


# Draws one chart from its JSON data block, as the annex's loader does for all of them at once.
_LAB_DRAWER = """(function () {
  var id = %s;
  var el = document.getElementById(id);
  var block = document.querySelector('script[data-chart="' + id + '"]');
  if (!el || !block || typeof window.vegaEmbed !== "function") return;
  var chart = JSON.parse(block.textContent);
  window.vegaEmbed(el, chart.spec, chart.embed).catch(function (err) {
    var d = document.createElement("div");
    d.className = "error";
    d.textContent = "This chart could not be drawn: " + ((err && err.message) || String(err));
    el.appendChild(d);
  });
})();"""


def _lab_drawer(div_id: str) -> str:
    if os.environ.get(ANNEX_ENV):
        return ""
    code = _LAB_DRAWER % script_json(div_id)
    return f'{LAB_LIBRARIES_START}<script type="text/javascript">{code}</script>{LAB_LIBRARIES_END}'


def chart_html(chart: alt.TopLevelMixin) -> str:
    """The chart as a ``<div id="altair-viz-...">`` and, after it, its Vega-Lite spec and embed
    options in a JSON data block (``<script type="application/json">``, never executed). The
    annex's one script (inlined once with the chart libraries, :mod:`cyp_evidence.briefing.pipeline.export`)
    draws every such chart with vega-embed when the page has loaded; a chart that fails shows
    ``div.error`` inside its div (as altair's own renderer does). The JSON is script-safe
    (:func:`~cyp_evidence.escape.script_json`): no evidence text can close the element. The
    chart's ``description`` becomes its aria-label. Validated only when :data:`VALIDATE_CHARTS`
    is set. Outside the annex (JupyterLab, where no page-wide script runs) each chart also
    carries a script that draws it, and the first one the chart libraries (:func:`lab_libraries`);
    the export drops both."""
    spec = chart.to_dict(validate=VALIDATE_CHARTS)
    div_id = f"altair-viz-{uuid.uuid4().hex}"
    payload = script_json({"spec": spec, "embed": {**EMBED_OPTIONS, "mode": "vega-lite"}})
    return (
        _libraries_once()
        + f'<div id="{div_id}" class="annex-chart"></div>'
        + f'<script type="application/json" class="{CHART_SPEC_CLASS}" data-chart="{div_id}">{payload}</script>'
        + _lab_drawer(div_id)
    )


def source_line(citations: Sequence[str]) -> str:
    """The sources of an exhibit: its one short citation ("B24 Annex 2 slides"), or, when its rows
    carry several, only their source keys ("B24, EC16"), so the line never repeats the rows."""
    cites = list(dict.fromkeys(c for c in citations if c))
    if len(cites) <= 1:
        return "; ".join(esc(c) for c in cites)
    return ", ".join(esc(k) for k in dict.fromkeys(c.split(" ")[0] for c in cites))


def figure(
    number: int,
    chart: alt.TopLevelMixin,
    caption: str,
    alt_text: str,
    citations: list[str],
    data_table: str,
    subtitle: str = "",
) -> str:
    """A numbered figure: its title (``caption``, the figure's accessible name, also the
    chart's aria-label) and subtitle, the chart, the visible description (announced once) and
    the data table (in a disclosure element)."""
    fid = f"figure-{number}"
    sources = source_line(citations)
    sub = f'<span class="subtitle">{esc(subtitle)}</span>' if subtitle else ""
    return (
        f'<figure id="{fid}" class="exhibit" aria-labelledby="{fid}-title">'
        f'<figcaption id="{fid}-caption"><span id="{fid}-title"><span class="exhibit-number">Figure {number}.</span> {esc(caption)}</span>'
        f"{sub}"
        f'<span class="source">Source: {sources}</span></figcaption>'
        f'<div class="chart">{chart_html(titled(chart, caption))}</div>'
        f'<p class="alt-text"><span class="visually-labelled">Description:</span> {esc(alt_text)}</p>'
        # the data behind the chart, one click away (a board paper leads with the chart and its
        # description; the numbers stay in the page for anyone who opens them)
        f'<details class="figure-data"><summary>Data for figure {number}</summary>{data_table}</details></figure>'
    )


def exhibit_table(number: int, df: pl.DataFrame, caption: str, columns, citations: list[str], numeric=()) -> str:
    sources = source_line(citations)
    return (
        f'<section class="exhibit table-exhibit" aria-label="Table {number}">'
        f"{frame_table(df, f'Table {number}. {caption}', columns, table_id=f'table-{number}', numeric=numeric)}"
        f'<p class="source">Source: {sources}</p></section>'
    )
