"""Test helper (not a test file) for the adversarial modules (``test_adversarial_*.py``), after
the reliability review of 2026-12-01: run a command as a hostile or careless user would and
check what the review checked, for every case:

- the exit status (the README's table, ``cyp_evidence.cli.exit_status``);
- one message that names the place (file, line, field, entry or path);
- no traceback;
- every published file byte-identical before and after (``index.html`` may be rebuilt);
- nothing half-written (no ``.build-*`` folder, no ``*.tmp`` file).

``run`` calls ``cyp_evidence.cli.main`` in this process (what the console script runs, less
``sys.exit``); ``run_api`` calls a Python function and maps what it raises through the same
``exit_status`` the command line uses.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cyp_evidence import cli


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def snapshot(out: Path) -> dict[str, str]:
    """sha256 of every published file under ``out`` (the index is rebuilt by design)."""
    if not out.exists():
        return {}
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "index.html" and not p.name.startswith(".")
    }


def leftovers(out: Path) -> list[str]:
    if not out.exists():
        return []
    return [str(p.relative_to(out)) for p in out.rglob("*") if p.name.startswith(".build-") or p.suffix == ".tmp"]


def run(argv: list[str], capsys) -> Outcome:
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def run_api(fn: Callable[[], object]) -> Outcome:
    try:
        fn()
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - mapped as the command line maps it
        code, message = cli.exit_status(exc)
        return Outcome(code, "", message)
    return Outcome(0, "", "")


def check(outcome: Outcome, code: int, *places: str, out: Path | None = None, before: dict | None = None) -> None:
    """The review's verdict rule for one case."""
    text = outcome.err + outcome.out
    assert outcome.code == code, f"exit {outcome.code}, expected {code}: {text}"
    assert "Traceback" not in text and "unexpected" not in text, text
    for place in places:
        assert place in text, f"{place!r} not named in: {text}"
    if out is not None:
        assert leftovers(out) == [], leftovers(out)
        if before is not None:
            assert snapshot(out) == before, "a published file changed"


def copy_out(base: Path, dst: Path) -> Path:
    shutil.copytree(base, dst, symlinks=True)
    for p in dst.rglob("*"):  # published files are read-only; a copy the test may break must not be
        p.chmod(p.stat().st_mode | 0o200)
    return dst
