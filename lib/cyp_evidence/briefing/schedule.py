"""The committed schedule of boards and meetings (schedule.toml)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import SCHEDULE_FILE

BOARD_KEYS = {"name", "organisation", "defaults", "meetings"}
MEETING_KEYS = {"date", "title", "themes", "focus", "as_of"}
DEFAULT_KEYS = {"themes", "focus"}


class ScheduleError(ValueError):
    """The schedule file is broken; the message names the entry."""


@dataclass(frozen=True)
class Meeting:
    board: str
    date: dt.date
    title: str
    overrides: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    organisation: str
    defaults: dict
    meetings: tuple[Meeting, ...]

    def meeting(self, date: dt.date) -> Meeting | None:
        return next((m for m in self.meetings if m.date == date), None)


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScheduleError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)")


def load_schedule(path: Path | str = SCHEDULE_FILE) -> dict[str, Board]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"{path}: schedule file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"boards"}
    if unknown_top:
        raise ScheduleError(f"{path}: unknown top-level key(s) {sorted(unknown_top)} (expected [boards.<id>])")
    boards = {}
    for bid, b in data.get("boards", {}).items():
        where = f"{path}: [boards.{bid}]"
        if not isinstance(b, dict):
            raise ScheduleError(f"{where}: must be a table")
        extra = set(b) - BOARD_KEYS
        if extra:
            raise ScheduleError(f"{where}: unknown key(s) {sorted(extra)}")
        for key in ("name", "organisation"):
            if not isinstance(b.get(key), str) or not b[key].strip():
                raise ScheduleError(f"{where}: '{key}' is required")
        defaults = b.get("defaults", {})
        extra = set(defaults) - DEFAULT_KEYS
        if extra:
            raise ScheduleError(f"{where}.defaults: unknown key(s) {sorted(extra)} (allowed: {sorted(DEFAULT_KEYS)})")
        meetings, seen = [], set()
        for i, m in enumerate(b.get("meetings", []), start=1):
            mwhere = f"{where} meeting {i}"
            extra = set(m) - MEETING_KEYS
            if extra:
                raise ScheduleError(f"{mwhere}: unknown key(s) {sorted(extra)} (allowed: {sorted(MEETING_KEYS)})")
            if "date" not in m:
                raise ScheduleError(f"{mwhere}: 'date' is required")
            date = _date(m["date"], mwhere)
            if date in seen:
                raise ScheduleError(f"{mwhere}: duplicate meeting {date.isoformat()} for board '{bid}'")
            seen.add(date)
            overrides = {k: v for k, v in m.items() if k not in ("date", "title")}
            if "as_of" in overrides:
                overrides["as_of"] = _date(overrides["as_of"], mwhere).isoformat()
            meetings.append(Meeting(bid, date, m.get("title", ""), overrides))
        boards[bid] = Board(
            bid, b["name"], b["organisation"], dict(defaults), tuple(sorted(meetings, key=lambda x: x.date))
        )
    return boards
