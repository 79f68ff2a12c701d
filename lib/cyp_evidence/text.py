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
