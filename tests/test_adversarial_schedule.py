"""Adversarial: a broken or hostile schedule.toml (review 2026-12-01-reliability, S-cases, D2,
D11). Each case: exit status 2 for render, run-due and index, a message naming the file and
the entry, no traceback, nothing written (outside ``--out`` above all), published files
byte-identical."""

from __future__ import annotations

import json

import pytest
from adversarial import check, run, snapshot

GOOD = (
    '[boards.lga-cyp-board]\nname = "LGA"\norganisation = "LGA"\n[[boards.lga-cyp-board.meetings]]\ndate = 2024-03-12\n'
)


def board(bid: str, extra: str = "", meetings: str = "[[boards.{q}.meetings]]\ndate = 2024-03-12\n") -> str:
    q = json.dumps(bid)
    return f'[boards.{q}]\nname = "E"\norganisation = "X"\n{extra}' + meetings.format(q=q)


CASES = {
    # D2: path-like and look-alike board ids (S07, S08)
    "traversal": (board("../../escape"), "'../../escape' is not a valid id"),
    "slash": (board("a/b"), "'a/b' is not a valid id"),
    "backslash": (board("a\\b"), "is not a valid id"),
    "dotdot": (board(".."), "'..' is not a valid id"),
    "leading-dot": (board(".hidden"), "'.hidden' is not a valid id"),
    "nul": (board("a\u0000b"), "is not a valid id"),
    "script-l": (board("\u2113ga-cyp-board"), "is not a valid id"),  # ℓga
    "cyrillic-a": (board("lg\u0430-cyp-board"), "is not a valid id"),
    "fullwidth-digit": (board("board-\uff11"), "is not a valid id"),
    "upper-case": (board("LGA"), "'LGA' is not a valid id"),
    # D11: values of the wrong type, each naming its entry
    "meetings-strings": (board("b", meetings='meetings = ["2024-03-12"]\n'), "[boards.b] meeting 1: a meeting"),
    "meetings-int": (board("b", meetings="meetings = 5\n"), "[boards.b]: 'meetings' must be a list of tables"),
    "boards-int": ("boards = 5\n", "'boards' must be a table"),
    "title-int": (board("b", meetings="[[boards.b.meetings]]\ndate = 2024-03-12\ntitle = 5\n"), "meeting 1: 'title'"),
    "title-blank": (
        board("b", meetings='[[boards.b.meetings]]\ndate = 2024-03-12\ntitle = "   "\n'),
        "meeting 1: 'title': must not be empty",
    ),
    "themes-string": (board("b", extra='defaults = { themes = "send" }\n'), "'themes' must be a list"),
    "unknown-theme": (
        board("b", meetings='[[boards.b.meetings]]\ndate = 2024-03-12\nthemes = ["colour"]\n'),
        "[boards.b] meeting 1: 'themes': unknown theme(s) 'colour'",
    ),
    "as-of-after": (
        board("b", meetings="[[boards.b.meetings]]\ndate = 2024-03-12\nas_of = 2024-04-01\n"),
        "meeting 1: 'as_of' 2024-04-01 is after the meeting",
    ),
    "name-nul": ('[boards.b]\nname = "a\\u0000b"\norganisation = "X"\n', "[boards.b]: 'name': contains the control"),
    "bad-date": (board("b", meetings='[[boards.b.meetings]]\ndate = "12/03/2024"\n'), "is not an ISO date"),
}


@pytest.fixture
def out(tmp_path):
    d = tmp_path / "deep" / "out"
    d.mkdir(parents=True)
    (d / "published.txt").write_text("kept", encoding="utf-8")
    return d


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["render", "run-due"])
def test_broken_schedule_is_refused(case, command, tmp_path, out, capsys):
    text, message = CASES[case]
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(text, encoding="utf-8")
    before = snapshot(tmp_path)
    argv = {
        "render": ["render", "--board", "b", "--meeting", "2024-03-12"],
        "run-due": ["run-due", "--today", "2024-03-01"],
    }[command]
    result = run([*argv, "--schedule", str(schedule), "--out", str(out)], capsys)
    check(result, 2, str(schedule), message)
    assert snapshot(tmp_path) == before, "something was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "schedule.toml"]


def test_non_utf8_schedule_names_file_and_line(tmp_path, out, capsys):
    schedule = tmp_path / "schedule.toml"
    schedule.write_bytes(GOOD.encode() + b"\n# caf\xe9\n")
    result = run(["render", "--board", "lga-cyp-board", "--meeting", "2024-03-12", "--schedule", str(schedule)], capsys)
    check(result, 2, f"{schedule}:7: not UTF-8")


def test_schedule_path_is_the_one_used_everywhere(tmp_path, capsys):
    """issue 17 item 3: a board that exists ONLY in --schedule P renders (parameters resolved
    in the parent against P; the notebook never reads the default schedule)."""
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(
        '[boards.only-here]\nname = "A board only in this schedule"\norganisation = "X"\n'
        '[[boards.only-here.meetings]]\ndate = 2024-03-12\ntitle = "Only here"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(
        ["render", "--board", "only-here", "--meeting", "2024-03-12", "--schedule", str(schedule), "--out", str(out)],
        capsys,
    )
    check(result, 0, "rendered v1")
    annex = (out / "briefings" / "only-here" / "2024-03-12" / "v1" / "annex.html").read_text(encoding="utf-8")
    assert "A board only in this schedule" in annex and "Only here" in annex
