"""The one HTML table builder, for the annex, the index page and the explorers.

Every table it makes has the accessible shape the annex needs: a ``<caption>``, column headers
with ``scope="col"``, the first cell of each row a row header (``scope="row"``), all inside a
region labelled with the caption that takes focus and scrolls, so that a wide table can be
scrolled from the keyboard and the page still reflows at 320 px. Text is escaped with
:func:`cyp_evidence.escape.html_text`; a cell that already holds markup (a link, a list of
files) says so by being :class:`Markup`. Pages with a stylesheet style the classes
(``table-wrap``, ``num``); a page without one (an explorer's output in JupyterLab) passes
:data:`INLINE` styles."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .escape import html_text as esc

if TYPE_CHECKING:  # polars is not imported by the pages that need no frame (the index)
    import polars as pl


class Markup(str):
    """A cell's HTML, already escaped where it needs to be: placed in the table as it is."""


@dataclass(frozen=True)
class Styles:
    """Inline ``style`` attributes, for pages without a stylesheet; an empty string adds none."""

    wrap: str = ""
    table: str = ""
    caption: str = ""
    th: str = ""  # column headers
    row_th: str = ""  # the row header (first cell of each row)
    td: str = ""


# explorer output in JupyterLab, where no stylesheet of ours applies
INLINE = Styles(
    wrap="max-height:420px;overflow:auto",
    table="border-collapse:collapse;font-size:12px",
    caption="text-align:left;font-weight:bold",
    th="text-align:left;padding:2px 8px",
    row_th="text-align:left;padding:2px 8px;vertical-align:top;max-width:32em",
    td="padding:2px 8px;vertical-align:top;max-width:32em",
)


def _attr(name: str, value: str | None) -> str:
    return f' {name}="{esc(value)}"' if value else ""


def _cell(value: object) -> str:
    return str(value) if isinstance(value, Markup) else esc(value)


def html_table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Collection[int] = (),
    table_id: str | None = None,
    styles: Styles = Styles(),
) -> str:
    """An accessible table in a labelled, focusable, scrollable region. Each row is a sequence
    of cells, one per header; ``numeric`` holds the positions of the columns that get
    ``class="num"``."""
    s = styles
    head = "".join(f'<th scope="col"{_attr("style", s.th)}>{esc(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            if i == 0:
                cells.append(f'<th scope="row"{cls}{_attr("style", s.row_th)}>{_cell(value)}</th>')
            else:
                cells.append(f"<td{cls}{_attr('style', s.td)}>{_cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap"{_attr("style", s.wrap)} role="region" aria-label="{esc(caption)}" tabindex="0">'
        f"<table{_attr('id', table_id)}{_attr('style', s.table)}><caption{_attr('style', s.caption)}>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def frame_table(
    df: pl.DataFrame,
    caption: str,
    columns: Sequence[tuple[str, str]] | None = None,
    *,
    numeric: Iterable[str] = (),
    table_id: str | None = None,
    styles: Styles = Styles(),
) -> str:
    """:func:`html_table` of a data frame: ``columns`` are (column, header) pairs in order (all
    columns under their own names if none are given); ``numeric`` names numeric columns."""
    cols = list(columns or [(c, c) for c in df.columns])
    names = [c for c, _ in cols]
    wanted = set(numeric)
    return html_table(
        caption,
        [label for _, label in cols],
        (tuple(row[c] for c in names) for row in df.iter_rows(named=True)),
        numeric={i for i, c in enumerate(names) if c in wanted},
        table_id=table_id,
        styles=styles,
    )
