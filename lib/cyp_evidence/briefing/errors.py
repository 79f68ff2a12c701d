"""Errors of the briefing layer that several modules raise (no imports, so any module can)."""


class RenderError(Exception):
    """A render failed; nothing was published."""


class ClusterError(RuntimeError):
    """render-batch --scheduler: the Dask scheduler cannot be reached or has no worker; nothing
    was rendered there (raised by cluster.py; here so the command line catches it without
    importing Dask)."""


class UnsafePathError(RenderError, ValueError):
    """An id would make a path outside the output folder (or is not a slug); nothing is written."""


class EvidenceChangedError(RenderError):
    """The evidence changed on disk after it was validated: what would be rendered is not what
    was validated, so nothing is published."""


class ExportError(RenderError):
    """The notebook could not be exported to an offline annex (a RenderError: nothing is published)."""
