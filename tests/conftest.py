"""Shared fixtures. Paths come from cyp_evidence.paths (derived from the package location)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import chromium  # noqa: F401  (one shared headless Chromium per session)

from cyp_evidence.paths import EVIDENCE_DIR, SCHEDULE_FILE, default_sources_dir


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    d = default_sources_dir()
    assert d.is_dir(), f"source texts not found at {d} (../shared/seeds beside the checkout)"
    return d


@pytest.fixture(scope="session")
def pkg():
    from cyp_evidence.evidence import load

    return load()


@pytest.fixture(scope="session")
def report(sources_dir):
    from cyp_evidence.evidence import validate

    return validate(EVIDENCE_DIR, sources_dir)


@pytest.fixture
def evidence_copy(tmp_path) -> Path:
    """A private copy of the evidence package that a test may break."""
    dst = tmp_path / "evidence"
    shutil.copytree(EVIDENCE_DIR, dst)
    return dst


@pytest.fixture
def schedule_copy(tmp_path) -> Path:
    dst = tmp_path / "schedule.toml"
    shutil.copy(SCHEDULE_FILE, dst)
    return dst
