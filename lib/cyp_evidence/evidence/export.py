"""Write every figure with its provenance as CSV or JSON (for spreadsheets).

Values are canonical (see ``quantity``): a spreadsheet can sum, divide and compare ``value``
within one ``unit`` without reading ``printed``; ``scale`` and ``bound`` say how it was printed."""

from __future__ import annotations

import polars as pl

from .package import EvidencePackage

EXPORT_COLUMNS = [
    "id",
    "theme",
    "measure",
    "label",
    "kind",
    "value",
    "unit",
    "scale",
    "quantity",
    "counted",
    "denominator",
    "bound",
    "value_min",
    "value_max",
    "rate_per",
    "printed",
    "period",
    "period_start",
    "period_end",
    "geography",
    "population",
    "source",
    "source_file",
    "source_title",
    "source_published",
    "locator",
    "quote",
    "caveats",
]


def figures_with_provenance(pkg: EvidencePackage) -> pl.DataFrame:
    src = pkg.sources.select(
        pl.col("source_id"),
        pl.col("file").alias("source_file"),
        pl.col("title").alias("source_title"),
        pl.col("published").alias("source_published"),
    )
    return (
        pkg.figures.join(src, on="source_id", how="left")
        .with_columns(pl.col("source_id").alias("source"))
        .select(EXPORT_COLUMNS)
    )


def to_csv(pkg: EvidencePackage) -> str:
    return figures_with_provenance(pkg).write_csv()


def to_json(pkg: EvidencePackage) -> str:
    return figures_with_provenance(pkg).write_json()
