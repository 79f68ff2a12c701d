"""Errors of the briefing layer that several modules raise (no imports, so any module can)."""


class RenderError(Exception):
    """A render failed; nothing was published."""
