"""Source texts of record: where each one lives, how a new document becomes one, and how a
position in a text becomes a locator a reader can follow ("p. 12" or "line 40").

A source lives in one of two folders, named by the register's ``folder`` column:

- ``seeds``: the shared folder of source texts beside the checkout (``../shared/seeds``, or
  ``--sources`` / ``$CYP_EVIDENCE_SOURCES``), where the five original sources are;
- ``evidence``: ``sources/`` inside the evidence data package, where ``cyp-evidence sources add``
  keeps the text of record of every document it registers.

A PDF's text of record keeps its pages: each page after the first starts with a form feed
(``\\f``), as ``pdftotext`` writes it, so a position in the text has a page number.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

FOLDERS = ("seeds", "evidence")
PROJECT_SOURCES = "sources"  # the folder inside the evidence package
PAGE_BREAK = "\f"


class SourceTextError(ValueError):
    """A document could not be turned into a text of record (names the file and why)."""


def source_path(row: dict, evidence_dir: Path, sources_dir: Path) -> Path:
    """Where the text of record of a register row lives."""
    folder = row.get("folder") or "seeds"
    base = Path(evidence_dir) / PROJECT_SOURCES if folder == "evidence" else Path(sources_dir)
    return base / (row.get("file") or "")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ extraction
def _normalise(text: str) -> str:
    """LF line ends, no trailing spaces, no run of more than one blank line, one final newline.
    Nothing else changes: quotes are taken from this text exactly as it stands."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln == "" and out and out[-1] == "":
            continue
        out.append(ln)
    return "\n".join(out).strip("\n") + "\n"


def pdf_text(data: bytes, name: str) -> str:
    """A PDF's text page by page (pypdf's layout-free extraction); pages joined by form feeds."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [_normalise(page.extract_text() or "") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SourceTextError(f"{name}: not a readable PDF ({exc})") from None
    if not any(p.strip() for p in pages):
        raise SourceTextError(f"{name}: the PDF has no text layer (a scan?); add a text copy instead")
    return PAGE_BREAK.join(pages)


_BLOCKS = (
    "address article aside blockquote br caption dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul"
).split()


def html_text(data: bytes, name: str) -> str:
    """An HTML document's visible text (beautifulsoup4 with Python's html.parser): one line per
    block element, table cells separated by tabs; scripts, styles and templates left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "template", "noscript", "head"]):
        tag.decompose()
    body = soup.body or soup
    for cell in body.find_all(["td", "th"]):
        cell.append("\t")
    for tag in body.find_all(_BLOCKS):
        if tag.name in ("td", "th"):
            continue
        tag.insert_before("\n")
        tag.append("\n")
    text = body.get_text()
    lines = [
        re.sub(r"[ \t\u00a0]*\t[ \t\u00a0]*", "\t", re.sub(r"[ \u00a0]+", " ", ln)).strip() for ln in text.split("\n")
    ]
    text = _normalise("\n".join(lines))
    if not text.strip():
        raise SourceTextError(f"{name}: the HTML document has no visible text")
    return text


def plain_text(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceTextError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8 first") from None
    if not text.strip():
        raise SourceTextError(f"{name}: the file is empty")
    return _normalise(text)


def extract(path: Path) -> tuple[str, str]:
    """(format, text of record) of a document: PDF, HTML or plain text, by content then name."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceTextError(f"{path}: cannot be read ({exc.strerror})") from None
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF"):
        return "pdf", pdf_text(data, str(path))
    if path.suffix.lower() in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return "html", html_text(data, str(path))
    if path.suffix.lower() in (".txt", ".text", ".md", ""):
        return "text", plain_text(data, str(path))
    raise SourceTextError(f"{path}: unknown kind of document (expected a PDF, an HTML page or a .txt file)")


# ------------------------------------------------------------------ locators
@dataclass(frozen=True)
class Locator:
    page: int | None  # 1-based, None for a text without pages
    line: int  # 1-based line of the whole text

    def __str__(self) -> str:
        return f"p. {self.page}" if self.page is not None else f"line {self.line}"


class TextIndex:
    """Positions in one text of record -> page and line (bisect over break offsets)."""

    def __init__(self, text: str):
        self.text = text
        self.paged = PAGE_BREAK in text
        self._lines = [m.end() for m in re.finditer("\n", text)]
        self._pages = [m.end() for m in re.finditer(PAGE_BREAK, text)]

    def locate(self, pos: int) -> Locator:
        line = bisect.bisect_right(self._lines, pos) + 1
        page = bisect.bisect_right(self._pages, pos) + 1 if self.paged else None
        return Locator(page, line)

    def line_text(self, line: int) -> str:
        start = self._lines[line - 2] if line > 1 else 0
        end = self._lines[line - 1] - 1 if line - 1 < len(self._lines) else len(self.text)
        return self.text[start:end]


_PAGE_LOCATOR = re.compile(r"^pp?\. (\d+)(?:[-\u2013](\d+))?\b")


def locator_pages(locator: str) -> tuple[int, int] | None:
    """The page (or page range) a locator starts with ("p. 12", "pp. 3-4"), or None."""
    m = _PAGE_LOCATOR.match(locator or "")
    if not m:
        return None
    first = int(m.group(1))
    return first, int(m.group(2) or first)
