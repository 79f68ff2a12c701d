"""Atomic file writes: a temporary file in the target's folder, then ``os.replace``.

A reader sees the old file or the new one, never a half-written one; on any failure
(including an interrupt) the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; when the block ends without an
    exception it is given ``mode`` and moved onto ``path``; otherwise it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str, mode: int = 0o644) -> Path:
    """Write UTF-8 text (LF line ends) to ``path`` atomically, flushed to disk first."""
    with atomic_path(path, mode) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def write_checked(path: str | os.PathLike, text: str) -> None:
    """Best effort, for caches (an unwritable cache only costs a rebuild): write ``text``
    atomically, its sha256 on the first line so that :func:`read_checked` can tell a damaged file."""
    with contextlib.suppress(OSError):
        write_text_atomic(path, hashlib.sha256(text.encode("utf-8")).hexdigest() + "\n" + text)


def read_checked(path: str | os.PathLike) -> str | None:
    """What :func:`write_checked` wrote, if the file is there and intact; else None."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    digest, _, text = raw.partition("\n")
    if not text or hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
        return None
    return text


# --- private working folders (build folders, kernel IPC folders) and their owners -----------
OWNER_FILE = ".owner"


def mark_owner(folder: Path) -> None:
    """Record this process as the owner of ``folder`` (so a later sweep knows it is in use)."""
    # Written aside and renamed into place, so a concurrent sweep never reads a half-written
    # (empty) owner file and takes a live build for a dead one.
    tmp = Path(folder) / f"{OWNER_FILE}.{os.getpid()}.tmp"
    tmp.write_text(f"{os.getpid()}\n", encoding="utf-8")
    os.replace(tmp, Path(folder) / OWNER_FILE)


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_stale(parent: Path, prefix: str, *, unowned_after_s: float = 3600.0) -> list[Path]:
    """Remove folders ``parent/<prefix>*`` whose owner process is dead (a killed render or
    kernel), or that have no owner and were last changed over ``unowned_after_s`` ago; never
    one whose owner is alive. Returns what was removed; never raises."""
    import shutil
    import time

    removed: list[Path] = []
    try:
        candidates = [p for p in Path(parent).iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except OSError:
        return removed
    for p in candidates:
        try:
            if (p / OWNER_FILE).exists():
                if _owner_alive(p):
                    continue
            elif time.time() - p.stat().st_mtime < unowned_after_s:
                continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
        except OSError:
            continue
    return removed
