"""Register a new source document (``cyp-evidence sources add``).

One call does every edit a new source needs: the text of record is written to
``evidence/sources/<source_id>.txt``, a row is appended to ``sources.csv`` (key, title,
publisher, dates, URL, which folder the text is in, the sha256 of the original file and of the
text), an empty figures file with the figures schema's header is created and listed in
``datapackage.json``. Everything is checked before anything is written; a failure while writing
puts back what was already written, so the evidence base is never left half-changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import atomic_path, write_text_atomic
from ..paths import EVIDENCE_DIR, default_sources_dir
from .package import read_package
from .texts import PROJECT_SOURCES, SourceTextError, extract, sha256_bytes, source_path


class RegisterError(ValueError):
    """The source cannot be registered; the message says what and where."""


@dataclass(frozen=True)
class NewSource:
    file: Path
    key: str
    title: str
    publisher: str
    published: dt.date
    doc_type: str
    source_id: str | None = None
    short_title: str | None = None
    published_printed: str | None = None
    url: str | None = None
    accessed: dt.date | None = None
    licence: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Added:
    source_id: str
    key: str
    format: str
    text_path: Path
    figures_path: Path
    pages: int | None
    lines: int


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _put_back(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _field(schema: dict, name: str) -> dict:
    for f in schema["fields"]:
        if f["name"] == name:
            return f
    return {}


def add_source(
    new: NewSource,
    *,
    evidence_dir: Path | str = EVIDENCE_DIR,
    sources_dir: Path | str | None = None,
    today: dt.date | None = None,
) -> Added:
    evidence_dir = Path(evidence_dir)
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    pkg = read_package(evidence_dir)
    schema = pkg.schemas["sources"]
    register_path = evidence_dir / "sources.csv"
    key_pattern = _field(schema, "key").get("constraints", {}).get("pattern", r".+")
    id_pattern = _field(schema, "source_id").get("constraints", {}).get("pattern", r".+")
    doc_types = _field(schema, "doc_type").get("constraints", {}).get("enum", [])

    source_id = new.source_id or new.key.lower()
    if not re.fullmatch(key_pattern, new.key):
        raise RegisterError(
            f"--key {new.key!r} is not a citation key: initials of the publisher or document and a two-digit year, "
            f"e.g. NHSE25 (pattern {key_pattern})"
        )
    if not re.fullmatch(id_pattern, source_id):
        raise RegisterError(f"--id {source_id!r}: use lower-case letters, digits and hyphens (pattern {id_pattern})")
    if doc_types and new.doc_type not in doc_types:
        raise RegisterError(f"--doc-type {new.doc_type!r} is not one of: {', '.join(doc_types)}")
    for name, value in (("--title", new.title), ("--publisher", new.publisher)):
        if not value or not value.strip() or value != value.strip():
            raise RegisterError(f"{name} must be given, without leading or trailing spaces")
    if new.url and not re.fullmatch(r"https?://\S+", new.url):
        raise RegisterError(f"--url {new.url!r} is not an http(s) address")

    registered = pkg.sources.to_dicts()
    for r in registered:
        if r["key"] == new.key:
            raise RegisterError(
                f"key {new.key} is already used by source {r['source_id']} ({r['title']}); choose another"
            )
        if r["source_id"] == source_id:
            raise RegisterError(f"source id {source_id} is already registered ({r['title']}); give another with --id")

    if not Path(new.file).is_file():
        raise RegisterError(f"{new.file}: no such file")
    original = Path(new.file).read_bytes()
    try:
        fmt, text = extract(Path(new.file))
    except SourceTextError as exc:
        raise RegisterError(str(exc)) from None
    original_sum = sha256_bytes(original)
    text_sum = sha256_bytes(text.encode("utf-8"))
    for r in registered:
        known = {r.get("original_sha256"), r.get("sha256")}
        path = source_path(r, evidence_dir, sources_dir)
        if path.is_file():
            known.add(sha256_bytes(path.read_bytes()))
        if original_sum in known or text_sum in known:
            raise RegisterError(
                f"{new.file} is already registered as {r['key']} ({r['source_id']}, {r['file']}): "
                "the same file or the same text; nothing added"
            )

    text_path = evidence_dir / PROJECT_SOURCES / f"{source_id}.txt"
    figures_rel = f"figures/{source_id}.csv"
    figures_path = evidence_dir / figures_rel
    for p in (text_path, figures_path):
        if p.exists():
            raise RegisterError(f"{p} already exists; remove it or give another --id")

    published_printed = new.published_printed or f"{new.published:%-d %B %Y}"
    values = {
        "source_id": source_id,
        "key": new.key,
        "file": text_path.name,
        "title": new.title,
        "short_title": new.short_title or new.title,
        "publisher": new.publisher,
        "doc_type": new.doc_type,
        "published": new.published.isoformat(),
        "published_printed": published_printed,
        "notes": new.notes or "",
        "url": new.url or "",
        "accessed": (new.accessed or today or dt.date.today()).isoformat(),
        "licence": new.licence or "",
        "folder": "evidence",
        "original": Path(new.file).name,
        "original_sha256": original_sum,
        "sha256": text_sum,
    }
    with register_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    given = {"url": new.url, "accessed": new.accessed, "licence": new.licence}
    unknown = [f"--{k}" for k, v in given.items() if v and k not in header]
    if unknown:
        raise RegisterError(f"{register_path} has no column for {', '.join(unknown)}; nothing added")
    rows.append([values.get(col, "") for col in header])

    figure_header = [f["name"] for f in pkg.schemas["figures"]["fields"]]
    dp_path = evidence_dir / "datapackage.json"
    descriptor = json.loads(dp_path.read_text(encoding="utf-8"))
    resources = descriptor["resources"]
    last_figures = max((i for i, r in enumerate(resources) if r["name"].startswith("figures-")), default=0)
    resources.insert(
        last_figures + 1,
        {
            "name": f"figures-{source_id}",
            "path": figures_rel,
            "profile": "tabular-data-resource",
            "format": "csv",
            "encoding": "utf-8",
            "title": f"Figures: {source_id}",
            "schema": "schemas/figures.json",
        },
    )

    writes = [
        (text_path, text),
        (figures_path, _csv_text([figure_header])),
        (register_path, _csv_text(rows)),
        (dp_path, json.dumps(descriptor, indent=1, ensure_ascii=False)),
    ]
    before = {p: (p.read_bytes() if p.exists() else None) for p, _ in writes}
    done: list[Path] = []
    try:
        for p, content in writes:
            write_text_atomic(p, content)
            done.append(p)
    except BaseException:
        for p in done:
            old = before[p]
            if old is None:
                p.unlink(missing_ok=True)
            else:
                _put_back(p, old)
        raise
    return Added(
        source_id=source_id,
        key=new.key,
        format=fmt,
        text_path=text_path,
        figures_path=figures_path,
        pages=text.count("\f") + 1 if fmt == "pdf" else None,
        lines=text.count("\n"),
    )


def read_completed_sweep(path: Path, figure_columns: list[str]) -> list[list[str]]:
    """The completed rows of a sweep CSV (those given an id), in the figures schema's columns."""
    from .coverage import SWEEP_CONTEXT

    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise RegisterError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise RegisterError(f"{path}: not UTF-8 text; save the sweep CSV as UTF-8") from None
    if not rows:
        raise RegisterError(f"{path}: empty (expected the header row of cyp-evidence sweep)")
    header = rows[0]
    missing = [c for c in figure_columns if c not in header]
    unknown = [c for c in header if c not in figure_columns and c not in SWEEP_CONTEXT]
    if missing or unknown:
        raise RegisterError(
            f"{path}:1: not a sweep CSV for the figures schema"
            + (f"; missing column(s) {missing}" if missing else "")
            + (f"; unknown column(s) {unknown}" if unknown else "")
        )
    out = []
    for lineno, raw in enumerate(rows[1:], start=2):
        if len(raw) != len(header):
            raise RegisterError(f"{path}:{lineno}: has {len(raw)} values, expected {len(header)}")
        row = dict(zip(header, raw, strict=True))
        if row["id"].strip():
            out.append([row[c] for c in figure_columns])
    return out


def add_figure_rows(
    source_id: str,
    sweep_csv: Path,
    *,
    evidence_dir: Path | str = EVIDENCE_DIR,
    sources_dir: Path | str | None = None,
) -> int:
    """Append the completed rows of a sweep CSV to the source's figures file, then validate;
    when the evidence is not valid with them, the figures file is put back as it was and the
    problems are raised (``EvidenceError``)."""
    from . import EvidenceError
    from .verify import validate

    evidence_dir = Path(evidence_dir)
    pkg = read_package(evidence_dir)
    if source_id not in pkg.sources["source_id"].to_list():
        raise RegisterError(f"unknown source {source_id!r}")
    figures_rel = f"figures/{source_id}.csv"
    if not any(r.get("path") == figures_rel for r in pkg.descriptor.get("resources", [])):
        raise RegisterError(f"datapackage.json lists no {figures_rel}; add the source with cyp-evidence sources add")
    columns = [f["name"] for f in pkg.schemas["figures"]["fields"]]
    new = read_completed_sweep(sweep_csv, columns)
    if not new:
        raise RegisterError(f"{sweep_csv}: no completed row (give each figure row an id)")
    path = evidence_dir / figures_rel
    before = path.read_bytes()
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    write_text_atomic(path, _csv_text(rows + new))
    report = validate(evidence_dir, sources_dir)
    if report.errors:
        _put_back(path, before)
        raise EvidenceError(report.errors)
    return len(new)
