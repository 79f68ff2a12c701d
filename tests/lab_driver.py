"""Test helper (not a test file): a JupyterLab server on a folder of notebooks (127.0.0.1, a
random port and token) and the steps an adviser takes in it, timed as the page sees them.

Used by ``tests/test_lab_browser.py`` and by ``benchmarks/bench.py`` (which reports the
browser-side timings against their targets):

* ``open -> kernel ready -> first chart``: from asking the browser for the explorer's page to the
  kernel being idle and connected, then (after *Run All*) to the first chart's SVG in the page.
* ``control change -> chart redrawn``: from the control's change event in the page to the first
  animation frame in which the chart's SVG differs (an in-page watcher), so it includes the round
  trip to the kernel and Vega drawing (but not Playwright's own command latency).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Chromium itself refuses the network: every host but 127.0.0.1 fails to resolve, and every
# connection that is not to the loopback address goes to a dead proxy (port 9).
OFFLINE_ARGS = ["--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
# the visible notebook's charts (Lab keeps hidden tabs in the DOM)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CHART = f"{PANEL} .jp-OutputArea .vega-embed svg"
TARGET_FIRST_CHART_S = 6.0
LAB_CONFIG = Path(__file__).resolve().parents[1] / "lab"
TARGET_REDRAW_MEDIAN_MS = 100.0

# resolves with the time (ms) from the control's change (the first input or change event in the
# page after it is armed; the arming time if none is seen) to the first animation frame in which
# the visible chart's SVG differs from what it was when armed. Timing from the event itself
# leaves out Playwright's own command round trip (Python -> browser, actionability checks),
# which an adviser's click does not have. The SVG is compared only in a frame after something
# in the page changed (a MutationObserver sets a flag): serialising it on every frame took the
# page's main thread from the redraw it measures.
WATCH_JS = """(sel) => new Promise((resolve) => {
  const svg = () => { const s = document.querySelector(sel); return s ? s.outerHTML : ''; };
  const before = svg(); const armed = performance.now();
  const w = window.__cypWatch = {t0: armed, before, event: false};
  const seen = (e) => { if (!w.event) { w.event = true; w.t0 = e.timeStamp || performance.now(); } };
  for (const type of ['input', 'change']) document.addEventListener(type, seen, {capture: true, once: true});
  let dirty = false;
  const mo = new MutationObserver(() => { dirty = true; });
  mo.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const done = (ms) => {
    mo.disconnect();
    for (const type of ['input', 'change']) document.removeEventListener(type, seen, {capture: true});
    resolve(ms);
  };
  const tick = () => {
    if (dirty) { dirty = false; if (svg() !== before) { done(performance.now() - w.t0); return; } }
    if (performance.now() - armed > 30000) { done(-1); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (127.0.0.1 only)
        return json.loads(r.read())


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = predicate()
            if last:
                return last
        except (urllib.error.URLError, ConnectionError, OSError, ValueError) as exc:  # server or kernel starting
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass
class Lab:
    base: str
    token: str
    root: Path
    log: Path

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"

    def kernels(self) -> list[dict]:
        return get_json(f"{self.base}/api/kernels?token={self.token}")

    def shut_down_kernels(self) -> None:
        for k in self.kernels():
            url = f"{self.base}/api/kernels/{k['id']}?token={self.token}"
            req = urllib.request.Request(url, method="DELETE")  # noqa: S310 (127.0.0.1 only)
            urllib.request.urlopen(req, timeout=30).close()  # noqa: S310

    def kernel_ready(self, at_least: int = 1) -> bool:
        """At least ``at_least`` notebooks have a kernel, and every notebook's kernel is idle
        and connected (a kernel the server started ahead, with no notebook, is not counted)."""
        ks = [s["kernel"] for s in get_json(f"{self.base}/api/sessions?token={self.token}") if s.get("kernel")]
        return len(ks) >= at_least and all(k["execution_state"] == "idle" and k.get("connections", 0) >= 1 for k in ks)


@contextmanager
def lab_server(tmp_path: Path, notebooks: list[Path]):
    """A JupyterLab server on copies of ``notebooks`` in a fresh folder; stopped on exit (the
    server and its kernels share one process group)."""
    work = tmp_path / "lab"
    work.mkdir()
    for nb in notebooks:
        shutil.copy(nb, work / nb.name)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        {
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
            "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
            # the project's Lab settings and kernel, as `make lab` uses them (lab/README.md)
            "JUPYTER_CONFIG_PATH": str(LAB_CONFIG),
            "JUPYTER_PATH": str(LAB_CONFIG),
            "JUPYTER_DATA_DIR_UNUSED": "",
            "IPYTHONDIR": str(tmp_path / "ipython"),
        }
    )
    cmd = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        "--LabApp.news_url=",
        "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI and these machines run as root
    logpath = tmp_path / "lab.log"
    log = logpath.open("w")
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, work, logpath)
    try:

        def status():
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({proc.returncode}): {logpath.read_text()[-2000:]}")
            return get_json(f"{lab.base}/api/status?token={token}")

        wait_for(status, 60, "the Jupyter server to answer", 0.25)
        yield lab
    finally:
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


@dataclass
class Timings:
    kernel_ready_s: float = 0.0  # open -> kernel idle and connected
    first_chart_s: float = 0.0  # open -> first chart drawn (kernel ready, Run All, chart)
    redraws_ms: list[float] = field(default_factory=list)

    @property
    def redraw_median_ms(self) -> float:
        return statistics.median(self.redraws_ms) if self.redraws_ms else float("nan")

    def as_dict(self) -> dict:
        return {
            "kernel_ready_s": round(self.kernel_ready_s, 3),
            "first_chart_s": round(self.first_chart_s, 3),
            "redraws_ms": [round(x, 1) for x in self.redraws_ms],
            "redraw_median_ms": round(self.redraw_median_ms, 1),
        }


# the visible notebook's tab in the main area (activating it touches no cell)
TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current"
# a code cell whose code shows: its editor is in the page (a hidden input shows a one-line
# placeholder instead, which expands the code when clicked)
CODE_SHOWN = f"{PANEL} .jp-CodeCell .jp-InputArea-editor"


def run_all(page) -> None:
    """*Run > Run All Cells* from the menu, as the first cell tells an adviser to do. The
    notebook is made the current document by its tab: a click in the middle of the notebook
    (as this did before) lands on whatever is there, and on a hidden input's placeholder it
    expands the code (explore_01_prevalence and explore_08_source_issues at 1400 x 1000)."""
    page.click(TAB)
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')


def code_shown(page) -> int:
    """How many of the visible notebook's code cells show their code."""
    return page.locator(CODE_SHOWN).count()


def open_and_run(page, lab: Lab, start: float, kernels: int = 1) -> Timings:
    """After the browser was asked (at ``start``, ``time.monotonic()``) for a notebook: wait for
    its kernel, run every cell and wait for the first chart."""
    t = Timings()
    page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell", state="visible")
    # Lab reads "idle" before the kernel is connected: wait for the server to see a connection
    wait_for(lambda: lab.kernel_ready(kernels), 90, "the kernel to be idle and connected", 0.05)
    t.kernel_ready_s = time.monotonic() - start
    run_all(page)
    page.wait_for_selector(CHART, state="visible", timeout=120_000)
    t.first_chart_s = time.monotonic() - start
    return t


def timed_change(page, do) -> float:
    """Milliseconds from just before ``do()`` changes a control to the chart redrawn in the page."""
    handle = page.evaluate_handle(f"() => {{ window.__cypRedraw = ({WATCH_JS})({json.dumps(CHART)}); return 1; }}")
    handle.dispose()
    do()
    ms = page.evaluate("() => window.__cypRedraw")
    if ms < 0:
        raise TimeoutError("the chart did not redraw within 30 s of the control change")
    return float(ms)
