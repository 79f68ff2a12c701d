"""Print an offline HTML annex to an A4 PDF with Debian's Chromium (driven by Playwright).

- The page may load only ``file:`` and ``data:`` URLs; every other request is aborted.
- Charts are drawn as SVG, so they stay vectors in the PDF. The annex's charts use vega-embed's
  default renderer (canvas) on screen; before any page script runs we wrap the global
  ``vegaEmbed`` (which altair's output looks up when it draws) so it is called with
  ``renderer: "svg"``. Nothing in the annex file changes.
- We wait until every chart has drawn (an ``svg``/``canvas`` inside each altair output), and
  fail with a clear message if one shows an error or never draws.
- The page is loaded at the printed column's width (:data:`PRINT_WIDTH_PX`) with print media
  emulated, so the annex's ``@media print`` rules apply (no figure or table split across pages
  where avoidable, headings kept with what follows) and its chart loader lays every chart out
  for the printed page, text at its own size.
- Every page has a header naming the board, meeting and version and a footer "Page N of M".
- The PDF is tagged, with an outline from the headings, the document language and title.

The PDF is written atomically (temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ...escape import html_text
from ...fsutil import atomic_path
from ..errors import RenderError

if TYPE_CHECKING:
    from playwright.sync_api import PdfMargins

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # no DNS lookup at all (Chromium's own background traffic: accounts, updates, probes) and
    # no proxy auto-detection: the page itself may load only file: and data: URLs (see route)
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-proxy-server",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--disable-features=MediaRouter,OptimizationHints,Translate,NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,AutofillServerCommunication,DialMediaRouteProvider",
]
ALLOWED_SCHEMES = ("file:", "data:")
# top / bottom leave room for the header and footer Chromium draws in the page margin
MARGIN: PdfMargins = {"top": "18mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}
# the width of the printed page inside its margins (A4, 210 mm), in CSS px: the page is loaded
# at this width with print media, so the annex's loader lays every chart out for the printed
# column (text at its own size) instead of the PDF scaling a screen-wide chart down
PRINT_WIDTH_PX = round((210 - 14 - 14) / 25.4 * 96)

# Runs before any script of the page: whatever assigns window.vegaEmbed (the inlined bundle)
# gets a wrapper that forces the SVG renderer.
FORCE_SVG = """
(() => {
  let wrapped;
  Object.defineProperty(window, "vegaEmbed", {
    configurable: true,
    get() { return wrapped; },
    set(fn) {
      if (typeof fn !== "function") { wrapped = fn; return; }
      const svg = function (el, spec, opts) {
        // (the annex's loader measures charts with a view that draws nothing: kept so)
        const renderer = opts && opts.renderer === "none" ? "none" : "svg";
        return fn.call(this, el, spec, Object.assign({}, opts || {}, { renderer }));
      };
      Object.assign(svg, fn);
      wrapped = svg;
    },
  });
})();
"""

# The state of every altair chart: drawn, failed (altair writes div.error) or pending.
CHART_STATE = """
() => {
  const charts = [...document.querySelectorAll('div[id^="altair-viz-"]')];
  const state = { total: charts.length, drawn: 0, failed: [] };
  for (const el of charts) {
    const err = el.querySelector(".error");
    if (err) state.failed.push(el.id + ": " + err.textContent.slice(0, 300));
    else if (el.querySelector("svg.marks, canvas.marks, svg, canvas")) state.drawn += 1;
  }
  return state;
}
"""


class PdfError(RenderError):
    """The annex could not be printed to PDF (a RenderError: render() publishes nothing)."""


def chromium_executable() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    raise PdfError(
        "Debian chromium is not installed (expected /usr/lib/chromium/chromium or /usr/bin/chromium): "
        "apt-get install -y chromium, or `make chromium`"
    )


def _board_name(board: str) -> str:
    try:
        from ..content.schedule import load_schedule

        return load_schedule()[board].name
    except Exception:  # noqa: BLE001 - the header falls back to the board id
        return board


def _meeting_words(meeting: str) -> str:
    import datetime as dt

    try:
        return f"{dt.date.fromisoformat(meeting):%-d %B %Y}"
    except ValueError:
        return meeting


def header_template(board: str, meeting: str, version: str = "") -> str:
    """Board, meeting and version in readers' words (no ids, no ISO dates)."""
    name = _board_name(board)
    label = html_text(" · ".join(x for x in (name, f"Meeting of {_meeting_words(meeting)}", version) if x))
    return (
        '<div style="box-sizing: border-box; font-family: system-ui, Arial, sans-serif; font-size: 8.5px; color: #0b0c0c; width: 100%; '
        f'padding: 0 14mm; display: flex; justify-content: space-between;"><span>{label}</span>'
        "<span>Evidence annex</span></div>"
    )


def footer_template() -> str:
    return (
        '<div style="box-sizing: border-box; font-family: system-ui, Arial, sans-serif; font-size: 8.5px; color: #0b0c0c; width: 100%; '
        'padding: 0 14mm; text-align: right;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
    )


def _print(html_path: Path, pdf_path: Path, board: str, meeting: str, timeout_s: float, version: str = "") -> Path:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.startswith(ALLOWED_SCHEMES):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    try:
        with atomic_path(pdf_path) as tmp, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context(
                    offline=False, java_script_enabled=True, viewport={"width": PRINT_WIDTH_PX, "height": 1000}
                )
                context.route("**/*", route)
                page = context.new_page()
                page.add_init_script(FORCE_SVG)
                page.emulate_media(media="print")
                page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
                try:
                    page.wait_for_function(
                        f"() => {{ const s = ({CHART_STATE})(); return s.failed.length > 0 || s.drawn === s.total; }}",
                        timeout=timeout_s * 1000,
                    )
                except PlaywrightError:
                    pass  # reported below with the chart state
                state = page.evaluate(CHART_STATE)
                if state["failed"] or state["drawn"] != state["total"]:
                    detail = (
                        "; ".join(state["failed"])
                        or f"{state['total'] - state['drawn']} of {state['total']} charts never drew"
                    )
                    extra = f" (blocked requests: {', '.join(blocked[:5])})" if blocked else ""
                    raise PdfError(f"{html_path}: chart(s) did not render: {detail}{extra}")
                page.pdf(
                    path=tmp,
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template=header_template(board, meeting, version),
                    footer_template=footer_template(),
                    margin=MARGIN,
                    # accessible PDF: tagged (structure from the HTML, language from <html lang>),
                    # with an outline (bookmarks) from the headings; the title is the page's <title>
                    tagged=True,
                    outline=True,
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(f"printing {html_path} failed: {exc}") from None
    return pdf_path


def write_pdf(html_path, pdf_path, *, board: str, meeting: str, version: str = "", timeout_s: float = 60.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, vector charts, header and page numbers)."""
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if not html_path.is_file():
        raise PdfError(f"{html_path}: no such annex")
    # Always in a thread of its own: Playwright's sync API refuses to start where an event loop
    # is running (a notebook) or where another sync Playwright is already open (a test session).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-pdf") as pool:
        return pool.submit(_print, html_path, pdf_path, board, meeting, timeout_s, version).result()
