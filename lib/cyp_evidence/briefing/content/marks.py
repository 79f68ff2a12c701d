"""The marks annex content leaves for the later stages of the pipeline, in one place so that
content never imports the pipeline: the version placeholder the publish step stamps, the
environment variable that tells content it runs in the annex's kernel, and the markers around
what a chart carries only outside the annex (the chart libraries and a script that draws it, for
JupyterLab), with how the export drops that block. Standard library only: :mod:`.html` (which
writes the blocks), :mod:`..pipeline.kernel`, :mod:`..pipeline.export` and
:mod:`..pipeline.publish` import it."""

from __future__ import annotations

# Where the annex's version number goes: markup that reads as plain words wherever the version is
# not yet known (the notebook in JupyterLab, its stored outputs), replaced whole once it is.
VERSION_PLACEHOLDER = '<span data-cyp-evidence-version="">draft (numbered when published)</span>'

# set in the kernel's environment: charts there are for the annex (see html.lab_libraries)
ANNEX_ENV = "CYP_EVIDENCE_ANNEX_KERNEL"

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
