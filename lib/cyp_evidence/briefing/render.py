"""Render one briefing: validate -> (up to date?) -> execute with papermill -> export offline
HTML -> manifest -> publish atomically as the next immutable version."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..evidence import EvidenceError, load, validate
from ..evidence.cut import evidence_as_of, vanguard_names
from ..paths import BRIEFING_NOTEBOOK, EVIDENCE_DIR, PACKAGE_DIR, ROOT, SCHEDULE_FILE, default_sources_dir
from . import index, publish as pub
from .params import BriefingParameters, validate_parameters
from .schedule import load_schedule

PINNED = ("altair", "vega-datasets", "vl-convert-python", "polars", "papermill", "nbconvert", "nbformat", "ipykernel", "jupyterlab", "ipywidgets")


class RenderError(Exception):
    """A render failed; nothing was published."""


@dataclass
class RenderResult:
    status: str  # "rendered" | "up to date"
    version: int
    path: Path
    params: BriefingParameters

    @property
    def annex(self) -> Path:
        return self.path / "annex.html"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "lib", "evidence", "notebooks", "schedule.toml"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() + ("+uncommitted-changes" if dirty.stdout.strip() else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _versions() -> dict[str, str]:
    found = {"cyp-evidence": __version__}
    for name in PINNED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def prepare(raw: dict, *, evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, schedule_path: Path = SCHEDULE_FILE) -> tuple[BriefingParameters, dict]:
    """Validate evidence and parameters before any analysis; return parameters and checksums."""
    report = validate(evidence_dir, sources_dir)
    if report.errors:
        raise EvidenceError(report.errors)
    params = validate_parameters(raw, vanguards=vanguard_names(report.package), schedule=load_schedule(schedule_path))
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    cut = evidence_as_of(report.package, params.as_of_date)
    checks = {
        "evidence": pub.sha256_tree(Path(evidence_dir), ("*.csv", "*.json")),
        "sources": {r["file"]: pub.sha256_file(sources_dir / r["file"]) for r in cut.sources.iter_rows(named=True)},
        "notebook": pub.sha256_file(BRIEFING_NOTEBOOK),
        "code": pub.sha256_tree(PACKAGE_DIR, ("*.py", "*.tpl", "*.j2", "*.css", "*.json")),
    }
    return params, checks


def input_key(params: BriefingParameters, checks: dict) -> str:
    blob = json.dumps({"parameters": params.identity(), **checks}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def _shown(nb_params: dict) -> dict:
    """The same deterministic build the notebook runs, for the manifest's list of figures shown."""
    from .annex import Briefing  # altair: imported here, off the critical path (see render)

    return Briefing.from_parameters(**nb_params).shown()


def _warm_export() -> None:
    from . import export

    try:
        export.warm()
    except Exception:  # noqa: BLE001 - write_html reports the real error
        pass


def render(raw: dict, out: Path, *, pdf: bool = False, evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, schedule_path: Path = SCHEDULE_FILE, engine=None, variant: str | None = None) -> RenderResult:
    """Render (or find up to date) the briefing for these raw parameters; a named ``variant``
    publishes to its own series under ``<meeting>/variants/<variant>/``."""
    import papermill as pm

    from .export import write_html

    started = dt.datetime.now(dt.UTC)
    out = Path(out).resolve()
    params, checks = prepare(raw, evidence_dir=evidence_dir, sources_dir=sources_dir, schedule_path=schedule_path)
    key = input_key(params, checks)
    mdir = pub.meeting_dir(out, params.board, params.meeting, variant)
    last = pub.latest(mdir)
    if last and pub.read_manifest(last[1]).get("input_key") == key:
        return RenderResult("up to date", last[0], last[1], params)
    previous = pub.previous_for_board(out, params.board, params.meeting, variant)
    nb_params = {**params.as_dict(), "previous_manifest": str(previous) if previous else "", "evidence_dir": str(Path(evidence_dir).resolve())}
    with pub.build_dir(mdir) as tmp, cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-side") as side:
        # While the kernel runs the notebook (another process, another core), this process
        # prepares the export (nbconvert templates, chart bundle) and builds the list of
        # figures shown; nothing here reads the working directory papermill changes.
        side.submit(_warm_export)
        shown_future = side.submit(_shown, nb_params)
        executed = tmp / "briefing.ipynb"
        try:
            nb = pm.execute_notebook(
                str(BRIEFING_NOTEBOOK), str(executed), parameters=nb_params, kernel_name="python3",
                progress_bar=False, cwd=str(tmp), engine_name=engine,
            )
        except pm.PapermillExecutionError as exc:
            raise RenderError(f"the briefing notebook failed in cell {exc.cell_index}: {exc.ename}: {exc.evalue}") from None
        write_html(nb, tmp / "annex.html", title=f"{params.title} ({params.meeting})")
        shown = shown_future.result()
        manifest = {
            "parameters": params.identity(),
            "input_key": key,
            "evidence_checksum": checks["evidence"],
            "source_checksums": checks["sources"],
            "notebook_checksum": checks["notebook"],
            "code_checksum": checks["code"],
            "git_commit": _git_commit(),
            "package_versions": _versions(),
            "previous_manifest": str(previous.relative_to(out)) if previous else None,
            "started": started.isoformat(timespec="seconds"),
            "shown": shown,
        }

        def finalize(folder: Path, n: int) -> None:
            annex = folder / "annex.html"
            annex.write_text(annex.read_text(encoding="utf-8").replace(pub.VERSION_PLACEHOLDER, f"v{n}"), encoding="utf-8")
            manifest["version"] = n
            manifest["annex_sha256"] = pub.sha256_file(annex)
            if pdf:
                from .pdf import write_pdf

                write_pdf(annex, folder / "annex.pdf", board=params.board, meeting=params.meeting)
                manifest["pdf_sha256"] = pub.sha256_file(folder / "annex.pdf")
            manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

        status, n, path = pub.publish(tmp, mdir, key, finalize)
    index.refresh(out)  # <out>/index.html lists the new version (never raises)
    return RenderResult(status, n, path, params)
