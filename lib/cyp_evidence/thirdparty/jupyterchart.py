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
"""

from __future__ import annotations

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


def check_versions() -> None:
    for dist, version in TESTED.items():
        require(dist, version, "lib/cyp_evidence/thirdparty/jupyterchart.py")


def esm_cache_path() -> Path:
    """Where the offline JupyterChart module for the installed altair and vl-convert is cached."""
    from altair.jupyter.jupyter_chart import load_js_src
    from altair.utils._importers import vl_version_for_vl_convert

    source = hashlib.sha256(load_js_src().encode("utf-8")).hexdigest()[:16]
    key = f"{metadata.version('altair')}-{metadata.version('vl-convert-python')}-{vl_version_for_vl_convert()}-{source}"
    return cache_dir() / f"jupyterchart-esm-{re.sub(r'[^A-Za-z0-9.+-]', '_', key)}.js"


def enable_offline() -> None:
    """``alt.JupyterChart.enable_offline(True)``, reading the bundled module from the cache
    when it is there and intact (else bundling it as altair does, and caching it)."""
    import altair as alt

    jc = alt.JupyterChart
    if jc._is_offline:
        return
    path = esm_cache_path()
    cached = read_checked(path)
    if cached is None:
        jc.enable_offline(True)
        write_checked(path, jc._esm)
        return
    # what enable_offline(True) ends with (MIRRORS)
    jc._esm = cached
    jc._is_offline = True


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
