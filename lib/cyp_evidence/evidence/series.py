"""Feed a long monthly series (e.g. one row per team, day or referral record: a million rows)
to the explorers and the annex without ever shipping raw rows to a chart.

The series is aggregated in polars to UK financial-year quarters (``2022/23 Q1`` = April to
June 2022), the shape of the printed referral tables, and replaces the cells of one table in a
copy of the evidence package. Everything that reads ``pkg.table_cells`` (the
``VanguardExplorer``, the annex's vanguard section, ``measures.table_shares``) then works
unchanged on at most ``rows x quarters`` cells::

    big = with_monthly_series(load(), series)           # series: month, vanguard, referrals
    VanguardExplorer(big)                               # about 12 x 40 cells, not 1,000,000 rows

The figures are not evidence (nothing here is checked against a source text): this is for
scale tests and for exploring administrative extracts beside the printed tables.
"""

from __future__ import annotations

import polars as pl

from .cut import vanguard_table_id
from .package import EvidencePackage

SERIES_FILE = "<monthly series>"


def quarterly_cells(
    series: pl.DataFrame | pl.LazyFrame,
    table_id: str,
    *,
    date: str = "month",
    row: str = "vanguard",
    value: str = "referrals",
) -> pl.DataFrame:
    """Table cells (``table_cells`` columns) for ``series`` summed by ``row`` and financial-year
    quarter: one ``cell`` per row and quarter with data, a ``column_total`` per quarter, a
    ``row_total`` per row (column ``Total``) and one ``grand_total``. Quarters are in time order."""
    lf = series.lazy().select(
        pl.col(row).cast(pl.String).alias("row"),
        pl.col(date).cast(pl.Date).alias("_d"),
        pl.col(value).cast(pl.Float64).alias("value"),
    )
    lf = lf.filter(pl.col("row").is_not_null() & pl.col("_d").is_not_null() & pl.col("value").is_not_null())
    start = pl.col("_d").dt.truncate("1q")  # financial-year quarters start in Apr, Jul, Oct, Jan: calendar quarters
    cells = lf.group_by("row", start.alias("period_start")).agg(pl.col("value").sum()).collect()
    month, year = pl.col("period_start").dt.month(), pl.col("period_start").dt.year()
    fy = pl.when(month >= 4).then(year).otherwise(year - 1)
    label = pl.format("{}/{} Q{}", fy, ((fy + 1) % 100).cast(pl.String).str.zfill(2), (month + 8) % 12 // 3 + 1)
    cells = cells.with_columns(
        label.alias("column"),
        pl.col("period_start").dt.offset_by("3mo").dt.offset_by("-1d").alias("period_end"),
    ).sort("period_start", "row")
    col_totals = (
        cells.group_by("column", "period_start", "period_end", maintain_order=True)
        .agg(pl.col("value").sum())
        .with_columns(pl.lit("Total").alias("row"))
    )
    row_totals = (
        cells.group_by("row", maintain_order=True)
        .agg(pl.col("value").sum())
        .with_columns(pl.lit("Total").alias("column"))
    )
    grand = pl.DataFrame({"row": ["Total"], "column": ["Total"], "value": [float(cells["value"].sum())]})
    parts = [
        cells.with_columns(pl.lit("cell").alias("kind")),
        col_totals.with_columns(pl.lit("column_total").alias("kind")),
        row_totals.with_columns(pl.lit("row_total").alias("kind")),
        grand.with_columns(pl.lit("grand_total").alias("kind")),
    ]
    out = pl.concat(parts, how="diagonal_relaxed")
    printed = (
        pl.when(pl.col("value") == pl.col("value").round(0))
        .then(pl.col("value").cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("value").cast(pl.String))
    )
    return out.select(
        pl.lit(table_id).alias("table_id"),
        "row",
        "column",
        "kind",
        "value",
        printed.alias("printed"),
        pl.col("period_start").cast(pl.Date),
        pl.col("period_end").cast(pl.Date),
        pl.lit(None, dtype=pl.String).alias("line_quote"),
        pl.lit(SERIES_FILE).alias("_file"),
        pl.lit(None, dtype=pl.Int64).alias("_line"),
    )


def with_monthly_series(
    pkg: EvidencePackage, series: pl.DataFrame | pl.LazyFrame, table_id: str | None = None, **columns
) -> EvidencePackage:
    """A copy of ``pkg`` whose table ``table_id`` (default: the vanguard referrals table) holds
    ``series`` aggregated by quarter (see :func:`quarterly_cells`; ``columns`` names the date,
    row and value columns). Other tables and cells are unchanged; ``pkg`` is not modified."""
    table_id = table_id or vanguard_table_id(pkg)
    if table_id is None or table_id not in set(pkg.tables["table_id"]):
        raise ValueError(f"no table {table_id!r} in the evidence package to hold the series")
    cells = quarterly_cells(series, table_id, **columns)
    frames = dict(pkg.frames)
    frames["table_cells"] = pl.concat(
        [pkg.table_cells.filter(pl.col("table_id") != table_id), cells.select(pkg.table_cells.columns)],
        how="vertical_relaxed",
    )
    return EvidencePackage(pkg.directory, pkg.descriptor, pkg.schemas, frames, [])
