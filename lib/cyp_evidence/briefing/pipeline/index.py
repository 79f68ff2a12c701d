"""``<out>/index.html``: every published board briefing, meeting, version and variant.

Rebuilt from the manifests after every render (``render()`` calls :func:`refresh`), and at the
end of ``run-due`` and ``render-batch``. The page is one offline file (inline CSS, no script,
no external resource), accessible (``lang``, one ``h1``, headings per board and meeting, tables
with a caption and ``th scope``) and every piece of text is escaped. Links are relative, so the
whole ``<out>`` folder can be copied or served anywhere.

For each version it shows the evidence cut-off and what changed in the figures shown compared
with the manifest the version was compared with (``previous_manifest``): counts of new, revised
and removed figures, by the same rule as the annex's own "What has changed" section (a figure is
revised when its value, printed text, unit or quote differ).

Writing is atomic (temporary file + ``os.replace``) under a lock, so concurrent renders (for
example render-batch workers) never leave a partial or stale page.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ...escape import html_text as esc
from ...fsutil import write_text_atomic
from ...htmltable import Markup, html_table
from ...paths import SCHEDULE_FILE
from . import csp
from . import publish as pub

INDEX_NAME = "index.html"
REVISION_FIELDS = ("value", "printed", "unit", "quote")
FILES = (("annex.html", "annex"), ("annex.pdf", "PDF"), ("briefing.ipynb", "notebook"), ("manifest.json", "manifest"))


@dataclass
class Changes:
    """What changed in the figures shown, against the previous manifest."""

    previous: str | None  # label of the previous version ("2024-01-23 v1"), None for a first version
    new: int = 0
    revised: int = 0
    removed: int = 0
    note: str = ""  # set when the comparison could not be made

    def text(self) -> str:
        if self.note:
            return self.note
        counts = f"{self.new} new, {self.revised} revised, {self.removed} removed figures"
        if self.previous is None:
            return f"First version (no earlier version of this board to compare with): {self.new} figures shown"
        return f"{counts} since {self.previous}"


def compare_shown(before: dict, now: dict) -> tuple[int, int, int]:
    """(new, revised, removed) between two manifests' ``shown['figures']``."""
    new = sum(1 for k in now if k not in before)
    removed = sum(1 for k in before if k not in now)
    revised = sum(
        1
        for k in now
        if k in before and any((before[k] or {}).get(f) != (now[k] or {}).get(f) for f in REVISION_FIELDS)
    )
    return new, revised, removed


@dataclass
class Version:
    board: str
    meeting: str
    variant: str | None
    number: int
    path: Path  # the version folder
    manifest: dict
    changes: Changes
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, label) present

    @property
    def params(self) -> dict:
        return self.manifest.get("parameters") or {}

    @property
    def as_of(self) -> str:
        return str(self.params.get("as_of") or "")

    @property
    def rendered(self) -> str:
        when = str(self.manifest.get("finished") or self.manifest.get("started") or "")
        try:
            return dt.datetime.fromisoformat(when).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return when

    def scope(self) -> str:
        """Themes and focus, in words."""
        themes = self.params.get("themes") or []
        focus = self.params.get("focus") or "all"
        parts = ["all sections" if not themes else "sections: " + ", ".join(map(str, themes))]
        parts.append("all vanguards" if focus == "all" else f"focus: {focus}")
        return "; ".join(parts)


def _label(manifest: dict) -> str:
    p = manifest.get("parameters") or {}
    return f"{p.get('meeting', '?')} v{manifest.get('version', '?')}"


def changes_for(out: Path, manifest: dict) -> Changes:
    prev_rel = manifest.get("previous_manifest")
    now = (manifest.get("shown") or {}).get("figures") or {}
    if not prev_rel:
        return Changes(None, new=len(now))
    prev_path = Path(out) / prev_rel
    try:
        prev = json.loads(prev_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Changes(str(prev_rel), note=f"Not known: the previous manifest ({prev_rel}) is missing or unreadable")
    before = (prev.get("shown") or {}).get("figures") or {}
    label = _label(prev)
    parts = Path(prev_rel).parts
    if "variants" in parts:  # a variant's own earlier version
        label += f" ({parts[parts.index('variants') + 1]})"
    return Changes(label, *compare_shown(before, now))


def _version(out: Path, board: str, meeting: str, variant: str | None, n: int, path: Path) -> Version:
    try:
        manifest = pub.read_manifest(path)
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
        changes = changes_for(out, manifest)
    except (OSError, ValueError) as exc:
        manifest, changes = {}, Changes(None, note=f"manifest.json unreadable: {exc}")
    files = [(name, label) for name, label in FILES if (path / name).is_file()]
    return Version(board, meeting, variant, n, path, manifest, changes, files)


def scan(out: Path) -> dict[str, dict[str, dict[str | None, list[Version]]]]:
    """board -> meeting -> variant (None: the main series) -> versions, newest first."""
    out = Path(out)
    root = out / "briefings"
    found: dict = {}
    if not root.is_dir():
        return found
    for bdir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for mdir in sorted((p for p in bdir.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True):
            series: dict[str | None, list[Version]] = {}
            main = [_version(out, bdir.name, mdir.name, None, n, p) for n, p in reversed(pub.versions(mdir))]
            if main:
                series[None] = main
            vroot = mdir / "variants"
            if vroot.is_dir():
                for vdir in sorted(p for p in vroot.iterdir() if p.is_dir() and not p.name.startswith(".")):
                    vs = [_version(out, bdir.name, mdir.name, vdir.name, n, p) for n, p in reversed(pub.versions(vdir))]
                    if vs:
                        series[vdir.name] = vs
            if series:
                found.setdefault(bdir.name, {})[mdir.name] = series
    return found


def _board_names(schedule_path: Path | None) -> dict[str, str]:
    try:
        from ..content.schedule import load_schedule

        return {bid: b.name for bid, b in load_schedule(schedule_path or SCHEDULE_FILE).items()}
    except Exception:  # noqa: BLE001 - the index must not depend on a valid schedule
        return {}


def _long_date(iso: str) -> str:
    try:
        return f"{dt.date.fromisoformat(iso):%-d %B %Y}"
    except ValueError:
        return iso


def _href(out: Path, path: Path) -> str:
    return esc(quote(path.relative_to(out).as_posix()))


CSS = """
:root { color-scheme: light; }
html { background: #fff; color: #0b0c0c; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; font-size: 1rem; line-height: 1.5; }
main { display: block; max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.5em 0 0.5em; }
h1 { margin-top: 0.5em; }
p { max-width: 75ch; }
a { color: #1d4f91; text-decoration: underline; text-underline-offset: 0.15em; }
a:visited { color: #4c2c92; }
a:hover { color: #003078; text-decoration-thickness: 0.15em; }
a:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 0; background: #ffdd00; color: #0b0c0c; text-decoration: none; }
.skip-link { position: absolute; left: 0.75rem; top: -20rem; padding: 0.5rem 1rem; background: #ffdd00; color: #0b0c0c !important; font-weight: 700; }
.skip-link:focus { top: 0.75rem; }
.table-wrap { overflow-x: auto; max-width: 100%; margin: 1rem 0; }
.table-wrap:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 2px; }
table { border-collapse: collapse; border: 1px solid #6f777b; font-size: 0.95rem; }
caption { caption-side: top; text-align: left; font-weight: 700; padding: 0.25rem 0 0.5rem; }
th, td { border: 1px solid #6f777b; padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #f3f2f1; border-bottom: 2px solid #0b0c0c; }
tbody tr:nth-child(even) { background: #f3f2f1; }
.latest { font-weight: 400; font-size: 0.9em; }
ul.files { margin: 0; padding: 0; list-style: none; }
ul.files li { margin: 0.15rem 0; }
ul.files a, th a { display: inline-block; min-height: 24px; line-height: 24px; }
.muted { color: #3f4445; }
@media print { .skip-link { display: none; } a { color: #000; } tr { break-inside: avoid; } }
"""


def _files_cell(out: Path, v: Version) -> str:
    if not v.files:
        return "none"
    items = "".join(f'<li><a href="{_href(out, v.path / name)}">{esc(label)}</a></li>' for name, label in v.files)
    return Markup(f'<ul class="files">{items}</ul>')


def _version_row(out: Path, v: Version, latest: bool, *, with_variant: bool) -> list[str]:
    title = v.params.get("title") or ""
    name = f"Version {v.number}" + (" (latest)" if latest else "")
    link = (
        Markup(f'<a href="{_href(out, v.path / "annex.html")}">{esc(name)}</a>')
        if (v.path / "annex.html").is_file()
        else name
    )
    return [
        *([v.variant, link] if with_variant else [link]),
        _long_date(v.as_of) if v.as_of else "not recorded",
        v.changes.text(),
        Markup(f'{esc(title)}<br><span class="muted">{esc(v.scope())}</span>'),
        v.rendered or "not recorded",
        _files_cell(out, v),
    ]


COLUMNS = ["Evidence cut-off", "What changed", "Title and scope", "Rendered (UTC)", "Files"]


def _table(caption: str, first_cols: list[str], rows: list[list[str]]) -> str:
    return html_table(caption, first_cols + COLUMNS, rows)


def render_index(out: Path, *, schedule_path: Path | None = None, now: dt.datetime | None = None) -> str:
    """The index page as a string."""
    out = Path(out).resolve()
    tree = scan(out)
    names = _board_names(schedule_path)
    now = now or dt.datetime.now(dt.UTC)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        '<head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp.policy())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Board briefings: every version</title>",
        f"<style>{CSS}</style></head>",
        '<body><a class="skip-link" href="#main">Skip to main content</a><main id="main" tabindex="-1">',
        "<h1>Board briefings: every version</h1>",
        f"<p>Every published evidence annex, newest meeting and newest version first. Each version is immutable; "
        f'"what changed" counts the figures shown that are new, revised or removed compared with the version it was compared with. '
        f"Page rebuilt {esc(now.strftime('%Y-%m-%d %H:%M UTC'))}.</p>",
    ]
    if not tree:
        parts.append("<p>No briefing has been published yet.</p>")
    boards = sorted(tree, key=lambda b: ((names.get(b) or b).lower(), b))
    if len(boards) > 1:
        parts.append(
            '<nav aria-labelledby="boards-title"><h2 id="boards-title">Boards</h2><ul>'
            + "".join(f'<li><a href="#board-{esc(b)}">{esc(names.get(b, b))}</a></li>' for b in boards)
            + "</ul></nav>"
        )
    for b in boards:
        bname = names.get(b, b)
        parts.append(
            f'<section aria-labelledby="board-{esc(b)}"><h2 id="board-{esc(b)}">{esc(bname)} <span class="latest">({esc(b)})</span></h2>'
        )
        for meeting, series in tree[b].items():
            mlong = _long_date(meeting)
            mid = f"board-{b}-{meeting}"
            parts.append(f'<section aria-labelledby="{esc(mid)}"><h3 id="{esc(mid)}">Meeting of {esc(mlong)}</h3>')
            main = series.get(None)
            if main:
                rows = [_version_row(out, v, i == 0, with_variant=False) for i, v in enumerate(main)]
                parts.append(_table(f"Versions of the {mlong} briefing, newest first", ["Version"], rows))
            else:
                parts.append("<p>No version of the full briefing yet.</p>")
            variants = [k for k in series if k is not None]
            if variants:
                parts.append(f'<h4 id="{esc(mid)}-variants">Variants ({len(variants)})</h4>')
                rows = [
                    _version_row(out, v, i == 0, with_variant=True) for k in variants for i, v in enumerate(series[k])
                ]
                parts.append(
                    _table(
                        f"Variants of the {mlong} briefing (rendered by render-batch), newest version first",
                        ["Variant", "Version"],
                        rows,
                    )
                )
            parts.append("</section>")
        parts.append("</section>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def write_index(out: Path, *, schedule_path: Path | None = None) -> Path:
    """Rebuild ``<out>/index.html`` atomically. Scanning happens under the lock, so the last
    writer always saw every version published before it."""
    out = Path(out).resolve()
    target = out / INDEX_NAME
    with pub.locked(out, ".index.lock"):
        text = render_index(out, schedule_path=schedule_path)
        write_text_atomic(target, text)
    return target


def refresh(out: Path, *, schedule_path: Path | None = None) -> Path | None:
    """:func:`write_index`, but a failure only warns: it never undoes or fails a render that
    has already been published."""
    try:
        return write_index(out, schedule_path=schedule_path)
    except Exception as exc:  # noqa: BLE001
        print(f"warning: could not rebuild {Path(out) / INDEX_NAME}: {exc}", file=sys.stderr)
        return None
