"""Render one briefing: validate -> (up to date?) -> execute with papermill -> export offline
HTML -> manifest -> publish atomically as the next immutable version.

The Jupyter kernel is started before validation, so that its start (about 0.8 s) and its import
of the annex code (about 0.6 s) overlap the parent's imports and checks (:class:`Kernel`).
Nothing of the notebook runs in it before validation has passed; if validation fails or the
briefing is up to date, the kernel is shut down and nothing is written.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import signal
import subprocess
import time
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


# ---------------------------------------------------------------------------- the kernel
KERNEL_NAME = "python3"
KERNEL_TIMEOUT = 60.0  # seconds to wait for the kernel to start / answer (papermill's start_timeout)
# imported in the kernel while the parent validates; __import__ binds no name in the notebook's namespace
WARM_MODULES = ("cyp_evidence.briefing.annex", "cyp_evidence.briefing.display")
# what papermill's own kernel gets from nbclient: no IPython history file is written
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]
PAPERMILL_ENGINE = "cyp-evidence"


class Kernel:
    """One ``python3`` Jupyter kernel (jupyter_client's ``AsyncKernelManager``) that papermill
    executes the briefing notebook in (``km=``); nbclient does not shut down a kernel manager it
    was given, so the owner calls :meth:`shutdown`.

    Started, it imports :data:`WARM_MODULES` with a silent execute (no execution count, no
    history, nothing bound in the namespace). :meth:`begin` is called once validation has
    passed, before each notebook: it resets the namespace and the execution count (a kernel can
    run several notebooks one after another, see ``batch.py``) and moves the kernel into the
    build folder, the working directory papermill's ``cwd=`` gave the kernel before. All the
    silent executes go over this object's own shell channel; papermill's client has its own."""

    def __init__(self, *, warm: bool = True) -> None:
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_client.session import Session
        from jupyter_core.utils import run_sync

        self._run_sync = run_sync
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        self.runs = 0  # notebooks begun in this kernel
        self.failed = False  # a notebook failed (or was interrupted) in it: do not reuse it
        self._kc = None
        try:
            run_sync(self.km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS))
            # shell channel only; its messages queue until the kernel is listening
            # with its own Session (same key): sharing the manager's Session object with
            # papermill's client made the kernel's replies to this client go missing (observed)
            info = self.km.get_connection_info(session=True)
            info["session"] = Session(key=info["session"].key, signature_scheme=info["session"].signature_scheme)
            self._kc = BlockingKernelClient(**info)
            self._kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            if warm:
                self._send("".join(f"__import__({m!r})\n" for m in WARM_MODULES))
        except BaseException:
            self.shutdown()
            raise

    def _send(self, code: str, user_expressions: dict | None = None) -> str:
        return self._kc.execute(code, silent=True, store_history=False, user_expressions=user_expressions or {},
                                allow_stdin=False, stop_on_error=False)

    def _reply(self, msg_id: str, timeout: float = KERNEL_TIMEOUT) -> dict:
        """The execute_reply to ``msg_id`` (earlier replies on this channel are skipped)."""
        import queue

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RenderError(f"the Jupyter kernel did not answer within {timeout:.0f} s")
            try:
                msg = self._kc.get_shell_msg(timeout=min(left, 1.0))
            except queue.Empty:
                if not self.alive():
                    raise RenderError("the Jupyter kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]

    def alive(self) -> bool:
        try:
            return self.km is not None and bool(self._run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def begin(self, cwd: Path) -> None:
        """Reset the namespace and execution count, and chdir to ``cwd``; waits for the kernel."""
        code = f"__import__('os').chdir({str(cwd)!r})\nget_ipython().reset(new_session=True)\n"
        content = self._reply(self._send(code))
        if content.get("status") != "ok":
            self.failed = True
            raise RenderError(f"could not prepare the Jupyter kernel: {content.get('ename')}: {content.get('evalue')}")
        self.runs += 1

    def evaluate_json(self, expression: str):
        """``json.loads`` of the string the expression gives in the kernel's namespace, or None."""
        content = self._reply(self._send("", {"v": expression}))
        found = content.get("user_expressions", {}).get("v", {}) if content.get("status") == "ok" else {}
        if found.get("status") != "ok":
            return None
        try:
            return json.loads(ast.literal_eval(found["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError, TypeError):
            return None

    def kill(self) -> None:
        """SIGKILL the kernel's process group without waiting; :meth:`shutdown` still reaps it."""
        try:
            self._run_sync(self.km.signal_kernel)(signal.SIGKILL)
        except Exception:  # noqa: BLE001
            pass

    def shutdown(self) -> None:
        """Stop the kernel now (never raises); the object is unusable afterwards."""
        kc, self._kc = self._kc, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        km, self.km = self.km, None
        if km is not None:
            try:
                self._run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> "Kernel":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def start_kernel() -> Kernel | None:
    """A warm kernel, or None if it cannot start here (papermill then starts its own, and
    reports the real error after validation)."""
    try:
        return Kernel()
    except Exception:  # noqa: BLE001
        return None


def _papermill_engine() -> str:
    """papermill's nbclient engine, except that the kernel client it opens on a kernel it does
    not own (``km=``) is closed when the notebook is done (nbclient leaves it open)."""
    import queue

    from nbclient.util import ensure_async, run_hook, run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if PAPERMILL_ENGINE in papermill_engines._engines:
        return PAPERMILL_ENGINE

    class Client(PapermillNotebookClient):
        async def async_start_new_kernel_client(self):
            if self.owns_km:
                return await super().async_start_new_kernel_client()
            # Our kernel has already answered (Kernel.begin); only IOPub must be connected.
            # jupyter_client's wait_for_ready waits 0.2 s for an IOPub message after each
            # kernel_info reply, and a fresh subscription usually misses the first one: the
            # same check, polled every 10 ms, saves about 0.2 s per notebook.
            self.kc = self.km.client()
            await ensure_async(self.kc.start_channels())
            deadline = time.monotonic() + (self.startup_timeout or KERNEL_TIMEOUT)
            while True:
                msg_id = self.kc.kernel_info()
                try:
                    reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
                except queue.Empty:
                    reply = None
                if reply is not None and reply["parent_header"].get("msg_id") == msg_id:
                    for _ in range(10):
                        try:
                            await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.01))
                        except queue.Empty:
                            continue
                        self.kc._handle_kernel_info_reply(reply)
                        self.kc.allow_stdin = False
                        await run_hook(self.on_notebook_start, notebook=self.nb)
                        return self.kc
                if not await ensure_async(self.km.is_alive()):
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {self.startup_timeout} seconds")

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

        def execute(self, **kwargs):
            try:
                return super().execute(**kwargs)
            finally:
                if not self.owns_km and self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, **kwargs):
            # as NBClientEngine.execute_managed_notebook (papermill 2.7), with Client
            from papermill.engines import logger
            from papermill.utils import merge_kwargs, remove_args

            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            return Client(nb_man, **final_kwargs).execute()

    papermill_engines.register(PAPERMILL_ENGINE, Engine)
    return PAPERMILL_ENGINE


# ---------------------------------------------------------------------------- render
EVIDENCE_FILES = ("*.csv", "*.json")  # what the evidence checksum covers (everything read_package reads)
_VALIDATED: dict[tuple[str, str], tuple[str, dict, object]] = {}  # per process, see validated()


def _source_sums(sources_dir: Path, package) -> dict[str, str | None]:
    sums = {}
    for name in package.sources["file"].to_list():
        if name:
            try:
                sums[name] = pub.sha256_file(sources_dir / name)
            except OSError:
                sums[name] = None
    return sums


def validated(evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, *, evidence_sum: str | None = None):
    """``evidence.validate(evidence_dir, sources_dir)``, reused within this process while the
    bytes it read are the same: the evidence files (their checksum) and every source text the
    evidence lists (checksums of those files, re-read on every call). A batch validates once
    per process instead of once per variant (about 0.1 s each); a changed byte validates again."""
    ev = Path(evidence_dir).resolve()
    src = (Path(sources_dir) if sources_dir else default_sources_dir()).resolve()
    key = (str(ev), str(src))
    ev_sum = evidence_sum or pub.sha256_tree(ev, EVIDENCE_FILES)
    hit = _VALIDATED.get(key)
    if hit is not None and hit[0] == ev_sum and hit[1] == _source_sums(src, hit[2].package):
        return hit[2]
    report = validate(evidence_dir, sources_dir)
    if not report.errors:
        sums = _source_sums(src, report.package)
        # kept only if nothing changed while it was validated
        if pub.sha256_tree(ev, EVIDENCE_FILES) == ev_sum and _source_sums(src, report.package) == sums:
            _VALIDATED[key] = (ev_sum, sums, report)
    return report


def prepare(raw: dict, *, evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, schedule_path: Path = SCHEDULE_FILE) -> tuple[BriefingParameters, dict]:
    """Validate evidence and parameters before any analysis; return parameters and checksums."""
    evidence_sum = pub.sha256_tree(Path(evidence_dir), EVIDENCE_FILES)
    report = validated(evidence_dir, sources_dir, evidence_sum=evidence_sum)
    if report.errors:
        raise EvidenceError(report.errors)
    params = validate_parameters(raw, vanguards=vanguard_names(report.package), schedule=load_schedule(schedule_path))
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    cut = evidence_as_of(report.package, params.as_of_date)
    checks = {
        "evidence": evidence_sum,
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


# the figures shown, from the notebook's own ``briefing`` (evaluated silently after its last cell)
SHOWN_EXPRESSION = "__import__('json').dumps(briefing.shown())"


def render(raw: dict, out: Path, *, pdf: bool = False, evidence_dir: Path = EVIDENCE_DIR, sources_dir: Path | None = None, schedule_path: Path = SCHEDULE_FILE, engine=None, variant: str | None = None, kernel: Kernel | None = None) -> RenderResult:
    """Render (or find up to date) the briefing for these raw parameters; a named ``variant``
    publishes to its own series under ``<meeting>/variants/<variant>/``.

    ``kernel``: a started :class:`Kernel` to run the notebook in, left running afterwards (a
    batch worker's); by default one is started here, before validation, and always shut down."""
    started = dt.datetime.now(dt.UTC)
    own = kernel is None
    if own:
        kernel = start_kernel()  # first: it boots and imports while this process imports and validates
    try:
        return _render(raw, Path(out), started=started, kernel=kernel, own_kernel=own, pdf=pdf, evidence_dir=evidence_dir,
                       sources_dir=sources_dir, schedule_path=schedule_path, engine=engine, variant=variant)
    finally:
        if own and kernel is not None:
            kernel.shutdown()


def _render(raw: dict, out: Path, *, started: dt.datetime, kernel: Kernel | None, own_kernel: bool, pdf: bool, evidence_dir: Path,
            sources_dir: Path | None, schedule_path: Path, engine, variant: str | None) -> RenderResult:
    import papermill as pm

    from .export import write_html

    out = out.resolve()
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
        # prepares the export (nbconvert templates, chart bundle).
        side.submit(_warm_export)
        shown_future = side.submit(_shown, nb_params) if kernel is None else None
        executed = tmp / "briefing.ipynb"
        # with our kernel, papermill must not chdir this process: the kernel is moved into tmp instead
        where = {"cwd": str(tmp)} if kernel is None else {"km": kernel.km}
        shown = None
        if kernel is not None:
            # papermill's first call loads and parameterizes with cold caches (about 0.06 s):
            # do it now, while the kernel is still importing; nothing is written, nothing runs
            pm.execute_notebook(str(BRIEFING_NOTEBOOK), None, parameters=nb_params, kernel_name=KERNEL_NAME,
                                progress_bar=False, prepare_only=True)
        try:
            if kernel is not None:
                kernel.begin(tmp)
            nb = pm.execute_notebook(
                str(BRIEFING_NOTEBOOK), str(executed), parameters=nb_params, kernel_name=KERNEL_NAME,
                progress_bar=False, engine_name=engine or _papermill_engine(), request_save_on_cell_execute=False, **where,
            )
            if kernel is not None:
                shown = kernel.evaluate_json(SHOWN_EXPRESSION)
        except BaseException as exc:
            if kernel is not None:
                kernel.failed = True
            if isinstance(exc, pm.PapermillExecutionError):
                raise RenderError(f"the briefing notebook failed in cell {exc.cell_index}: {exc.ename}: {exc.evalue}") from None
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
