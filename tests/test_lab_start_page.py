"""An adviser's path through JupyterLab in a real browser, with the network refused: the start
page, a link to an explorer, Run All, a control change, the CSV and SVG downloaded to the
browser, the search for "1 in 6"; and briefing.ipynb drawing every chart offline in Lab.

The server is JupyterLab on 127.0.0.1 with a token (``lab_driver.lab_server``) on copies of the
notebooks; Chromium resolves no host but 127.0.0.1. The timings (open -> kernel ready -> first
chart, control change -> chart redrawn) are recorded in ``lab-timings.json`` in pytest's tmp
folder; ``make bench`` measures and reports them against their targets.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from browser import CHROMIUM_ARGS, chromium, chromium_executable  # noqa: F401  (chromium: the session's Playwright browser)
from lab_driver import (
    CHART,
    OFFLINE_ARGS,
    PANEL,
    code_shown,
    lab_server,
    open_and_run,
    run_all,
    timed_change,
    wait_for,
)

from cyp_evidence.paths import NOTEBOOKS_DIR

START = "00_start_here.ipynb"
EXPLORER = "explore_01_prevalence.ipynb"
LOCAL_SCHEMES = ("file", "data", "blob", "about")


def is_local(url: str) -> bool:
    u = urlparse(url)
    return u.scheme in LOCAL_SCHEMES or u.hostname == "127.0.0.1"


@pytest.fixture
def offline_chromium(chromium):  # noqa: F811
    browser = chromium.browser_type.launch(
        executable_path=chromium_executable(), args=CHROMIUM_ARGS + OFFLINE_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


def _page(browser, outside: list[str]):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, service_workers="block", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.on("request", lambda r: None if is_local(r.url) else outside.append(r.url))
    return context, page


@pytest.mark.browser
@pytest.mark.slow
def test_start_page_explorer_downloads_and_search_offline(offline_chromium, tmp_path):
    import time

    outside: list[str] = []
    notebooks = [NOTEBOOKS_DIR / START, NOTEBOOKS_DIR / EXPLORER]
    with lab_server(tmp_path, notebooks) as lab:
        context, page = _page(offline_chromium, outside)
        try:
            # the start page: every explorer listed, the first cell says how to run it
            page.goto(lab.url(START))
            link = page.locator(f"{PANEL} .jp-MarkdownOutput a", has_text="Prevalence and demand")
            link.first.wait_for(state="visible")
            # Lab points a link to a notebook at the file it opens (the explorer, beside this page)
            assert EXPLORER in (link.first.get_attribute("href") or "")
            first = page.locator(f"{PANEL} .jp-Cell").first.inner_text()
            assert "Run All Cells" in first
            assert page.locator(f"{PANEL} .jp-InputArea-editor:visible").count() == 0  # code folded away

            # the published annexes open in a browser tab, straight from the server (no "Trust HTML")
            (lab.root / "outputs").mkdir()
            (lab.root / "outputs" / "index.html").write_text(
                "<!doctype html><title>Published annexes</title><h1>Published annexes</h1>", encoding="utf-8"
            )
            annexes = page.locator(f"{PANEL} .jp-MarkdownOutput a", has_text="index of published annexes")
            with context.expect_page() as tab:
                annexes.click()
            tab.value.wait_for_load_state()
            assert urlparse(tab.value.url).path == "/files/outputs/index.html"
            assert tab.value.locator("h1").inner_text() == "Published annexes"
            tab.value.close()
            assert page.locator(".jp-Dialog").count() == 0  # no trust prompt in Lab

            # search: the two prevalence figures first
            wait_for(lambda: lab.kernel_ready(1), 90, "the start page's kernel", 0.1)
            run_all(page)
            box = page.locator(f"{PANEL} .widget-text input")
            box.wait_for(state="visible", timeout=60_000)
            box.fill("1 in 6")
            items = page.locator(f"{PANEL} .cyp-search-results > li")
            wait_for(lambda: items.count() >= 2, 30, "search results")
            texts = items.all_inner_texts()
            assert "1 in 6" in texts[0] and "2022" in texts[0] and "probable mental health disorder" in texts[0]
            assert "1 in 9" in texts[1] and "2017" in texts[1]
            assert "B24" in texts[0] and "Prevalence and demand" in texts[0]
            page.screenshot(path=str(tmp_path / "01-start-search.png"))

            # follow the link to the explorer (Lab opens it in a tab), run it
            start = time.monotonic()
            link.first.click()
            page.locator(f"{PANEL} .jp-MarkdownOutput h1", has_text="Prevalence and demand").wait_for(state="visible")
            timings = open_and_run(page, lab, start, kernels=2)
            assert code_shown(page) == 0  # after Run All the code is still folded away
            back_link = page.locator(f"{PANEL} .jp-MarkdownOutput a", has_text="Start page")
            assert START in (back_link.first.get_attribute("href") or "")  # links back
            assert page.locator(f"{PANEL} .cyp-definition").first.is_visible()
            assert "What is counted" in page.locator(f"{PANEL} .cyp-definition").first.inner_text()

            # change a control: the chart is redrawn in place
            measure = page.locator(f"{PANEL} .widget-dropdown", has=page.locator("label", has_text="Measure")).locator(
                "select"
            )
            labels = [t.replace("\xa0", " ") for t in measure.locator("option").all_inner_texts()]
            pick = next((t for t in labels if "probable mental health disorder" in t), None)
            assert pick, labels
            timings.redraws_ms.append(timed_change(page, lambda: measure.select_option(index=labels.index(pick))))
            for i in (0, labels.index(pick), 0, labels.index(pick)):
                timings.redraws_ms.append(timed_change(page, lambda i=i: measure.select_option(index=i)))
            assert page.locator(CHART).count() == 1
            page.screenshot(path=str(tmp_path / "02-explorer.png"))

            # downloads straight to the browser: the CSV (BOM, UTF-8) and the SVG
            with page.expect_download() as d:
                page.locator(f"{PANEL} button", has_text="Download the figures (CSV)").click()
            csv = d.value
            data = open(csv.path(), "rb").read()
            assert csv.suggested_filename.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
            text = data.decode("utf-8-sig")
            assert (
                "1 in 6" in text and "1 in 9" in text and "Source" in text.splitlines()[0].split(",")
            )  # readers' headers
            status = page.locator(f"{PANEL} .cyp-download-status").first
            wait_for(lambda: csv.suggested_filename in status.inner_text(), 10, "the download message")
            assert "/" not in status.inner_text()  # names the file, not a server path
            with page.expect_download() as d:
                page.locator(f"{PANEL} button", has_text="Download the chart (SVG)").click()
            svg = open(d.value.path(), "rb").read()
            assert d.value.suggested_filename.endswith(".svg") and svg.lstrip().startswith(b"<svg")
            assert not list(lab.root.glob("**/*.csv")) and not list(lab.root.glob("**/*.svg"))  # nothing on the server

            # make lab's settings (lab/, as lab_driver uses them): no news or update pop-up
            assert page.locator(".jp-Notification-Toast, .Toastify__toast").filter(has_text="news").count() == 0
            (tmp_path / "lab-timings.json").write_text(json.dumps(timings.as_dict(), indent=1))
            assert outside == [], f"requests that tried to leave 127.0.0.1: {outside}"
            probe = page.evaluate(
                "() => fetch('https://cdn.jsdelivr.net/npm/vega@5').then(() => 'loaded', e => 'failed: ' + e)"
            )
            assert probe.startswith("failed") and outside == ["https://cdn.jsdelivr.net/npm/vega@5"]
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_briefing_notebook_draws_every_chart_offline_in_lab(offline_chromium, tmp_path):
    outside: list[str] = []
    with lab_server(tmp_path, [NOTEBOOKS_DIR / "briefing.ipynb"]) as lab:
        context, page = _page(offline_chromium, outside)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(lab.url("briefing.ipynb"))
            page.wait_for_selector(f"{PANEL} .jp-Cell", state="visible")
            wait_for(lambda: lab.kernel_ready(1), 90, "the kernel", 0.1)
            run_all(page)
            charts = page.locator(f"{PANEL} .jp-OutputArea [id^='altair-viz-']")
            wait_for(lambda: charts.count() >= 10, 120, "the briefing's charts")
            drawn_js = """(sel) => [...document.querySelectorAll(sel)].every(el => el.querySelector('svg, canvas'))"""
            page.wait_for_function(drawn_js, arg=f"{PANEL} .jp-OutputArea [id^='altair-viz-']", timeout=60_000)
            # Run All leaves the notebook scrolled to its last cell, and Lab does not lay out (or
            # keep) cells far out of view, so the front page's text is read after scrolling back
            # to the top, as a reader would; every part of the notebook is read on the way down
            texts = []
            for top in (True, False):
                page.evaluate(
                    """([sel, top]) => { for (const el of document.querySelectorAll(sel + ' *')) {
                        if (el.scrollHeight > el.clientHeight + 1) el.scrollTop = top ? 0 : el.scrollHeight; } }""",
                    [PANEL, top],
                )
                if top:
                    wait_for(
                        lambda: "draft (numbered when published)" in page.locator(PANEL).inner_text(),
                        30,
                        "the front page's version placeholder, scrolled back to the top",
                        0.2,
                    )
                texts.append(page.locator(PANEL).inner_text())
            for body in texts:
                assert "@@" not in body and "Error loading script" not in body
            page.screenshot(path=str(tmp_path / "briefing.png"))
        finally:
            context.close()
    assert outside == [], f"requests that tried to leave 127.0.0.1: {outside}"
    assert not [e for e in errors if "vega" in e.lower()], errors


def _widget_cells(notebook) -> int:
    """How many of a notebook's code cells show a widget (as stored by ``make notebooks``)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(
        any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", []))
        for c in cells
        if c["cell_type"] == "code"
    )


@pytest.mark.browser
@pytest.mark.slow
def test_no_explorer_shows_its_code_after_run_all(offline_chromium, tmp_path):
    """Every explorer and the start page, opened and run as an adviser does (Run All from the
    menu): each widget drawn, and not one code cell showing its code."""
    notebooks = [NOTEBOOKS_DIR / START, *sorted(NOTEBOOKS_DIR.glob("explore_*.ipynb"))]
    outside: list[str] = []
    shown: dict[str, int] = {}
    with lab_server(tmp_path, notebooks) as lab:
        for nb in notebooks:
            context, page = _page(offline_chromium, outside)
            try:
                page.goto(lab.url(nb.name))
                page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell", state="visible")
                wait_for(lambda: lab.kernel_ready(1), 90, f"{nb.name}'s kernel", 0.1)
                assert code_shown(page) == 0, f"{nb.name} shows code before Run All"
                run_all(page)
                views = page.locator(f"{PANEL} .jp-OutputArea-output > .jupyter-widgets")
                expected = _widget_cells(nb)
                assert expected >= 1, nb.name
                wait_for(lambda v=views, n=expected: v.count() >= n, 120, f"{nb.name}'s {expected} widgets")
                page.wait_for_timeout(300)  # let the last outputs settle
                shown[nb.name] = code_shown(page)
                if shown[nb.name]:
                    page.screenshot(path=str(tmp_path / f"{nb.stem}-code-shown.png"))
            finally:
                context.close()
                lab.shut_down_kernels()
    assert shown == dict.fromkeys(shown, 0), f"code cells showing their code after Run All: {shown}"
    assert len(shown) == len(notebooks) and outside == [], outside
