"""Data and pictures out of an explorer, straight to the reader's browser.

JupyterLab serves only the files under its root, so a file the kernel writes elsewhere cannot be
fetched from the browser. Instead the kernel builds the bytes and sends them to the page over the
widget's comm; the page turns them into a ``Blob`` and clicks a download link, so the browser
saves the file where it saves every download. Nothing is written on the server.

* :func:`csv_bytes`: the figures as CSV in UTF-8 with a byte-order mark, so that Excel shows £, ×
  and ÷ correctly when the file is double-clicked.
* :func:`chart_svg` / :func:`chart_png`: the chart as drawn, rendered by vl-convert (the Vega
  bundled in this environment; no network).
* :class:`DownloadBar`: three buttons (CSV, SVG, PNG) in one small anywidget; the message under
  them names the file the browser saved, never a server path.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import altair as alt
import anywidget
import polars as pl
import traitlets

BOM = "\ufeff"
MIME = {"csv": "text/csv;charset=utf-8", "svg": "image/svg+xml", "png": "image/png"}
WHAT = {"csv": "the figures (CSV)", "svg": "the chart (SVG)", "png": "the chart (PNG)"}


def csv_text(df: pl.DataFrame) -> str:
    """The frame as CSV text, nested values (lists) joined with '; ' so every cell is flat."""
    flat = df.with_columns(
        [pl.col(c).cast(pl.List(pl.String)).list.join("; ") for c, t in df.schema.items() if isinstance(t, pl.List)]
    )
    buf = io.StringIO()
    flat.write_csv(buf)
    return buf.getvalue()


def csv_bytes(df: pl.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads the file as UTF-8 only with it)."""
    return (BOM + csv_text(df)).encode("utf-8")


def vegalite_version() -> str:
    """The Vega-Lite minor version altair writes (``v6.4.1`` -> ``6.4``), as vl-convert names it."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def chart_svg(chart: alt.TopLevelMixin | dict) -> bytes:
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vlc.vegalite_to_svg(spec, vl_version=vegalite_version()).encode("utf-8")


def chart_png(chart: alt.TopLevelMixin | dict, scale: float = 2.0) -> bytes:
    """A PNG at ``scale`` times the chart's size (2: sharp on a slide or a high-density screen)."""
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return bytes(vlc.vegalite_to_png(spec, vl_version=vegalite_version(), scale=scale))


_ESM = r"""
function render({ model, el }) {
  const bar = document.createElement("div");
  bar.className = "cyp-download";
  bar.style.cssText = "display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 0";
  const labels = model.get("labels");
  for (const what of ["csv", "svg", "png"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "jupyter-button widget-button";
    b.style.cssText = "width:auto;padding:0 10px";
    b.textContent = labels[what];
    b.dataset.what = what;
    b.addEventListener("click", () => {
      status.textContent = "Preparing " + labels[what].toLowerCase() + "…";
      model.send({ what });
    });
    bar.appendChild(b);
  }
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.className = "cyp-download-status";
  status.style.cssText = "font-size:13px";
  bar.appendChild(status);
  el.appendChild(bar);
  const onMsg = (msg, buffers) => {
    if (msg.error) { status.textContent = msg.error; return; }
    const blob = new Blob(buffers.map((b) => b.buffer ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : b), { type: msg.mime });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = msg.filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = msg.message;
  };
  model.on("msg:custom", onMsg);
  return () => model.off("msg:custom", onMsg);
}
export default { render };
"""


class DownloadBar(anywidget.AnyWidget):
    """Buttons that download the explorer's figures as CSV and its chart as SVG or PNG.

    ``provide(what)`` returns ``(filename, bytes, message)`` for ``what`` in csv/svg/png; it is
    called in the kernel when a button is pressed (``request`` does the same without a browser)."""

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    labels = traitlets.Dict(
        {
            "csv": "Download the figures (CSV)",
            "svg": "Download the chart (SVG)",
            "png": "Download the chart (PNG)",
        }
    ).tag(sync=True)

    def __init__(self, provide: Callable[[str], tuple[str, bytes, str]], **kwargs):
        super().__init__(**kwargs)
        self._provide = provide
        self.on_msg(self._on_msg)

    def request(self, what: str) -> tuple[str, bytes, str]:
        if what not in MIME:
            raise ValueError(f"download: unknown kind {what!r} (choose csv, svg or png)")
        return self._provide(what)

    def _on_msg(self, _widget, content, _buffers) -> None:
        what = content.get("what", "") if isinstance(content, dict) else ""
        try:
            filename, data, message = self.request(what)
        except (ValueError, RuntimeError, OSError) as exc:  # a chart vl-convert cannot draw, a bad kind
            self.send({"error": f"Could not prepare {WHAT.get(what, what)}: {exc}"})
            return
        self.send({"filename": filename, "mime": MIME[what], "message": message}, buffers=[data])
