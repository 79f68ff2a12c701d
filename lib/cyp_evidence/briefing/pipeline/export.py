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
# shows a div.error in its place (which pdf.py and the browser tests look for).
# Narrow screens (a phone, 320 CSS px, 200% zoom): a chart wider than its column would be scaled
# down to fit, its text to 4 or 5 px. Instead, where the chart may not fit, it is first drawn off
# screen at the column's width and, while it is too wide, laid out narrower (``narrower``): fewer
# panels per row, a narrower plot, long category labels wrapped onto more lines; then drawn in
# its place at that size, text at its own size. A chart that fits is drawn once, as specified.
CHART_LOADER = """(function () {
  "use strict";
  var LABEL_CHARS = 22, MIN_PLOT = 120, ROOM = 420, PASSES = 3;
  function views(s, f) {
    if (!s || typeof s !== "object") return;
    f(s);
    ["layer", "hconcat", "vconcat", "concat"].forEach(function (k) { (s[k] || []).forEach(function (v) { views(v, f); }); });
    if (s.spec) views(s.spec, f);
  }
  function declared(s) {
    var w = 0;
    views(s, function (v) { if (typeof v.width === "number") w = Math.max(w, v.width); });
    return w * (s.columns || 1);
  }
  function wrap(text, n) {
    var lines = [], cur = "";
    String(text).replace(/\\n/g, " ").split(" ").forEach(function (word) {
      if (cur && (cur + " " + word).length > n) { lines.push(cur); cur = word; } else { cur = cur ? cur + " " + word : word; }
    });
    lines.push(cur);
    return lines.join("\\n");
  }
  function narrower(spec, over) {
    var s = JSON.parse(JSON.stringify(spec));
    if (s.facet && s.columns > 1) { s.columns = Math.max(1, Math.floor(s.columns * (1 - over))); return s; }
    var fields = {};
    views(s, function (v) {
      var y = v.encoding && v.encoding.y;
      if (y && y.type === "nominal" && y.field && y.axis && (y.axis.labelLimit > 150 || y.axis.labelLimit === 0)) {
        fields[y.field] = true;
        y.axis.labelExpr = "split(datum.value, '\\\\n')";
        y.axis.labelLimit = 0;
        if (Array.isArray(y.sort)) y.sort = y.sort.map(function (t) { return wrap(t, LABEL_CHARS); });
        if (y.scale && Array.isArray(y.scale.domain)) y.scale.domain = y.scale.domain.map(function (t) { return wrap(t, LABEL_CHARS); });
      }
    });
    var lines = 1;
    var tables = Object.keys(s.datasets || {}).map(function (k) { return s.datasets[k]; });
    views(s, function (v) { if (v.data && Array.isArray(v.data.values)) tables.push(v.data.values); });
    tables.forEach(function (rows) {
      rows.forEach(function (r) {
        Object.keys(fields).forEach(function (f) {
          if (typeof r[f] === "string") { r[f] = wrap(r[f], LABEL_CHARS); lines = Math.max(lines, r[f].split("\\n").length); }
        });
      });
    });
    views(s, function (v) {
      var legend = v.encoding && v.encoding.color && v.encoding.color.legend;
      if (legend && legend.orient === "top") legend.columns = 1; // one entry a line, not one wide row
      if (typeof v.width === "number") v.width = Math.max(MIN_PLOT, Math.round(v.width * (1 - over)));
      if (lines > 1 && v.height && typeof v.height.step === "number") v.height.step = Math.max(v.height.step, 14 * lines + 8);
    });
    return s;
  }
  function width(el) {
    // the drawn width before any CSS scaling (the svg's own width attribute)
    var svg = el.querySelector("svg, canvas");
    return svg ? parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width : 0;
  }
  function fit(spec, opts, room) {
    // the spec laid out for ``room`` CSS px: drawn off screen, measured, narrowed while too wide
    var probe = document.createElement("div");
    probe.setAttribute("aria-hidden", "true");
    probe.style.cssText = "position:absolute;left:-99999px;top:0;visibility:hidden;width:" + room + "px";
    document.body.appendChild(probe);
    function pass(s, n) {
      return window.vegaEmbed(probe, s, opts).then(function (res) {
        var w = width(probe);
        res.finalize();
        if (w <= room || n >= PASSES) return s;
        return pass(narrower(s, Math.min(0.6, (w - room) / w)), n + 1);
      });
    }
    return pass(spec, 0).then(
      function (s) { probe.remove(); return s; },
      function () { probe.remove(); return spec; }
    );
  }
  function draw() {
    var blocks = document.querySelectorAll('script.annex-chart-spec[type="application/json"]');
    Array.prototype.forEach.call(blocks, function (block) {
      var el = document.getElementById(block.getAttribute("data-chart"));
      if (!el) return;
      function fail(err) {
        var d = document.createElement("div");
        d.className = "error";
        d.textContent = "This chart could not be drawn: " + ((err && err.message) || String(err));
        el.appendChild(d);
      }
      try {
        var chart = JSON.parse(block.textContent);
        var opts = Object.assign({}, chart.embed, { ast: true });
        var room = el.clientWidth;
        var laid = room && declared(chart.spec) + ROOM > room ? fit(chart.spec, opts, room) : Promise.resolve(chart.spec);
        laid.then(function (spec) { return window.vegaEmbed(el, spec, opts); }).catch(fail);
      } catch (err) {
        fail(err);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();"""


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
