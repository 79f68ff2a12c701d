"""The code checksum (a manifest's ``code_checksum``, part of a render's input key) covers every
file of the package a render reads, so a change to any of them makes a new version instead of
"up to date, inputs unchanged"."""

from __future__ import annotations

import fnmatch
import shutil

from cyp_evidence.briefing.checksums import CODE_FILES, sha256_tree
from cyp_evidence.paths import PACKAGE_DIR


def package_files():
    return [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_every_kind_of_file_in_the_package_is_covered():
    missed = sorted(
        str(p.relative_to(PACKAGE_DIR))
        for p in package_files()
        if not any(fnmatch.fnmatch(p.name, pat) for pat in CODE_FILES)
    )
    assert not missed, f"files the code checksum does not cover (add their pattern to CODE_FILES): {missed}"


def test_a_change_to_the_chart_loader_script_changes_the_code_checksum(tmp_path):
    copy = tmp_path / "pkg"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = sha256_tree(copy, CODE_FILES)
    (script,) = copy.rglob("chart_loader.js")
    script.write_text(script.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    assert sha256_tree(copy, CODE_FILES) != before
