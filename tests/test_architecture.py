"""The import contracts in pyproject.toml ([tool.importlinter]) hold: layers run one way
(evidence -> measures -> charts -> explore / briefing -> cli), the evidence layer imports no
chart or notebook library, and no two sibling modules import each other (directly or not)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cyp_evidence.paths import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept():
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
    # every contract declared is one that ran
    assert run.stdout.count(" KEPT") >= 4, run.stdout


def test_a_cycle_is_reported(tmp_path):
    """The acyclic contract sees a cycle: a throwaway package whose two modules import each
    other breaks the same kind of contract (so the real test above can fail)."""
    pkg = tmp_path / "cyclepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from . import a\n")
    cfg = tmp_path / "setup.cfg"
    cfg.write_text(
        "[importlinter]\nroot_package = cyclepkg\n\n"
        "[importlinter:contract:acyclic]\nname = acyclic\ntype = acyclic_siblings\nancestors = cyclepkg\n"
    )
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cfg)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout
