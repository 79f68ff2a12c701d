"""Redrawing an ``alt.JupyterChart`` without validating its spec again.

Setting ``JupyterChart.chart`` runs altair's observer (``_on_change_chart``), which converts
and validates the whole spec and rebuilds the chart's params and selections. When a redraw
keeps the same params (same names and kinds), :func:`set_spec` sends the new spec straight to
the widget and keeps ``chart`` current without the observer: it writes the private
``_trait_values`` of traitlets and the private ``_vl_selections`` trait of altair 6.3, and
:func:`params_signature` mirrors what ``_on_change_chart`` sets up (see ``MIRRORS``).

:func:`enable_offline` is ``JupyterChart.enable_offline(True)`` with the bundled JavaScript
module cached on disk: vl-convert takes about 1.5 s to bundle it, in every kernel that draws
an explorer, before the first chart. The cached module is the same text altair would build
(keyed by the altair and vl-convert builds, the Vega-Lite version and altair's own JavaScript;
checked by its sha256), set as altair does (the private ``_esm`` and ``_is_offline``).

:func:`chart_class` is the widget the explorers draw with: ``alt.JupyterChart`` with its front
end replaced by ``explorer_chart.js`` (altair's module changed to keep each drawn view, so going
back to a chart seen before shows it at once, and to draw a new one off the page), bundled
offline by vl-convert as altair bundles its own and cached the same way. ``ALTAIR_JS`` is the
sha256 of altair's module it follows: a new altair is reviewed against it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from ..fsutil import read_checked, write_checked
from ..paths import cache_dir
from . import require

TESTED = {"altair": "6.3.0", "traitlets": "5.16.1"}
MIRRORS = {
    "altair.jupyter.jupyter_chart:JupyterChart._on_change_chart": "8ad61be4e9eece264e9c7b2ad1401c0b33570e8ac7778373eed1379bfdd60706",
    "altair.jupyter.jupyter_chart:collect_transform_params": "03b61694aef4ecff8e805ea5959445d815328360de1dcbac09348d77f5ecb46d",
    "altair.jupyter.jupyter_chart:JupyterChart.enable_offline": "ee481655d910a65bc70f447b285cdfef717e53dfd2053e92d373d565b0f229cc",
}


ALTAIR_JS = (
    "d4cdddb5b1c0344c79315e9fb03d1dff6f260f287e1b3c242f0319a36fa4c4fb"  # altair 6.3.0 altair/jupyter/js/index.js
)
SOURCE = Path(__file__).with_name("explorer_chart.js")


def altair_js_sha256() -> str:
    """sha256 of altair's own JupyterChart front end (what ``explorer_chart.js`` follows)."""
    from altair.jupyter.jupyter_chart import load_js_src

    return hashlib.sha256(load_js_src().encode("utf-8")).hexdigest()


def check_versions() -> None:
    for dist, version in TESTED.items():
        require(dist, version, "lib/cyp_evidence/thirdparty/jupyterchart.py")


def _cache_path(prefix: str, *parts: str) -> Path:
    """A file in the cache folder named by ``parts`` (versions and source hashes)."""
    from altair.utils._importers import vl_version_for_vl_convert

    key = "-".join([*parts, metadata.version("vl-convert-python"), vl_version_for_vl_convert()])
    return cache_dir() / f"{prefix}-{re.sub(r'[^A-Za-z0-9.+-]', '_', key)}.js"


def esm_cache_path() -> Path:
    """Where the offline JupyterChart module for the installed altair and vl-convert is cached."""
    return _cache_path("jupyterchart-esm", metadata.version("altair"), altair_js_sha256()[:16])


def enable_offline() -> None:
    """``alt.JupyterChart.enable_offline(True)``, reading the bundled module from the cache
    when it is there and intact (else bundling it as altair does, and caching it); and the
    explorers' own chart module (:func:`chart_class`) bundled the same way."""
    import altair as alt

    jc = alt.JupyterChart
    if not jc._is_offline:
        path = esm_cache_path()
        cached = read_checked(path)
        if cached is None:
            jc.enable_offline(True)
            write_checked(path, jc._esm)
        else:
            # what enable_offline(True) ends with (MIRRORS)
            jc._esm = cached
            jc._is_offline = True
    chart_class()  # the explorers' widget, with its module bundled


def explorer_cache_path() -> Path:
    """Where the bundled ``explorer_chart.js`` is cached (keyed by vl-convert's build, the
    Vega-Lite version and the module's own text)."""
    return _cache_path("explorer-chart", hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16])


def explorer_module() -> str:
    """``explorer_chart.js`` with vega-embed and lodash's debounce bundled in (vl-convert's
    ``javascript_bundle``, as ``enable_offline`` bundles altair's module), cached on disk."""
    path = explorer_cache_path()
    cached = read_checked(path)
    if cached is not None:
        return cached
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    # the snippet has no imports: vegaEmbed and lodashDebounce are the names the bundle provides
    code = vlc.javascript_bundle(SOURCE.read_text(encoding="utf-8"), vl_version=vl_version_for_vl_convert())
    write_checked(path, code)
    return code


@functools.cache
def chart_class() -> Any:
    """``alt.JupyterChart`` drawn by ``explorer_chart.js``, bundled offline (no CDN)."""
    import altair as alt

    class ExplorerChart(alt.JupyterChart):
        """An ``alt.JupyterChart`` whose front end keeps every chart it has drawn."""

        _esm = explorer_module()
        _is_offline = True

    return ExplorerChart


def params_signature(spec: dict | None) -> str:
    """What ``alt.JupyterChart`` sets up from a chart besides its spec (``_on_change_chart``):
    each top-level param's name and kind (a point, index or interval selection, or a variable
    and its value) and the params that transforms define."""
    if spec is None:
        return "none"
    params: list[list[Any]] = []
    for p in spec.get("params", []):
        select = p.get("select")
        if select is None:
            params.append([p.get("name"), "variable", p.get("value")])
            continue
        select = {"type": select} if isinstance(select, str) else select
        kind = select.get("type")
        if kind == "point" and not (select.get("fields") or select.get("encodings")):
            kind = "index"
        params.append([p.get("name"), kind])
    transform_params: list[str] = []

    def walk(v):
        if isinstance(v, dict):
            for t in v.get("transform", []) or []:
                if isinstance(t, dict) and "param" in t:
                    transform_params.append(t["param"])
            for k in ("layer", "concat", "hconcat", "vconcat", "spec"):
                child = v.get(k)
                for c in child if isinstance(child, list) else [child]:
                    walk(c)

    walk(spec)
    return json.dumps([params, sorted(transform_params)], sort_keys=True, default=str)


def set_spec(jc: Any, chart: Any, spec: dict) -> None:
    """Show ``chart`` (whose validated spec is ``spec``) in the widget ``jc``: quietly when its
    params match the current ones, else through altair's own ``chart`` setter."""
    if params_signature(spec) != params_signature(jc.spec):
        jc.chart = chart  # new selections or params: let altair set them up (validates again)
        return
    selections: dict[str, dict] = {
        p["name"]: {"value": None, "store": []} for p in spec.get("params", []) if "select" in p
    }
    # Keep ``jc.chart`` current without its observer, which would validate the spec again.
    jc._trait_values["chart"] = chart
    with jc.hold_sync():
        jc.spec = spec
        jc._vl_selections = selections  # a new chart starts with nothing picked
