"""The offline HTML annex: a tiny notebook, executed with papermill, exported with export_html,
then checked as text and in headless Chromium with the network blocked (charts drawn, no
request, no console error, no axe WCAG 2.2 A/AA violation, evidence text never becomes markup)."""

from __future__ import annotations

import html
import json
import os
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from browser import axe_violations, describe_violations, open_offline

from cyp_evidence.briefing.content import chartlibs
from cyp_evidence.briefing.pipeline import csp, export

EVIL = "<script>window.__pwned=1</script><b>bold</b>"
CHART_DESCRIPTIONS = [
    "Bar chart: referrals by area, North highest",
    "Line chart: waiting list by quarter, rising",
]
TITLE = "Test annex <b>&</b> board"
CODE_MARKER = "UNIQUE_CODE_MARKER_91f3"
ANALYST_NOTE = "Analysts only: note 7c2e"


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell
    md = nbformat.v4.new_markdown_cell
    nb.cells = [
        md("# Offline annex test\n\nA paragraph with a [link to the table](#referrals-by-area)."),
        md(ANALYST_NOTE, metadata={"tags": ["remove_cell"]}),
        # the kernel must be this environment's python, or the notebook would import another cyp_evidence
        cell(f"import sys\nassert sys.prefix == {sys.prefix!r}, sys.prefix\n{CODE_MARKER} = 1"),
        cell(
            "import altair as alt\nimport polars as pl\nfrom IPython.display import HTML, display\n"
            "from cyp_evidence.briefing.content.html import chart_html\n"
            "areas = pl.DataFrame({'area': ['North', 'South', 'East'], 'referrals': [310, 240, 125]})\n"
            "waits = pl.DataFrame({'quarter': ['2023 Q1', '2023 Q2', '2023 Q3', '2023 Q4'], 'waiting': [1200, 1350, 1410, 1530]})"
        ),
        md(
            "## Referrals by area\n\n| Area | Referrals |\n| --- | ---: |\n| North | 310 |\n| South | 240 |\n| East | 125 |"
        ),
        # charts as the annex draws them (html.chart_html: a div and a JSON data block)
        cell(
            "display(HTML(chart_html(alt.Chart(areas).mark_bar().encode(\n"
            "    x=alt.X('area:N', title='Area'), y=alt.Y('referrals:Q', title='Referrals'),\n"
            "    tooltip=['area', 'referrals'],\n"
            f").properties(description={CHART_DESCRIPTIONS[0]!r}, width=320, height=200))))"
        ),
        cell(
            "display(HTML(chart_html(alt.Chart(waits).mark_line(point=True).encode(\n"
            "    x=alt.X('quarter:O', title='Quarter'), y=alt.Y('waiting:Q', title='Waiting list'),\n"
            "    tooltip=['quarter', 'waiting'],\n"
            f").properties(description={CHART_DESCRIPTIONS[1]!r}, width=320, height=200))))"
        ),
        # evidence text, escaped as the annex builders do, in a markdown cell and in an HTML output
        md(f"## Quoted evidence\n\nThe source says: {html.escape(EVIL)}"),
        cell(
            "import html\nfrom IPython.display import HTML, display\n"
            f"display(HTML('<p class=\"evidence-quote\">' + html.escape({EVIL!r}) + '</p>'))"
        ),
    ]
    return nb


def _check_kernel() -> None:
    """papermill's "python3" must start this venv's python (jupyter_client swaps a bare
    "python" in argv for sys.executable); else: .venv/bin/python -m ipykernel install --sys-prefix."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.fail("no python3 kernelspec: run .venv/bin/python -m ipykernel install --sys-prefix")
    exe = spec.argv[0]
    bare = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if exe not in bare and Path(exe).resolve() != Path(sys.executable).resolve():
        pytest.fail(
            f"the python3 kernel runs {exe}, not {sys.executable}: run {sys.executable} -m ipykernel install --sys-prefix"
        )


@pytest.fixture(scope="module")
def annex(tmp_path_factory) -> SimpleNamespace:
    import papermill as pm

    _check_kernel()
    tmp = tmp_path_factory.mktemp("annex")
    source = tmp / "source.ipynb"
    nbformat.write(_notebook(), source)
    executed = pm.execute_notebook(
        str(source), str(tmp / "executed.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp)
    )
    started = time.perf_counter()
    text = export.export_html(executed, TITLE)
    first = time.perf_counter() - started
    started = time.perf_counter()
    path = export.write_html(executed, tmp / "annex.html", TITLE)
    cached = time.perf_counter() - started
    return SimpleNamespace(nb=executed, html=text, path=path, dir=tmp, first_s=first, cached_s=cached)


# --- the HTML as text ------------------------------------------------------------------------


def test_annex_is_one_self_contained_document(annex):
    doc = annex.html
    assert doc.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en-GB">' in doc
    assert "<title>Test annex &lt;b&gt;&amp;&lt;/b&gt; board</title>" in doc
    # nothing is loaded from elsewhere: no external script, stylesheet, or loader library
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", doc, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", doc, re.I)
    for needle in (
        "require.js",
        "require.min.js",
        "mathjax",
        "mermaid",
        "cdnjs",
        "unpkg.com",
        "@jupyter-widgets/html-manager",
    ):
        assert needle not in doc.lower(), needle
    # the chart libraries once, in the head: the page's one executable script, which the
    # Content-Security-Policy (before it) allows by its sha256 and nothing else
    head, _, body = doc.partition('<body class="annex"')  # (the bundle itself contains "</head>" in a string)
    assert head.count("window.vegaEmbed=") == 1 and "window.vegaEmbed=" not in body
    scripts = re.findall(r"<script(\s[^>]*)?>", doc)
    assert [a for a in scripts if 'type="application/json"' not in (a or "")] == [""]
    script = doc.split("<script>", 1)[1].split("</script>", 1)[0]
    assert script == export.annex_script()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert policy and head.index(policy.group(0)) < head.index("<script>")
    assert policy.group(1) == csp.policy((script,))
    assert f"script-src {csp.script_hash(script)};" in policy.group(1) and "default-src 'none'" in policy.group(1)
    # no code, no prompts (the lab CSS in the head mentions both, so look at the body)
    assert CODE_MARKER not in doc and "set_embed_options" not in doc
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body and "jp-InputArea-editor" not in body
    assert not re.search(r"(In|Out)(&nbsp;|\xa0|\s)?\[", body)
    # landmarks: a skip link to <main>
    assert '<a class="skip-link" href="#main-content">' in doc and '<main id="main-content"' in doc
    assert doc.count('id="altair-viz-') == 2
    # cells tagged remove_cell are left out, and the notebook itself is not changed
    assert ANALYST_NOTE not in doc
    assert any(ANALYST_NOTE in c.source for c in annex.nb.cells)


def test_bundle_is_built_once_per_process(annex):
    before = chartlibs._bundle.cache_info()
    export.export_html(annex.nb, TITLE)
    after = chartlibs._bundle.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_write_html_is_atomic(annex):
    target = annex.dir / "atomic.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(export.ExportError):
        export.write_html(annex.nb, target, TITLE, lang='en"><script>')
    assert target.read_text(encoding="utf-8") == "old"
    assert export.write_html(annex.nb, target, TITLE) == target
    assert target.read_text(encoding="utf-8") == annex.html
    assert sorted(p.name for p in annex.dir.iterdir() if p.name.startswith(".")) == []


def test_lang_and_title_are_validated(annex):
    assert '<html lang="cy">' in export.export_html(annex.nb, TITLE, lang="cy")
    with pytest.raises(export.ExportError):
        export.export_html(annex.nb, "   ")


# --- the annex in a browser with the network blocked -------------------------------------------


@pytest.mark.browser
def test_annex_renders_offline_and_passes_axe(annex, chromium):
    with open_offline(annex.path, chromium) as (page, report):
        assert report.charts_expected == 2, report.summary()
        assert report.charts_drawn == 2, report.summary()
        assert report.blocked == [], report.summary()
        assert report.console_errors == [], report.summary()
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)

        assert page.evaluate("document.documentElement.lang") == "en-GB"
        assert page.title() == "Test annex <b>&</b> board"
        labels = page.evaluate(
            "() => [...document.querySelectorAll('.vega-embed')].map(e => e.getAttribute('aria-label'))"
        )
        assert labels == CHART_DESCRIPTIONS
        # tooltips survive the export
        page.locator(".vega-embed").first.locator(".mark-rect path").first.hover()
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
        assert "North" in page.inner_text("#vg-tooltip-element")
        # the markdown table has visible borders
        border = page.evaluate("() => getComputedStyle(document.querySelector('main table td')).borderTopStyle")
        assert border == "solid"
        # the skip link is the first thing a keyboard reaches
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        # print: charts still there, skip link hidden, nothing requested
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).display") == "none"
        assert page.locator(".vega-embed svg").count() == 2
        assert report.blocked == [] and report.console_errors == []


@pytest.mark.browser
def test_evidence_text_is_shown_as_text_never_run(annex, chromium, tmp_path):
    with open_offline(annex.path, chromium) as (page, report):
        assert page.evaluate("typeof window.__pwned") == "undefined"
        shown = page.evaluate(
            "(evil) => [...document.querySelectorAll('main p')].filter(p => p.textContent.includes(evil)).length", EVIL
        )
        assert shown == 2  # the markdown cell and the HTML output, both as literal text
        assert page.locator("main b", has_text="bold").count() == 0
        assert report.console_errors == [] and report.blocked == []

    # control: the same string NOT escaped does run, so the probe above can fail
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><html lang='en'><title>c</title><p>{EVIL}</p></html>", encoding="utf-8")
    with open_offline(control, chromium) as (page, _):
        assert page.evaluate("window.__pwned") == 1


def test_altair_versions_cached_without_importing_altair(tmp_path, monkeypatch):
    import subprocess
    import sys

    import altair as alt

    monkeypatch.setenv("CYP_EVIDENCE_CACHE", str(tmp_path))
    chartlibs.altair_versions.cache_clear()
    try:
        expected = {
            "VEGA_VERSION": alt.VEGA_VERSION,
            "VEGALITE_VERSION": alt.VEGALITE_VERSION,
            "VEGAEMBED_VERSION": alt.VEGAEMBED_VERSION,
        }
        assert chartlibs.altair_versions() == expected
        cached = list(tmp_path.glob("altair-versions-*.json"))
        assert len(cached) == 1
        # a damaged file is ignored and rewritten
        cached[0].write_text("{not json", encoding="utf-8")
        chartlibs.altair_versions.cache_clear()
        assert chartlibs.altair_versions() == expected
        assert json.loads(cached[0].read_text(encoding="utf-8")) == expected
    finally:
        chartlibs.altair_versions.cache_clear()
    # a fresh process with the cache in place exports without importing altair
    code = "import sys; from cyp_evidence.briefing.pipeline import export; export.vega_debug(); print('altair' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CYP_EVIDENCE_CACHE": str(tmp_path)},
    )
    assert out.stdout.strip() == "False", out.stderr
