"""The committed schedule of boards and meetings (schedule.toml)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ...ids import slug_problem
from ...paths import SCHEDULE_FILE
from ...text import bad_character
from .sections import SECTIONS

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
    where: str = ""  # "schedule.toml: [boards.x] meeting 2", for messages about its values


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    organisation: str
    defaults: dict
    meetings: tuple[Meeting, ...]
    where: str = ""  # "schedule.toml: [boards.x]"

    def meeting(self, date: dt.date) -> Meeting | None:
        return next((m for m in self.meetings if m.date == date), None)

    def dates(self) -> str:
        """The scheduled meeting dates, for messages."""
        return ", ".join(m.date.isoformat() for m in self.meetings) or "none"


def text_problem(what: str, value: object, *, single_line: bool = True, required: bool = True) -> str | None:
    """None when ``value`` is an acceptable reader-facing text (:mod:`cyp_evidence.text`), else
    what is wrong with it."""
    if not isinstance(value, str):
        return f"{what}: expected text, got {type(value).__name__} {value!r}"
    if required and not value.strip():
        return f"{what}: must not be empty or only spaces"
    bad = bad_character(value, single_line=single_line)
    return f"{what}: contains {bad}" if bad else None


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScheduleError(f"{where}: date {value!r} is not an ISO date (YYYY-MM-DD)")


def _themes(value, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ScheduleError(
            f"{where}: 'themes' must be a list of section names, e.g. themes = [\"send\"], got {value!r}"
        )
    unknown = [t for t in value if not isinstance(t, str) or t not in SECTIONS]
    if unknown:
        raise ScheduleError(
            f"{where}: 'themes': unknown theme(s) {', '.join(map(repr, unknown))} (known: {', '.join(SECTIONS)})"
        )
    if len(set(value)) != len(value):
        raise ScheduleError(f"{where}: 'themes': a theme is listed twice")
    return list(value)


def _focus(value, where: str) -> str:
    problem = text_problem(f"{where}: 'focus'", value)
    if problem:
        raise ScheduleError(problem)
    return value


def _table(value, where: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise ScheduleError(f"{where}: {what} must be a table, got {type(value).__name__} {value!r}")
    return value


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def load_schedule(path: Path | str = SCHEDULE_FILE) -> dict[str, Board]:
    """Read and check ``schedule.toml``: every board id a slug, every value of the right type
    (themes known, focus a text, dates ISO, a meeting's cut-off not after it), every message
    naming the file and the entry. Raises :class:`ScheduleError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScheduleError(f"{path}: schedule file not found") from None
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read the schedule: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScheduleError(
            f"{path}:{_line_of(raw, exc.start)}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"boards"}
    if unknown_top:
        raise ScheduleError(f"{path}: unknown top-level key(s) {sorted(unknown_top)} (expected [boards.<id>])")
    boards = {}
    for bid, b in _table(data.get("boards", {}), f"{path}", "'boards'").items():
        where = f"{path}: [boards.{bid}]"
        problem = slug_problem("board id", bid)
        if problem:
            raise ScheduleError(f"{path}: [boards.{bid!r}]: {problem}")
        b = _table(b, where, "a board")
        extra = set(b) - BOARD_KEYS
        if extra:
            raise ScheduleError(f"{where}: unknown key(s) {sorted(extra)} (allowed: {sorted(BOARD_KEYS)})")
        for key in ("name", "organisation"):
            if key not in b:
                raise ScheduleError(f"{where}: '{key}' is required")
            problem = text_problem(f"{where}: '{key}'", b[key])
            if problem:
                raise ScheduleError(problem)
        defaults = dict(_table(b.get("defaults", {}), f"{where}.defaults", "'defaults'"))
        extra = set(defaults) - DEFAULT_KEYS
        if extra:
            raise ScheduleError(f"{where}.defaults: unknown key(s) {sorted(extra)} (allowed: {sorted(DEFAULT_KEYS)})")
        if "themes" in defaults:
            defaults["themes"] = _themes(defaults["themes"], f"{where}.defaults")
        if "focus" in defaults:
            _focus(defaults["focus"], f"{where}.defaults")
        listed = b.get("meetings", [])
        if not isinstance(listed, list):
            raise ScheduleError(
                f"{where}: 'meetings' must be a list of tables ([[boards.{bid}.meetings]] with date = YYYY-MM-DD), "
                f"got {type(listed).__name__} {listed!r}"
            )
        meetings, seen = [], set()
        for i, m in enumerate(listed, start=1):
            mwhere = f"{where} meeting {i}"
            m = _table(m, mwhere, "a meeting ([[boards.<id>.meetings]] with date = YYYY-MM-DD)")
            extra = set(m) - MEETING_KEYS
            if extra:
                raise ScheduleError(f"{mwhere}: unknown key(s) {sorted(extra)} (allowed: {sorted(MEETING_KEYS)})")
            if "date" not in m:
                raise ScheduleError(f"{mwhere}: 'date' is required")
            date = _date(m["date"], mwhere)
            if date in seen:
                raise ScheduleError(f"{mwhere}: duplicate meeting {date.isoformat()} for board '{bid}'")
            seen.add(date)
            title = m.get("title", "")
            if "title" in m:
                problem = text_problem(f"{mwhere}: 'title'", title)
                if problem:
                    raise ScheduleError(problem)
            overrides = {k: v for k, v in m.items() if k not in ("date", "title")}
            if "themes" in overrides:
                overrides["themes"] = _themes(overrides["themes"], mwhere)
            if "focus" in overrides:
                _focus(overrides["focus"], mwhere)
            if "as_of" in overrides:
                as_of = _date(overrides["as_of"], f"{mwhere}: 'as_of'")
                if as_of > date:
                    raise ScheduleError(f"{mwhere}: 'as_of' {as_of.isoformat()} is after the meeting")
                overrides["as_of"] = as_of.isoformat()
            meetings.append(Meeting(bid, date, title, overrides, f"{mwhere} ({date.isoformat()})"))
        boards[bid] = Board(
            bid, b["name"], b["organisation"], defaults, tuple(sorted(meetings, key=lambda x: x.date)), where
        )
    return boards
