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
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from ...fsutil import OWNER_FILE, mark_owner, sweep_stale
from ...ids import slug_problem
from ..checksums import sha256_file
from ..errors import RenderError, UnsafePathError

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
    """Published versions of one meeting, oldest first (folders ``v<N>`` with a manifest.json)."""
    if not mdir.is_dir():
        return []
    found = []
    for p in mdir.iterdir():
        m = VERSION_DIR.match(p.name)
        if m and (p / "manifest.json").is_file():
            found.append((int(m.group(1)), p))
    return sorted(found)


def next_number(mdir: Path) -> int:
    """The next version number: above every ``v<N>`` name present, complete or not (a version
    folder whose manifest was deleted, or a file named ``v3``, is never overwritten or reused)."""
    if not mdir.is_dir():
        return 1
    taken = [int(m.group(1)) for p in mdir.iterdir() if (m := VERSION_DIR.match(p.name))]
    return max(taken, default=0) + 1


class ManifestError(RenderError, ValueError):
    """A published manifest.json cannot be read; the message names the file."""


def read_manifest(version_dir: Path) -> dict:
    """The version's manifest, or :class:`ManifestError` naming the file and what is wrong."""
    path = Path(version_dir) / "manifest.json"
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc}); this version is left as it is") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: not a JSON object; this version is left as it is")
    return data


def manifest_or_none(version_dir: Path, warn: Callable[[str], None] | None = None) -> dict | None:
    """The manifest, or None (after one warning naming the file) when it cannot be read: a
    damaged version never blocks rendering another."""
    try:
        return read_manifest(version_dir)
    except ManifestError as exc:
        (warn or _warn)(f"warning: {exc}")
        return None


def _warn(message: str) -> None:
    import sys

    print(message, file=sys.stderr)


def damage(version_dir: Path, manifest: dict) -> list[str]:
    """What is wrong with a published version's files against its manifest: missing, changed
    or unreadable annex.html / annex.pdf (an empty list: intact)."""
    found = []
    for name, key in (("annex.html", "annex_sha256"), ("annex.pdf", "pdf_sha256")):
        expected = manifest.get(key)
        if not expected:
            continue
        path = Path(version_dir) / name
        try:
            actual = sha256_file(path)
        except FileNotFoundError:
            found.append(f"{path}: missing")
            continue
        except OSError as exc:
            found.append(f"{path}: unreadable ({exc.strerror or exc})")
            continue
        if actual != expected:
            found.append(f"{path}: changed since it was published (sha256 differs from the manifest)")
    return found


def up_to_date(mdir: Path, input_key: str, warn: Callable[[str], None] | None = None) -> tuple[int, Path] | None:
    """The latest version if it was rendered from these inputs AND its published files match
    its manifest; else None (a damaged or unreadable latest version is reported, never trusted)."""
    last = latest(mdir)
    if not last:
        return None
    manifest = manifest_or_none(last[1], warn)
    if manifest is None or manifest.get("input_key") != input_key:
        return None
    problems = damage(last[1], manifest)
    if problems:
        for p in problems:
            (warn or _warn)(f"warning: v{last[0]} is damaged, a new version is rendered: {p}")
        return None
    return last


def latest(mdir: Path) -> tuple[int, Path] | None:
    v = versions(mdir)
    return v[-1] if v else None


def previous_for_board(out: Path, board: str, meeting: str, variant: str | None = None) -> Path | None:
    """The manifest a new version should be compared with: the latest version of this meeting,
    else the latest version of the board's most recent earlier meeting. For a variant: only the
    variant's own latest version (versions are compared within their own series). A version whose manifest cannot be
    read is skipped (with a warning naming it): it never blocks a render."""

    def readable(mdir: Path) -> Path | None:
        for _, path in reversed(versions(mdir)):
            if manifest_or_none(path) is not None:
                return path / "manifest.json"
        return None

    if variant is not None:
        # a variant is compared only within its own series (never with the full annex)
        return readable(meeting_dir(out, board, meeting, variant))
    bdir = Path(out) / "briefings" / board
    if not bdir.is_dir():
        return None
    meetings = sorted((p.name for p in bdir.iterdir() if p.is_dir() and p.name <= meeting), reverse=True)
    for m in meetings:
        if not MEETING_DATE.fullmatch(m):
            continue
        found = readable(bdir / m)
        if found:
            return found
    return None


@contextlib.contextmanager
def locked(mdir: Path, name: str = ".lock") -> Iterator[None]:
    """An exclusive lock on the file ``name`` in ``mdir`` (created if missing)."""
    mdir.mkdir(parents=True, exist_ok=True)
    with open(mdir / name, "a") as fh:  # "a": never truncated, its time never changes
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def build_dir(mdir: Path) -> Iterator[Path]:
    """A private folder to build one version in; removed on failure or interruption."""
    mdir.mkdir(parents=True, exist_ok=True)
    sweep_stale(mdir, BUILD_PREFIX)  # build folders of renders that were killed (owner dead)
    tmp = mdir / f"{BUILD_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        mark_owner(tmp)
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _read_only(path: Path) -> None:
    for p in sorted(path.rglob("*"), reverse=True):
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def publish(
    tmp: Path, mdir: Path, input_key: str, finalize: Callable[[Path, int], None] | None = None
) -> tuple[str, int, Path]:
    """Publish a built folder as the next version, unless the latest version already has these
    inputs (another render got there first). ``finalize(tmp, n)`` runs under the lock once the
    version number is known (it stamps the version into the annex and writes the manifest).
    Returns (status, version, path)."""
    with locked(mdir):
        last = up_to_date(mdir, input_key)
        if last:
            return "up to date", last[0], last[1]
        n = next_number(mdir)
        if finalize:
            finalize(tmp, n)
        with contextlib.suppress(FileNotFoundError):
            (tmp / OWNER_FILE).unlink()
        target = mdir / f"v{n}"
        os.rename(tmp, target)  # atomic; fails rather than replace an existing version
        _read_only(target)
        return "rendered", n, target


def verify(out: Path) -> tuple[int, list[str]]:
    """Check every published version under ``<out>/briefings`` against its manifest: (number
    of versions checked, problems: a version folder without a readable manifest, a missing,
    changed or unreadable annex or PDF, a file where a version folder should be)."""
    root = Path(out) / "briefings"
    checked, problems = 0, []
    if not root.is_dir():
        return 0, [f"{root}: no published briefings here"]
    series = [m for b in sorted(root.iterdir()) if b.is_dir() for m in sorted(b.iterdir()) if m.is_dir()]
    series += [v for m in list(series) if (m / "variants").is_dir() for v in sorted((m / "variants").iterdir())]
    for mdir in series:
        for p in sorted(mdir.iterdir()):
            if not VERSION_DIR.match(p.name):
                continue
            checked += 1
            if not p.is_dir():
                problems.append(f"{p}: a file where a version folder should be")
                continue
            try:
                manifest = read_manifest(p)
            except ManifestError as exc:
                problems.append(str(exc))
                continue
            problems += damage(p, manifest)
    return checked, problems
