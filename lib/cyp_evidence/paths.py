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
