"""The default annex read as a board paper, in Chromium: length, citation share, readers' words,
reflow at 320 CSS px and at 200% zoom (nothing unreachable), charts at every width and after a
resize (fit, text at least 11 px, no overlapping or cut labels), print (nothing clipped)."""

from __future__ import annotations

import re

import pytest
from browser import chromium, open_offline  # noqa: F401  (chromium: the session's one browser)
from test_index import BOARD, MEETING, ops  # noqa: F401  (ops: shared session fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_WORDS = 12_000
MAX_CITATION_SHARE = 0.15

# Share of the rendered text (by area) that lies outside the viewport and cannot be brought into
# it by scrolling: text beyond the viewport that is not inside a scrollable region lying within
# the viewport, or text cut off by an ancestor that hides its overflow. Text in collapsed
# <details> is not rendered and not counted.
UNREACHABLE_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const scroller = (el) => {
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return a;
    }
    return null;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let total = 0, bad = 0; const where = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      const area = r.width * r.height; total += area;
      let lost = 0;
      const sc = scroller(el);
      if (sc) { const b = sc.getBoundingClientRect(); if (b.right > vw + 1 || b.left < -1) lost = area; }
      else if (r.right > vw + 1 || r.left < -1) lost = area;
      for (let a = el; a && a !== document.body && !lost; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'hidden' || o === 'clip') { const b = a.getBoundingClientRect(); if (r.right > b.right + 1 || r.left < b.left - 1) lost = area; }
      }
      if (lost) { bad += lost; if (where.length < 5) where.push(node.textContent.trim().slice(0, 50)); }
    }
  }
  return { share: total ? bad / total : 0, where, pageWidth: document.documentElement.scrollWidth, vw };
}
"""

# words in citations: short citations after key messages, source lines under exhibits, and the
# cells of every "Source" column (visible ones only)
CITATION_WORDS_JS = r"""
() => {
  const words = (t) => t.split(/\s+/).filter(Boolean).length;
  const visible = (e) => !e.closest('details:not([open])');
  let n = 0;
  document.querySelectorAll('.cite, .source').forEach(e => { if (visible(e)) n += words(e.innerText); });
  document.querySelectorAll('table').forEach(t => {
    const heads = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
    const col = heads.indexOf('Source');
    if (col < 0 || !visible(t)) return;
    t.querySelectorAll('tbody tr').forEach(tr => { const c = tr.children[col]; if (c) n += words(c.innerText); });
  });
  return n;
}
"""


@pytest.fixture(scope="module")
def annex(ops):  # noqa: F811
    return ops.out / "briefings" / BOARD / MEETING / "v1" / "annex.html"


def test_the_annex_is_short_and_its_citations_are_at_most_15_percent(annex, chromium):  # noqa: F811
    with open_offline(annex, chromium) as (page, _):
        text = page.inner_text("main")
        words = len(text.split())
        citations = page.evaluate(CITATION_WORDS_JS)
    assert words <= MAX_WORDS, f"{words} words"
    assert citations / words <= MAX_CITATION_SHARE, f"citations {citations} of {words} words"
    # the key messages come first
    assert len(text[: text.index("Key messages")].split()) < 60


def test_readers_words_no_ids_no_snake_case_no_markup(annex, chromium):  # noqa: F811
    from cyp_evidence.evidence import load

    with open_offline(annex, chromium) as (page, _):
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        text = page.inner_text("main")
    pkg = load()
    assert re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text) == []
    ids = [i for i in pkg.figures["id"].to_list() + pkg.source_issues["id"].to_list() if i in text]
    assert ids == []
    assert "markers" not in text
    assert "<i>" not in text and "1. 1." not in text


@pytest.mark.parametrize(
    "viewport, scale",
    [({"width": 320, "height": 640}, 1), ({"width": 640, "height": 400}, 2)],  # 320 px; 1280 px at 200%
    ids=["320px", "zoom200"],
)
def test_nothing_is_unreachable_at_320_px_or_200_percent_zoom(annex, chromium, viewport, scale):  # noqa: F811
    context = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(annex.resolve().as_uri())
        page.wait_for_function("() => document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length > 0")
        found = page.evaluate(UNREACHABLE_JS)
        assert found["share"] == 0, found
        assert found["pageWidth"] <= found["vw"], "the page itself scrolls sideways"
        # charts fit the width
        widest = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.vega-embed canvas, .vega-embed svg')].map(c => c.getBoundingClientRect().right))"
        )
        assert widest <= viewport["width"] + 1
        # every table that scrolls does so in its own focusable, labelled region
        regions = page.evaluate(
            "() => [...document.querySelectorAll('table')].filter(t => { const w = t.closest('.table-wrap'); return w && w.scrollWidth > w.clientWidth; })"
            ".map(t => { const w = t.closest('.table-wrap'); return [w.getAttribute('role'), w.getAttribute('tabindex'), w.getAttribute('aria-label')]; })"
        )
        assert all(r[0] == "region" and r[1] == "0" and r[2] for r in regions), regions
    finally:
        context.close()


def test_nothing_is_clipped_in_print(annex, chromium):  # noqa: F811
    # the printable width of an A4 page with the PDF's margins (210 mm - 2 x 14 mm) in CSS px
    width = round((210 - 28) / 25.4 * 96)
    context = chromium.new_context(viewport={"width": width, "height": 1000})
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(annex.resolve().as_uri())
        page.emulate_media(media="print")
        found = page.evaluate(UNREACHABLE_JS.replace("o === 'auto' || o === 'scroll'", "false"))
        assert found["share"] == 0, found
    finally:
        context.close()


# Every chart of the page, as drawn: whether it fits its column and the viewport, its smallest
# text as rendered (font size times the svg's scale), labels whose boxes overlap, labels cut
# short with an ellipsis, and how many drawings it holds. Text Vega hides (opacity 0, e.g. axis
# labels it thins out) is not counted.
CHARTS_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const shown = (el) => {
    for (let a = el; a && a.nodeType === 1; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
    }
    return true;
  };
  return [...document.querySelectorAll('.annex-chart')].map((el) => {
    const fig = (el.closest('figure') || {}).id || el.id;
    const svgs = el.querySelectorAll('svg');
    const svg = svgs[0];
    if (!svg) return { fig, svgs: 0 };
    const box = svg.getBoundingClientRect(), col = el.getBoundingClientRect();
    const scale = box.width / parseFloat(svg.getAttribute('width'));
    const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim() && shown(t));
    const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    const rects = texts.map((t) => t.getBoundingClientRect());
    const overlaps = [];
    for (let a = 0; a < rects.length; a++) for (let b = a + 1; b < rects.length; b++) {
      const A = rects[a], B = rects[b];
      const w = Math.min(A.right, B.right) - Math.max(A.left, B.left);
      const h = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
      if (w > 1 && h > 1) overlaps.push([texts[a].textContent.slice(0, 40), texts[b].textContent.slice(0, 40)]);
    }
    return {
      fig, svgs: svgs.length, scale,
      fits: box.left >= col.left - 1 && box.right <= col.right + 1 && box.right <= vw + 1,
      minText: sizes.length ? Math.min(...sizes) : 99,
      overlaps, cut: texts.filter((t) => t.textContent.includes('\u2026')).map((t) => t.textContent),
    };
  });
}
"""
# every chart is laid out for the width its element has now (see briefing/pipeline/chart_loader.js)
LAID_OUT_JS = """() => [...document.querySelectorAll('.annex-chart')].every(e =>
  e.getAttribute('data-laid-out-for') === String(Math.floor(e.getBoundingClientRect().width)))"""
MIN_CHART_TEXT_PX = 11


def _chart_problems(page, where: str) -> list[str]:
    page.wait_for_function(LAID_OUT_JS, timeout=30_000)
    charts = page.evaluate(CHARTS_JS)
    assert len(charts) >= 10, f"{where}: only {len(charts)} charts"
    problems = []
    for c in charts:
        if c["svgs"] != 1:
            problems.append(f"{where} {c['fig']}: {c['svgs']} drawings")
            continue
        if not c["fits"]:
            problems.append(f"{where} {c['fig']}: wider than its column")
        if c["scale"] < 0.99:
            problems.append(f"{where} {c['fig']}: scaled down to {c['scale']:.2f}")
        if c["minText"] < MIN_CHART_TEXT_PX - 0.05:
            problems.append(f"{where} {c['fig']}: text of {c['minText']:.1f} px")
        problems += [f"{where} {c['fig']}: labels overlap: {o}" for o in c["overlaps"]]
        problems += [f"{where} {c['fig']}: label cut short: {t!r}" for t in c["cut"]]
    # nothing left from measuring charts off screen
    assert page.evaluate("() => document.querySelectorAll('body > div[aria-hidden=\"true\"]').length") == 0
    return problems


@pytest.mark.parametrize(
    "start, scale, end",
    [(320, 1, 640), (640, 2, 320), (1280, 1, 320)],  # a phone; 1280 px at 200%, then 400%; a desktop
    ids=["320-to-640px", "zoom200-to-400", "1280-to-320px"],
)
def test_charts_fit_keep_their_text_size_and_lay_out_again_on_resize(annex, chromium, start, scale, end):  # noqa: F811
    context = chromium.new_context(viewport={"width": start, "height": 800}, device_scale_factor=scale)
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(annex.resolve().as_uri())
        problems = _chart_problems(page, f"at {start} px")
        page.set_viewport_size({"width": end, "height": 800})  # a window resized, zoomed or turned
        problems += _chart_problems(page, f"at {end} px after {start} px")
        assert problems == []
    finally:
        context.close()


def test_charts_are_laid_out_for_the_printed_page(annex, chromium):  # noqa: F811
    # as pdf.py prints: the page loaded at the printed column's width with print media
    from cyp_evidence.briefing.pipeline.pdf import PRINT_WIDTH_PX

    context = chromium.new_context(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(annex.resolve().as_uri())
        assert _chart_problems(page, "in print") == []
    finally:
        context.close()


def test_a_figure_shown_twice_appears_once(annex):
    html = annex.read_text(encoding="utf-8")
    # the figures tables: (measure label, as printed, period) never repeats across the tables
    rows = re.findall(r'<section class="exhibit table-exhibit".*?</section>', html, flags=re.S)
    seen: dict[tuple, int] = {}
    for n, table in enumerate(rows):
        if "Figure as printed" not in table:
            continue
        for cells in re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td>", table):
            assert cells not in seen, f"{cells} in two tables"
            seen[cells] = n
