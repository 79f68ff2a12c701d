"""Interactive explorations for JupyterLab: one explorer class per view.

Every explorer can be driven without a browser (set ``controls[...].value``, read
``chart_data``, ``chart()``, ``table``, ``citations``; call ``save_csv()``) and shows itself in
JupyterLab as ``explorer.widget`` (or by being the last expression of a cell). Charts are drawn
by ``alt.JupyterChart`` with the Vega JavaScript bundled offline: no CDN is needed.
"""

from __future__ import annotations

from .base import EXPLORE_OUTPUTS, Explorer, ExplorerWidget, enable_offline
from .derived import CommitmentExplorer, DemandGrowthExplorer, FundingExplorer
from .figures import OverviewExplorer, ThemeExplorer
from .registers import RecommendationExplorer, SourceIssueExplorer
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
    "SourceIssueExplorer",
    "ThemeExplorer",
    "VanguardExplorer",
    "enable_offline",
]
