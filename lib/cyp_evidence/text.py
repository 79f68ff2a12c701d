"""What a text shown to readers may contain: no C0/C1 control character other than tab and
newline (a NUL byte, an escape, a carriage return on its own), and no Unicode line or paragraph
separator (U+2028, U+2029: they end JavaScript strings and break chart expressions). Checked
where text is read: the evidence (``evidence/package.py``), the schedule and the parameters."""

from __future__ import annotations

import re

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_BAD_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def bad_character(value: str, *, single_line: bool = False) -> str | None:
    """None, or a description of the first character that is not allowed, e.g.
    ``"the control character U+0000 at character 12"``."""
    found = (_BAD_SINGLE_LINE if single_line else _BAD).search(value)
    if found is None:
        return None
    return f"the control character U+{ord(found.group()):04X} at character {found.start() + 1}"


# what a reader should never see (checked in chart text, the annex and the evidence's caveats):
# snake_case names ("value_max", "rate_per") ...
_SNAKE = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")
# ... and ids and slugs: lowercase words joined by hyphens with a digit in them ("nhse19-ccgs",
# "cfa-2014") or three or more parts ("si-ffic-4111-children")
_SLUG = re.compile(r"(?<![\w-])(?:[a-z]+\d+[a-z0-9]*(?:-[a-z0-9]+)+|[a-z]+-\d{4}|[a-z0-9]+(?:-[a-z0-9]+){3,})(?![\w-])")


def programmers_words(text: str) -> list[str]:
    """snake_case names and ids or slugs in ``text`` (none belong in what a reader sees)."""
    return [m.group(0) for m in _SNAKE.finditer(text)] + [m.group(0) for m in _SLUG.finditer(text)]
