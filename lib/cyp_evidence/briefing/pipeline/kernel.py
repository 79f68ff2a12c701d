"""The Jupyter kernel a briefing notebook runs in, started before anything else so that its
boot (about 0.6 s) and its import of the annex code (about 0.8 s) overlap the parent's imports
and checks.

This module imports only the standard library at the top (jupyter_client and papermill are
imported when used), so ``cyp-evidence render`` can start the kernel before it imports polars,
the evidence layer or papermill; the kernel process itself is started even before
jupyter_client is imported (``thirdparty/early_kernel``: about 0.2 s earlier), and the kernel
manager then adopts it. Nothing of the notebook runs in the kernel before validation
has passed (:meth:`Kernel.begin`).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ...fsutil import mark_owner, sweep_stale
from ...thirdparty import early_kernel
from ..content.marks import ANNEX_ENV
from ..errors import RenderError

if TYPE_CHECKING:
    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "python3"
KERNEL_TIMEOUT = 60.0  # seconds to wait for the kernel to start / answer (papermill's start_timeout)
# imported in the kernel while the parent validates; __import__ binds no name in the notebook's namespace
WARM_MODULES = ("cyp_evidence.briefing.content.annex",)
# what the kernel runs at start: altair first, without the parts an annex never uses
# (thirdparty/lean_altair: no JupyterChart widget, no optional jsonschema format checkers), then
# the annex code
WARM_CODE = "__import__('cyp_evidence.thirdparty.lean_altair', fromlist=['_']).import_altair()\n" + "".join(
    f"__import__({m!r})\n" for m in WARM_MODULES
)
# what papermill's own kernel gets from nbclient: no IPython history file is written
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


IPC_PREFIX = "cyp-evidence-kernel-"


class Kernel:
    """One ``python3`` Jupyter kernel (jupyter_client's ``AsyncKernelManager``) that papermill
    executes the briefing notebook in (``km=``); nbclient does not shut down a kernel manager it
    was given, so the owner calls :meth:`shutdown`.

    Started, it runs :data:`WARM_CODE` (imports altair and :data:`WARM_MODULES`) with a silent execute (no execution count, no
    history, nothing bound in the namespace). :meth:`begin` is called once validation has
    passed, before each notebook: it resets the namespace and the execution count (a kernel can
    run several notebooks one after another, see ``batch.py``) and moves the kernel into the
    build folder, the working directory papermill's ``cwd=`` gave the kernel before. All the
    silent executes go over this object's own shell channel; papermill's client has its own."""

    def __init__(self, *, warm: bool = True) -> None:
        # IPC (Unix sockets in a private folder), not TCP on localhost: no port other local users
        # could connect to, and no "running over TCP without encryption" warning on stderr
        # Kernels of killed renders leave their folder behind: removed here (their owner is dead).
        sweep_stale(Path(tempfile.gettempdir()), IPC_PREFIX)
        ipc_dir = tempfile.mkdtemp(prefix=IPC_PREFIX)
        self._ipc_dir: str | None = ipc_dir
        self.km: AsyncKernelManager | None = None
        self._kc: BlockingKernelClient | None = None
        self.runs = 0  # notebooks begun in this kernel
        self.failed = False  # a notebook failed (or was interrupted) in it: do not reuse it
        launched = None
        try:
            mark_owner(Path(ipc_dir))
            # the annex inlines the chart libraries itself: the notebook's charts need not carry them
            env = {**os.environ, ANNEX_ENV: "1"}
            # the kernel process first, before jupyter_client is imported (about 0.2 s): its boot
            # is the render's critical path; the manager adopts it below (thirdparty/early_kernel)
            launched = early_kernel.launch(ipc_dir, KERNEL_NAME, env, list(KERNEL_ARGUMENTS))

            from jupyter_client.blocking import BlockingKernelClient
            from jupyter_client.manager import AsyncKernelManager
            from jupyter_client.session import Session
            from jupyter_core.utils import run_sync

            self._run_sync = run_sync
            km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=os.path.join(ipc_dir, "k"))
            # the connection file (it holds the kernel's HMAC key) in the same private folder, so
            # that one removal cleans both, whatever ends this process
            km.connection_file = os.path.join(ipc_dir, "connection.json")
            self.km = km
            if launched is not None:
                early_kernel.hand_over(km, launched)
            run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS), env=env)
            # shell channel only; its messages queue until the kernel is listening
            # with its own Session (same key): sharing the manager's Session object with
            # papermill's client made the kernel's replies to this client go missing (observed)
            info = km.get_connection_info(session=True)
            info["session"] = Session(key=info["session"].key, signature_scheme=info["session"].signature_scheme)
            self._kc = BlockingKernelClient(**info)
            self._kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            if warm:
                self._send(WARM_CODE)
        except BaseException:
            if launched is not None:
                launched.stop()  # not handed over (the manager stops what it adopted)
            self.shutdown()
            raise

    def _send(self, code: str, user_expressions: dict | None = None) -> str:
        assert self._kc is not None, "the kernel was shut down"
        return self._kc.execute(
            code,
            silent=True,
            store_history=False,
            user_expressions=user_expressions or {},
            allow_stdin=False,
            stop_on_error=False,
        )

    def _reply(self, msg_id: str, timeout: float = KERNEL_TIMEOUT) -> dict:
        """The execute_reply to ``msg_id`` (earlier replies on this channel are skipped)."""
        import queue

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RenderError(f"the Jupyter kernel did not answer within {timeout:.0f} s")
            try:
                assert self._kc is not None, "the kernel was shut down"
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
        if self.km is None:
            return
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
        ipc_dir, self._ipc_dir = getattr(self, "_ipc_dir", None), None
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)

    def __enter__(self) -> Kernel:
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


def reuse_or_start(kernel: Kernel | None) -> Kernel | None:
    """``kernel`` if it can run another notebook; else (none yet, a notebook failed in it, or
    it died) a new one, shut down at exit. None if no kernel can start here."""
    if kernel is not None and (kernel.failed or not kernel.alive()):
        kernel.shutdown()
        kernel = None
    if kernel is None:
        import atexit

        kernel = start_kernel()
        if kernel is not None:
            atexit.register(kernel.shutdown)
    return kernel


def _papermill_engine() -> str:
    """The name of our papermill engine (``thirdparty/papermill_engine.py``), which papermill
    loads through its ``papermill.engine`` entry point. If the package's metadata is missing
    (not installed with ``pip install -e .``), it is registered by hand."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    from ...thirdparty import papermill_engine

    papermill_engine.check_versions()
    try:
        papermill_engines.get_engine(papermill_engine.NAME)
    except PapermillException:
        papermill_engines.register(papermill_engine.NAME, papermill_engine.Engine)
    return papermill_engine.NAME
