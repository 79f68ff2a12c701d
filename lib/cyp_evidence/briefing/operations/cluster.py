"""`render-batch --scheduler`: the same variant jobs on a Dask distributed cluster.

``--scheduler tcp://host:8786`` sends each variant to the workers of a running Dask scheduler;
``--scheduler local`` starts a ``LocalCluster`` on this machine (worker processes, one thread
each). The jobs go through ``Client.get_executor()``, a ``concurrent.futures`` executor, so
``batch.render_batch`` hands them out, reports progress and collects outcomes exactly as it
does with its process pool. This module is imported only when ``--scheduler`` is given: it
imports ``distributed`` at the top, and a render without the flag never imports it.

Split of the work:

- **On a worker** (:func:`build_variant`): the evidence checksum the coordinator computed is
  compared with the worker's own evidence first, then the source texts', notebook's and code's
  checksums and the input key; on any mismatch the worker refuses (nothing is rendered). It then
  renders into a scratch folder of its own (never a shared folder: a remote machine has no
  ``--out``) in a Jupyter kernel it keeps between variants, and returns the built files (the
  executed notebook and the annex, with the version still a placeholder) and the manifest
  without its version.
- **On the coordinator** (:func:`publish_built`): the files are written into a private build
  folder beside the versions and published by ``publish.publish`` under the per-meeting lock,
  which numbers the version, stamps it into the annex, prints the PDF (``--pdf``) and writes
  the manifest; then the index is rebuilt. Two workers can never race for a version.

A worker that dies (killed, out of memory, its machine gone) fails only the variants it was
rendering: the scheduler gives each of them to another worker, at most
``distributed.scheduler.allowed-failures`` times (set to 1 here for ``local``: one retry, as
the process pool does; a remote scheduler's own setting applies, see docs/operations.md), and
then reports ``KilledWorker``, which becomes that variant's failure. ``worker-saturation`` 1.0
(also set for ``local``) sends a worker only the variant it renders, so a death is counted
against that variant alone, never against one merely queued behind it.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import datetime as dt
import gc
import logging
import re
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import dask
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from ...paths import EVIDENCE_DIR, SCHEDULE_FILE
from ..errors import ClusterError, RenderError
from ..pipeline import publish as pub
from ..pipeline.kernel import Kernel

LOCAL = "local"
ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)(:\d{1,5})?$")  # host, IPv4 or [IPv6]
ALLOWED_FAILURES = 1  # a variant whose worker died is given to one other worker, then fails
# a worker is sent only the variant it renders (not one more queued behind it), so a worker that
# dies counts against that variant alone
WORKER_SATURATION = 1.0
CONNECT_TIMEOUT = 30  # seconds to reach the scheduler
WORKERS_TIMEOUT = 60  # seconds to wait for a first worker
PLUGIN_NAME = "cyp-evidence-warm"


class SchedulerError(ValueError):
    """A ``--scheduler`` value that is not an address (exit status 2)."""


class InputsMismatch(RenderError):
    """A worker's evidence, source texts, notebook, code or schedule differ from the
    coordinator's: it refuses to render."""


def check_address(address: str) -> str:
    if address == LOCAL or ADDRESS.match(address):
        return address
    raise SchedulerError(
        f"--scheduler {address!r}: expected 'local' or a Dask scheduler address such as tcp://host:8786"
    )


# ---------------------------------------------------------------------------- the coordinator
class _OneLine(logging.Filter):
    """Dask's own log lines on the coordinator without their tracebacks (a lost scheduler logs
    each reconnection attempt with one); the variants' outcomes say what happened."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info or record.exc_text:
            exc = record.exc_info[1] if record.exc_info else None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            if not record.getMessage().strip():
                record.msg, record.args = (f"{type(exc).__name__}: {exc}" if exc else "(no message)"), ()
        return True


@contextlib.contextmanager
def _quiet_tracebacks() -> Iterator[None]:
    handlers = logging.getLogger("distributed").handlers
    one_line = _OneLine()
    for h in handlers:
        h.addFilter(one_line)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(one_line)


@contextlib.contextmanager
def executor(address: str, workers: int, *, warm: bool = True) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor on the cluster at ``address`` (``local``: a
    ``LocalCluster`` of ``workers`` processes, one thread each, on 127.0.0.1, no dashboard);
    ``warm``: every worker is warmed (kernel, render stack) by a worker plugin."""
    check_address(address)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_tracebacks())
        if address == LOCAL:
            settings = {
                "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                "distributed.scheduler.worker-saturation": WORKER_SATURATION,
            }
            try:
                with dask.config.set(settings), warnings.catch_warnings():
                    # its HTTP endpoint (health, metrics; on 127.0.0.1) takes another port when 8787
                    # is in use, for example by another local cluster: not worth a warning
                    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
                    cluster = stack.enter_context(
                        LocalCluster(
                            n_workers=workers,
                            threads_per_worker=1,
                            processes=True,
                            host="127.0.0.1",
                            dashboard_address=None,
                        )
                    )
            except (OSError, TimeoutError, RuntimeError) as exc:
                raise ClusterError(f"could not start a local Dask cluster: {exc}") from None
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except TimeoutError:
                raise ClusterError(
                    f"no Dask worker is connected to the scheduler at {address} (waited {WORKERS_TIMEOUT} s); "
                    f"start workers with: dask worker {address} --nthreads 1"
                ) from None
        if warm:
            client.register_plugin(Warm(), name=PLUGIN_NAME)
        pool = client.get_executor(pure=False)
        try:
            yield pool
        finally:
            pool.shutdown(wait=False)


def lost(exc: BaseException) -> str | None:
    """The reason for a variant whose worker died every time it was tried, or that the
    scheduler dropped (it stopped, or the connection to it was lost), else None."""
    if isinstance(exc, KilledWorker):
        tries = exc.allowed_failures + 1
        times = "twice" if tries == 2 else f"{tries} times"
        return f"the worker rendering it died {times}, each time on another worker (killed or out of memory?)"
    if isinstance(exc, cf.CancelledError):  # distributed.client.FutureCancelledError too
        return "the Dask scheduler dropped it (did the scheduler stop, or the connection to it fail?)"
    return None


def job_fields(
    checks: dict, key: str, previous: Path | None, out: Path, *, evidence_dir: Path, sources_dir, schedule_path
) -> dict:
    """What a worker needs besides the parameters: the checksums and input key it must find,
    the previous manifest's bytes (the worker has no ``--out``) and where it was published, and
    the paths given on the coordinator (None: the worker's own defaults)."""
    return {
        "checks": checks,
        "key": key,
        "previous": previous.read_bytes() if previous else None,
        "previous_name": str(previous.relative_to(out)) if previous else None,
        "evidence_dir": None if Path(evidence_dir).resolve() == EVIDENCE_DIR.resolve() else str(evidence_dir),
        "sources_dir": str(sources_dir) if sources_dir else None,
        "schedule_path": None if Path(schedule_path).resolve() == SCHEDULE_FILE.resolve() else str(schedule_path),
    }


def publish_built(res: dict, params, out: Path, *, key: str, pdf: bool) -> tuple[str, int, Path]:
    """Publish what a worker built as the next version of the variant's series (under the
    lock: version number, annex stamp, PDF, manifest), then rebuild the index."""
    from ..pipeline import index
    from ..pipeline.render import finalizer

    if res.get("key") != key:
        raise InputsMismatch("the worker rendered other inputs than the coordinator checked")
    files = res.get("files") or {}
    if "annex.html" not in files:
        raise RenderError("the worker returned no annex.html")
    mdir = pub.meeting_dir(out, params.board, params.meeting, res["name"])
    with pub.build_dir(mdir) as tmp:
        for rel, data in files.items():
            target = (tmp / rel).resolve()
            if not target.is_relative_to(tmp.resolve()) or target == tmp.resolve():
                raise RenderError(f"the worker returned a file outside its build folder: {rel!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        status, n, path = pub.publish(tmp, mdir, key, finalizer(dict(res["manifest"]), params, pdf))
    index.refresh(out)
    return status, n, path


# ---------------------------------------------------------------------------- on a worker
_idle: list[Kernel] = []  # this worker process's kernels not in use (one per worker thread at most)
_lock = threading.Lock()
_warm_done = threading.Event()
_warming = False


def _warm() -> None:
    """Start a kernel first (it boots and imports the annex code meanwhile), then import the
    render stack and load the chart bundle and export templates, as batch.warm does."""
    # registered first, so it runs last at exit: as in batch.warm, the interpreter's final
    # collections skip the render stack's objects
    atexit.register(gc.freeze)
    try:
        from ..pipeline.kernel import start_kernel

        k = start_kernel()
        if k is not None:
            atexit.register(k.shutdown)
            with _lock:
                _idle.append(k)
        from ..pipeline import export, render  # noqa: F401  (polars, the evidence layer)

        export.warm()
        import papermill  # noqa: F401
    except Exception:  # noqa: BLE001 - a render reports the real error
        pass
    finally:
        _warm_done.set()


class Warm(WorkerPlugin):
    """Warms each worker process once, in a thread (the worker keeps answering meanwhile);
    registered by the coordinator, so workers that join or restart later are warmed too.
    ``idempotent``: a later batch on the same cluster does not register it again (which would
    tear it down, shutting the idle kernels): a long-running worker stays warm between batches."""

    idempotent = True

    def setup(self, worker) -> None:
        global _warming
        if not _warming:
            _warming = True
            threading.Thread(target=_warm, name="cyp-evidence-warm", daemon=True).start()

    def teardown(self, worker) -> None:
        with _lock:
            idle, _idle[:] = list(_idle), []
        for k in idle:
            k.kill()  # all at once, without waiting; shutdown() reaps them
        for k in idle:
            k.shutdown()


@contextlib.contextmanager
def _kernel() -> Iterator[Kernel | None]:
    """A kernel for one variant: an idle one of this process, else a new one; put back after
    the render unless a notebook failed in it or it died (then it is shut down)."""
    from ..pipeline.kernel import KERNEL_TIMEOUT, reuse_or_start

    if _warming:
        _warm_done.wait(KERNEL_TIMEOUT)
    with _lock:
        k = _idle.pop() if _idle else None
    k = reuse_or_start(k)
    try:
        yield k
    finally:
        if k is not None:
            if k.failed or not k.alive():
                k.shutdown()
            else:
                with _lock:
                    _idle.append(k)


def _where() -> str:
    try:
        from distributed import get_worker

        return f"the worker at {get_worker().address}"
    except ValueError:
        return "this process"


def _short(checksum: str | None) -> str:
    return checksum[:12] if checksum else "none"


def check_inputs(expected: dict, found: dict, who: str) -> None:
    """Refuse (InputsMismatch) when the checksums a worker computed differ from the ones it
    was given; the message names each part that differs."""
    problems = []
    if found.get("evidence") != expected.get("evidence"):
        problems.append(
            f"its evidence differs (checksum {_short(found.get('evidence'))}, given {_short(expected.get('evidence'))})"
        )
    exp_src, got_src = expected.get("sources", {}), found.get("sources", {})
    for name in sorted(set(exp_src) | set(got_src)):
        if exp_src.get(name) != got_src.get(name):
            problems.append(f"its source text {name} differs")
    for part in ("notebook", "code"):
        if found.get(part) != expected.get(part):
            problems.append(f"its {'briefing notebook' if part == 'notebook' else 'code'} differs")
    if problems:
        raise InputsMismatch(
            f"refused by {who}: {'; '.join(problems)}. Every worker needs the same evidence, schedule, "
            "source texts and code as the coordinator"
        )


def build_variant(job: dict) -> dict:
    """Render one variant on a worker into a scratch folder; return the built files and the
    manifest (picklable). Never raises: a failure is a result."""
    from ..checksums import EVIDENCE_FILES, sha256_tree
    from ..pipeline.render import build, input_key, prepare
    from .due import failed_result

    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    who = _where()
    try:
        evidence_dir = Path(job["evidence_dir"]) if job.get("evidence_dir") else EVIDENCE_DIR
        sources_dir = Path(job["sources_dir"]) if job.get("sources_dir") else None
        schedule_path = Path(job["schedule_path"]) if job.get("schedule_path") else SCHEDULE_FILE
        expected = job["checks"]
        # the evidence first, before validating it: a different evidence base is refused as such
        check_inputs({"evidence": expected["evidence"]}, {"evidence": sha256_tree(evidence_dir, EVIDENCE_FILES)}, who)
        params, checks = prepare(
            job["raw"], evidence_dir=evidence_dir, sources_dir=sources_dir, schedule_path=schedule_path
        )
        check_inputs(expected, checks, who)
        key = input_key(params, checks)
        if key != job["key"]:
            raise InputsMismatch(
                f"refused by {who}: the parameters resolve differently there (is its schedule.toml the same?)"
            )
        with tempfile.TemporaryDirectory(prefix="cyp-evidence-worker-") as scratch_dir:
            scratch = Path(scratch_dir)
            previous = None
            if job.get("previous") is not None:
                previous = scratch / "previous" / "manifest.json"
                previous.parent.mkdir()
                previous.write_bytes(job["previous"])
            tmp = scratch / "build"
            tmp.mkdir()
            with _kernel() as kernel:
                manifest = build(
                    params,
                    checks,
                    key,
                    tmp,
                    started=started,
                    kernel=kernel,
                    own_kernel=False,
                    evidence_dir=evidence_dir,
                    engine=None,
                    previous=previous,
                    previous_name=job.get("previous_name"),
                )
            files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file()}
        return {
            "name": job["name"],
            "status": "built",
            "files": files,
            "manifest": manifest,
            "key": key,
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # noqa: BLE001 - one variant never stops the others
        return failed_result(job["name"], exc, t0=t0)
