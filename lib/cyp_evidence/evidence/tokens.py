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
from typing import NamedTuple

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


class Token(NamedTuple):
    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        return not any(c.isdigit() for c in self.text)


def _words(text: str) -> list[Token]:
    """Number words, found with str.find on the lower-cased text (much faster than a regular
    expression over every position) and kept where they stand alone ("one", "two-thirds"; not
    "someone", "phone" or "tenth")."""
    low = text.lower()
    found: dict[int, int] = {}
    for word in _WORDS:
        i = low.find(word)
        while i >= 0:
            e = i + len(word)
            before = low[i - 1] if i else " "
            after = low[e] if e < len(low) else " "
            if not (after.isalnum() or after in "_-"):
                s = i
                if before == "-":  # a compound: "two-thirds", "three-quarters"
                    dash = low.rfind("-", 0, i)
                    head = low.rfind(" ", 0, dash) + 1
                    if low[head:dash] in _UNITS and (
                        head == 0 or not (low[head - 1].isalnum() or low[head - 1] in "_-")
                    ):
                        s = head
                    else:
                        s = -1
                elif before.isalnum() or before == "_":
                    s = -1
                if s >= 0 and found.get(s, 0) < e:
                    found[s] = e
            i = low.find(word, i + 1)
    return [Token(s, e, text[s:e]) for s, e in found.items()]


def tokenize(text: str) -> list[Token]:
    """Every numeric token of ``text`` in order (digit tokens and number words; a number word
    written as the scale of a digit token, as in "3 million", is part of that token)."""
    found = [Token(m.start(), m.end(), m.group(0)) for m in _DIGITS.finditer(text)]
    starts = [t.start for t in found]
    words = []
    for w in _words(text):
        i = bisect.bisect_right(starts, w.start) - 1  # the digit token starting at or before it
        if i < 0 or found[i].end <= w.start:
            words.append(w)
    return sorted(found + words)
