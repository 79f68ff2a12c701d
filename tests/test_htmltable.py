"""The one HTML table builder (cyp_evidence.htmltable): the accessible shape every table of the
annex, the index page and the explorers has, escaping, and the cells that carry markup."""

from __future__ import annotations

from html.parser import HTMLParser

import polars as pl

from cyp_evidence.htmltable import INLINE, Markup, frame_table, html_table


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def test_a_table_is_a_labelled_focusable_region_with_caption_and_headers():
    out = html_table("Admissions by year", ["Year", "Admissions"], [["2021/22", "2,600"], ["2022/23", "2,700"]])
    tags = _parse(out).tags
    wrap = tags[0]
    assert wrap[0] == "div" and wrap[1]["role"] == "region" and wrap[1]["tabindex"] == "0"
    assert wrap[1]["aria-label"] == "Admissions by year" and wrap[1]["class"] == "table-wrap"
    assert "<caption>Admissions by year</caption>" in out
    assert [a["scope"] for t, a in tags if t == "th"] == ["col", "col", "row", "row"]
    assert out.count("<td>") == 2


def test_text_is_escaped_and_markup_is_kept():
    out = html_table(
        'Caption "quoted" <b>',
        ["<Name>", "Link"],
        [["<script>alert(1)</script>", Markup('<a href="v1/annex.html">Version 1</a>')]],
    )
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;Name&gt;" in out
    assert 'aria-label="Caption &quot;quoted&quot; &lt;b&gt;"' in out
    assert '<td><a href="v1/annex.html">Version 1</a></td>' in out


def test_numeric_columns_and_table_id():
    out = html_table("T", ["Measure", "Value"], [["beds", 3]], numeric={1}, table_id="table-2")
    assert '<table id="table-2">' in out
    assert '<th scope="row">beds</th><td class="num">3</td>' in out


def test_frame_table_takes_columns_in_order_with_headers():
    df = pl.DataFrame({"value": [1.5, None], "measure": ["a & b", "c"], "unused": ["x", "y"]})
    out = frame_table(df, "Figures", [("measure", "Measure"), ("value", "Value")], numeric=["value"])
    assert '<th scope="col">Measure</th><th scope="col">Value</th>' in out
    assert '<th scope="row">a &amp; b</th><td class="num">1.5</td>' in out
    assert "unused" not in out and ">x<" not in out
    # all columns under their own names when none are given
    assert frame_table(df, "All").count('scope="col"') == 3


def test_inline_styles_for_pages_without_a_stylesheet():
    out = frame_table(pl.DataFrame({"a": ["x"], "b": ["y"]}), "C", styles=INLINE)
    tags = dict((t, a) for t, a in reversed(_parse(out).tags))
    assert tags["div"]["style"] == INLINE.wrap and tags["table"]["style"] == INLINE.table
    assert f'<td style="{INLINE.td}">y</td>' in out and f'<th scope="row" style="{INLINE.row_th}">x</th>' in out
    # the default adds no style attribute at all
    assert "style=" not in frame_table(pl.DataFrame({"a": ["x"]}), "C")
