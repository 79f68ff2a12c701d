"""Escaping, one helper per output context. Everything the project writes into a page goes
through exactly one of these, once:

- :func:`html_text`: text (evidence, parameters, manifests, file names) placed in HTML element
  content or in a quoted attribute value: ``&``, ``<``, ``>``, ``"`` and ``'`` become entities.
- :func:`script_json`: a value embedded as JSON inside a ``<script>`` element (a chart spec):
  ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` and the line separators
  U+2028 / U+2029 ``\\u2028`` / ``\\u2029``, so no text can close the element (``</script>``),
  open a comment (``<!--``) or end a JavaScript string; ``JSON.parse`` gives back the same value.

Both are pure functions of their argument (no markup is ever passed through), which is what
``tests/test_injection.py`` relies on.
"""

from __future__ import annotations

import html
import json
from typing import Any

_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def html_text(value: Any) -> str:
    """``value`` as HTML text, safe in element content and in quoted attributes.

    ``None`` is the empty string; a float that is a whole number is written without ``.0``
    (polars reads integer columns with a missing value as floats); everything else is
    ``str(value)``, never rounded."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.escape(str(value), quote=True)


def script_json(value: Any, **dumps_kw: Any) -> str:
    """``json.dumps(value)`` that is safe inside a ``<script>`` element (see module docstring)."""
    return json.dumps(value, **dumps_kw).translate(_SCRIPT_SAFE)
