"""Render one briefing: validate -> (up to date?) -> execute with papermill -> export offline
HTML -> manifest -> publish atomically as the next immutable version.

The Jupyter kernel is started before validation, so that its start (about 0.8 s) and its import
of the annex code (about 0.6 s) overlap the parent's imports and checks (:class:`Kernel`).
Nothing of the notebook runs in it before validation has passed; if validation fails or the
briefing is up to date, the kernel is shut down and nothing is written.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ... import __version__
from ...evidence import EvidenceError, Report, validate
from ...evidence.cut import evidence_as_of, vanguard_names
from ...evidence.texts import source_path
from ...paths import BRIEFING_NOTEBOOK, EVIDENCE_DIR, PACKAGE_DIR, ROOT, SCHEDULE_FILE, default_sources_dir
from ..checksums import CODE_FILES, EVIDENCE_FILES, sha256_file, sha256_tree
from ..content.marks import VERSION_PLACEHOLDER
from ..content.params import BriefingParameters, validate_parameters
from ..content.schedule import load_schedule
from ..errors import EvidenceChangedError, RenderError
from . import index
from . import publish as pub
from .kernel import KERNEL_NAME, Kernel, _papermill_engine, start_kernel

PINNED = (
    "altair",
    "vega-datasets",
    "vl-convert-python",
    "polars",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyterlab",
    "ipywidgets",
)


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
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "lib", "evidence", "notebooks", "schedule.toml"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        return (
            out.stdout.strip() + ("+uncommitted-changes" if dirty.stdout.strip() else "")
            if out.returncode == 0
            else "unknown"
        )
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


# ---------------------------------------------------------------------------- render
_VALIDATED: dict[tuple[str, str], tuple[str, dict, Report]] = {}  # per process, see validated()


def _source_sums(sources_dir: Path, package) -> dict[str, str | None]:
    sums: dict[str, str | None] = {}
    for r in package.sources.iter_rows(named=True):
        if r["file"]:
            try:
                sums[r["file"]] = sha256_file(source_path(r, package.directory, sources_dir))
            except OSError:
                sums[r["file"]] = None
    return sums


def validated(evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, *, evidence_sum: str | None = None):
    """``evidence.validate(evidence_dir, sources_dir)``, reused within this process while the
    bytes it read are the same: the evidence files (their checksum) and every source text the
    evidence lists (checksums of those files, re-read on every call). A batch validates once
    per process instead of once per variant (about 0.1 s each); a changed byte validates again."""
    ev = Path(evidence_dir).resolve()
    src = (Path(sources_dir) if sources_dir else default_sources_dir()).resolve()
    key = (str(ev), str(src))
    ev_sum = evidence_sum or sha256_tree(ev, EVIDENCE_FILES)
    hit = _VALIDATED.get(key)
    if hit is not None and hit[0] == ev_sum and hit[1] == _source_sums(src, hit[2].package):
        return hit[2]
    report = validate(evidence_dir, sources_dir)
    if not report.errors:
        sums = _source_sums(src, report.package)
        # kept only if nothing changed while it was validated
        if sha256_tree(ev, EVIDENCE_FILES) == ev_sum and _source_sums(src, report.package) == sums:
            _VALIDATED[key] = (ev_sum, sums, report)
    return report


def notebook_checksum(path: Path) -> str:
    """sha256 of what papermill executes: each cell's type, source and tags, and the kernel.
    Stored outputs (which nbval compares, and which papermill discards before running) and
    execution counts are left out, so re-executing the notebook in place makes no new version."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [
        (c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", [])))
        for c in nb.get("cells", [])
    ]
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    return hashlib.sha256(json.dumps([kernel, cells], sort_keys=True).encode("utf-8")).hexdigest()


def prepare(
    raw: dict,
    *,
    evidence_dir: Path = EVIDENCE_DIR,
    sources_dir: Path | None = None,
    schedule_path: Path = SCHEDULE_FILE,
) -> tuple[BriefingParameters, dict]:
    """Validate evidence and parameters before any analysis; return parameters and checksums."""
    evidence_sum = sha256_tree(Path(evidence_dir), EVIDENCE_FILES)
    report = validated(evidence_dir, sources_dir, evidence_sum=evidence_sum)
    if report.errors:
        raise EvidenceError(report.errors)
    if sha256_tree(Path(evidence_dir), EVIDENCE_FILES) != evidence_sum:
        raise EvidenceChangedError(
            f"the evidence in {evidence_dir} changed while it was being validated; nothing was rendered: render again"
        )
    params = validate_parameters(raw, vanguards=vanguard_names(report.package), schedule=load_schedule(schedule_path))
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    cut = evidence_as_of(report.package, params.as_of_date)
    # the meeting's key messages: every reference and quote checked before anything runs
    from dataclasses import replace

    from ...evidence.verify import load_sources
    from ..content import messages as msg

    mpath = (
        Path(params.messages_file)
        if params.messages_file
        else msg.messages_path(params.board, params.meeting, schedule_path)
    )
    texts, _ = load_sources(report.package, sources_dir)
    msg.load_checked(mpath, report.package, cut, params.as_of_date, texts)
    params = replace(params, messages_file=str(mpath))
    checks = {
        "evidence": evidence_sum,
        "sources": {
            r["file"]: sha256_file(source_path(r, report.package.directory, sources_dir))
            for r in cut.sources.iter_rows(named=True)
        },
        "notebook": notebook_checksum(BRIEFING_NOTEBOOK),
        "code": sha256_tree(PACKAGE_DIR, CODE_FILES),
        "messages": sha256_file(mpath) if mpath.is_file() else None,
    }
    return params, checks


def input_key(params: BriefingParameters, checks: dict) -> str:
    blob = json.dumps({"parameters": params.identity(), **checks}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def variant_name(params: BriefingParameters) -> str | None:
    """The series a part of the annex is published in (``<meeting>/variants/<name>/``): ``None``
    for the full annex (every section, all vanguards), else e.g. ``theme-send`` or
    ``theme-vanguards-focus-surrey``."""
    from ..content.sections import SECTIONS

    parts = []
    if params.themes and list(params.themes) != list(SECTIONS):
        parts.append("theme-" + "-".join(params.themes))
    if params.focus != "all":
        slug = "-".join("".join(c if c.isalnum() else " " for c in params.focus.lower()).split())
        parts.append("focus-" + (slug or "vanguard"))
    return "-".join(parts)[:80].strip("-") if parts else None


def _shown(nb_params: dict) -> dict:
    """The same deterministic build the notebook runs, for the manifest's list of figures shown."""
    from ..content.annex import Briefing  # altair: imported here, off the critical path (see render)

    return Briefing.from_parameters(**nb_params).shown()


def _warm_export() -> None:
    from . import export

    try:
        export.warm()
    except Exception:  # noqa: BLE001 - write_html reports the real error
        pass


# the figures shown, from the notebook's own ``briefing`` (evaluated silently after its last cell)
SHOWN_EXPRESSION = "__import__('json').dumps(briefing.shown())"


def render(
    raw: dict,
    out: Path,
    *,
    pdf: bool = False,
    evidence_dir: Path = EVIDENCE_DIR,
    sources_dir: Path | None = None,
    schedule_path: Path = SCHEDULE_FILE,
    engine=None,
    variant: str | None = None,
    kernel: Kernel | None = None,
    owns_kernel: bool = False,
) -> RenderResult:
    """Render (or find up to date) the briefing for these raw parameters; a named ``variant``
    publishes to its own series under ``<meeting>/variants/<variant>/``.

    ``kernel``: a started :class:`Kernel` to run the notebook in, left running afterwards (a
    batch worker's) unless ``owns_kernel`` (the command line starts it before its imports);
    by default one is started here, before validation. A kernel render owns is always shut down."""
    started = dt.datetime.now(dt.UTC)
    own = kernel is None or owns_kernel
    if kernel is None:
        kernel = start_kernel()  # first: it boots and imports while this process imports and validates
    try:
        return _render(
            raw,
            Path(out),
            started=started,
            kernel=kernel,
            own_kernel=own,
            pdf=pdf,
            evidence_dir=evidence_dir,
            sources_dir=sources_dir,
            schedule_path=schedule_path,
            engine=engine,
            variant=variant,
        )
    finally:
        if own and kernel is not None:
            kernel.shutdown()


def _render(
    raw: dict,
    out: Path,
    *,
    started: dt.datetime,
    kernel: Kernel | None,
    own_kernel: bool,
    pdf: bool,
    evidence_dir: Path,
    sources_dir: Path | None,
    schedule_path: Path,
    engine,
    variant: str | None,
) -> RenderResult:
    out = out.resolve()
    params, checks = prepare(raw, evidence_dir=evidence_dir, sources_dir=sources_dir, schedule_path=schedule_path)
    key = input_key(params, checks)
    if variant is None:
        variant = variant_name(params)  # a --theme/--focus render never becomes the full annex's next version
    mdir = pub.meeting_dir(out, params.board, params.meeting, variant)
    # One render of a series at a time, from the up-to-date check to publishing: the version it
    # compares with (previous_manifest) is then the one it is published after, even when renders
    # with different inputs run at once (publish takes its own lock inside, as batch workers do).
    try:
        with pub.locked(mdir, RENDER_LOCK):
            return _render_locked(
                params,
                checks,
                key,
                out,
                mdir,
                started=started,
                kernel=kernel,
                own_kernel=own_kernel,
                pdf=pdf,
                evidence_dir=evidence_dir,
                engine=engine,
                variant=variant,
            )
    except OSError as exc:
        if exc.filename is None:  # a full disk names no file: name the folder being written
            raise OSError(exc.errno, exc.strerror or str(exc), str(mdir)) from None
        raise


RENDER_LOCK = ".render.lock"


def _render_locked(
    params: BriefingParameters,
    checks: dict,
    key: str,
    out: Path,
    mdir: Path,
    *,
    started: dt.datetime,
    kernel: Kernel | None,
    own_kernel: bool,
    pdf: bool,
    evidence_dir: Path,
    engine,
    variant: str | None,
) -> RenderResult:
    last = pub.up_to_date(mdir, key)
    if last:
        return RenderResult("up to date", last[0], last[1], params)
    previous = pub.previous_for_board(out, params.board, params.meeting, variant)
    with pub.build_dir(mdir) as tmp:
        manifest = build(
            params,
            checks,
            key,
            tmp,
            started=started,
            kernel=kernel,
            own_kernel=own_kernel,
            evidence_dir=evidence_dir,
            engine=engine,
            previous=previous,
            previous_name=str(previous.relative_to(out)) if previous else None,
        )
        status, n, path = pub.publish(tmp, mdir, key, finalizer(manifest, params, pdf))
    index.refresh(out)  # <out>/index.html lists the new version (never raises)
    return RenderResult(status, n, path, params)


def build(
    params: BriefingParameters,
    checks: dict,
    key: str,
    tmp: Path,
    *,
    started: dt.datetime,
    kernel: Kernel | None,
    own_kernel: bool,
    evidence_dir: Path,
    engine,
    previous: Path | None,
    previous_name: str | None,
) -> dict:
    """Execute the notebook and export the annex into the empty folder ``tmp``; return the
    manifest without what only publishing knows (the version, the annex's and PDF's checksums,
    the finish time: :func:`finalizer`). ``previous`` is the manifest file the notebook compares
    with, ``previous_name`` what the manifest records for it (relative to ``--out``); a
    distributed batch worker reads a copy of it from its own scratch folder."""
    import papermill as pm

    from .export import write_html

    # the resolved parameters (the notebook never reads the schedule) and the checksum of the
    # evidence that was validated (the notebook re-verifies it around its load: what is rendered
    # is what was validated, or the render fails)
    nb_params = {
        **params.as_dict(),
        "previous_manifest": str(previous) if previous else "",
        "evidence_dir": str(Path(evidence_dir).resolve()),
        "evidence_checksum": checks["evidence"],
    }
    with cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-side") as side:
        # While the kernel runs the notebook (another process, another core), this process
        # prepares the export (nbconvert templates, chart bundle) and reads what the manifest
        # records of the code (git commit, package versions): none of it depends on the notebook.
        side.submit(_warm_export)
        commit_future = side.submit(_git_commit)
        versions_future = side.submit(_versions)
        shown_future = side.submit(_shown, nb_params) if kernel is None else None
        executed = tmp / "briefing.ipynb"
        # with our kernel, papermill must not chdir this process: the kernel is moved into tmp instead
        where = {"cwd": str(tmp)} if kernel is None else {"km": kernel.km}
        shown = None
        if kernel is not None:
            # papermill's first call loads and parameterizes with cold caches (about 0.06 s):
            # do it now, while the kernel is still importing; nothing is written, nothing runs
            pm.execute_notebook(
                str(BRIEFING_NOTEBOOK),
                None,
                parameters=nb_params,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                prepare_only=True,
            )
        try:
            if kernel is not None:
                kernel.begin(tmp)
            nb = pm.execute_notebook(
                str(BRIEFING_NOTEBOOK),
                str(executed),
                parameters=nb_params,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                engine_name=engine or _papermill_engine(),
                request_save_on_cell_execute=False,
                **where,
            )
            if kernel is not None:
                shown = kernel.evaluate_json(SHOWN_EXPRESSION)
        except BaseException as exc:
            if kernel is not None:
                kernel.failed = True
            if isinstance(exc, pm.PapermillExecutionError):
                raise RenderError(
                    f"the briefing notebook failed in cell {exc.cell_index}: {exc.ename}: {exc.evalue}"
                ) from None
            raise
        if own_kernel and kernel is not None:
            kernel.kill()  # done with it: free its core for the export (render() reaps it)
        if shown is None:
            shown = shown_future.result() if shown_future is not None else _shown(nb_params)
        write_html(nb, tmp / "annex.html", title=f"{params.title} ({params.meeting})")
        manifest = {
            "parameters": params.identity(),
            "input_key": key,
            "evidence_checksum": checks["evidence"],
            "source_checksums": checks["sources"],
            "notebook_checksum": checks["notebook"],
            "code_checksum": checks["code"],
            "git_commit": commit_future.result(),
            "package_versions": versions_future.result(),
            "previous_manifest": previous_name,
            "started": started.isoformat(timespec="seconds"),
            "shown": shown,
        }
        return manifest


def finalizer(manifest: dict, params: BriefingParameters, pdf: bool) -> Callable[[Path, int], None]:
    """What ``publish.publish`` runs under the lock once the version number ``n`` is known:
    stamp it into the annex, print the PDF (``--pdf``), write the manifest."""

    def finalize(folder: Path, n: int) -> None:
        annex = folder / "annex.html"
        annex.write_text(annex.read_text(encoding="utf-8").replace(VERSION_PLACEHOLDER, f"v{n}"), encoding="utf-8")
        manifest["version"] = n
        manifest["annex_sha256"] = sha256_file(annex)
        if pdf:
            from .pdf import write_pdf

            write_pdf(annex, folder / "annex.pdf", board=params.board, meeting=params.meeting, version=f"Version {n}")
            manifest["pdf_sha256"] = sha256_file(folder / "annex.pdf")
        manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    return finalize
