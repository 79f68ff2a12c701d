"""Ids that become parts of a path (board ids, variant names): strict slugs.

A slug is lower-case ASCII letters and digits in groups joined by single hyphens, at most
:data:`MAX_LENGTH` characters: no ``.`` or ``..``, no ``/`` or ``\\``, no NUL or other control
character, no leading dot or hyphen, no look-alike Unicode (``ℓga``, a Cyrillic ``а``, full-width
digits), no trailing newline. Checked where the id is read (``schedule.toml``, a variants file,
a parameter) and again where a path is made from it (:func:`cyp_evidence.briefing.pipeline.publish.meeting_dir`).
"""

from __future__ import annotations

import re

MAX_LENGTH = 80
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
RULE = f"lower-case letters a-z, digits and single hyphens, at most {MAX_LENGTH} characters"


def is_slug(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_LENGTH and SLUG.fullmatch(value) is not None


def slug_problem(kind: str, value: object) -> str | None:
    """None when ``value`` is a slug, else a message naming it: ``"<kind> '../x' is not a
    valid id: use ..."``."""
    if is_slug(value):
        return None
    return f"{kind} {value!r} is not a valid id: use {RULE}"


def slugify(text: object, max_len: int | None = MAX_LENGTH, fallback: str = "") -> str:
    """A slug made from any text (the one slug function): lower-cased, every run of characters
    other than ASCII letters and digits turned into one hyphen, at most ``max_len`` characters
    (None: no limit), ``fallback`` when nothing is left. ``is_slug(slugify(x, fallback="x"))``."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    if max_len is not None:
        s = s[:max_len].strip("-")
    return s or fallback
