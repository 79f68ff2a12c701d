"""The evidence base: typed loading, verification against the source texts, export."""

from __future__ import annotations

from pathlib import Path

from ..paths import EVIDENCE_DIR
from .package import EvidenceError, EvidencePackage, Problem, read_package
from .verify import Detection, Report, validate

__all__ = [
    "Detection",
    "EvidenceError",
    "EvidencePackage",
    "Problem",
    "Report",
    "load",
    "read_package",
    "validate",
]


def load(evidence_dir: Path | str = EVIDENCE_DIR) -> EvidencePackage:
    """Load the evidence base, raising EvidenceError (listing every problem) if it is invalid."""
    pkg = read_package(evidence_dir)
    if pkg.problems:
        raise EvidenceError(pkg.problems)
    return pkg
