"""Key messages: written by the adviser, checked by the tool.

A meeting's key messages live in ``messages/<board>/<meeting>.md`` beside ``schedule.toml``
(README, "Writing key messages"). The file is Markdown with two headings::

    ## Key messages

    1. **Need has risen.** {lga24-cp-prevalence-2022} children and young people had a probable
       mental health disorder in 2022, up from {lga24-cp-prevalence-2017} in 2017.
    2. ...

    ## Figures to quote

    - {lga24-cp-prevalence-2022}

Messages are numbered in rank order (1, 2, 3 ...); a message may run on over indented lines.
``{id}`` is a figure id (rendered as printed), a statement id (a finding the source states
without a number, rendered verbatim in quotation marks) or a derived measure id (e.g.
``{change:<earlier figure>:<later figure>}``); each message ends with the short citations of
what it refers to. ``**...**`` is bold. A verbatim quote is written in quotation marks with the
source's key in square brackets, ``"we are behind where we planned to be" [B24]``, and is
checked against that source's text. ``<!-- ... -->`` is a comment. A ``# ...`` title line is
allowed and not shown.

**Every number must come from a reference.** Typed into the text (or into a quote), a digit,
a number word ("twelve", "a third", "half"), a percentage or a sum of money fails the render
before anything runs, naming the file, line and text. Allowed, because they are dates and names
rather than quantities: a year (2017), a financial year (2022/23), a date or month with its year
(12 March 2024, October 2023), and a number straight after the name of a part of a document
(Annex 1, item 3, para 20, page 15, section 4, Table 1, slide 2, recommendation 7, proposal 3,
phase 2, theme 1, box 1). An unknown id, or a figure published after the evidence cut-off,
fails the same way.

Standard library and the evidence layer only (no altair): ``render`` checks messages before it
starts the notebook, ``validate`` checks every messages file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...evidence.package import EvidencePackage, Problem
from ...paths import SCHEDULE_FILE

MIN_MESSAGES, MAX_MESSAGES = 1, 8

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# dates and names that carry digits but are not quantities (see the module docstring)
_ALLOWED = [
    re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) (?:19|20)\d{{2}}\b"),
    re.compile(rf"\b(?:{MONTHS}) (?:19|20)\d{{2}}\b"),
    re.compile(r"\b(?:19|20)\d{2}/\d{2}\b"),
    re.compile(r"\b(?:19|20)\d{2}\b"),
    re.compile(
        r"\b(?:Annex|item|para|paragraph|page|section|Table|Figure|slide|recommendation|proposal|phase|theme|box)"
        r" \d+(?:\.\d+)*\b",
        re.IGNORECASE,
    ),
]
NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds "
    "thousand thousands million millions billion billions half halves third thirds quarter quarters "
    "dozen dozens twice thrice double doubled treble trebled triple tripled percent"
).split()
_TYPED = re.compile(
    r"[£$€]\s*\d*|\d+(?:[.,]\d+)*\s*(?:%|per ?cent)?|%|\bper cent\b|\b(?:" + "|".join(NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
# {id} | **  | “quote” [KEY] | "quote" [KEY]
_TOKEN = re.compile(r"\{([^{}\s]+)\}|\*\*|“([^”]*)”\s*\[([A-Za-z0-9]+)\]|\"([^\"]*)\"\s*\[([A-Za-z0-9]+)\]")
_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+\{([^{}\s]+)\}\s*$")
HEADINGS = {"key messages": "messages", "figures to quote": "figures"}


class MessagesError(ValueError):
    """A messages file is wrong; ``problems`` names file, line and text for each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("key messages are not valid:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Token:
    kind: str  # "text" | "strong" | "ref" | "quote"
    value: str
    key: str = ""  # the source key of a quote
    line: int = 0  # line of the messages file


@dataclass
class Message:
    rank: int
    line: int
    tokens: list[Token] = field(default_factory=list)

    @property
    def refs(self) -> list[str]:
        return [t.value for t in self.tokens if t.kind == "ref"]


@dataclass
class KeyMessages:
    path: Path
    messages: list[Message] = field(default_factory=list)
    figures: list[tuple[str, int]] = field(default_factory=list)  # (id, line) to quote


def messages_dir(schedule_path: Path | str = SCHEDULE_FILE) -> Path:
    return Path(schedule_path).resolve().parent / "messages"


def messages_path(board: str, meeting: str, schedule_path: Path | str = SCHEDULE_FILE) -> Path:
    """Where a meeting's key messages are kept: ``messages/<board>/<meeting>.md`` beside the schedule."""
    return messages_dir(schedule_path) / board / f"{meeting}.md"


def _tokens(text: str, line: int = 0) -> list[Token]:
    out: list[Token] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            out.append(Token("text", text[pos : m.start()], line=line))
        if m.group(1):
            out.append(Token("ref", m.group(1), line=line))
        elif m.group(0) == "**":
            out.append(Token("strong", "**", line=line))
        elif m.group(3):
            out.append(Token("quote", m.group(2), m.group(3), line=line))
        else:
            out.append(Token("quote", m.group(4), m.group(5), line=line))
        pos = m.end()
    if pos < len(text):
        out.append(Token("text", text[pos:], line=line))
    return out


def typed_numbers(text: str) -> list[str]:
    """The numbers typed into ``text`` (not dates or names of document parts)."""
    for pattern in _ALLOWED:
        text = pattern.sub(" ", text)
    return [m.group(0).strip() for m in _TYPED.finditer(text) if m.group(0).strip()]


def parse(path: Path | str) -> tuple[KeyMessages, list[Problem]]:
    """Read a messages file; problems are format errors and typed numbers (file, line, text)."""
    path = Path(path)
    label = str(path)
    problems: list[Problem] = []
    km = KeyMessages(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return km, [Problem(label, f"cannot read the messages file: {exc}")]
    part: str | None = None
    in_comment = False
    current: tuple[Message, list[tuple[int, str]]] | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            msg, lines_of = current
            for i, (n, text) in enumerate(lines_of):
                msg.tokens += ([Token("text", " ", line=n)] if i else []) + _tokens(text, n)
            current = None

    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if in_comment:
            in_comment = "-->" not in line
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if not line:
            continue
        if line.startswith("#"):
            close()
            level = len(line) - len(line.lstrip("#"))
            name = line.lstrip("#").strip()
            if level == 1 and part is None:
                continue  # the file's title, not shown
            if name.lower() not in HEADINGS:
                problems.append(
                    Problem(label, f"unknown heading {name!r} (use '## Key messages' and '## Figures to quote')", n)
                )
                part = "unknown"
            else:
                part = HEADINGS[name.lower()]
            continue
        if part == "messages":
            item = _ITEM.match(line)
            body = item.group(2) if item else line
            if item:
                close()
                msg = Message(int(item.group(1)), n)
                km.messages.append(msg)
                current = (msg, [(n, item.group(2))])
            elif current is not None and raw[:1].isspace():
                current[1].append((n, line))
            else:
                problems.append(Problem(label, f"expected a numbered key message ('1. ...'), got {line[:60]!r}", n))
                continue
            for t in _tokens(body):
                texts = [t.value] if t.kind in ("text", "quote") else []
                for typed in (x for s in texts for x in typed_numbers(s)):
                    problems.append(
                        Problem(
                            label,
                            f"number typed into a key message: {typed!r} in {line[:80]!r}; refer to the figure by "
                            "its id, e.g. {lga24-cp-prevalence-2022} (dates such as 2022/23 or 12 March 2024 and "
                            "names such as Annex 1 are allowed)",
                            n,
                        )
                    )
        elif part == "figures":
            bullet = _BULLET.match(line)
            if bullet:
                km.figures.append((bullet.group(1), n))
            else:
                problems.append(
                    Problem(label, f"expected '- {{figure id}}' under 'Figures to quote', got {line[:60]!r}", n)
                )
        elif part is None:
            problems.append(Problem(label, f"text before the '## Key messages' heading: {line[:60]!r}", n))
    close()
    for i, msg in enumerate(km.messages, start=1):
        if msg.rank != i:
            problems.append(
                Problem(label, f"key message numbered {msg.rank}, expected {i} (number them in rank order)", msg.line)
            )
        if sum(t.kind == "strong" for t in msg.tokens) % 2:
            problems.append(Problem(label, "unclosed '**' (bold) in a key message", msg.line))
    if not km.messages and not any(p.line for p in problems):
        problems.append(Problem(label, "no key messages (expected '## Key messages' and a numbered list)"))
    if len(km.messages) > MAX_MESSAGES:
        problems.append(
            Problem(label, f"{len(km.messages)} key messages; at most {MAX_MESSAGES}", km.messages[-1].line)
        )
    return km, problems


def derived_ids(pkg: EvidencePackage) -> dict[str, object]:
    """Derived measures a message may refer to, by id (growth measures)."""
    from ... import measures as m

    return {d.id: d for d in m.growth_measures(pkg)}


def check(
    km: KeyMessages,
    full: EvidencePackage,
    cut: EvidencePackage,
    as_of: dt.date,
    texts: dict[str, str] | None = None,
) -> list[Problem]:
    """Every reference resolves within the evidence cut-off; every quote is in its source."""
    label = str(km.path)
    problems: list[Problem] = []
    figures_now = set(cut.figures["id"].to_list())
    figures_all = set(full.figures["id"].to_list())
    statements = "statements" in cut.frames
    st_now = set(cut.statements["id"].to_list()) if statements else set()
    st_all = set(full.statements["id"].to_list()) if "statements" in full.frames else set()
    derived_now: dict | None = None
    derived_all: dict | None = None
    keys = {r["key"]: r for r in full.sources.iter_rows(named=True)}
    published = {r["source_id"]: r for r in full.sources.iter_rows(named=True)}

    def source_of(ref: str) -> str | None:
        for frame in ("figures", "statements"):
            if frame in full.frames:
                hit = full.frames[frame].filter(full.frames[frame]["id"] == ref)
                if hit.height:
                    return hit["source_id"][0]
        return None

    def late(ref: str, line: int) -> None:
        sid = source_of(ref) or ""
        src = published.get(sid, {})
        problems.append(
            Problem(
                label,
                f"{{{ref}}} is from {src.get('key', sid)} (published {src.get('published_printed', '?')}), "
                f"after the evidence cut-off {as_of:%-d %B %Y}",
                line,
            )
        )

    def resolve(ref: str, line: int, *, figure_only: bool = False) -> None:
        nonlocal derived_now, derived_all
        if ref in figures_now or (not figure_only and ref in st_now):
            return
        if ref in figures_all or (not figure_only and ref in st_all):
            late(ref, line)
            return
        if not figure_only and ":" in ref:
            derived_now = derived_now if derived_now is not None else derived_ids(cut)
            if ref in derived_now:
                return
            derived_all = derived_all if derived_all is not None else derived_ids(full)
            if ref in derived_all:
                problems.append(
                    Problem(
                        label, f"{{{ref}}}: a derived measure from figures after the cut-off {as_of:%-d %B %Y}", line
                    )
                )
                return
        what = "figure id" if figure_only else "figure, statement or derived measure id"
        problems.append(Problem(label, f"unknown {what} {{{ref}}}", line))

    for msg in km.messages:
        for t in msg.tokens:
            if t.kind == "ref":
                resolve(t.value, t.line or msg.line)
            elif t.kind == "quote":
                src = keys.get(t.key)
                if src is None:
                    problems.append(
                        Problem(label, f"quote cites unknown source key [{t.key}] (known: {', '.join(keys)})", msg.line)
                    )
                elif src["published"] > as_of:
                    problems.append(
                        Problem(
                            label,
                            f"quote cites [{t.key}], published after the evidence cut-off {as_of:%-d %B %Y}",
                            msg.line,
                        )
                    )
                elif texts is not None and src["source_id"] in texts and t.value not in texts[src["source_id"]]:
                    problems.append(
                        Problem(
                            label, f"quote is not verbatim in [{t.key}] ({src['file']}): {t.value[:80]!r}", msg.line
                        )
                    )
    for ref, line in km.figures:
        resolve(ref, line, figure_only=True)
    return problems


def load_checked(
    path: Path | str,
    full: EvidencePackage,
    cut: EvidencePackage,
    as_of: dt.date,
    texts: dict[str, str] | None = None,
) -> KeyMessages | None:
    """The meeting's key messages, checked; None when the meeting has no messages file.
    Raises :class:`MessagesError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        return None
    km, problems = parse(path)
    problems += check(km, full, cut, as_of, texts)
    if problems:
        raise MessagesError(problems)
    return km
