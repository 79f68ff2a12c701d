"""JupyterLab's kernels for the project's notebooks, one started ahead (``make lab``, the Lab
browser tests and ``make bench``: ``lab/jupyter_server_config.json`` names
:class:`WarmKernelManager` as the server's kernel manager).

JupyterLab asks for a notebook's kernel only once the notebook is loaded and shown (3 to 5 s
after the page is asked for, on a 2-core machine), and the kernel then boots (about 0.6 s) and,
at *Run All*, imports the explorers' code (about a second: polars, altair, ipywidgets). Here the
server keeps one kernel of the default kind (``python3``, lab/kernels/python3, which imports the
explorers' code in the background as it starts) started ahead: the first is started with the
server, and the next one ``refill_delay`` seconds after one is handed out (not at once, so its
start does not compete for the cores with the notebook that just took one). A notebook's
session takes the kernel started ahead; it is moved to the notebook's folder and given the
session's name (what a kernel started for the notebook would have had: its working directory,
``JPY_SESSION_NAME`` and ``__session__``), and nothing else is run in it. Any other request (a
kernel by id, another kind of kernel, no kernel ahead, or one that died) starts a kernel as
usual. The kernel started ahead is listed with the server's kernels (with no connection).

This module imports only the standard library and jupyter_server: the server imports it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from traitlets import Float


class WarmKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` with one kernel of the default kind started ahead."""

    refill_delay = Float(
        15.0, config=True, help="Seconds after a kernel started ahead is taken before the next one is started."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ahead: asyncio.Future[str] | None = None
        IOLoop.current().add_callback(self.start_ahead)  # once the server's loop runs

    def start_ahead(self) -> None:
        """Start a kernel of the default kind for the next notebook (if none is started)."""
        if self._ahead is None:
            self._ahead = asyncio.ensure_future(super().start_kernel(kernel_name=self.default_kernel_name))

    async def _take_ahead(self, kernel_name: str | None) -> str | None:
        if self._ahead is None or (kernel_name or self.default_kernel_name) != self.default_kernel_name:
            return None
        ahead, self._ahead = self._ahead, None
        IOLoop.current().call_later(self.refill_delay, self.start_ahead)
        try:
            kernel_id = await ahead
        except Exception as exc:  # noqa: BLE001 (a kernel that failed to start: start one as usual)
            self.log.warning("The kernel started ahead failed (%s); starting one for the notebook", exc)
            return None
        return kernel_id if kernel_id in self else None  # it may have died or been shut down

    async def _move(self, kernel_id: str, cwd: str, session_name: str | None) -> None:
        """Silently (no execution count, no history, no name bound but ``__session__``) give the
        kernel the working directory and session name a kernel started for the notebook has."""
        code = f"__import__('os').chdir({cwd!r})"
        if session_name is not None:
            code += (
                f"; __import__('os').environ['JPY_SESSION_NAME'] = {session_name!r}"
                f"; get_ipython().user_ns['__session__'] = {session_name!r}"
            )
        client = self.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            msg_id = client.execute(code, silent=True, store_history=False)
            while True:
                reply = await client.get_shell_msg(timeout=30)  # type: ignore[misc]  # an async client here (the manager is async)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            if reply["content"].get("status") != "ok":
                raise RuntimeError(f"could not move the kernel to {cwd}: {reply['content'].get('evalue')}")
        finally:
            client.stop_channels()

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any) -> str:  # type: ignore[override]  # upstream's signature, keyword-only
        if kernel_id is None:
            ahead = await self._take_ahead(kwargs.get("kernel_name"))
            if ahead is not None:
                cwd = self.cwd_for_path(path) if path is not None else self.root_dir
                env = kwargs.get("env") or {}
                try:
                    await self._move(ahead, cwd, env.get("JPY_SESSION_NAME"))
                except Exception as exc:  # noqa: BLE001 (then start one as usual)
                    self.log.warning("Could not hand over the kernel started ahead (%s)", exc)
                    await self.shutdown_kernel(ahead, now=True)
                else:
                    self.log.info("Kernel started ahead handed to %s: %s", path, ahead)
                    return ahead
        return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)  # type: ignore[arg-type]  # an API path
