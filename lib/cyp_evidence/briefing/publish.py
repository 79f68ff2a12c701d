"""Immutable, versioned publication of briefings.

Layout: ``<out>/briefings/<board>/<meeting>/v<N>/`` holding ``annex.html``, the executed
``briefing.ipynb`` and ``manifest.json``. A version is built in a private folder beside the
versions and published with one atomic rename under a lock, so a failed or interrupted run
leaves nothing behind and two renders of the same meeting never clobber each other. Published
files are made read-only; nothing here ever writes into an existing version.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from ..ids import slug_problem
from .errors import UnsafePathError

VERSION_DIR = re.compile(r"^v(\d+)$")
BUILD_PREFIX = ".build-"


# a slug (cyp_evidence.ids); \Z, not $, so that "name\n" does not match either
VARIANT_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", re.ASCII)
MEETING_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def meeting_dir(out: Path, board: str, meeting: str, variant: str | None = None) -> Path:
    """Where one meeting's versions live; a named variant (render-batch) gets its own series
    under ``<meeting>/variants/<variant>/`` so variants never become versions of each other.

    Every part is checked (board and variant are slugs, the meeting an ISO date) and the result
    must lie inside ``<out>/briefings``: nothing is ever written outside ``--out``."""
    problems = [slug_problem("board", board)]
    if not (isinstance(meeting, str) and MEETING_DATE.fullmatch(meeting)):
        problems.append(f"meeting {meeting!r} is not a date (YYYY-MM-DD)")
    if variant is not None:
        problems.append(slug_problem("variant name", variant))
    found = [p for p in problems if p]
    if found:
        raise UnsafePathError("; ".join(found))
    root = Path(out) / "briefings"
    mdir = root / board / meeting
    if variant is not None:
        mdir = mdir / "variants" / variant
    if not mdir.resolve().is_relative_to(root.resolve()):  # a symlinked board folder
        raise UnsafePathError(f"{mdir} resolves outside {root}: refusing to write there")
    return mdir


def versions(mdir: Path) -> list[tuple[int, Path]]:
    """Published versions of one meeting, oldest first."""
    if not mdir.is_dir():
        return []
    found = []
    for p in mdir.iterdir():
        m = VERSION_DIR.match(p.name)
        if m and (p / "manifest.json").is_file():
            found.append((int(m.group(1)), p))
    return sorted(found)


def read_manifest(version_dir: Path) -> dict:
    return json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))


def latest(mdir: Path) -> tuple[int, Path] | None:
    v = versions(mdir)
    return v[-1] if v else None


def previous_for_board(out: Path, board: str, meeting: str, variant: str | None = None) -> Path | None:
    """The manifest a new version should be compared with: the latest version of this meeting,
    else the latest version of the board's most recent earlier meeting. For a variant: the
    variant's own latest version first, then the same rule."""
    if variant is not None:
        own = latest(meeting_dir(out, board, meeting, variant))
        if own:
            return own[1] / "manifest.json"
    bdir = Path(out) / "briefings" / board
    if not bdir.is_dir():
        return None
    meetings = sorted((p.name for p in bdir.iterdir() if p.is_dir() and p.name <= meeting), reverse=True)
    for m in meetings:
        last = latest(bdir / m)
        if last:
            return last[1] / "manifest.json"
    return None


@contextlib.contextmanager
def locked(mdir: Path, name: str = ".lock") -> Iterator[None]:
    """An exclusive lock on the file ``name`` in ``mdir`` (created if missing)."""
    mdir.mkdir(parents=True, exist_ok=True)
    with open(mdir / name, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def build_dir(mdir: Path) -> Iterator[Path]:
    """A private folder to build one version in; removed on failure or interruption."""
    mdir.mkdir(parents=True, exist_ok=True)
    tmp = mdir / f"{BUILD_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _read_only(path: Path) -> None:
    for p in sorted(path.rglob("*"), reverse=True):
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


# Where the annex's version number goes: markup that reads as plain words wherever the version is
# not yet known (the notebook in JupyterLab, its stored outputs), replaced whole once it is.
VERSION_PLACEHOLDER = '<span data-cyp-evidence-version="">draft (numbered when published)</span>'


def publish(
    tmp: Path, mdir: Path, input_key: str, finalize: Callable[[Path, int], None] | None = None
) -> tuple[str, int, Path]:
    """Publish a built folder as the next version, unless the latest version already has these
    inputs (another render got there first). ``finalize(tmp, n)`` runs under the lock once the
    version number is known (it stamps the version into the annex and writes the manifest).
    Returns (status, version, path)."""
    with locked(mdir):
        last = latest(mdir)
        if last and read_manifest(last[1]).get("input_key") == input_key:
            return "up to date", last[0], last[1]
        n = last[0] + 1 if last else 1
        if finalize:
            finalize(tmp, n)
        target = mdir / f"v{n}"
        os.rename(tmp, target)  # atomic; fails rather than replace an existing version
        _read_only(target)
        return "rendered", n, target


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


EVIDENCE_FILES = ("*.csv", "*.json")  # what the evidence checksum covers (everything read_package reads)


def evidence_checksum(directory: Path | str) -> str:
    """The checksum a manifest records for an evidence folder (``evidence_checksum``)."""
    return sha256_tree(Path(directory), EVIDENCE_FILES)


def sha256_tree(root: Path, patterns: tuple[str, ...]) -> str:
    """One checksum over the relative paths and contents of matching files."""
    h = hashlib.sha256()
    files = sorted({p for pat in patterns for p in root.rglob(pat) if p.is_file() and "__pycache__" not in p.parts})
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(sha256_file(p).encode())
    return h.hexdigest()
