"""Every path the project uses, derived from this file's location (one place only)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parents[1]
EVIDENCE_DIR = ROOT / "evidence"
NOTEBOOKS_DIR = ROOT / "notebooks"
OUTPUTS_DIR = ROOT / "outputs"
SCHEDULE_FILE = ROOT / "schedule.toml"
BRIEFING_NOTEBOOK = NOTEBOOKS_DIR / "briefing.ipynb"


def default_sources_dir() -> Path:
    """Source texts: $CYP_EVIDENCE_SOURCES, else ../shared/seeds beside the checkout."""
    env = os.environ.get("CYP_EVIDENCE_SOURCES")
    return Path(env) if env else ROOT.parent / "shared" / "seeds"


def cache_dir() -> Path:
    """Where built chart bundles are kept between processes: ``$CYP_EVIDENCE_CACHE``, else
    ``$XDG_CACHE_HOME/cyp-evidence``, else ``~/.cache/cyp-evidence``."""
    if os.environ.get("CYP_EVIDENCE_CACHE"):
        return Path(os.environ["CYP_EVIDENCE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cyp-evidence"
