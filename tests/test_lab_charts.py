"""briefing.ipynb draws offline in JupyterLab: outside the annex, the first chart of a kernel
carries the chart libraries once and every chart a script that draws it from its JSON data
block; the annex's kernel gets neither, and the export drops both."""

from __future__ import annotations

import json

import altair as alt
import nbformat
import pytest

from cyp_evidence.briefing.content import html
from cyp_evidence.briefing.content.marks import ANNEX_ENV, VERSION_PLACEHOLDER
from cyp_evidence.briefing.pipeline import export, publish
from cyp_evidence.paths import NOTEBOOKS_DIR


def _chart():
    return alt.Chart(alt.Data(values=[{"a": 1}])).mark_bar().encode(x="a:Q")


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(html, "_lab_libraries_sent", False)
    monkeypatch.delenv(ANNEX_ENV, raising=False)


def test_first_chart_carries_the_libraries_once(fresh):
    first, second = html.chart_html(_chart()), html.chart_html(_chart())
    assert first.count(html.LAB_LIBRARIES_START) == 2 and second.count(html.LAB_LIBRARIES_START) == 1
    assert len(first) > 500_000 > len(second)  # the libraries, once
    assert "typeof window.vegaEmbed !== 'function'" in first  # a page that has them keeps its own
    assert first.index(html.LAB_LIBRARIES_END) < first.index("altair-viz-")  # loaded before the chart
    div = second.split('id="')[1].split('"')[0]
    assert f'"{div}"' in second.split(html.CHART_SPEC_CLASS)[1]  # the drawer draws this chart
    for text in (first, second):
        stripped = html.strip_lab_libraries(text)
        assert html.LAB_LIBRARIES_START not in stripped and '<script type="text/javascript">' not in stripped
        assert html.CHART_SPEC_CLASS in stripped and len(stripped) < 10_000


def test_the_annex_kernel_gets_none(fresh, monkeypatch):
    monkeypatch.setenv(ANNEX_ENV, "1")
    text = html.chart_html(_chart())
    assert html.LAB_LIBRARIES_START not in text and "text/javascript" not in text


def test_export_drops_them_without_changing_the_notebook(fresh):
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output("display_data", data={"text/html": html.chart_html(_chart())})
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[out])]
    clean = export._without_lab_libraries(nb)
    assert html.LAB_LIBRARIES_START not in clean.cells[0].outputs[0]["data"]["text/html"]
    assert html.LAB_LIBRARIES_START in nb.cells[0].outputs[0]["data"]["text/html"]  # the caller's copy kept
    plain = nbformat.v4.new_notebook()
    assert export._without_lab_libraries(plain) is plain


def test_stored_briefing_has_the_libraries_once_and_no_placeholder_text():
    nb = json.loads((NOTEBOOKS_DIR / "briefing.ipynb").read_text(encoding="utf-8"))
    htmls = [
        "".join(o["data"]["text/html"])
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    text = "".join(htmls)
    charts = text.count(html.CHART_SPEC_CLASS)
    assert charts >= 10 and text.count(html.LAB_LIBRARIES_START) == charts + 1  # libraries once, a drawer each
    assert "altair-viz-" in text and text.index(html.LAB_LIBRARIES_START) < text.index("altair-viz-")
    assert "@@" not in html.strip_lab_libraries(text).replace(export._BUNDLE_SLOT, "")
    assert VERSION_PLACEHOLDER in text  # reads "draft (numbered when published)"
