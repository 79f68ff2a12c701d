"""Export an executed briefing notebook to ONE self-contained, offline HTML annex.

The annex makes no network request: no code cells or prompts, no require.js, MathJax, mermaid
or widget manager (all of which nbconvert loads from CDNs), and ONE script in the head: the vega
/ vega-lite / vega-embed JavaScript from ``vl_convert.javascript_bundle`` and
:data:`CHART_LOADER`, which draws every chart from the JSON data block that
:func:`cyp_evidence.briefing.content.html.chart_html` writes after its div. A Content-Security-Policy
(:mod:`cyp_evidence.briefing.pipeline.csp`) allows that script alone (by its sha256), no eval, no network
and no remote resource, so even markup that reached the page could not run or fetch anything.
Charts keep their tooltips and their ``description`` as aria-label.

The template is ``templates/annex`` (base ``lab``); its ``annex.css`` holds the screen/print
styles (readable type, focus styles, bordered tables, no figure or table split across pages,
WCAG 2.2 AA contrast, skip link to ``<main>``).
"""

from __future__ import annotations

import copy
import functools
import os
import re
import threading
from pathlib import Path

import nbformat

from ...fsutil import write_text_atomic
from ..content.chartlibs import vega_bundle, vega_debug
from ..content.marks import LAB_LIBRARIES_START, strip_lab_libraries
from ..errors import ExportError
from . import csp

TEMPLATES_DIR = Path(__file__).with_name("templates")
TEMPLATE_NAME = "annex"

# BCP 47 tags as used in <html lang>: letters, digits and hyphens only (never markup).
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


# Draws every chart of the annex: each ``<script type="application/json" class="annex-chart-spec"
# data-chart="ID">`` (html.chart_html) holds {"spec": ..., "embed": ...} for the div ID. vega
# interprets expressions (``ast: true``) because the policy refuses eval; a chart that fails
# shows a div.error in its place (which pdf.py and the browser tests look for). The loader lays
# every chart out for the width of its column, in the reader's browser, and again when that
# width changes (a phone at 320 CSS px, 200% or 400% zoom, a resized window): narrower plots,
# fewer panels a row, long labels wrapped, text never below 11 px (``chart_loader.js`` says how).
CHART_LOADER = Path(__file__).with_name("chart_loader.js").read_text(encoding="utf-8")


def annex_script() -> str:
    """The annex's one script: the chart libraries, then :data:`CHART_LOADER`."""
    vega_debug()  # checks that the bundle is the major versions altair writes specs for
    return vega_bundle() + "\n" + CHART_LOADER


# nbconvert's usual cell tags: analysts' notes tagged "remove_cell" never reach the annex
REMOVE_CELL_TAGS = frozenset({"remove_cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove_output"})


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)[^>]*>", re.I)


@functools.lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: its Jinja templates compile once (about 0.3 s), not per annex."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    from ...thirdparty.nbconvert_export import QuickHTMLExporter, check_versions

    check_versions()

    class AnnexExporter(QuickHTMLExporter):
        def check_html(self, html: str) -> None:
            missing = _IMG_WITHOUT_ALT.findall(html)
            if missing:
                raise ExportError(f"{len(missing)} image(s) without alt text in the annex, e.g. {missing[0][:120]}")

    exporter = AnnexExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        theme="light",
        # Nothing below is used by the annex template; blank them so that no CDN address can
        # reach the page even through an inherited block.
        require_js_url="",
        mathjax_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
        jupyter_widgets_base_url="",
        widget_renderer_url="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS), remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS)),
        enabled=True,
    )
    return exporter


_EXPORT_LOCK = threading.Lock()
# The template renders these slots where the script and the policy go; the script (about 0.9 MB)
# is put in afterwards, so nbconvert's Jinja rendering never carries it: about 0.2 s less per
# annex, same bytes. The policy names the script's sha256, so it is filled in with it.
_BUNDLE_SLOT = "/*@@CYP_EVIDENCE_VEGA_BUNDLE@@*/"
_CSP_SLOT = "@@CYP_EVIDENCE_CSP@@"


def warm() -> None:
    """Do the per-process export set-up ahead of time (imports, templates, chart bundle);
    ``render`` calls it in a thread while the notebook runs in its kernel."""
    annex_script()
    exp = _exporter()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("warm-up")]
    resources = {
        "metadata": {"name": "warm-up"},
        "annex_script": _BUNDLE_SLOT,
        "annex_csp": _CSP_SLOT,
        "annex_lang": "en",
    }
    with _EXPORT_LOCK:
        exp.from_notebook_node(nb, resources=resources)  # compiles the whole template chain once


def _without_lab_libraries(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without the chart libraries a notebook's first chart carries outside the annex
    (:func:`cyp_evidence.briefing.content.html.lab_libraries`): the annex inlines them once in its head.
    A copy only when there is something to drop."""

    def has(output) -> bool:
        html = output.get("data", {}).get("text/html", "")
        return LAB_LIBRARIES_START in ("".join(html) if isinstance(html, list) else html)

    if not any(has(o) for c in nb.cells for o in c.get("outputs", [])):
        return nb
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        for o in c.get("outputs", []):
            if has(o):
                html = o["data"]["text/html"]
                o["data"]["text/html"] = strip_lab_libraries("".join(html) if isinstance(html, list) else html)
    return nb


def export_html(nb: nbformat.NotebookNode, title: str, lang: str = "en-GB") -> str:
    """One self-contained HTML document (no network request) for an executed notebook.

    Code, prompts and cells tagged ``remove_cell`` are left out (outputs of cells tagged
    ``remove_output`` too); ``title`` becomes the page <title>, ``lang`` the <html lang>.
    """
    if not _LANG.match(lang):
        raise ExportError(f"not a language tag: {lang!r}")
    if not isinstance(title, str) or not title.strip():
        raise ExportError("the annex needs a title")
    nb = _without_lab_libraries(nb)
    resources = {
        "metadata": {"name": title.strip()},
        "annex_script": _BUNDLE_SLOT,
        "annex_csp": _CSP_SLOT,
        "annex_lang": lang,
    }
    script = annex_script()
    with _EXPORT_LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    if body.count(_BUNDLE_SLOT) != 1 or body.count(_CSP_SLOT) != 1:
        raise ExportError("the annex template did not place the chart libraries and the policy exactly once")
    head, tail = body.split(_BUNDLE_SLOT)
    # the policy is in the head, before the script: only the template's text precedes it
    return head.replace(_CSP_SLOT, csp.policy((script,))) + script + tail


def write_html(nb: nbformat.NotebookNode, path: str | os.PathLike, title: str, lang: str = "en-GB") -> Path:
    """Export and write atomically (``fsutil.write_text_atomic``)."""
    return write_text_atomic(path, export_html(nb, title, lang))
