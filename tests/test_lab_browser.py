"""JupyterLab in a real browser, offline: run an exploration notebook, change a control, and
check that the chart redraws in place, with no request leaving 127.0.0.1.

A copy of explore_06_vanguards.ipynb is opened from a temporary folder by a JupyterLab server
started here (random port and token) and driven through Debian's headless Chromium. Every
request that is not to 127.0.0.1 (or file:, data:, blob:, about:) is aborted and recorded.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser import CHROMIUM_ARGS, chromium, chromium_executable  # noqa: F401  (chromium: the session's Playwright browser)

from cyp_evidence.paths import NOTEBOOKS_DIR

NOTEBOOK = "explore_06_vanguards.ipynb"
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "esm.sh", "cdn.plot.ly")
LOCAL_SCHEMES = ("file", "data", "blob", "about")
# Chromium itself refuses the network: every host but 127.0.0.1 fails to resolve, and every
# connection that is not to the loopback address goes to a dead proxy (port 9). Playwright's
# request routing is not used: with it, JupyterLab 4 never starts the kernel (a PUT to
# /lab/api/workspaces is left without an answer).
OFFLINE_ARGS = ["--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
CHART = ".jp-OutputArea .vega-embed svg"
# the chart's first panel: the stacked bars' rects carry one aria-label per mark
MARKS_JS = """() => {
  const svg = document.querySelector('.jp-OutputArea .vega-embed svg');
  if (!svg) return null;
  const marks = [...svg.querySelectorAll('[aria-roledescription="bar"], .mark-rect path')];
  return {n: marks.length, labels: marks.map(m => m.getAttribute('aria-label') || '').join('|'),
          aria: svg.getAttribute('aria-label') || '', text: svg.textContent};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (127.0.0.1 only)
        return json.loads(r.read())


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = predicate()
            if last:
                return last
        except (
            urllib.error.URLError,
            ConnectionError,
            OSError,
            ValueError,
        ) as exc:  # server starting, HTTP 500 while a kernel starts
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a copy of the notebook; yields (base_url, token, notebook name)."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(NOTEBOOKS_DIR / NOTEBOOK, work / NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        {
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
            "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
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
        "--LabApp.news_url=",
        "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI and these machines run as root
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:

        def status():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited ({proc.returncode}): {(tmp_path / 'lab.log').read_text()[-2000:]}"
                )
            return get_json(f"{base}/api/status?token={token}")

        wait_for(status, 60, "the Jupyter server to answer")
        yield base, token, NOTEBOOK
    finally:
        # the server and the kernels it started share this process group (start_new_session)
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


def is_local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in LOCAL_SCHEMES or u.hostname == "127.0.0.1"


@pytest.fixture
def offline_chromium(chromium):  # noqa: F811
    """A second Chromium with the network refused, launched by the session's Playwright (one
    sync Playwright per process: a second would fail inside the first one's event loop)."""
    browser = chromium.browser_type.launch(
        executable_path=chromium_executable(), args=CHROMIUM_ARGS + OFFLINE_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


def kernel_ready(base: str, token: str) -> bool:
    kernels = get_json(f"{base}/api/kernels?token={token}")
    return bool(kernels) and all(k["execution_state"] == "idle" and k.get("connections", 0) >= 1 for k in kernels)


@pytest.mark.browser
@pytest.mark.slow
def test_vanguard_notebook_runs_and_redraws_offline_in_lab(lab, offline_chromium, tmp_path):
    chromium = offline_chromium
    base, token, name = lab
    outside: list[str] = []  # every request the page tried to send off this machine
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.on("request", lambda r: None if is_local(r.url) else outside.append(r.url))
    try:
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
        # Lab reads "idle" before the kernel is connected: wait for the server to see a connection
        wait_for(lambda: kernel_ready(base, token), 90, "the kernel to be idle and connected", 0.5)
        page.click("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")  # not a cell: see lab_driver.run_all
        page.click('.lm-MenuBar-itemLabel:text-is("Run")')
        page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')
        page.wait_for_selector(CHART, state="visible", timeout=120_000)
        before = wait_for(
            lambda: (lambda s: s if s and s["n"] > 0 else None)(page.evaluate(MARKS_JS)), 60, "bars in the chart"
        )
        assert "Vanguard" in before["text"] or "vanguard" in before["aria"].lower()

        # change a control: the breakdown dropdown (ipywidgets <select>) to the religion table
        select = page.locator(".widget-dropdown", has=page.locator("label", has_text="Breakdown")).locator("select")
        labels = select.locator("option").all_inner_texts()
        first = select.evaluate("s => s.options[s.selectedIndex].text")
        page.evaluate(f"() => {{ document.querySelector({json.dumps(CHART)}).__cypFirst = true; }}")
        target = next(t for t in labels if t.startswith("Religion") or t.startswith("Referral source"))
        select.select_option(label=target)
        after = wait_for(
            lambda: (lambda s: s if s and s["labels"] != before["labels"] else None)(page.evaluate(MARKS_JS)),
            60,
            "the chart to redraw",
        )
        assert after["n"] > 0 and after["labels"] != before["labels"]
        assert (
            target.split(" (")[0] in after["aria"]
            or target.split(" (")[0].lower() in after["aria"].lower()
            or target.split(" (")[0] in after["text"]
        )
        # still one chart: it was redrawn in place, not appended
        assert page.locator(CHART).count() == 1

        # back to the first choice: the chart drawn then is shown again (the front end keeps
        # what it drew: thirdparty/explorer_chart.js), the very same SVG, still one chart
        select.select_option(label=first)
        wait_for(
            lambda: (lambda s: s if s and s["labels"] == before["labels"] else None)(page.evaluate(MARKS_JS)),
            60,
            "the first chart to come back",
        )
        assert page.evaluate(f"() => document.querySelector({json.dumps(CHART)}).__cypFirst === true")
        assert page.locator(CHART).count() == 1
        # two changes in quick succession: the last one asked for is the one left showing, even
        # though the first is still being drawn when the second is asked for
        others = [t for t in labels if t not in (first, target)]
        select.select_option(label=others[0])
        select.select_option(label=target)
        wait_for(
            lambda: (lambda s: s if s and s["labels"] == after["labels"] else None)(page.evaluate(MARKS_JS)),
            60,
            "the last choice's chart",
        )
        page.wait_for_timeout(1500)  # time for the first change's chart to arrive and be drawn
        assert page.evaluate(MARKS_JS)["labels"] == after["labels"] and page.locator(CHART).count() == 1
        select.select_option(label=first)
        wait_for(lambda: (page.evaluate(MARKS_JS) or {}).get("labels") == before["labels"], 60, "the first chart")

        # count vs share: the y axis title changes
        page.get_by_role("button", name="Share (%)").click()
        wait_for(
            lambda: "Share of the quarter" in (page.evaluate(MARKS_JS) or {}).get("text", ""), 60, "the share axis"
        )

        # the recorder and the block work: a request to a CDN is seen and fails
        assert outside == [], f"requests that tried to leave 127.0.0.1: {outside}"
        probe = page.evaluate(
            "() => fetch('https://cdn.jsdelivr.net/npm/vega@5').then(() => 'loaded', e => 'failed: ' + e)"
        )
        assert probe.startswith("failed") and outside == ["https://cdn.jsdelivr.net/npm/vega@5"]
        outside.clear()
        page.locator(".jp-OutputArea .vega-embed").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "lab.png"))  # kept in pytest's tmp folder for a look
    except Exception:
        page.screenshot(path=str(tmp_path / "failure.png"))  # kept in pytest's tmp folder for a look
        raise
    finally:
        context.close()
    assert not [u for u in outside if any(h in u for h in CDN_HOSTS)], f"requests to a CDN: {outside}"
    assert outside == [], f"requests that tried to leave 127.0.0.1 (all failed): {outside}"


def test_chromium_is_found_where_the_brief_says():
    exe = chromium_executable()
    if exe is None:
        pytest.skip("Debian chromium is not installed")
    assert exe in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") or exe.endswith("chromium")
    assert "--headless" in CHROMIUM_ARGS and "--disable-background-networking" in CHROMIUM_ARGS
