"""Every numeric token in a source text: the unit of account of the coverage sweep.

A token is a number as printed, with what belongs to it: a currency sign, thousands separators
and decimals, a scale or percent suffix ("3.4m", "£1.4bn", "20%", "35 per cent"), a trailing
"+", and the other end of a range or year pair ("20-25%", "2022/23", "18-25s"). Dotted
numbering ("2.1.1") is one token. Number words are tokens too: "one" to "twenty", the tens,
"hundred", "thousand", "million", "billion", "half", "third(s)", "quarter(s)" and their
fractions ("two-thirds", "three-quarters"), "twice", "double", "dozen".
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_CORE = r"\d+(?:[.,]\d+)*"
_SUFFIX = r"(?:%|\s?per\s?cent\b|\s?(?:million|billion|thousand)\b|(?:bn|m|k|K)\b|\+)?"
# (the lookaheads only make the scan faster: most positions cannot start a token)
_DIGITS = re.compile(rf"(?=[£$€\d])[£$€]?{_CORE}(?:\s?[-\u2013/]\s?[£$€]?{_CORE})*{_SUFFIX}")

_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
).split()
_WORDS = [
    *_UNITS,
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "half",
    "halve",
    "halved",
    "third",
    "thirds",
    "quarter",
    "quarters",
    "twice",
    "double",
    "doubled",
    "treble",
    "dozen",
    "dozens",
]
_FIRST = "".join(sorted({w[0] for w in (*_UNITS, *_WORDS)}))
_WORD = re.compile(
    rf"(?=[{_FIRST}{_FIRST.upper()}])(?<![\w-])(?:(?:"
    + "|".join(_UNITS)
    + r")-)?(?:"
    + "|".join(_WORDS)
    + r")(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        return not any(c.isdigit() for c in self.text)


def tokenize(text: str) -> list[Token]:
    """Every numeric token of ``text`` in order (digit tokens and number words; a number word
    written as the scale of a digit token, as in "3 million", is part of that token)."""
    found = [Token(m.start(), m.end(), m.group(0)) for m in _DIGITS.finditer(text)]
    starts = [t.start for t in found]
    words = []
    for m in _WORD.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1  # the digit token starting at or before it
        if i < 0 or found[i].end <= m.start():
            words.append(Token(m.start(), m.end(), m.group(0)))
    return sorted(found + words, key=lambda t: t.start)
