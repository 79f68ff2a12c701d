"""`cyp-evidence run-due`: which meetings are due, idempotence, one line per meeting, exit status."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_index import BOARD, MEETING, _manifest, _publish, ops  # noqa: F401  (ops: shared session fixture)

from cyp_evidence.briefing.content.schedule import ScheduleError, load_schedule
from cyp_evidence.briefing.operations import due

D = dt.date.fromisoformat

SCHEDULE = """
[boards.board-a]
name = "Board A"
organisation = "Org"

[[boards.board-a.meetings]]
date = "2024-02-20"

[[boards.board-a.meetings]]
date = "2024-03-01"

[[boards.board-a.meetings]]
date = "2024-03-15"

[[boards.board-a.meetings]]
date = "2024-03-16"

[boards.board-b]
name = "Board B"
organisation = "Org"

[[boards.board-b.meetings]]
date = "2024-03-10"
"""


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    p = tmp_path / "schedule.toml"
    p.write_text(SCHEDULE, encoding="utf-8")
    return p


@dataclass
class FakeResult:
    status: str
    version: int
    path: Path

    @property
    def annex(self) -> Path:
        return self.path / "annex.html"


class FakeRender:
    """Stands in for render(): records calls; fails for the meetings named in ``fail``."""

    def __init__(self, out: Path, fail=(), up_to_date=()):
        self.out, self.fail, self.up_to_date, self.calls = out, set(fail), set(up_to_date), []

    def __call__(self, raw, out, **kw):
        self.calls.append((raw["board"], raw["meeting"], kw))
        if raw["meeting"] in self.fail:
            raise RuntimeError(f"kernel died\nwhile rendering {raw['meeting']}")
        status = "up to date" if raw["meeting"] in self.up_to_date else "rendered"
        return FakeResult(status, 3, Path(out) / "briefings" / raw["board"] / raw["meeting"] / "v3")


def test_window_is_today_to_today_plus_within_inclusive(schedule_file):
    s = load_schedule(schedule_file)
    got = [(m.board, m.date.isoformat()) for m in due.due_meetings(s, D("2024-03-01"), 14)]
    assert got == [("board-a", "2024-03-01"), ("board-b", "2024-03-10"), ("board-a", "2024-03-15")]
    assert [m.date.isoformat() for m in due.due_meetings(s, D("2024-03-01"), 0)] == ["2024-03-01"]
    assert due.due_meetings(s, D("2024-03-17"), 30) == []  # past meetings are never due
    with pytest.raises(ValueError, match="--within"):
        due.due_meetings(s, D("2024-03-01"), -1)


def test_missed_meetings_are_past_ones_without_any_version(schedule_file, tmp_path):
    s = load_schedule(schedule_file)
    out = tmp_path / "out"
    assert [m.date.isoformat() for m in due.missed_meetings(s, out, D("2024-03-12"), 14)] == [
        "2024-03-01",
        "2024-03-10",
    ]
    _publish(out, "board-a", "2024-03-01", 1, _manifest("board-a", "2024-03-01", 1, {}))
    assert [m.date.isoformat() for m in due.missed_meetings(s, out, D("2024-03-12"), 14)] == ["2024-03-10"]


def test_run_due_logs_one_line_per_meeting_and_keeps_going_after_a_failure(schedule_file, tmp_path):
    out = tmp_path / "out"
    fake = FakeRender(out, fail={"2024-03-10"}, up_to_date={"2024-03-15"})
    lines, notes = [], []
    outcomes = due.run_due(
        today=D("2024-03-01"),
        within=14,
        out=out,
        pdf=True,
        schedule_path=schedule_file,
        log=lines.append,
        note=notes.append,
        render_fn=fake,
    )
    assert [c[:2] for c in fake.calls] == [
        ("board-a", "2024-03-01"),
        ("board-b", "2024-03-10"),
        ("board-a", "2024-03-15"),
    ]
    assert all(c[2]["pdf"] is True and c[2]["schedule_path"] == schedule_file for c in fake.calls)
    assert [o.status for o in outcomes] == ["rendered", "failed", "up to date"]
    root = out.resolve() / "briefings"
    assert lines == [
        f"board-a 2024-03-01: rendered v3 {root}/board-a/2024-03-01/v3/annex.html",
        "board-b 2024-03-10: failed: RuntimeError: kernel died while rendering 2024-03-10",
        f"board-a 2024-03-15: up to date {root}/board-a/2024-03-15/v3/annex.html (v3)",
    ]
    assert notes[0] == "run-due: 3 meeting(s) scheduled from 2024-03-01 to 2024-03-15"
    assert any("2024-02-20 has passed and has no version" in n for n in notes)
    assert (out / "index.html").is_file()  # rebuilt at the end


def test_long_failure_reasons_are_shortened_on_the_line_and_given_in_full_on_stderr(schedule_file, tmp_path):
    def fail(raw, out, **kw):
        raise ValueError("problem " * 200)

    lines, notes = [], []
    due.run_due(
        today=D("2024-03-10"),
        within=0,
        out=tmp_path,
        schedule_path=schedule_file,
        log=lines.append,
        note=notes.append,
        render_fn=fail,
    )
    assert len(lines) == 1 and len(lines[0]) < 400 and lines[0].endswith("…")
    assert any(n.count("problem") == 200 for n in notes)


def test_broken_schedule_raises(tmp_path):
    bad = tmp_path / "schedule.toml"
    bad.write_text('[boards.x]\nname = "X"\norganisation = "O"\n[[boards.x.meetings]]\ndate = "2024-13-01"\n')
    with pytest.raises(ScheduleError, match=r"\[boards.x\] meeting 1"):
        due.run_due(today=D("2024-03-01"), out=tmp_path / "out", schedule_path=bad, render_fn=FakeRender(tmp_path))


def test_cli_exit_status_is_1_when_a_render_failed(tmp_path, monkeypatch, capsys):
    from cyp_evidence.briefing.pipeline import render as render_module
    from cyp_evidence.cli import main

    def fail(raw, out, **kw):
        raise render_module.RenderError("the briefing notebook failed in cell 3: KeyError: 'x'")

    monkeypatch.setattr(render_module, "render", fail)
    assert main(["run-due", "--today", "2024-03-01", "--within", "14", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{BOARD} {MEETING}: failed: RenderError: the briefing notebook failed in cell 3: KeyError: 'x'" in out


def test_cli_nothing_due_is_success(tmp_path, capsys):
    from cyp_evidence.cli import main

    assert main(["run-due", "--today", "2030-01-01", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "0 meeting(s) scheduled from 2030-01-01 to 2030-01-15" in captured.err


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    from cyp_evidence.cli import main

    assert main(["run-due", "--within", "-1", "--out", str(tmp_path)]) == 2
    assert "--within must be 0 or more days" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["run-due", "--today", "2024-02-30"])
    assert exc.value.code == 2
    assert "'2024-02-30' is not a date" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.browser
def test_run_due_renders_once_then_is_up_to_date(ops):
    annex = ops.out.resolve() / "briefings" / BOARD / MEETING / "v1" / "annex.html"
    assert ops.due_first.rc == 0, ops.due_first.stderr
    assert f"{BOARD} {MEETING}: rendered v1 {annex}" in ops.due_first.stdout.splitlines()
    assert ops.due_second.rc == 0, ops.due_second.stderr
    assert ops.due_second.stdout.splitlines() == [f"{BOARD} {MEETING}: up to date {annex} (v1)"]
    mdir = annex.parent.parent
    assert sorted(p.name for p in mdir.iterdir() if re.fullmatch(r"v\d+", p.name)) == ["v1"]
    assert (annex.parent / "annex.pdf").is_file()  # --pdf
    assert "2024-03-01 to 2024-03-15" in ops.due_first.stderr
