"""Adversarial: a corrupt evidence package (review 2026-12-01-reliability, E-cases, D5, D12).
Each case through ``validate --evidence``, ``figures --evidence`` and ``render(evidence_dir=)``:
exit status 1, a message naming the file (and physical line, field), no traceback, nothing
published, published files byte-identical."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from adversarial import check, run, run_api, snapshot

FIGURES = "figures/lga-cyp-board-2024-01-23.csv"


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _set(ev: Path, row: int, column: str, value: str, *, append: bool = True) -> None:
    p = ev / FIGURES
    rows = _rows(p)
    i = rows[0].index(column)
    rows[row][i] = rows[row][i] + value if append else value
    _write_rows(p, rows)


def e09c(ev):
    (ev / "datapackage.json").write_text("[]", encoding="utf-8")
    return "datapackage.json", "must be a JSON object"


def e09d(ev):
    dp = json.loads((ev / "datapackage.json").read_text(encoding="utf-8"))
    del dp["resources"][0]["path"]
    (ev / "datapackage.json").write_text(json.dumps(dp), encoding="utf-8")
    return "datapackage.json", "has no 'path'"


def e09e(ev):
    (ev / "schemas" / "figures.json").write_text("{not json", encoding="utf-8")
    return "schemas/figures.json:1", "invalid JSON"


def e09f(ev):
    (ev / "schemas" / "figures.json").unlink()
    return "schemas/figures.json", "is missing"


def e09g(ev):
    dp = json.loads((ev / "datapackage.json").read_text(encoding="utf-8"))
    dp["resources"][0]["path"] = "../../etc/hostname"
    (ev / "datapackage.json").write_text(json.dumps(dp), encoding="utf-8")
    return "datapackage.json", "its file must be inside"


def e12(ev):
    p = ev / FIGURES
    lines = p.read_bytes().split(b"\n")
    lines[11] = lines[11].replace(b",", b"\xff,", 1)
    p.write_bytes(b"\n".join(lines))
    return f"{FIGURES}:12", "not UTF-8"


def e12b(ev):
    p = ev / "datapackage.json"
    p.write_bytes(p.read_bytes().replace(b'"name"', b'"n\xe9me"', 1))
    return "datapackage.json:", "not UTF-8"


def e12c(ev):
    p = ev / "sources.csv"
    p.write_bytes(p.read_bytes() + b"caf\xff\n")
    return "sources.csv:", "not UTF-8"


def e13(ev):
    _set(ev, 11, "caveats", "x" * 200_000, append=False)
    return f"{FIGURES}:12", "longer than 131072 characters"


def e18(ev):
    """A legitimate multi-line caveat on row 4, then a bad value: the PHYSICAL line is named."""
    _set(ev, 4, "caveats", "first line\nsecond line\nthird line", append=False)
    _set(ev, 12, "value", "six", append=False)
    return f"{FIGURES}:15", "field 'value'"


def e22(ev):
    _set(ev, 5, "caveats", " a\x00b")
    return f"{FIGURES}:6", "U+0000"


def e23(ev):
    _set(ev, 5, "label", " a\u2028b")
    return f"{FIGURES}:6", "U+2028"


CASES = {f.__name__: f for f in (e09c, e09d, e09e, e09f, e09g, e12, e12b, e12c, e13, e18, e22, e23)}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "figures", "render"])
def test_corrupt_evidence(case, command, evidence_copy, tmp_path, capsys):
    file_and_line, message = CASES[case](evidence_copy)
    out = tmp_path / "out"
    (out / "briefings").mkdir(parents=True)
    before = snapshot(out)
    if command == "render":
        from cyp_evidence.briefing.pipeline.render import render

        result = run_api(
            lambda: render({"board": "lga-cyp-board", "meeting": "2024-03-12"}, out, evidence_dir=evidence_copy)
        )
    else:
        result = run([command, "--evidence", str(evidence_copy)], capsys)
    check(result, 1, file_and_line, message, out=out, before=before)
    assert list((out / "briefings").iterdir()) == []
