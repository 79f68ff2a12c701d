"""Test helper (not a test file): open a local HTML file in Debian's headless Chromium with the
network blocked, and check it with axe-core.

    from browser import open_offline, axe_violations

    with open_offline(path, chromium) as (page, report):
        assert report.blocked == [] and report.console_errors == []
        assert report.charts_drawn == report.charts_expected
        assert axe_violations(page) == []

``chromium`` is the session fixture below: one browser for the whole run, a fresh context
(cookies, cache, routes) for every page. Without it, ``open_offline`` launches and closes its own.
Playwright drives Debian's ``chromium`` package (``playwright install`` cannot download here).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# where Debian puts Chromium: the same places the PDF step looks (the tests' wrapper returns None
# rather than raising, so a missing browser is reported by the fixture that needs it)
from cyp_evidence.briefing.pipeline.pdf import CHROMIUM_CANDIDATES

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# schemes a self-contained page may use; anything else (http, https, ws, ftp, chrome-extension,
# ...) is aborted and recorded
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# every altair chart: the html renderer's <div id="altair-viz-..."> that vegaEmbed turns into .vega-embed
CHART_SELECTOR = '.vega-embed, [id^="altair-viz-"]'
_CHARTS_JS = """(sel) => {
  const charts = [...new Set(document.querySelectorAll(sel))];
  const drawn = charts.filter(el => el.querySelector('svg, canvas'));
  return [charts.length, drawn.length];
}"""
_ALL_DRAWN_JS = """(sel) => {
  const charts = [...new Set(document.querySelectorAll(sel))];
  return charts.every(el => el.querySelector('svg, canvas'));
}"""


def chromium_executable() -> str | None:
    """Debian's Chromium binary (the /usr/bin wrapper works too, but prints a shell error)."""
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


def axe_script() -> Path:
    """axe-core as bundled by the axe-playwright-python package (no npm, no network)."""
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


@dataclass
class OfflineReport:
    url: str
    blocked: list[str] = field(default_factory=list)  # requests aborted (not file:/data:/blob:/about:)
    console_errors: list[str] = field(default_factory=list)  # console.error messages and uncaught page errors
    console_warnings: list[str] = field(default_factory=list)  # for information only
    charts_expected: int = 0
    charts_drawn: int = 0

    def summary(self) -> str:
        return (
            f"{self.url}: charts {self.charts_drawn}/{self.charts_expected} drawn; "
            f"blocked={self.blocked}; console_errors={self.console_errors}"
        )


@contextmanager
def launch_chromium() -> Iterator:
    """A headless Debian Chromium through Playwright's sync API; closed on exit."""
    from playwright.sync_api import sync_playwright

    exe = chromium_executable()
    if exe is None:
        raise FileNotFoundError("Debian chromium is not installed (make chromium, or apt-get install -y chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


_SHARED: dict = {"users": 0, "launcher": None, "browser": None}


@pytest.fixture(scope="session")
def chromium():
    """One browser for the session, shared even if this fixture is imported into several
    modules (conftest and a test file). Skips when Chromium is missing, except under CI (fails)."""
    if chromium_executable() is None:
        message = "Debian chromium is not installed (make chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if _SHARED["users"] == 0:
        launcher = launch_chromium()
        _SHARED["browser"] = launcher.__enter__()
        _SHARED["launcher"] = launcher
    _SHARED["users"] += 1
    try:
        yield _SHARED["browser"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            launcher, _SHARED["launcher"], _SHARED["browser"] = _SHARED["launcher"], None, None
            launcher.__exit__(None, None, None)


@contextmanager
def open_offline(
    path, browser=None, *, timeout: float = 20.0, viewport: dict | None = None, bypass_csp: bool = False
) -> Iterator[tuple]:
    """Open a local file with every non-local request aborted; yields ``(page, report)``.

    Waits for the load event, then until every chart (``.vega-embed`` / altair output div)
    holds an ``svg`` or ``canvas``, at most ``timeout`` seconds; a chart that never draws is
    not an exception here: compare ``report.charts_drawn`` with ``report.charts_expected``.
    ``bypass_csp`` ignores the page's Content-Security-Policy (to prove escaping holds alone).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url = Path(path).resolve().as_uri()
    report = OfflineReport(url)

    def record_blocked(target: str) -> None:
        if not target.startswith(ALLOWED_SCHEMES) and target not in report.blocked:
            report.blocked.append(target)

    def on_route(route) -> None:
        target = route.request.url
        if target.startswith(ALLOWED_SCHEMES):
            route.continue_()
        else:
            record_blocked(target)
            route.abort("blockedbyclient")

    def on_console(msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
            report.console_errors.append(f"{msg.text}{where}")
        elif msg.type == "warning":
            report.console_warnings.append(msg.text)

    with ExitStack() as stack:
        if browser is None:
            browser = stack.enter_context(launch_chromium())
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            service_workers="block",
            java_script_enabled=True,
            bypass_csp=bypass_csp,
        )
        stack.callback(context.close)
        context.set_default_timeout(timeout * 1000)
        context.route("**/*", on_route)
        # WebSockets bypass ordinary routing: refuse them all (never connect to a server)
        context.route_web_socket(lambda _url: True, lambda ws: (record_blocked(ws.url), ws.close()))
        page = context.new_page()
        # anything the page asks for, routed or not (a safety net for the route handler)
        page.on("request", lambda request: record_blocked(request.url))
        page.on("console", on_console)
        page.on("pageerror", lambda exc: report.console_errors.append(f"pageerror: {exc}"))
        page.goto(url, wait_until="load")
        try:
            page.wait_for_function(_ALL_DRAWN_JS, arg=CHART_SELECTOR, timeout=timeout * 1000, polling=100)
        except PlaywrightTimeout:
            pass
        report.charts_expected, report.charts_drawn = page.evaluate(_CHARTS_JS, CHART_SELECTOR)
        yield page, report


def axe_violations(page, tags: list[str] | None = None, context: str | dict | None = None) -> list[dict]:
    """axe-core violations for WCAG 2.0/2.1/2.2 A and AA rules (an empty list means none found)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, not as a <script> tag: the published pages'
        # Content-Security-Policy refuses any script it does not list (axe included)
        page.evaluate(axe_script().read_text(encoding="utf-8") + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": list(tags or WCAG_TAGS)}, "resultTypes": ["violations"]}
    result = page.evaluate(
        "([ctx, opts]) => axe.run(ctx || document, opts)",
        [context, options],
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    """Readable assertion message: rule, impact, help and the first few offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {node.get('target')}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
