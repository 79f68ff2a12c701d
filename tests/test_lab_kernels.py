"""The project's JupyterLab kernels (lab/): the kernel spec that imports the explorers' code in
the background as the kernel starts, and the server's kernel manager that keeps one kernel
started ahead and hands it to the next notebook's session (``cyp_evidence.labkernels``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cyp_evidence.paths import NOTEBOOKS_DIR

LAB = Path(__file__).resolve().parents[1] / "lab"


def _run(kc, code: str) -> dict:
    """Run ``code`` silently in the kernel and return its user expression ``out``."""
    reply = kc.execute_interactive(code, silent=True, store_history=False, user_expressions={"out": "out"}, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    return reply["content"]["user_expressions"]["out"]


def test_lab_kernel_spec_stands_in_for_python3_under_the_notebooks_name():
    spec = json.loads((LAB / "kernels" / "python3" / "kernel.json").read_text(encoding="utf-8"))
    for nb in NOTEBOOKS_DIR.glob("*.ipynb"):
        meta = json.loads(nb.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert (meta["name"], meta["display_name"]) == ("python3", spec["display_name"]), nb.name
    out = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter")), "kernelspec", "list", "--json"],
        env={**os.environ, "JUPYTER_PATH": str(LAB)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(json.loads(out.stdout)["kernelspecs"]["python3"]["resource_dir"]) == LAB / "kernels" / "python3"


@pytest.mark.slow
def test_lab_kernel_imports_the_explorers_in_the_background_and_binds_no_name(monkeypatch, tmp_path):
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("JUPYTER_PATH", str(LAB))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        assert Path(km.kernel_spec.resource_dir) == LAB / "kernels" / "python3"
        code = (
            "import sys, threading\n"
            "out = (sorted(k for k in get_ipython().user_ns if not k.startswith('_') and k not in "
            "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open', 'sys', 'threading', 'out')), "
            "[t.name for t in threading.enumerate()], 'cyp_evidence.explore.base' in sys.modules)\n"
            "del sys, threading"
        )
        end = time.monotonic() + 60
        while True:
            out = _run(kc, code)["data"]["text/plain"]
            if "True" in out or time.monotonic() > end:
                break
            time.sleep(0.2)
        assert out.startswith("([],") and out.endswith("True)"), out  # no name bound; explorers imported
        # the notebook's own import is then immediate and gives the same module
        assert _run(kc, "from cyp_evidence.explore import ThemeExplorer\nout = ThemeExplorer.__module__")["data"][
            "text/plain"
        ] == repr("cyp_evidence.explore.figures")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_notebooks_session_takes_the_kernel_started_ahead_in_its_folder(tmp_path, monkeypatch):
    from cyp_evidence.labkernels import WarmKernelManager

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    (tmp_path / "notebooks").mkdir()
    session = str(tmp_path / "notebooks" / "explore.ipynb")

    async def scenario():
        km = WarmKernelManager(root_dir=str(tmp_path), refill_delay=0.2)
        try:
            await asyncio.sleep(0)  # the server's loop runs: one kernel is started ahead
            assert km._ahead is not None
            ahead = await km._ahead
            assert km.list_kernel_ids() == [ahead]
            kid = await km.start_kernel(path="notebooks", kernel_name="python3", env={"JPY_SESSION_NAME": session})
            assert kid == ahead  # handed over, not a new kernel
            kc = km.get_kernel(kid).client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=60)
                reply = await kc.execute(
                    "",
                    silent=True,
                    store_history=False,
                    reply=True,
                    timeout=60,
                    user_expressions={
                        "cwd": "__import__('os').getcwd()",
                        "s": "__session__",
                        "n": "get_ipython().execution_count",
                    },
                )
                ue = reply["content"]["user_expressions"]
                assert ue["cwd"]["data"]["text/plain"] == repr(str(tmp_path / "notebooks"))
                assert ue["s"]["data"]["text/plain"] == repr(session)
                assert ue["n"]["data"]["text/plain"] == "1"  # nothing was run in the notebook's count
            finally:
                kc.stop_channels()
            # another kind of kernel, or no kernel ahead: started as usual
            other = await km.start_kernel(path="notebooks", kernel_name="python3")
            assert other not in (kid, km._ahead) and other in km
            await asyncio.sleep(0.5)  # refill_delay after the hand-over: the next one is started
            assert km._ahead is not None
            nxt = await km._ahead
            assert nxt not in (kid, other) and set(km.list_kernel_ids()) == {kid, other, nxt}
            # a kernel ahead that was shut down (or died) is not handed out: a new one is started
            await km.shutdown_kernel(nxt, now=True)
            last = await km.start_kernel(path="notebooks", kernel_name="python3")
            assert last not in (kid, other, nxt) and last in km
        finally:
            await km.shutdown_all(now=True)

    # in a thread of its own: the session's Playwright may already run an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=300)
