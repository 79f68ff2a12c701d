"""Chart display settings for the briefing notebooks; call :func:`setup_altair` once at the top.

The offline annex (:mod:`cyp_evidence.briefing.export`) relies on altair's DEFAULT ``html``
renderer: its output calls the global ``vegaEmbed`` that the annex inlines once. Do not switch
to the ``mimetype``/``jupyterlab`` renderer (its MIME type fails nbformat validation under
papermill) nor to ``html`` with ``template='inline'`` (only the first chart draws).
altair's 5,000-row limit stays on on purpose: aggregate in polars before charting.
"""

from __future__ import annotations

# vega-embed options for every chart of an annex: no actions menu (see setup_altair)
EMBED_OPTIONS = {"actions": False}


def setup_altair() -> None:
    """altair's default renderer (``"default"``, the ``html`` renderer), without the actions menu.

    The actions menu needs the network (the Vega editor), prints into PDFs and fails
    accessibility checks. ``.properties(description=...)`` on each chart becomes its aria-label.
    """
    import altair as alt

    alt.renderers.enable("default")  # the html renderer; resets any other renderer
    alt.renderers.set_embed_options(**EMBED_OPTIONS)
