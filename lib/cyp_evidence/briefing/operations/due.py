"""`cyp-evidence run-due`: render every scheduled meeting that is due and not up to date.

The window is ``[today, today + within]`` (both ends included; default 14 days). A meeting
already in the past is never rendered by run-due, even when it has no version: its briefing
would be produced after the board met, and a late render is an explicit decision for a person
(``cyp-evidence render --board B --meeting D``). Past meetings within the same look-back
(``[today - within, today)``) that have no version at all are listed as a ``note:`` on stderr
so a missed run is noticed; they do not change the exit status.

Each meeting in the window goes through :func:`cyp_evidence.briefing.pipeline.render.render`, which
re-checks the parameters and the evidence and publishes nothing when the latest version already
has the same inputs ("up to date"). Running it twice therefore renders nothing the second time.
One failing meeting does not stop the others; the exit status is 1 when any failed.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...paths import EVIDENCE_DIR, SCHEDULE_FILE
from ..content.messages import messages_path
from ..content.schedule import Meeting, load_schedule
from ..pipeline import publish as pub

DEFAULT_WITHIN = 14


@dataclass
class Outcome:
    board: str
    meeting: str
    status: str  # "rendered" | "up to date" | "failed"
    version: int | None = None
    path: Path | None = None
    reason: str = ""

    def line(self) -> str:
        who = f"{self.board} {self.meeting}"
        if self.status == "failed":
            return f"{who}: failed: {self.reason}"
        if self.status == "rendered":
            return f"{who}: rendered v{self.version} {self.path}"
        return f"{who}: up to date {self.path} (v{self.version})"


def window(today: dt.date, within: int) -> tuple[dt.date, dt.date]:
    if within < 0:
        raise ValueError(f"--within must be 0 or more days, got {within}")
    return today, today + dt.timedelta(days=within)


def due_meetings(schedule: dict, today: dt.date, within: int = DEFAULT_WITHIN) -> list[Meeting]:
    """Scheduled meetings with ``today <= date <= today + within``, by date then board."""
    start, end = window(today, within)
    found = [m for b in schedule.values() for m in b.meetings if start <= m.date <= end]
    return sorted(found, key=lambda m: (m.date, m.board))


def missed_meetings(schedule: dict, out: Path, today: dt.date, within: int = DEFAULT_WITHIN) -> list[Meeting]:
    """Meetings in ``[today - within, today)`` with no published version at all."""
    start = today - dt.timedelta(days=within)
    found = [m for b in schedule.values() for m in b.meetings if start <= m.date < today]
    return sorted(
        (m for m in found if not pub.versions(pub.meeting_dir(out, m.board, m.date.isoformat()))),
        key=lambda m: (m.date, m.board),
    )


REASON_MAX = 300


def reason(exc: BaseException) -> str:
    """One line: the exception type and message, shortened (the full text goes to stderr)."""
    text = " ".join(str(exc).split()) or "(no message)"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def failed_result(name: str, exc: BaseException, *, why: str | None = None, t0: float | None = None) -> dict:
    """A variant's result when its render failed: its name, the one-line reason (``why``, or
    the exception's), the full message, and the seconds since ``t0`` when given."""
    res: dict[str, object] = {"name": name, "status": "failed", "reason": why or reason(exc), "detail": str(exc)}
    if t0 is not None:
        res["seconds"] = time.perf_counter() - t0
    return res


def run_due(
    *,
    today: dt.date | None = None,
    within: int = DEFAULT_WITHIN,
    out: Path,
    pdf: bool = False,
    evidence_dir: Path = EVIDENCE_DIR,
    sources_dir: Path | None = None,
    schedule_path: Path = SCHEDULE_FILE,
    log: Callable[[str], None] = print,
    note: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
    render_fn: Callable | None = None,
) -> list[Outcome]:
    """Render what is due; one :class:`Outcome` (and one logged line) per meeting in the window.
    Raises ScheduleError when the schedule itself is broken (nothing can be decided)."""
    from ..pipeline.index import refresh

    if render_fn is None:
        from ..pipeline.render import render

        render_fn = render

    today = today or dt.date.today()
    out = Path(out).resolve()
    schedule = load_schedule(schedule_path)
    start, end = window(today, within)
    due = due_meetings(schedule, today, within)
    note(f"run-due: {len(due)} meeting(s) scheduled from {start.isoformat()} to {end.isoformat()}")
    for m in missed_meetings(schedule, out, today, within):
        note(
            f"note: {m.board} {m.date.isoformat()} has passed and has no version; run-due does not render past meetings "
            f"(render it with: cyp-evidence render --board {m.board} --meeting {m.date.isoformat()} --out {out})"
        )
    outcomes = []
    for m in due:
        meeting = m.date.isoformat()
        key_messages = messages_path(m.board, meeting, schedule_path)
        if not key_messages.is_file():
            note(
                f"warning: {m.board} {meeting}: no key messages ({key_messages} does not exist); the annex shows "
                "a notice where the key messages would be"
            )
        try:
            r = render_fn(
                {"board": m.board, "meeting": meeting},
                out,
                pdf=pdf,
                evidence_dir=evidence_dir,
                sources_dir=sources_dir,
                schedule_path=schedule_path,
            )
            o = Outcome(m.board, meeting, r.status, r.version, r.annex)
        except Exception as exc:  # noqa: BLE001 - one meeting never stops the others
            o = Outcome(m.board, meeting, "failed", reason=reason(exc))
            if len(str(exc)) > REASON_MAX - 40:
                note(f"{m.board} {meeting}: full error:\n{exc}")
        log(o.line())
        outcomes.append(o)
    refresh(out, schedule_path=schedule_path)
    return outcomes
