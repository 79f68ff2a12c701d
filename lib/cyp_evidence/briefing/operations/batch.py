"""`cyp-evidence render-batch`: render variants of one meeting in parallel.

A variant is a named set of parameters (focus, themes, title, as_of) for one board meeting.
Each variant publishes to its own immutable series,
``<out>/briefings/<board>/<meeting>/variants/<variant>/v<N>/``, so variants never become
successive versions of one another (nor of the meeting's main annex); re-running the batch with
unchanged inputs renders nothing ("up to date").

Before anything runs, the schedule, the evidence base (once) and every variant's parameters are
validated: an invalid evidence base stops the batch; an invalid variant fails alone. Variants
are then rendered in worker processes (``spawn``). Every worker process starts one Jupyter
kernel, loads the heavy modules and the vega/vega-lite/vega-embed bundle once (``initializer``),
then reuses them for each variant it renders: every variant's notebook runs in the worker's
kernel, after its namespace and execution count are reset (``kernel.Kernel.begin``), so a
kernel start (about 1 s) and the annex code's import in it (about 0.6 s) are paid once per
worker, not once per variant. A kernel in which a notebook failed, or that died, is replaced
before the next variant. Variants whose latest version already has the same inputs are found
in the parent (the same ``prepare``/``input_key`` as ``render()``) and never reach a worker, so
a re-run with nothing to do starts no process and no kernel; the others are handed to the
workers as soon as they are checked, so workers start while the parent checks the rest. Each
render in a worker still re-checks its inputs, so every manifest records the evidence that was
really used, even if the evidence changes during a batch.

Why processes and not papermill in threads: on 2 cores threads were about as fast, but
``papermill.execute_notebook(cwd=...)`` changed the working directory of the whole process
(``os.chdir``), so concurrent renders in threads ran in each other's build folders (measured:
a variant failed with FileNotFoundError on another variant's build folder in 1 of 5 runs).
``render()`` no longer passes ``cwd=`` when it has its own kernel (the kernel is moved into the
build folder instead), but the export and the manifest are CPU-bound Python: processes still
use both cores.

One failing variant does not stop or corrupt the others (a failed render publishes nothing);
a worker process that dies is replaced and the variants it was running are retried once, each
in a fresh process. The summary names every failure and why.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import gc
import json
import multiprocessing as mp
import os
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ...ids import slugify
from ...paths import EVIDENCE_DIR, SCHEDULE_FILE
from ..pipeline.publish import VARIANT_NAME

VARIANT_KEYS = {"name", "themes", "focus", "title", "as_of"}


class VariantsError(ValueError):
    """A variants file or variant list is invalid; the message names the entry."""


@dataclass(frozen=True)
class Variant:
    name: str
    params: dict = field(default_factory=dict)  # raw briefing parameters: themes, focus, title, as_of


@dataclass
class VariantOutcome:
    name: str
    status: str  # "rendered" | "up to date" | "failed"
    version: int | None = None
    path: str | None = None  # the annex
    reason: str = ""
    seconds: float = 0.0
    detail: str = ""  # the full error message when it is longer than the one-line reason

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.name}: failed: {self.reason}"
        if self.status == "rendered":
            return f"{self.name}: rendered v{self.version} {self.path}"
        return f"{self.name}: up to date {self.path} (v{self.version})"


# ---------------------------------------------------------------------------- variant lists
def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def per_vanguard(vanguards: list[str], common: dict | None = None) -> list[Variant]:
    """One variant per vanguard (focus = the vanguard's name as printed)."""
    names = _unique([f"vanguard-{slugify(v, 60, fallback='variant')}" for v in vanguards])
    return [Variant(n, {**(common or {}), "focus": v}) for n, v in zip(names, vanguards, strict=True)]


def per_theme(common: dict | None = None) -> list[Variant]:
    """One variant per section theme (themes = [that theme])."""
    from ..content.params import SECTIONS

    common = {k: v for k, v in (common or {}).items() if k != "themes"}
    return [Variant(f"theme-{key}", {**common, "themes": [key]}) for key in SECTIONS]


def check_variants(variants: list[Variant], where: str = "variants") -> list[Variant]:
    problems = []
    seen = set()
    for i, v in enumerate(variants, start=1):
        label = f"{where}: variant {i} ({v.name!r})"
        if not isinstance(v.name, str) or not VARIANT_NAME.match(v.name) or len(v.name) > 80:
            problems.append(f"{label}: name must be lower-case letters, digits and single hyphens (at most 80)")
        elif v.name in seen:
            problems.append(f"{label}: duplicate name")
        seen.add(v.name)
        extra = set(v.params) - (VARIANT_KEYS - {"name"})
        if extra:
            problems.append(f"{label}: unknown key(s) {sorted(extra)} (allowed: {sorted(VARIANT_KEYS)})")
    if not variants:
        problems.append(f"{where}: no variant listed")
    if problems:
        raise VariantsError("\n".join(problems))
    return variants


def load_variants(path: Path | str, common: dict | None = None) -> list[Variant]:
    """Variants from a TOML file (``[[variants]]`` tables) or a JSON file (a list of objects, or
    ``{"variants": [...]}``). Each has a ``name`` and any of themes, focus, title, as_of;
    ``common`` (from the command line) applies where a variant does not say otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VariantsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise VariantsError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}"
        ) from None
    if isinstance(data, dict):
        extra = set(data) - {"variants"}
        if extra:
            raise VariantsError(f"{path}: unknown top-level key(s) {sorted(extra)} (expected [[variants]])")
        data = data.get("variants", [])
    if not isinstance(data, list):
        raise VariantsError(f"{path}: expected a list of variants")
    variants = []
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise VariantsError(f"{path}: variant {i}: must be a table/object with a 'name'")
        if "name" not in entry:
            raise VariantsError(f"{path}: variant {i}: 'name' is required")
        params = {k: v for k, v in entry.items() if k != "name"}
        variants.append(Variant(entry["name"], {**(common or {}), **params}))
    return check_variants(variants, str(path))


# ---------------------------------------------------------------------------- workers
_kernel = None  # this worker process's kernel (kernel.Kernel), reused for every variant it renders


def worker_kernel():
    """This worker's kernel: started on first use, replaced if a notebook failed in it or it
    died (so a failing variant never leaves its state to the next one); None if no kernel can
    start (``render()`` then starts its own and reports why)."""
    global _kernel
    from ..pipeline.kernel import reuse_or_start

    _kernel = reuse_or_start(_kernel)
    return _kernel


def warm() -> None:
    """Worker initializer: start the worker's kernel first (it boots and imports the annex code
    in its own process meanwhile), then import the render stack and load the chart bundle and
    the export templates once per process."""
    # Registered first, so it runs last at exit (after the kernel's shutdown): the worker's
    # objects are moved out of the cyclic GC's reach, so the interpreter's final collections
    # skip them; the pool waits for its workers to exit, and this saves about 0.25 s there.
    atexit.register(gc.freeze)
    try:
        worker_kernel()  # kernel.py imports only the standard library: the kernel boots first
        from ..pipeline import (
            export,
            render,  # noqa: F401  (polars, the evidence layer; papermill just below)
        )

        export.warm()  # the chart bundle and the compiled nbconvert templates
        import papermill  # noqa: F401
    except Exception:  # noqa: BLE001 - a render reports the real error
        pass


def render_variant(job: dict) -> dict:
    """Render one variant (runs in a worker) in the worker's kernel. Never raises: returns a
    plain, picklable dict."""
    from ..pipeline.render import render
    from .due import failed_result

    t0 = time.perf_counter()
    try:
        r = render(
            job["raw"],
            Path(job["out"]),
            pdf=job["pdf"],
            evidence_dir=Path(job["evidence_dir"]),
            sources_dir=Path(job["sources_dir"]) if job["sources_dir"] else None,
            schedule_path=Path(job["schedule_path"]),
            variant=job["name"],
            kernel=worker_kernel(),
        )
        return {
            "name": job["name"],
            "status": r.status,
            "version": r.version,
            "path": str(r.annex),
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # noqa: BLE001 - one variant never stops the others
        return failed_result(job["name"], exc, t0=t0)
    finally:
        if _kernel is not None and _kernel.failed:
            worker_kernel()  # replace it now: the new one boots while this result goes back


def _executor(workers: int, initializer: Callable[[], None] | None) -> cf.ProcessPoolExecutor:
    # spawn, not fork: the parent has polars' thread pool running, and fork after threads can deadlock
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=initializer)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# ---------------------------------------------------------------------------- the batch
def render_batch(
    board: str,
    meeting: str,
    variants: list[Variant],
    *,
    out: Path,
    workers: int | None = None,
    pdf: bool = False,
    evidence_dir: Path = EVIDENCE_DIR,
    sources_dir: Path | None = None,
    schedule_path: Path = SCHEDULE_FILE,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    worker: Callable[[dict], dict] | None = None,
    initializer: Callable[[], None] | None = warm,
    scheduler: str | None = None,
) -> list[VariantOutcome]:
    """Render every variant of one meeting; outcomes in the order given.

    ``scheduler``: None renders in this machine's worker processes; ``"local"`` (a LocalCluster
    of ``workers`` processes) or a Dask scheduler address (``tcp://host:8786``) renders on Dask
    distributed workers and publishes here (``cluster.py``).

    Raises ScheduleError, EvidenceError (nothing rendered), ParameterError (the board/meeting
    themselves are invalid), VariantsError, or with a scheduler SchedulerError/ClusterError; a
    variant's own problems are outcomes. ``worker`` (a picklable top-level function, job dict ->
    result dict; default: ``render_variant``, with a scheduler ``cluster.build_variant``) and
    ``initializer`` exist for tests."""
    from tqdm import tqdm

    from ...evidence import EvidenceError
    from ...evidence.cut import vanguard_names  # polars only: the parent never imports altair
    from ..content.params import ParameterError, validate_parameters
    from ..content.schedule import load_schedule
    from ..pipeline import publish as pub
    from ..pipeline.index import refresh
    from ..pipeline.render import input_key, prepare, validated
    from .due import failed_result, reason

    check_variants(variants)
    cluster: ModuleType | None = None
    if scheduler is not None:
        from . import cluster as dask_cluster  # imports distributed: only when a scheduler is asked for

        dask_cluster.check_address(scheduler)
        cluster = dask_cluster
    if worker is None:
        worker = render_variant if cluster is None else cluster.build_variant
    out = Path(out).resolve()
    schedule = load_schedule(schedule_path)
    report = validated(evidence_dir, sources_dir)  # once, for the whole batch (prepare() below reuses it)
    if report.errors:
        raise EvidenceError(report.errors)
    vanguards = vanguard_names(report.package)
    validate_parameters({"board": board, "meeting": meeting}, vanguards=vanguards, schedule=schedule)

    outcomes: dict[str, VariantOutcome] = {}

    def emit(o: VariantOutcome, bar) -> None:
        outcomes[o.name] = o
        text = o.line()
        if log is not None:
            log(text)
        else:
            bar.write(text, file=sys.stdout)
        bar.update(1)

    workers = max(1, min(workers or default_workers(), len(variants)))
    with (
        tqdm(
            total=len(variants),
            desc=f"{board} {meeting}",
            unit="variant",
            file=sys.stderr,
            disable=None if progress else True,
            dynamic_ncols=True,
            leave=True,
        ) as bar,
        contextlib.ExitStack() as stack,
    ):
        broken: list[dict] = []
        futures: dict[cf.Future, dict] = {}
        pool = None
        checked: dict[str, tuple] = {}  # with a scheduler: name -> (parameters, input key)

        def take(job: dict, fut: cf.Future) -> None:
            res: dict
            try:
                res = fut.result()
            except cf.BrokenExecutor:  # BrokenProcessPool: the worker process died
                broken.append(job)
                return
            except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be pickled
                why = cluster.lost(exc) if cluster is not None else None  # KilledWorker: died on every try
                res = failed_result(job["name"], exc, why=why)
            if res["status"] == "built" and cluster is not None:  # built on a worker: publish here
                params, key = checked[job["name"]]
                try:
                    status, n, path = cluster.publish_built(res, params, out, key=key, pdf=pdf)
                    res = {**res, "status": status, "version": n, "path": str(path / "annex.html")}
                except Exception as exc:  # noqa: BLE001 - one variant never stops the others
                    res = failed_result(job["name"], exc)
            emit(
                VariantOutcome(
                    res["name"],
                    res["status"],
                    res.get("version"),
                    res.get("path"),
                    res.get("reason", ""),
                    res.get("seconds", 0.0),
                    res.get("detail", ""),
                ),
                bar,
            )

        for v in variants:
            raw = {**v.params, "board": board, "meeting": meeting}
            try:
                # the same checks and input key render() computes: an up-to-date variant needs no worker
                params, checks = prepare(
                    raw, evidence_dir=evidence_dir, sources_dir=sources_dir, schedule_path=schedule_path
                )
            except (ParameterError, EvidenceError, OSError) as exc:
                emit(VariantOutcome(v.name, "failed", reason=reason(exc), detail=str(exc)), bar)
                continue
            key = input_key(params, checks)
            last = pub.up_to_date(pub.meeting_dir(out, board, params.meeting, v.name), key)
            if last:
                emit(VariantOutcome(v.name, "up to date", last[0], str(last[1] / "annex.html")), bar)
                continue
            job: dict = {
                "name": v.name,
                "raw": raw,
                "out": str(out),
                "pdf": pdf,
                "evidence_dir": str(evidence_dir),
                "sources_dir": str(sources_dir) if sources_dir else None,
                "schedule_path": str(schedule_path),
            }
            if cluster is not None:
                # the worker checks its inputs against these and returns the built files
                previous = pub.previous_for_board(out, board, params.meeting, v.name)
                job.update(
                    cluster.job_fields(
                        checks,
                        key,
                        previous,
                        out,
                        evidence_dir=evidence_dir,
                        sources_dir=sources_dir,
                        schedule_path=schedule_path,
                    )
                )
                checked[v.name] = (params, key)
            for _ in range(2):
                if pool is None:  # the first variant to render: workers start while the rest are checked
                    pool = stack.enter_context(
                        _executor(workers, initializer)
                        if cluster is None
                        else cluster.executor(scheduler, workers, warm=initializer is not None)
                    )
                try:
                    futures[pool.submit(worker, job)] = job
                    break
                except cf.BrokenExecutor:  # a worker died while variants were being handed out
                    pool = None  # its variants are retried below; the others go to a new pool
            else:
                broken.append(job)
        for fut in cf.as_completed(futures):
            take(futures[fut], fut)
        stack.close()
        # a worker process died (killed, out of memory): retry each of its variants alone, once
        retry, broken = broken, []
        for job in retry:
            with _executor(1, initializer) as retry_pool:
                fut = retry_pool.submit(worker, job)
                cf.wait([fut])
                take(job, fut)
        for job in broken:
            emit(
                VariantOutcome(
                    job["name"],
                    "failed",
                    reason="the worker process rendering it died twice (killed or out of memory?)",
                ),
                bar,
            )
    refresh(out, schedule_path=schedule_path)
    return [outcomes[v.name] for v in variants]


def summary(outcomes: list[VariantOutcome]) -> str:
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("rendered", "up to date", "failed")}
    lines = [
        f"render-batch: {len(outcomes)} variant(s): {counts['rendered']} rendered, {counts['up to date']} up to date, {counts['failed']} failed"
    ]
    lines += [f"  failed: {o.name}: {o.reason}" for o in outcomes if o.status == "failed"]
    return "\n".join(lines)
