"""Adversarial: hostile or careless parameters, on the command line and in a variants file
(review 2026-12-01-reliability, P-cases, D10, D12). Each case: exit status 2, a message naming
the parameter (or the variants file and variant), no traceback, nothing written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from adversarial import check, run, snapshot

from cyp_evidence.briefing.content.params import validate_parameters

BOARD = ["--board", "lga-cyp-board"]

CASES = {
    "unscheduled-meeting": (
        [*BOARD, "--meeting", "2024-05-01"],
        ["parameter 'meeting': 2024-05-01 is not a meeting of this board", "scheduled: 2024-01-23, 2024-03-12"],
    ),
    "blank-title": ([*BOARD, "--meeting", "2024-03-12", "--title", "   "], ["parameter 'title': must not be empty"]),
    "nul-title": (
        [*BOARD, "--meeting", "2024-03-12", "--title", "a\x01b"],
        ["parameter 'title': contains the control"],
    ),
    "newline-title": ([*BOARD, "--meeting", "2024-03-12", "--title", "a\nb"], ["parameter 'title'", "U+000A"]),
    "separator-title": ([*BOARD, "--meeting", "2024-03-12", "--title", "a\u2028b"], ["U+2028"]),
    "traversal-board": (
        ["--board", "../../etc", "--meeting", "2024-03-12"],
        ["parameter 'board': '../../etc' is not a valid id"],
    ),
    "slash-board": (["--board", "lga/cyp", "--meeting", "2024-03-12"], ["is not a valid id"]),
    "lookalike-board": (["--board", "lga-cyp-b\u043eard", "--meeting", "2024-03-12"], ["is not a valid id"]),
    "dot-board": (["--board", ".lga", "--meeting", "2024-03-12"], ["'.lga' is not a valid id"]),
    "bad-meeting": ([*BOARD, "--meeting", "12/03/2024"], ["parameter 'meeting': '12/03/2024' is not a date"]),
    "as-of-after": (
        [*BOARD, "--meeting", "2024-03-12", "--as-of", "2024-04-01"],
        ["parameter 'as_of'", "after the meeting"],
    ),
    "unknown-theme": (
        [*BOARD, "--meeting", "2024-03-12", "--theme", "colour"],
        ["parameter 'themes': unknown theme 'colour'"],
    ),
    "unknown-focus": (
        [*BOARD, "--meeting", "2024-03-12", "--focus", "Atlantis"],
        ["parameter 'focus': unknown vanguard 'Atlantis'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_render_parameters(case, tmp_path, capsys):
    argv, places = CASES[case]
    out = tmp_path / "out"
    result = run(["render", *argv, "--out", str(out)], capsys)
    check(result, 2, *places)
    assert not out.exists(), "something was written"


def test_a_bad_meeting_is_reported_once(tmp_path, capsys):
    result = run(["render", *BOARD, "--meeting", "2024-3-12", "--out", str(tmp_path / "o")], capsys)
    check(result, 2, "parameter 'meeting'")
    assert "as_of" not in result.err


VARIANT_NAMES = ["../x", "a/b", "a\\b", ".hidden", "x\n", "Upper", "caf\u00e9", "a\u0000b", "-x", "x--y"]


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_variant_names_are_slugs(name, tmp_path, capsys):
    variants = tmp_path / "variants.json"
    variants.write_text(json.dumps([{"name": name, "themes": ["send"]}]), encoding="utf-8")
    out = tmp_path / "out"
    result = run(
        [
            "render-batch",
            *BOARD,
            "--meeting",
            "2024-03-12",
            "--variants",
            str(variants),
            "--out",
            str(out),
            "--no-progress",
        ],
        capsys,
    )
    check(result, 2, str(variants), "variant 1")
    assert not out.exists() or snapshot(out) == {}
    assert sorted(p.name for p in tmp_path.iterdir()) in (["variants.json"], ["out", "variants.json"])


def test_variant_values_are_checked_before_anything_runs():
    """Blank or control-character titles are refused; a native TOML date for as_of is a date."""
    for title, message in (("   ", "must not be empty"), ("a\u0000b", r"U\+0000")):
        with pytest.raises(ValueError, match=message):
            validate_parameters({"board": "lga-cyp-board", "meeting": "2024-03-12", "title": title})
    params = validate_parameters(
        {"board": "lga-cyp-board", "meeting": dt.date(2024, 3, 12), "as_of": dt.date(2024, 3, 1)}
    )
    assert (params.meeting, params.as_of) == ("2024-03-12", "2024-03-01")
