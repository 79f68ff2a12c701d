"""Interactive explorations for JupyterLab: one explorer class per view.

Every explorer can be driven without a browser (set ``controls[...].value``, read
``chart_data``, ``chart()``, ``table``, ``citations``; call ``save_csv()``) and shows itself in
JupyterLab as ``explorer.widget`` (or by being the last expression of a cell). Charts are drawn
by ``alt.JupyterChart`` with the Vega JavaScript bundled offline: no CDN is needed. Beside each
chart a definition panel (:mod:`.definitions`); under it downloads to the browser
(:mod:`.download`). The start page's search is :class:`SearchBox` (:mod:`.search`); the list of
explorers is :mod:`.catalogue`.
"""

from __future__ import annotations

from .base import EXPLORE_OUTPUTS, Explorer, ExplorerWidget, enable_offline
from .derived import CommitmentExplorer, DemandGrowthExplorer, FundingExplorer
from .figures import OverviewExplorer, ThemeExplorer
from .registers import RecommendationExplorer, SourceIssueExplorer
from .search import SearchBox, SearchIndex
from .vanguards import VanguardExplorer

__all__ = [
    "EXPLORE_OUTPUTS",
    "CommitmentExplorer",
    "DemandGrowthExplorer",
    "Explorer",
    "ExplorerWidget",
    "FundingExplorer",
    "OverviewExplorer",
    "RecommendationExplorer",
    "SearchBox",
    "SearchIndex",
    "SourceIssueExplorer",
    "ThemeExplorer",
    "VanguardExplorer",
    "enable_offline",
]
