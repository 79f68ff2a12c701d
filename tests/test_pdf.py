"""annex.pdf: A4, vector charts, header naming the board and meeting, "Page N of M", key figures
as text, no network."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from browser import chromium, open_offline  # noqa: F401  (chromium: the session's one browser)
from test_index import BOARD, MEETING, ops  # noqa: F401  (ops: shared session fixture)

from cyp_evidence.briefing.pipeline import pdf

A4 = (595.0, 842.0)  # points


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [_norm(p.extract_text() or "") for p in PdfReader(path).pages]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)  # ligatures (ﬁ) back to letters


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- no browser
def test_header_names_the_board_and_escapes_it():
    h = pdf.header_template(BOARD, MEETING, "Version 2")
    assert "LGA Children &amp; Young People Board · Meeting of 12 March 2024 · Version 2" in h
    assert "lga-cyp-board" not in h and "2024-03-12" not in h  # readers' words, no ids
    h = pdf.header_template("<b>x</b>", "2024-01-01")
    assert "<b>" not in h and "&lt;b&gt;x&lt;/b&gt; · Meeting of 1 January 2024" in h
    f = pdf.footer_template()
    assert 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>' in f


def test_missing_annex_is_a_render_error(tmp_path):
    from cyp_evidence.briefing.pipeline.render import RenderError

    with pytest.raises(RenderError, match="no such annex"):
        pdf.write_pdf(tmp_path / "nope.html", tmp_path / "x.pdf", board=BOARD, meeting=MEETING)


# --------------------------------------------------------------------------- small pages in Chromium
LONG_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>
<link rel="stylesheet" href="https://cdn.example.org/x.css"><img src="http://example.org/pixel.png" alt="">
</head><body><h1>Long table</h1><table><caption>Rows</caption><tbody>{rows}</tbody></table></body></html>"""


@pytest.mark.browser
def test_small_page_gets_header_footer_and_no_network(tmp_path, chromium):  # noqa: F811
    html = tmp_path / "page.html"
    html.write_text(
        LONG_PAGE.format(rows="".join(f"<tr><th scope='row'>row {i}</th><td>{i * 7}</td></tr>" for i in range(150))),
        encoding="utf-8",
    )
    target = tmp_path / "out" / "page.pdf"
    # works while the session's sync Playwright is open in this thread
    with open_offline(html, chromium) as (page, report):
        assert report.blocked  # the page does ask for the network ...
        assert pdf.write_pdf(html, target, board=BOARD, meeting=MEETING) == target  # ... and still prints
    pages = _pages(target)
    assert len(pages) > 1
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert "Meeting of 12 March 2024" in text
    assert not [p for p in target.parent.iterdir() if p.name != "page.pdf"]  # no temporary file left


@pytest.mark.browser
def test_a_chart_that_fails_is_reported(tmp_path):
    html = tmp_path / "broken.html"
    html.write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><div id="altair-viz-1"><div class="error">Error loading script</div></div></html>'
    )
    with pytest.raises(pdf.PdfError, match="altair-viz-1: Error loading script"):
        pdf.write_pdf(html, tmp_path / "broken.pdf", board=BOARD, meeting=MEETING, timeout_s=5)
    assert not (tmp_path / "broken.pdf").exists()


# --------------------------------------------------------------------------- the real annex (run-due --pdf)
@pytest.fixture(scope="module")
def annex_pdf(ops):
    v1 = ops.out / "briefings" / BOARD / MEETING / "v1"
    return v1 / "annex.pdf", json.loads((v1 / "manifest.json").read_text())


@pytest.mark.browser
@pytest.mark.slow
def test_annex_pdf_pages_header_and_page_numbers(annex_pdf):
    from pypdf import PdfReader

    path, manifest = annex_pdf
    assert manifest["pdf_sha256"]
    reader = PdfReader(path)
    assert len(reader.pages) > 1
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2
    pages = _pages(path)
    for n, text in enumerate(pages, start=1):
        assert "LGA Children & Young People Board · Meeting of 12 March 2024 · Version 1" in text, f"page {n}"
        assert f"Page {n} of {len(pages)}" in text


@pytest.mark.browser
@pytest.mark.slow
def test_annex_pdf_has_key_figures_as_text_and_vector_charts(annex_pdf):
    from pypdf import PdfReader

    from cyp_evidence.briefing.content.annex import vanguard_table_id
    from cyp_evidence.evidence import load

    path, manifest = annex_pdf
    text = _squash("\n".join(_pages(path)))
    pkg = load()
    # the vanguard referral total, as printed in the evidence
    tid = vanguard_table_id(pkg)
    total = pkg.table_cells.filter((pl.col("table_id") == tid) & (pl.col("kind") == "grand_total"))["printed"][0]
    assert _squash(total) in text
    # figures shown in the annex (as the manifest records them), as printed
    shown = manifest["shown"]["figures"]
    assert shown
    for fid, fig in list(shown.items())[:5]:
        assert _squash(fig["printed"]) in text, fid
    # charts are vectors: every axis and legend title of every chart is text, and the PDF holds
    # no raster image (a canvas would be one)
    titles = chart_titles((path.parent / "annex.html").read_text(encoding="utf-8"))
    assert titles
    missing = [t for t in titles if _squash(t) not in text]
    assert missing == []
    assert sum(len(p.images) for p in PdfReader(path).pages) == 0


def chart_titles(html: str) -> set[str]:
    """Axis and legend titles of the Vega-Lite specs altair wrote into the annex."""
    titles = set()
    # html.chart_html: <script type="application/json" class="annex-chart-spec" ...>{"spec": ...}</script>
    for m in re.finditer(r'<script type="application/json" class="annex-chart-spec"[^>]*>(.*?)</script>', html, re.S):
        spec = json.loads(m.group(1))["spec"]
        views = [spec]
        while views:  # the chart and every view inside it (layers, facets, concatenations)
            view = views.pop()
            for channel in ("x", "y", "color"):
                title = (view.get("encoding") or {}).get(channel, {}).get("title")
                if isinstance(title, str) and title:
                    titles.add(title)
            for key in ("layer", "hconcat", "vconcat", "concat"):
                views += view.get(key) or []
            if isinstance(view.get("spec"), dict):
                views.append(view["spec"])
    return titles


@pytest.mark.browser
@pytest.mark.slow
def test_annex_pdf_is_a_board_paper_tagged_with_outline_language_and_title(annex_pdf):
    """Key messages on page 1, at most 30 A4 pages; tagged, with bookmarks, /Lang and a title."""
    from pypdf import PdfReader

    path, manifest = annex_pdf
    reader = PdfReader(path)
    assert len(reader.pages) <= 30, f"{len(reader.pages)} pages"
    first = _pages(path)[0]
    assert "Key messages" in first
    from cyp_evidence.briefing.content import messages as msg

    km, _ = msg.parse(msg.messages_path("lga-cyp-board", "2024-03-12"))
    # every key message is on page 1: the last message's lead words are there
    toks = km.messages[-1].tokens
    i, j = [k for k, t in enumerate(toks) if t.kind == "strong"][:2]
    lead = "".join(t.value for t in toks[i + 1 : j])
    assert lead and _squash(lead) in _squash(first), lead
    root = reader.trailer["/Root"]
    assert bool(root.get("/MarkInfo", {}).get("/Marked")), "tagged PDF"
    assert "/StructTreeRoot" in root
    assert str(root.get("/Lang", "")).startswith("en"), "document language"
    assert reader.outline, "bookmarks from the headings"

    def flat(items):
        for o in items:
            yield from flat(o) if isinstance(o, list) else [o.title]

    titles = list(flat(reader.outline))
    assert "Key messages" in titles
    assert reader.metadata.title.startswith("Children and young people")
