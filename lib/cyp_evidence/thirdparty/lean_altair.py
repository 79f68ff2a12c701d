"""altair for the render's kernel, imported without two optional parts an annex never uses
(about 0.15 s of the kernel's start, which is the render's critical path).

- ``anywidget`` (and with it ipywidgets): altair imports it for ``alt.JupyterChart``, the
  explorers' live widget; when ``find_spec("anywidget")`` finds nothing, altair defines a
  stand-in ``JupyterChart`` that raises a clear ImportError if used (``altair/jupyter``).
- jsonschema's optional format checkers (``rfc3986_validator``, ``isoduration`` and arrow, ...):
  ``jsonschema._format`` tries to import each at import time and leaves a format unchecked
  when one is missing. An annex builds its charts with ``to_dict(validate=False)``
  (``briefing/content/html.VALIDATE_CHARTS``), so nothing is validated in that kernel; and the
  Vega-Lite schema declares none of those formats.

:func:`import_altair` makes those modules unimportable (``sys.modules[name] = None``) only while
altair itself is imported, then removes the block, so a later ``import anywidget`` works as
usual. It is called only by the render's kernel (``briefing/pipeline/kernel.WARM_CODE``);
JupyterLab, nbval and the explorers import altair as usual. ``MIRRORS`` holds the hashes of the
two upstream modules whose import-time fallbacks this relies on.
"""

from __future__ import annotations

import sys

TESTED = {"altair": "6.3.0", "jsonschema": "4.26.0"}
MIRRORS = {
    "altair.jupyter": "58a2c98bff582ea24d9be4aaefe857ac42974ae412ab88cfe8481902826b1d5e",
    "jsonschema._format": "96bb3553b892076657f59d846a5b113987909b577d91e7f0d822e8d3c1bc3f8b",
}
# imported by altair only for alt.JupyterChart
WIDGET_MODULES = ("anywidget",)
# jsonschema._format's optional checkers (each import is in a try/except ImportError)
FORMAT_CHECKER_MODULES = (
    "fqdn",
    "idna",
    "rfc3987",
    "rfc3986_validator",
    "rfc3987_syntax",
    "rfc3339_validator",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "isoduration",
)


def check_versions() -> None:
    from . import require

    for dist, version in TESTED.items():
        require(dist, version, "lib/cyp_evidence/thirdparty/lean_altair.py")


def import_altair() -> None:
    """Import altair without anywidget and jsonschema's optional format checkers (see the
    module); nothing if altair is already imported."""
    if "altair" in sys.modules:
        return
    check_versions()
    blocked = [n for n in (*WIDGET_MODULES, *FORMAT_CHECKER_MODULES) if n not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        import altair  # noqa: F401
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
