"""The chart libraries a page carries: vega, vega-lite and vega-embed from
``vl_convert.javascript_bundle``, wrapped as one classic script and cached (in memory and on
disk), checked against the versions altair writes specs for. The export inlines them once in the
annex's head (:func:`cyp_evidence.briefing.pipeline.export.annex_script`); outside the annex the
first chart of a kernel carries them (:func:`.html.lab_libraries`). Importing this module
imports neither altair nor vl-convert."""

from __future__ import annotations

import contextlib
import functools
import json
import re
from pathlib import Path

from ... import paths
from ...fsutil import read_checked, write_checked, write_text_atomic
from ..errors import ExportError

_VERSION_KEYS = ("VEGA_VERSION", "VEGALITE_VERSION", "VEGAEMBED_VERSION")


@functools.lru_cache(maxsize=1)
def altair_versions() -> dict[str, str]:
    """altair's ``VEGA_VERSION``, ``VEGALITE_VERSION`` and ``VEGAEMBED_VERSION``, without
    importing altair (about 0.6 s of CPU that the exporting process does not otherwise need):
    read from a small file in :func:`cache_dir` keyed by the installed altair's version, written
    (atomically) the first time by importing altair. A damaged or unreadable file is ignored."""
    from importlib import metadata

    path = cache_dir() / f"altair-versions-{re.sub(r'[^A-Za-z0-9.+-]', '_', metadata.version('altair'))}.json"
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(found, dict) and all(isinstance(found.get(k), str) and found[k] for k in _VERSION_KEYS):
            return {k: found[k] for k in _VERSION_KEYS}
    except (OSError, ValueError):
        pass
    import altair as alt

    found = {k: getattr(alt, k) for k in _VERSION_KEYS}
    with contextlib.suppress(OSError):
        write_text_atomic(path, json.dumps(found, sort_keys=True) + "\n")
    return found


def _vegalite_minor() -> str:
    major, minor = altair_versions()["VEGALITE_VERSION"].split(".")[:2]
    return f"v{major}.{minor}"


# bump when the wrapping below changes, so that cached bundles are rebuilt
_BUNDLE_FORMAT = "1"


def cache_dir() -> Path:
    """Where built chart bundles are kept between processes (:func:`cyp_evidence.paths.cache_dir`)."""
    return paths.cache_dir()


def _vl_convert_version() -> str:
    from importlib import metadata

    return metadata.version("vl-convert-python")


def bundle_cache_path(vl_version: str | None = None) -> Path:
    """The on-disk bundle for this Vega-Lite version and this exact vl-convert build."""
    import vl_convert as vlc

    vl_version = vl_version or _vegalite_minor()
    key = f"{_vl_convert_version()}-{vlc.get_vega_version()}-{vlc.get_vega_embed_version()}-{vl_version}-f{_BUNDLE_FORMAT}"
    return cache_dir() / f"vega-bundle-{re.sub(r'[^A-Za-z0-9.+-]', '_', key)}.js"


def _build_bundle(vl_version: str) -> str:
    import vl_convert as vlc

    supported = {f"v{v}" for v in vlc.get_vegalite_versions()}
    if vl_version not in supported:
        raise ExportError(
            f"vl-convert {_vl_convert_version()} cannot bundle Vega-Lite {vl_version} (it has {sorted(supported)})"
        )
    code = vlc.javascript_bundle(vl_version=vl_version)  # type: ignore[call-arg]  # stub: snippet is optional at run time
    # The bundle declares top-level consts and functions (n, t, ...): keep them out of the
    # page's global scope so they cannot collide with any other script; only the
    # window.vegaEmbed / window.vega / window.vegaLite assignments escape the closure.
    code = "(function(){\n" + code + "\n}).call(window);"
    # never let the bundle close its own <script> element
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _read_cached(path: Path) -> str | None:
    """A cached bundle, if it is intact (its first line is the sha256 of the rest)."""
    return read_checked(path)


def _write_cached(path: Path, code: str) -> None:
    """Best effort (an unwritable cache only costs the ~1.5 s rebuild next time); atomic."""
    write_checked(path, code)


@functools.lru_cache(maxsize=4)
def _bundle(vl_version: str) -> str:
    """vega + vega-lite + vega-embed as one classic script (about 0.9 MB). Building it takes
    about 1.5 s, so it is cached in memory per process and on disk (:func:`bundle_cache_path`,
    keyed by the vl-convert build and Vega-Lite version, checked by its sha256)."""
    path = bundle_cache_path(vl_version)
    code = _read_cached(path)
    if code is None:
        code = _build_bundle(vl_version)
        _write_cached(path, code)
    return code


def vega_bundle() -> str:
    """The inlined chart libraries for altair's Vega-Lite version, cached per process."""
    return _bundle(_vegalite_minor())


def vega_debug() -> str:
    """``VEGA_DEBUG`` as altair's html renderer checks it (versions exactly as altair writes them)."""
    import vl_convert as vlc

    v = altair_versions()
    # the bundle must really be the major versions altair asks for
    if vlc.get_vega_version().split(".")[0] != v["VEGA_VERSION"].split(".")[0]:
        raise ExportError(f"vl-convert bundles Vega {vlc.get_vega_version()}, altair expects Vega {v['VEGA_VERSION']}")
    if vlc.get_vega_embed_version().split(".")[0] != v["VEGAEMBED_VERSION"].split(".")[0]:
        raise ExportError(
            f"vl-convert bundles vega-embed {vlc.get_vega_embed_version()}, altair expects {v['VEGAEMBED_VERSION']}"
        )
    return json.dumps(
        {
            "vega_version": v["VEGA_VERSION"],
            "vegalite_version": v["VEGALITE_VERSION"],
            "vegaembed_version": v["VEGAEMBED_VERSION"],
        }
    )
