"""The classes of the ``cyp-evidence`` papermill engine (see ``papermill_engine``).

papermill imports this module while it imports itself (its ``papermill.engine`` entry point,
pyproject.toml), so it must only be imported through ``papermill_engine``, which imports
papermill first. Everything it uses from papermill is defined before papermill loads its entry
points.
"""

from __future__ import annotations

import queue
import time

from nbclient.util import ensure_async, run_hook, run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, logger
from papermill.utils import merge_kwargs, remove_args

KERNEL_TIMEOUT = 60.0  # seconds, as kernel.KERNEL_TIMEOUT


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
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        # as NBClientEngine.execute_managed_notebook (papermill 2.7.0), with Client; the
        # versions are checked by papermill_engine.check_versions before papermill is called
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return Client(nb_man, **final_kwargs).execute()
