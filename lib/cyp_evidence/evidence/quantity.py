"""Read a figure as printed ("3.4m", "1 in 6", "over £900m", "20-25%", "almost 4 months") into
its canonical quantity: the value in a plain unit with no scale, the scale it was printed in,
and its bound.

Conventions (the evidence base follows them and ``verify`` checks them against ``printed``):

- ``value`` is the quantity itself: 3.4m people is 3400000, £110K is 110000 (pounds).
- ``scale`` is the power of ten the figure was printed in (SDMX UNIT_MULT): 0, 3 (k,
  thousand), 6 (m, million), 9 (bn, billion); ``value / 10**scale`` gives the printed number.
- Shares are proportions in [0, 1]: "20%" is 0.2, "1 in 6" is 1/6, "a third" is 1/3 (to float
  precision, never 33), "1/3" is 1/3.
- ``bound``: exact; approximate ("c.", "about", "approximately", "almost", "nearly": for
  "almost" and "nearly" ``value_max`` also holds the number, as the true value is below it);
  at_least ("over", "more than", "at least", "39+", "six ... plus", "or more": ``value_min``);
  at_most ("up to", "at most", "fewer than", "less than": ``value_max``); range ("20-25%": ``value_min`` and ``value_max``, no ``value``).
- ``unit`` is a hint from the print alone: proportion (%, "per cent", fractions, "1 in N"),
  GBP (a £ sign), rate (per N, with ``rate_per``), times ("N times"), rank ("2nd", "number
  one"), a duration (days, weeks, months, years), or None where the print does not say.

``parse_printed`` never guesses: text it cannot read raises ``ValueError`` naming the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

BOUNDS = ("exact", "approximate", "at_least", "at_most", "range")

CARDINALS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "dozen": 12,
}
# Exact word fractions, as proportions (to float precision).
FRACTIONS = {
    "half": 1 / 2,
    "a half": 1 / 2,
    "a third": 1 / 3,
    "third": 1 / 3,
    "one third": 1 / 3,
    "one-third": 1 / 3,
    "two-thirds": 2 / 3,
    "two thirds": 2 / 3,
    "a quarter": 1 / 4,
    "quarter": 1 / 4,
    "one quarter": 1 / 4,
    "three-quarters": 3 / 4,
    "three quarters": 3 / 4,
}
SCALE_WORDS = {"k": 3, "thousand": 3, "m": 6, "million": 6, "bn": 9, "billion": 9}
DURATIONS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}

# Qualifiers before the number, longest first.
_BEFORE = (
    ("approximately", "approximate"),
    ("about", "approximate"),
    ("around", "approximate"),
    ("almost", "almost"),
    ("nearly", "almost"),
    ("more than", "at_least"),
    ("at least", "at_least"),
    ("over", "at_least"),
    ("up to", "at_most"),
    ("at most", "at_most"),
    ("fewer than", "at_most"),
    ("less than", "at_most"),
    ("c.", "approximate"),
)
_AFTER_AT_LEAST = re.compile(r"(?:\+|\bplus|\bor more)\s*$", re.I)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?!\d)|\d+(?:\.\d+)?"
_NUM_RE = re.compile(_NUMBER)


@dataclass(frozen=True)
class Parsed:
    """What a printed figure says, in canonical terms (see the module docstring)."""

    value: float | None
    scale: int = 0
    bound: str = "exact"
    value_min: float | None = None
    value_max: float | None = None
    unit: str | None = None
    rate_per: int | None = None
    # the canonical size of one step of the last printed digit (for tolerances): "52%" -> 0.01
    step: float = 0.0


def _num(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace(" ", ""))


def _step(text: str) -> Decimal:
    digits = text.replace(",", "").replace(" ", "")
    return Decimal(1).scaleb(-len(digits.split(".")[1])) if "." in digits else Decimal(1)


def clean(printed: str) -> str:
    """The printed text without markdown emphasis and with single spaces."""
    return re.sub(r"\s+", " ", printed.replace("*", "")).strip()


def _strip_qualifier(text: str) -> tuple[str, str]:
    low = text.lower()
    for word, bound in _BEFORE:
        if low.startswith(word + " ") or (word.endswith(".") and low.startswith(word)):
            return text[len(word) :].strip(), bound
    # "c35 000", "c1.5 million": a 'c' glued to the digits
    if re.match(r"^c\d", low):
        return text[1:], "approximate"
    return text, "exact"


def parse_printed(printed: str) -> Parsed:
    """The canonical reading of a figure as printed. Raises ValueError if it cannot be read."""
    text = clean(printed)
    if not text:
        raise ValueError("nothing printed")
    body, qualifier = _strip_qualifier(text)
    at_least_after = bool(_AFTER_AT_LEAST.search(body))
    if at_least_after:
        body = _AFTER_AT_LEAST.sub("", body).strip()
        if qualifier == "exact":
            qualifier = "at_least"
    parsed = _parse_body(body, printed)
    return _bounded(parsed, qualifier)


def _bounded(p: Parsed, qualifier: str) -> Parsed:
    if p.bound == "range" or qualifier == "exact":
        return p
    v = p.value
    if qualifier == "almost":
        return _replace(p, bound="approximate", value_max=v)
    if qualifier == "at_least":
        return _replace(p, bound="at_least", value_min=v)
    if qualifier == "at_most":
        return _replace(p, bound="at_most", value_max=v)
    return _replace(p, bound=qualifier)


def _replace(p: Parsed, **kw) -> Parsed:
    d = dict(p.__dict__)
    d.update(kw)
    return Parsed(**d)


def _parse_body(body: str, printed: str) -> Parsed:
    low = body.lower()
    # a range: "20-25%", "18-25" (hyphen or en dash)
    m = re.fullmatch(rf"(£)?({_NUMBER})\s*[-–]\s*({_NUMBER})\s*(%|per cent)?", low)
    if m:
        pct = bool(m.group(4))
        div = Decimal(100) if pct else Decimal(1)
        lo, hi = _num(m.group(2)) / div, _num(m.group(3)) / div
        unit = "proportion" if pct else ("GBP" if m.group(1) else None)
        return Parsed(None, 0, "range", float(lo), float(hi), unit, step=float(_step(m.group(3)) / div))
    # "1 in 6", "one in ten"
    m = re.fullmatch(r"(1|one|a) in (\d+|[a-z]+)", low)
    if m:
        n = _cardinal(m.group(2), printed)
        return Parsed(1 / n, unit="proportion")
    # a simple fraction "1/3" (a share); "190/195" is a count out of a total
    m = re.fullmatch(r"(\d+)/(\d+)", low)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a < b <= 12:
            return Parsed(a / b, unit="proportion")
        return Parsed(float(a), step=1.0)
    # word fractions ("a third", "three-quarters", "half")
    if low in FRACTIONS:
        return Parsed(FRACTIONS[low], unit="proportion")
    # ranks: "2nd", "number one", "first"
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", low)
    if m:
        return Parsed(float(m.group(1)), unit="rank", step=1.0)
    m = re.fullmatch(r"number (\d+|[a-z]+)", low)
    if m:
        return Parsed(float(_cardinal(m.group(1), printed)), unit="rank", step=1.0)
    # "N times": a multiplier
    m = re.fullmatch(rf"({_NUMBER}|[a-z]+) times", low)
    if m:
        return Parsed(float(_number_or_word(m.group(1), printed)), unit="times", step=float(_numeric_step(m.group(1))))
    # rates "63.8 per 10,000"
    m = re.fullmatch(rf"({_NUMBER}) per ({_NUMBER})", low)
    if m:
        return Parsed(
            float(_num(m.group(1))), unit="rate", rate_per=int(_num(m.group(2))), step=float(_step(m.group(1)))
        )
    # percentages: "35%", "35 per cent", "(56)%", "47% more", "35% coverage"
    m = re.fullmatch(rf"\(?({_NUMBER})\)?\s*(?:%|per cent)(?: [a-z ]+)?", low)
    if m:
        step = _step(m.group(1)) / 100
        return Parsed(float(_num(m.group(1)) / 100), unit="proportion", step=float(step))
    # "8 and a half months"
    m = re.fullmatch(r"(\d+) and a half(?: ([a-z]+(?: [a-z]+)*))?", low)
    if m:
        return Parsed(float(Decimal(m.group(1)) + Decimal("0.5")), unit=_duration(m.group(2)), step=0.5)
    # money and counts, with a scale: "£110K", "£1.4bn", "3.4m", "730k", "14 million", "£299,684"
    m = re.fullmatch(rf"(£)?({_NUMBER})\s*(k|thousand|m|million|bn|billion)?(?: ([a-z]+(?: [a-z]+)*))?", low)
    if m:
        scale = SCALE_WORDS.get(m.group(3) or "", 0)
        number = _num(m.group(2))
        unit = "GBP" if m.group(1) else _duration(m.group(4))
        return Parsed(float(number.scaleb(scale)), scale, unit=unit, step=float(_step(m.group(2)).scaleb(scale)))
    # number words: "seven", "Three", "six meetings", "three months", "two-year"
    m = re.fullmatch(r"([a-z]+)(?:[ -]([a-z]+(?: [a-z]+)*))?", low)
    if m and m.group(1) in CARDINALS:
        return Parsed(float(CARDINALS[m.group(1)]), unit=_duration(m.group(2)), step=1.0)
    raise ValueError(f"cannot read the printed figure {printed!r}")


def _duration(words: str | None) -> str | None:
    if not words:
        return None
    first = words.split()[0].rstrip("s")
    return DURATIONS.get(first)


def _cardinal(word: str, printed: str) -> int:
    if word.isdigit():
        return int(word)
    if word in CARDINALS:
        return CARDINALS[word]
    raise ValueError(f"cannot read the number {word!r} in {printed!r}")


def _number_or_word(text: str, printed: str) -> Decimal:
    if _NUM_RE.fullmatch(text):
        return _num(text)
    return Decimal(_cardinal(text, printed))


def _numeric_step(text: str) -> Decimal:
    return _step(text) if _NUM_RE.fullmatch(text) else Decimal(1)


_QUALIFIER_BEFORE = re.compile(
    r"(?:^|[\s(])(approximately|about|around|almost|nearly|more than|at least|over|up to|at most|fewer than|less than|c\.)\s*$",
    re.I,
)
_QUALIFIER_AFTER = re.compile(r"^\s*(\+|plus\b|or more\b)", re.I)


def qualifier_in_context(quote: str, printed: str) -> str | None:
    """A qualifier that the quote prints right before or after ``printed`` but that ``printed``
    leaves out ("approximately **37% more**" printed as "37% more"), or None. Markdown emphasis
    between the qualifier and the figure is ignored."""
    at = quote.find(printed)
    if at < 0:
        return None
    before = quote[:at].replace("*", "")
    after = quote[at + len(printed) :].replace("*", "")
    m = _QUALIFIER_BEFORE.search(before)
    if m and _strip_qualifier(clean(printed))[1] == "exact":
        return m.group(1)
    m = _QUALIFIER_AFTER.match(after)
    if m and not _AFTER_AT_LEAST.search(clean(printed)):
        return m.group(1)
    return None


def parse_in_context(printed: str, quote: str | None) -> Parsed:
    """``parse_printed``, with a qualifier the quote prints right next to the figure applied."""
    parsed = parse_printed(printed)
    word = qualifier_in_context(quote or "", printed)
    if not word:
        return parsed
    low = word.lower()
    qualifier = dict(_BEFORE).get(low, "at_least")
    return _bounded(parsed, qualifier)
