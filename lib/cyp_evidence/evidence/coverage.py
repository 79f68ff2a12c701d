"""Every number in every source, accounted for.

Each numeric token of a source text (``tokens.tokenize``) is, in this order of precedence:

- ``figure``: inside the printed value of a figure, where the figure's quote stands in the text;
- ``table``: a stored table cell (its field of a ``line_quote`` line, or the row label) or a
  table's ``header_quote``;
- ``recommendation``: inside a recommendation's text, response or progress quote;
- ``arithmetic``: inside the quote of a figure that takes part in an arithmetic check, where it
  restates the printed value of another figure of the same check;
- ``excluded``: by a rule or an explicit entry of the exclusions register
  (``evidence/exclusions.csv``), each with its reason;
- ``open``: none of these. ``cyp-evidence sweep KEY`` lists the open tokens of a source, and
  ``validate`` warns about them (``--strict`` fails).

A rule of the register applies only where the register has a row for it (for one source, or
for every source when ``source_id`` is empty), so the register says which rules are in force.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .package import EvidencePackage, Problem
from .quantity import parse_printed
from .texts import Locator, TextIndex
from .tokens import Token, tokenize

# figure fields that record the other numbers of a figure's quote (the period, who is counted)
FIGURE_CONTEXT = ("label", "period", "population", "geography", "caveats")
STATUSES = ("figure", "table", "recommendation", "arithmetic", "excluded", "open")
COVERED = STATUSES[:4]

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE_PATTERNS = [
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b,?(?:\s+(?:19|20)\d{{2}})?"),
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b"),
    re.compile(rf"\b{_MONTHS}\.?\s+(?:19|20)?\d{{2}}\b"),
    re.compile(r"\b\d{1,2}/\d{1,2}/(?:19|20)?\d{2}\b"),
    re.compile(r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b"),
    re.compile(r"\b\d{1,2}[.:]\d{2}\s?(?:am|pm|a\.m\.|p\.m\.)", re.IGNORECASE),
    re.compile(r"\b\d{1,2}\s?(?:am|pm)\b", re.IGNORECASE),
    re.compile(r"\b(?:Q|Qtr|Quarter\s)[1-4]\b"),
]
# a year of the period 1990-2039 alone, or a financial or academic year (2022/23, 2016-17, 22/23)
_YEAR = re.compile(r"(?:19[89]\d|20[0-3]\d)s?")
_YEAR_PAIR = re.compile(r"((?:19|20)?(\d{2}))\s?[-\u2013/]\s?((?:19|20)?(\d{2}))")
# words after a 4-digit number that make it a count, not a year
_COUNT_AFTER = re.compile(
    r"\s+(?:children|young|people|referrals|pupils|patients|staff|posts|beds|cases|schools|places|families|"
    r"adults|admissions|contacts|appointments|teams|services|organisations|areas|CYP|more|fewer|extra)\b"
)
_REFERENCE_WORDS = (
    r"(?:annex|annexes|appendix|appendices|table|tables|figure|figures|fig\.|paragraph|paragraphs|para|paras|"
    r"section|sections|chapter|chapters|page|pages|p\.|pp\.|item|items|agenda item|recommendation|recommendations|"
    r"rec|slide|slides|question|questions|phase|step|steps|priority|priorities|objective|"
    r"outcome|stage|action|actions|no\.|version|issue|footnote|note|notes|box|case study|mission|"
    r"line|lines|part|parts|p|theme|themes|#)"
)
_REFERENCE = re.compile(
    rf"(?:\b|(?<=#)){_REFERENCE_WORDS}\s+(?:[\d.]+(?:\s*(?:,|and|to|or|-|\u2013)\s*)?)*$", re.IGNORECASE
)
_STATUTE_BEFORE = re.compile(
    r"(?:\b(?:Act|Acts|Regulations|Regulation|Order|Bill|Rules|Code of Practice|Code|Convention|Directive)"
    r"(?:\s+\(\w+\))?\s+|\b(?:section|sections|s\.|ss\.|regulation|regulations|reg\.|schedule|schedules|clause|"
    r"clauses|article|articles|sub-section|subsection|paragraph)\s+(?:[\d.()a-z]+(?:\s*(?:,|and|to|or)\s*)?)*)$",
    re.IGNORECASE,
)
_STATUTE_LINE = re.compile(r"\b(?:Act|Acts|Regulations|Code of Practice|SI|Statutory Instrument)\b")
_PHONE = re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
_STREET = re.compile(
    r"\b\d+[a-z]?(?:-\d+)?\s+(?:[A-Z][\w']+\s+){1,3}(?:Street|Road|Lane|Square|Place|Avenue|Way|Row|"
    r"Terrace|Gardens|Court|Close|Hill|Bridge|Embankment|Walk|Gate|Park)\b"
)
_AGE_BEFORE = re.compile(
    r"(?:\b(?:aged|ages|age|age of|ages of|up to the age of|from birth to)\s+|\b(?:post|pre|under|over)-)$",
    re.IGNORECASE,
)
# "under 18", "over 25": an age threshold only with a usual age limit, and no unit after it
_AGE_LIMIT_BEFORE = re.compile(r"\b(?:under|over)\s+$", re.IGNORECASE)
_AGE_LIMITS = ("16", "18", "19", "21", "24", "25")
_NOT_AGE_AFTER = re.compile(
    r"\s*(?:%|per\b|months?|weeks?|days?|hours?|areas?|schools?|teams?|services?|organisations?|million|thousand)",
    re.IGNORECASE,
)
# a range after "children" or "cohort of" ("a target cohort of children 5-16")
_AGE_BAND_BEFORE = re.compile(r"\b(?:children|cohort of)\s+$", re.IGNORECASE)
_AGE_AFTER = re.compile(r"(?:s\b|[\s-]?years?[\s-]olds?\b|[\s-]?year[\s-]old\b|\s?years\s+old\b|\s?yrs?\b)")
_EXPRESSIONS = re.compile(
    r"\bno one\b|\bone (?:of|another)\b|\bthird (?:sector|party|parties)\b|\bone-to-one\b|\b1\s?(?::|to)\s?1\b|"
    r"\b24/7\b|\bone[\s-]stop\b|\bfrom one \w+ to another\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"\([A-Z]{2,6}\s?\d+\)")
_NAME_BEFORE = re.compile(
    r"(?:\bTier|\bLevel|\bBand|\bKey Stage|\bKS|\bWave|\bYear|\bCohort|\bGroup|\bRegion|\bCovid|\bCOVID)[\s-]?$"
)


@dataclass(frozen=True)
class Context:
    """A token and what surrounds it, for the rules."""

    token: Token
    line: str  # the whole line it is on
    col: int  # where the token starts in that line
    first_on_line: bool

    @functools.cached_property
    def before(self) -> str:
        return self.line[: self.col]

    @functools.cached_property
    def after(self) -> str:
        return self.line[self.col + len(self.token.text) :]


@functools.lru_cache(maxsize=8192)
def _matches(pattern: re.Pattern, line: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in pattern.finditer(line))


def _within(ctx: Context, patterns: Iterable[re.Pattern]) -> bool:
    s, e = ctx.col, ctx.col + len(ctx.token.text)
    return any(ms <= s and e <= me for p in patterns for ms, me in _matches(p, ctx.line))


def _is_year_pair(text: str) -> bool:
    m = _YEAR_PAIR.fullmatch(text)
    if not m:
        return False
    a, b = int(m.group(2)), int(m.group(4))
    full_a = m.group(1)
    if len(full_a) == 2 and not (85 <= a or a <= 39):
        return False
    return b == (a + 1) % 100 or (len(m.group(3)) == 4 and b > a)


def rule_date(ctx: Context) -> bool:
    t = ctx.token.text
    if _within(ctx, _DATE_PATTERNS):
        return True
    if _YEAR.fullmatch(t) and not _COUNT_AFTER.match(ctx.after):
        return True
    return _is_year_pair(t.replace(" ", ""))


_PAGE_LINE = re.compile(r"(?i)(?:page|p\.)\s*(\d+)(?:\s+of\s+(\d+))?|(?:page\s+)?(\d+)\s+of\s+(\d+)|-\s*(\d+)\s*-")


def rule_page_number(ctx: Context) -> bool:
    t = ctx.token.text
    # the page range of an item in a table of contents: "3. Item title<TAB>9 - 70"
    if re.fullmatch(r"\d+\s?[-\u2013]\s?\d+", t) and ctx.before.endswith("\t") and not ctx.after.strip():
        return True
    m = _PAGE_LINE.fullmatch(ctx.line.strip().strip("\f"))
    return m is not None and t in m.groups()


def rule_phone_number(ctx: Context) -> bool:
    return _within(ctx, [_PHONE])


def rule_list_numbering(ctx: Context) -> bool:
    t = ctx.token.text
    if not ctx.first_on_line or not re.fullmatch(r"\d+(?:\.\d+)*", t):
        return False
    before = ctx.before.strip(" \t\u2022\u25cf-*(#")
    if before:
        return False
    after = ctx.after
    # "1. Text", "2.1.1 Text", "65.The ...", "6Service ...", "(3) ...", "4) ..."
    return bool(re.match(r"(?:[.)]\s*|\s+(?=[A-Z(\[\u201c\u2018\"'])|(?=[A-Z]))", after)) and not re.match(
        r"\s*(?:%|per cent|children|young|people|CYP|more|of\b|in\b|out\b|to\b|and\b)", after
    )


def rule_cross_reference(ctx: Context) -> bool:
    return bool(_REFERENCE.search(ctx.before)) and re.fullmatch(r"[\d.]+[a-z]?", ctx.token.text) is not None


def rule_statute_reference(ctx: Context) -> bool:
    if re.fullmatch(r"(?:19|20)\d{2}", ctx.token.text) and re.search(
        r"\b(?:Act|Regulations|Order|Rules|Code of Practice)\s*(?:\(\w+\)\s*)?$", ctx.before
    ):
        return True
    return bool(_STATUTE_BEFORE.search(ctx.before)) and bool(_STATUTE_LINE.search(ctx.line))


def rule_footnote(ctx: Context) -> bool:
    t = ctx.token.text
    if not re.fullmatch(r"\d{1,3}", t):
        return False
    attached = re.search(r"[a-z.,;:)\]\u201d\u2019\"]$", ctx.before) is not None
    return attached and re.match(r"(?:\s|$|[.,;:)])", ctx.after) is not None


def rule_url_email(ctx: Context) -> bool:
    return _within(ctx, [_URL])


def rule_address(ctx: Context) -> bool:
    return _within(ctx, [_POSTCODE, _STREET])


def rule_name(ctx: Context) -> bool:
    """A number that is part of a name or code: glued to letters ("SCN0672", "Future4Me",
    "EC1V") or after a naming word ("Tier 4", "Covid-19", "Key Stage 2")."""
    t = ctx.token.text
    if not re.fullmatch(r"\d+", t):
        return False
    if re.search(r"\b(?:Q|Qtr)$", ctx.before) and t in ("1", "2", "3", "4"):
        return False  # a quarter: a date
    glued_before = re.search(r"[A-Za-z]$", ctx.before) is not None
    glued_after = re.match(r"[A-Za-z]", ctx.after) is not None
    upper_before = re.search(r"[A-Z]$", ctx.before) is not None
    ordinal_name = re.match(r"(?:st|nd|rd|th)\s+[A-Z]", ctx.after) is not None
    return (
        (glued_before and (glued_after or upper_before))
        or ordinal_name
        or bool(_NAME_BEFORE.search(ctx.before))
        or _within(ctx, [_CODE])
    )


def rule_age(ctx: Context) -> bool:
    """An age or an age band of the people a statement is about ("aged 0-17", "under 18",
    "18-25s", "post-16", "0-25 year olds"): who is counted, recorded as a figure's population."""
    t = ctx.token.text
    if not re.fullmatch(r"\d{1,2}(?:\s?[-\u2013]\s?\d{1,2})?\+?", t):
        return False
    band = "-" in t or "\u2013" in t
    if _AGE_BEFORE.search(ctx.before) or _AGE_AFTER.match(ctx.after):
        return True
    if _AGE_LIMIT_BEFORE.search(ctx.before):
        return t in _AGE_LIMITS and not _NOT_AGE_AFTER.match(ctx.after)
    # an age band: a range after "children" or "cohort of", or followed by "years" ("10-24 years")
    return band and (bool(_AGE_BAND_BEFORE.search(ctx.before)) or re.match(r"\s?years\b", ctx.after) is not None)


def rule_expression(ctx: Context) -> bool:
    """A number word in an expression that counts nothing ("no one", "one of", "third sector",
    "24/7", "one-to-one")."""
    return _within(ctx, [_EXPRESSIONS])


RULES: dict[str, Callable[[Context], bool]] = {
    "date": rule_date,
    "page_number": rule_page_number,
    "phone_number": rule_phone_number,
    "list_numbering": rule_list_numbering,
    "cross_reference": rule_cross_reference,
    "statute_reference": rule_statute_reference,
    "footnote": rule_footnote,
    "url_email": rule_url_email,
    "address": rule_address,
    "name": rule_name,
    "age": rule_age,
    "expression": rule_expression,
}


# ------------------------------------------------------------------ accounting
@dataclass(frozen=True)
class Account:
    """What one numeric token of a source is."""

    source_id: str
    token: Token
    locator: Locator
    status: str
    by: str  # the id of the figure, table, recommendation, check or exclusion; "" when open

    @property
    def printed(self) -> str:
        return self.token.text


@dataclass
class SourceCoverage:
    source_id: str
    key: str
    accounts: list[Account]
    index: TextIndex
    unused_entries: list[dict] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for a in self.accounts if a.status == status)

    @property
    def open(self) -> list[Account]:
        return [a for a in self.accounts if a.status == "open"]


def _occurrences(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle) if needle else -1
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _number_span_ok(text: str, s: int, e: int) -> bool:
    """The span does not cut through a number ("3" inside "2023" is not the printed 3)."""
    before = text[s - 1] if s > 0 else ""
    after = text[e] if e < len(text) else ""
    cut_before = before.isdigit() and text[s : s + 1].isdigit()
    cut_after = after.isdigit() and text[e - 1 : e].isdigit()
    return not (cut_before or cut_after)


def _printed_spans(text: str, starts: list[int], quote: str, printed: str) -> list[tuple[int, int]]:
    """Where ``printed`` stands inside each occurrence (``starts``) of ``quote`` in ``text``."""
    spans = []
    for q in starts:
        for p in _occurrences(quote, printed):
            s, e = q + p, q + p + len(printed)
            if _number_span_ok(text, s, e):
                spans.append((s, e))
    return spans


class _Tokens:
    """The tokens of one text with what each is, found by position (bisect: tokens never overlap)."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.ends = [t.end for t in tokens]
        self.status: dict[int, tuple[str, str]] = {}

    def within(self, s: int, e: int) -> range:
        """Indexes of the tokens that overlap text[s:e]."""
        return range(bisect.bisect_right(self.ends, s), bisect.bisect_left(self.starts, e))

    def inside(self, s: int, e: int) -> range:
        """Indexes of the tokens wholly inside text[s:e]."""
        return range(bisect.bisect_left(self.starts, s), bisect.bisect_right(self.ends, e))

    def mark(self, spans: Iterable[tuple[int, int]], what: str, rid: str) -> int:
        """Give every token overlapping a span (and not accounted for yet) ``what``; how many."""
        n = 0
        for s, e in spans:
            for i in self.within(s, e):
                if i not in self.status:
                    self.status[i] = (what, rid)
                    n += 1
        return n


def _recorded(number: str, recorded: str) -> bool:
    """``number`` appears in ``recorded`` as a whole number (not inside a longer one)."""
    low, num = recorded.lower(), number.lower()
    i = low.find(num)
    while i >= 0:
        before = low[i - 1] if i > 0 else ""
        after = low[i + len(num) : i + len(num) + 2]
        if not (before.isdigit() or before in ".,") or not before:
            if not (after[:1].isdigit() or (after[:1] in (".", ",") and after[1:2].isdigit())):
                return True
        i = low.find(num, i + 1)
    return False


_DIGIT_RUN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _numbers(printed: str) -> set[str]:
    """The digit runs of a printed text, without thousands separators ("11,807" -> "11807"):
    enough to see that a token restates a number another figure printed."""
    return {m.group(0).replace(",", "") for m in _DIGIT_RUN.finditer(printed)}


_TABLES = ("sources", "figures", "tables", "table_cells", "recommendations", "arithmetic_checks", "exclusions")


def _rows(pkg: EvidencePackage) -> dict[str, list[dict]]:
    return {t: pkg.frames[t].to_dicts() if t in pkg.frames else [] for t in _TABLES}


def source_coverage(
    pkg: EvidencePackage, source_id: str, text: str, rows: dict[str, list[dict]] | None = None
) -> SourceCoverage:
    """Account for every numeric token of one source (``rows``: the package's rows, when
    several sources are done at once)."""
    tokens = _Tokens(tokenize(text))
    index = TextIndex(text)
    frames = rows if rows is not None else _rows(pkg)
    found: dict[str, list[int]] = {}

    def occurrences(quote: str) -> list[int]:  # where a quote stands in this text (each found once)
        if quote not in found:
            found[quote] = _occurrences(text, quote)
        return found[quote]

    figures = [r for r in frames["figures"] if r["source_id"] == source_id]
    for r in figures:
        if r["quote"] and r["printed"]:
            tokens.mark(_printed_spans(text, occurrences(r["quote"]), r["quote"], r["printed"]), "figure", r["id"])
    for r in figures:  # a number of the quote that the figure row records (its period, who is counted)
        recorded = " ".join(r.get(c) or "" for c in FIGURE_CONTEXT)
        for q in occurrences(r["quote"] or ""):
            spans = [
                (tokens.starts[i], tokens.ends[i])
                for i in tokens.inside(q, q + len(r["quote"]))
                if _recorded(tokens.tokens[i].text, recorded)
            ]
            tokens.mark(spans, "figure", r["id"])

    tables = {r["table_id"]: r for r in frames["tables"] if r["source_id"] == source_id}
    cells_by_line: dict[str, list[dict]] = {}
    for c in frames["table_cells"]:
        if c["table_id"] in tables and c["line_quote"]:
            cells_by_line.setdefault(c["line_quote"], []).append(c)
    for line_quote, cells in cells_by_line.items():
        fields = {c["printed"] for c in cells} | {c["row"] for c in cells}
        for q in occurrences(line_quote):
            pos = q
            for part in line_quote.split("\t"):
                if part.strip() in fields:
                    tokens.mark([(pos, pos + len(part))], "table", cells[0]["table_id"])
                pos += len(part) + 1
    for tid, t in tables.items():
        if t["header_quote"]:
            spans = [(q, q + len(t["header_quote"])) for q in occurrences(t["header_quote"])]
            tokens.mark(spans, "table", tid)

    for r in frames["recommendations"]:
        for col in ("text_quote", "response_quote", "progress_quote"):
            progress_elsewhere = col == "progress_quote" and r.get("progress_source_id")
            src = r["progress_source_id"] if progress_elsewhere else r["source_id"]
            if src == source_id and r[col]:
                spans = [(q, q + len(r[col])) for q in occurrences(r[col])]
                tokens.mark(spans, "recommendation", r["id"])

    by_id = {r["id"]: r for r in figures}
    all_figures = {r["id"]: r for r in frames["figures"]}
    for chk in frames["arithmetic_checks"]:
        group = [chk["result_id"], *(chk["input_ids"] or "").split()]
        for fid in group:
            f = by_id.get(fid)
            if f is None or not f["quote"]:
                continue
            others = set().union(*(_numbers(all_figures[g]["printed"]) for g in group if g != fid and g in all_figures))
            for q in occurrences(f["quote"]):
                spans = [
                    (tokens.starts[i], tokens.ends[i])
                    for i in tokens.inside(q, q + len(f["quote"]))
                    if _numbers(tokens.tokens[i].text) & others
                ]
                tokens.mark(spans, "arithmetic", chk["id"])

    exclusions = [r for r in frames["exclusions"] if r["source_id"] in (None, source_id)]
    rules = [(r["id"], RULES[r["rule"]]) for r in exclusions if r["rule"] in RULES]
    entries = [r for r in exclusions if r["rule"] == "entry"]
    used: set[str] = set()
    for r in entries:
        spans = []
        for q in occurrences(r["quote"] or ""):
            if r["printed"]:
                spans += [
                    (q + p, q + p + len(r["printed"]))
                    for p in _occurrences(r["quote"], r["printed"])
                    if _number_span_ok(text, q + p, q + p + len(r["printed"]))
                ]
            else:
                spans.append((q, q + len(r["quote"])))
        if tokens.mark(spans, "excluded", r["id"]):
            used.add(r["id"])

    accounts = []
    prev_line = -1
    for i, tok in enumerate(tokens.tokens):
        loc = index.locate(tok.start)
        what, rid = tokens.status.get(i, ("", ""))
        if not what and rules:
            line = index.line_text(loc.line)
            at = tok.start - (text.rfind("\n", 0, tok.start) + 1)
            ctx = Context(tok, line, at, loc.line != prev_line)
            for rule_id, rule in rules:
                if rule(ctx):
                    what, rid = "excluded", rule_id
                    break
        prev_line = loc.line
        accounts.append(Account(source_id, tok, loc, what or "open", rid))
    key = next((r["key"] for r in frames["sources"] if r["source_id"] == source_id), source_id)
    return SourceCoverage(source_id, key, accounts, index, [r for r in entries if r["id"] not in used])


def coverage(pkg: EvidencePackage, texts: dict[str, str]) -> list[SourceCoverage]:
    """Coverage of every registered source whose text could be read, in register order."""
    return [source_coverage(pkg, sid, texts[sid]) for sid in pkg.sources["source_id"].to_list() if sid in texts]


def check_exclusions(pkg: EvidencePackage, texts: dict[str, str], result: list[SourceCoverage]) -> list[Problem]:
    """An explicit entry must quote its source exactly and exclude at least one number."""
    out = []
    for r in pkg.frames["exclusions"].iter_rows(named=True):
        if r["rule"] != "entry":
            continue
        p = lambda msg, fld, r=r: out.append(Problem(r["_file"], msg, r["_line"], r["id"], fld))
        if not r["source_id"]:
            p("an explicit entry needs the source it excludes numbers from", "source_id")
            continue
        if not r["quote"]:
            p("an explicit entry needs the quote that holds the numbers it excludes", "quote")
            continue
        text = texts.get(r["source_id"])
        if text is not None and r["quote"] not in text:
            p(f"quote is not an exact substring of {r['source_id']}: {r['quote'][:80]!r}", "quote")
        elif r["printed"] and r["printed"] not in r["quote"]:
            p(f"printed {r['printed']!r} does not appear in the quote", "printed")
    for sc in result:
        for r in sc.unused_entries:
            if r["quote"] in sc.index.text and (not r["printed"] or r["printed"] in r["quote"]):
                out.append(
                    Problem(
                        r["_file"],
                        "excludes no number that is not already in the evidence (remove the entry)",
                        r["_line"],
                        r["id"],
                        "quote",
                    )
                )
    return out


# ------------------------------------------------------------------ sweep
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"\u201d\u2019)]?\s+(?=[A-Z\u201c\"\u2018(\d])|\t")


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence (within its line, or its table cell line) around ``text[start:end]``:
    verbatim, so it can be used as a figure's quote."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    if "\t" in line and len(line) < 400:
        return line.strip("\f")
    s, e = 0, len(line)
    for m in _SENTENCE_END.finditer(line):
        if m.end() <= start - line_start:
            s = m.end()
        elif m.start() >= end - line_start:
            e = m.start()
            break
    return line[s:e].strip().strip("\f")


# the kind of quantity a unit hint of the parser suggests (an adviser confirms it)
_QUANTITY_OF_UNIT = {
    "proportion": "share",
    "GBP": "money",
    "rate": "rate",
    "times": "multiplier",
    "rank": "rank",
    "days": "duration",
    "weeks": "duration",
    "months": "duration",
    "years": "duration",
}
SWEEP_CONTEXT = ("line", "number")


def _number_text(v: object) -> str:
    """A value as the figures files write it: 3400000, 0.2, 0.16666666666666666."""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)  # columns before the figure columns; dropped when rows are added


def sweep_rows(pkg: EvidencePackage, sc: SourceCoverage) -> tuple[list[str], list[dict[str, str]]]:
    """One row per open token: where it is, the number as printed and, in the figures schema's
    columns, what can be filled in already (source, locator, the sentence as quote, printed,
    and the canonical value, unit, scale, bound and kind of quantity proposed by the same
    parser ``validate`` uses). An adviser completes the rest (id, theme, measure, label, kind,
    period, geography, population, what is counted) or deletes the row and excludes the number."""
    columns = [f["name"] for f in pkg.schemas["figures"]["fields"]]
    rows = []
    for a in sc.open:
        row = dict.fromkeys(columns, "")
        row.update(
            {
                "line": str(a.locator.line),
                "number": a.printed,
                "source_id": sc.source_id,
                "locator": str(a.locator),
                "quote": sentence_at(sc.index.text, a.token.start, a.token.end),
                "printed": a.printed,
            }
        )
        try:
            parsed = parse_printed(a.printed)
        except ValueError:
            parsed = None
        if parsed is not None:
            proposal = {
                "value": parsed.value,
                "scale": parsed.scale,
                "bound": parsed.bound,
                "value_min": parsed.value_min,
                "value_max": parsed.value_max,
                "unit": parsed.unit or "count",
                "rate_per": getattr(parsed, "rate_per", None),
                "quantity": _QUANTITY_OF_UNIT.get(parsed.unit or "", "level"),
            }
            for k, v in proposal.items():
                if k in row and v is not None:
                    row[k] = _number_text(v)
        rows.append(row)
    return [*SWEEP_CONTEXT, *columns], rows
