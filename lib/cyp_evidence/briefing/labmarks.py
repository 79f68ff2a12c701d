"""The markers around what a briefing chart carries only outside the annex (the chart libraries
and a script that draws it, for JupyterLab), and how the export drops it. Standard library only:
both :mod:`.html` (which writes the blocks) and :mod:`.export` (which drops them) import it."""

from __future__ import annotations

LAB_LIBRARIES_START = "<!--cyp-evidence: chart libraries for JupyterLab-->"
LAB_LIBRARIES_END = "<!--/cyp-evidence: chart libraries for JupyterLab-->"


def strip_lab_libraries(text: str) -> str:
    """``text`` without any block between the markers (the annex inlines its own libraries and
    draws its charts with its one script)."""
    while LAB_LIBRARIES_START in text:
        head, _, rest = text.partition(LAB_LIBRARIES_START)
        _, _, tail = rest.partition(LAB_LIBRARIES_END)
        text = head + tail
    return text
