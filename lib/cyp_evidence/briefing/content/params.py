"""Typed, validated briefing parameters: the one contract between the command line, the
schedule and the briefing notebook's `parameters` cell.

Everything is checked before any analysis runs; all problems are reported together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...ids import slug_problem
from ...paths import SCHEDULE_FILE
from .schedule import Board, load_schedule, text_problem
from .sections import SECTIONS

# Sections of an annex (briefing/content/sections.py), re-exported: params.SECTIONS is the usual name.
__all__ = ["SECTIONS", "BriefingParameters", "ParameterError", "validate_parameters"]

# name -> (python type, description). `previous_manifest` is set by the publisher, not users.
PARAMETERS: dict[str, tuple[type, str]] = {
    "board": (str, "board id from schedule.toml, e.g. 'lga-cyp-board'"),
    "meeting": (str, "meeting date, YYYY-MM-DD"),
    "as_of": (str, "evidence cut-off date, YYYY-MM-DD; empty means the meeting date"),
    "themes": (list, f"sections to include (empty: all): {', '.join(SECTIONS)}"),
    "focus": (str, "'all' or one vanguard's name as printed in the referrals table"),
    "title": (str, "annex title; empty means the title in the schedule"),
    "previous_manifest": (str, "internal: path of the previous version's manifest.json for this board"),
    "evidence_dir": (str, "internal: evidence data package folder; empty means evidence/"),
    "board_name": (str, "internal: the board's name, resolved from the schedule in use"),
    "messages_file": (str, "internal: the meeting's key messages file; empty means messages/<board>/<meeting>.md"),
}
INTERNAL_PARAMETERS = ("previous_manifest", "evidence_dir", "board_name", "messages_file")
USER_PARAMETERS = [p for p in PARAMETERS if p not in INTERNAL_PARAMETERS]


class ParameterError(ValueError):
    """Invalid briefing parameters; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid briefing parameters:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class BriefingParameters:
    board: str
    meeting: str
    as_of: str
    themes: list[str] = field(default_factory=list)
    focus: str = "all"
    title: str = ""
    previous_manifest: str = ""
    evidence_dir: str = ""
    board_name: str = ""  # from the schedule the parameters were resolved against
    messages_file: str = ""

    @property
    def meeting_date(self) -> dt.date:
        return dt.date.fromisoformat(self.meeting)

    @property
    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of)

    @property
    def sections(self) -> list[str]:
        return [s for s in SECTIONS if not self.themes or s in self.themes]

    def as_dict(self) -> dict:
        return asdict(self)

    def identity(self) -> dict:
        """Parameters that define *what* is rendered (not the publisher's bookkeeping)."""
        d = self.as_dict()
        for name in INTERNAL_PARAMETERS:
            d.pop(name)
        return d


def _check_date(name: str, value, problems: list[str]) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"parameter '{name}': {value!r} is not a date (expected YYYY-MM-DD)")
        return None


def validate_parameters(
    raw: dict,
    *,
    vanguards: list[str] | None = None,
    schedule: dict[str, Board] | None = None,
    schedule_path: Path | str = SCHEDULE_FILE,
) -> BriefingParameters:
    """Check names, types and values; fill defaults from the schedule. Raises ParameterError."""
    problems: list[str] = []
    unknown = sorted(set(raw) - set(PARAMETERS))
    for name in unknown:
        problems.append(f"unknown parameter '{name}' (known: {', '.join(USER_PARAMETERS)})")
    values = {k: v for k, v in raw.items() if k in PARAMETERS and v is not None}
    for name in ("meeting", "as_of"):  # a TOML or JSON date may arrive as a date
        if isinstance(values.get(name), dt.date) and not isinstance(values[name], dt.datetime):
            values[name] = values[name].isoformat()
    for name, value in values.items():
        typ = PARAMETERS[name][0]
        if not isinstance(value, typ) or isinstance(value, bool):
            problems.append(f"parameter '{name}': expected {typ.__name__}, got {type(value).__name__} {value!r}")
    for name in ("board", "meeting"):
        if name not in values:
            problems.append(f"parameter '{name}' is required ({PARAMETERS[name][1]})")
    if problems:
        raise ParameterError(problems)
    for name in ("title", "focus"):
        if name in values and (name != "title" or values[name] != ""):
            problem = text_problem(f"parameter '{name}'", values[name])
            if problem:
                problems.append(problem)
    slug = slug_problem("parameter 'board':", values["board"])
    if slug:
        raise ParameterError([*problems, slug])

    schedule = schedule if schedule is not None else load_schedule(schedule_path)
    board = schedule.get(values["board"])
    if board is None:
        problems.append(f"parameter 'board': unknown board {values['board']!r} (known: {', '.join(sorted(schedule))})")
    meeting = _check_date("meeting", values["meeting"], problems)
    defaults: dict = {}
    origin: dict[str, str] = {}  # where a value from the schedule came from, for messages
    scheduled_title = ""
    if board is not None:
        defaults = dict(board.defaults)
        origin = {k: f"{board.where}.defaults" for k in board.defaults}
        m = board.meeting(meeting) if meeting else None
        if m is not None:
            defaults.update(m.overrides)
            origin.update({k: m.where for k in m.overrides})
            scheduled_title = m.title
        elif meeting is not None:
            problems.append(
                f"parameter 'meeting': {meeting.isoformat()} is not a meeting of this board ({board.where or board.id}); "
                f"scheduled: {board.dates()}. Add the meeting to the schedule first"
            )
    merged = {**defaults, **values}

    def named(name: str) -> str:
        return f"parameter '{name}'" + (f" (from {origin[name]})" if name in origin and name not in values else "")

    as_of = None
    if "as_of" in merged and merged["as_of"]:
        as_of = _check_date("as_of", merged["as_of"], problems)
    elif meeting is not None:
        as_of = meeting
    if meeting and as_of and as_of > meeting:
        problems.append(f"{named('as_of')}: cut-off {as_of.isoformat()} is after the meeting ({meeting.isoformat()})")
    themes = list(merged.get("themes") or [])
    for t in themes:
        if not isinstance(t, str) or t not in SECTIONS:
            problems.append(f"{named('themes')}: unknown theme {t!r} (known: {', '.join(SECTIONS)})")
    if len(set(map(str, themes))) != len(themes):
        problems.append(f"{named('themes')}: a theme is listed twice")
    focus = merged.get("focus") or "all"
    if focus != "all" and vanguards is not None and focus not in vanguards:
        problems.append(
            f"{named('focus')}: unknown vanguard {focus!r} (known: 'all', {', '.join(repr(v) for v in vanguards)})"
        )
    if problems or meeting is None or as_of is None:
        raise ParameterError(problems)
    assert meeting is not None and as_of is not None  # no problems: both were read
    board_name = board.name if board else values["board"]
    title = merged.get("title") or scheduled_title or f"{board_name}: evidence annex"
    return BriefingParameters(
        board=values["board"],
        meeting=meeting.isoformat(),
        as_of=as_of.isoformat(),
        themes=[t for t in SECTIONS if t in themes],
        focus=focus,
        title=title,
        previous_manifest=merged.get("previous_manifest", ""),
        evidence_dir=merged.get("evidence_dir", ""),
        board_name=board_name,
        messages_file=merged.get("messages_file", ""),
    )
