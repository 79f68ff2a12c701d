"""Checksums of files and folders: what a manifest records and what the pipeline compares to
tell whether an annex is up to date and whether the evidence changed during a render. Standard
library only, below content and pipeline, since both check the evidence (the annex re-checks it
around its load)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


EVIDENCE_FILES = ("*.csv", "*.json")  # what the evidence checksum covers (everything read_package reads)
# what the code checksum covers: every kind of file in the package that a render reads (the annex's
# Python, templates, stylesheet, settings and the chart loader script), so changing any of them makes
# a new version ("the annex's code changed") instead of "up to date"
CODE_FILES = ("*.py", "*.tpl", "*.j2", "*.css", "*.json", "*.js")


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
