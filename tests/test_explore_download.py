"""Downloads straight to the browser: CSV with a byte-order mark, the chart as SVG and PNG, and
the widget that sends them (no file written on the server, the message names the file)."""

from __future__ import annotations

import io

import polars as pl
import pytest

from cyp_evidence import explore as ex
from cyp_evidence.explore import download


def test_csv_has_a_bom_and_keeps_pound_and_times_signs():
    df = pl.DataFrame({"printed": ["£1.4bn", "3 × more", "35 ÷ 25"], "ids": [["a", "b"], ["c"], []]})
    data = download.csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "£1.4bn" in text and "3 × more" in text and "35 ÷ 25" in text
    back = pl.read_csv(io.BytesIO(data))
    assert back.columns == ["printed", "ids"]  # the BOM is not glued to the first header
    assert back["ids"].to_list() == ["a; b", "c", None] or back["ids"].to_list()[:2] == ["a; b", "c"]


def test_every_explorer_downloads_csv_svg_and_png(pkg, tmp_path):
    e = ex.ThemeExplorer(pkg, themes=("prevalence",), title="Prevalence", outdir=tmp_path)
    name, data, message = e.download("csv")
    assert name == e.csv_path().stem + ".csv" and data.startswith(b"\xef\xbb\xbf")
    assert pl.read_csv(io.BytesIO(data)).height == e.table.height
    assert name in message and str(tmp_path) not in message
    name, svg, _ = e.download("svg")
    assert name.endswith(".svg") and svg.lstrip().startswith(b"<svg") and b"</svg>" in svg
    name, png, _ = e.download("png")
    assert name.endswith(".png") and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not list(tmp_path.iterdir())  # nothing written on the server
    with pytest.raises(ValueError, match="unknown kind 'pdf'"):
        e.download("pdf")


def test_download_bar_answers_a_button_with_the_file(pkg):
    e = ex.VanguardExplorer(pkg)
    bar = e.widget.children and e._downloads
    sent = []
    bar.send = lambda content, buffers=None: sent.append((content, buffers))
    bar._on_msg(bar, {"what": "svg"}, [])
    content, buffers = sent[-1]
    assert content["filename"].endswith(".svg") and content["mime"] == "image/svg+xml"
    assert content["filename"] in content["message"] and buffers[0].startswith(b"<svg")
    bar._on_msg(bar, {"what": "nonsense"}, [])
    assert "error" in sent[-1][0] and "nonsense" in sent[-1][0]["error"]
