"""Framework for Integrated Care (Community) vanguards: referrals by quarter and vanguard, and
every breakdown table the sources print (age and gender, ethnicity, religion, referral source,
education, accommodation, trauma), as counts or as shares of the quarter."""

from __future__ import annotations

import re

import altair as alt
import ipywidgets as widgets
import polars as pl

from .. import charts, measures
from ..charts import NOT_RECORDED, is_missing
from ..charts import explore as ch
from ..charts.builders import small_multiples
from ..evidence.cite import cite_table
from .base import Explorer, esc

COUNT, SHARE = "Count", "Share (%)"
# At most four series are stacked: the largest categories (three, or two beside "Not recorded")
# and the rest added up; or every category in its own small chart.
STACKED, EACH = "Largest 3 and the rest", "Each in its own chart"
TOP_CHOICES = [STACKED, EACH]
MAX_STACKED = 4
OTHER = "All other categories"


def vanguard_table_id(pkg) -> str | None:
    """The table whose rows are the vanguards (found by its row dimension)."""
    t = pkg.tables.filter(pl.col("row_dimension").str.to_lowercase().str.contains("vanguard"))
    return t["table_id"][0] if t.height else None


def _section(locator: str) -> str:
    return " ".join(locator.split(",")[0].split()[:2]).lower()


def breakdown_tables(pkg) -> pl.DataFrame:
    """The vanguard table and the breakdown tables printed with it (same source, same annex),
    vanguard table first; every table if no vanguard table is recorded yet."""
    tables = pkg.tables.filter(pl.col("table_id").is_in(pkg.table_cells["table_id"].unique().implode()))
    vid = vanguard_table_id(pkg)
    if vid is None:
        return tables
    v = tables.filter(pl.col("table_id") == vid).row(0, named=True)
    same = tables.filter(
        (pl.col("source_id") == v["source_id"])
        & pl.col("locator").map_elements(_section, return_dtype=pl.String).eq(_section(v["locator"]))
    )
    return pl.concat([same.filter(pl.col("table_id") == vid), same.filter(pl.col("table_id") != vid)])


def breakdown_labels(tables: pl.DataFrame) -> dict[str, str]:
    """A short label per table: its row dimension, with the title's note in brackets when two
    tables share a dimension (e.g. the two printed versions of the ethnicity table)."""
    dims = tables["row_dimension"].to_list()
    out = {}
    for r in tables.iter_rows(named=True):
        label = r["row_dimension"][:1].upper() + r["row_dimension"][1:]
        if dims.count(r["row_dimension"]) > 1:
            m = re.search(r"\(([^)]*)\)", r["title"])
            label += f" ({m.group(1) if m else r['table_id']})"
        out[label] = r["table_id"]
    return out


class VanguardExplorer(Explorer):
    name = "vanguards"
    title = "Framework for Integrated Care vanguards: accepted referrals"

    def __init__(self, pkg=None, outdir=None):
        from ..evidence import load

        pkg = pkg if pkg is not None else load()
        self.tables = breakdown_tables(pkg)
        self.labels = breakdown_labels(self.tables)
        self.vanguard_table = vanguard_table_id(pkg)
        cells = pkg.table_cells
        self.vanguards = (
            cells.filter((pl.col("table_id") == self.vanguard_table) & (pl.col("kind") == "cell"))["row"]
            .unique(maintain_order=True)
            .to_list()
            if self.vanguard_table
            else []
        )
        super().__init__(pkg, outdir)

    # ------------------------------------------------------------------ controls
    def _controls(self):
        labels = list(self.labels) or ["(no tables yet)"]
        quarters = self.quarters(self.labels.get(labels[0])) or ["(none)"]
        return {
            "breakdown": widgets.Dropdown(
                options=labels, value=labels[0], description="Breakdown", layout=widgets.Layout(width="460px")
            ),
            "vanguards": widgets.SelectMultiple(
                options=self.vanguards,
                value=tuple(self.vanguards),
                description="Vanguards",
                rows=6,
                layout=widgets.Layout(width="460px"),
            ),
            "quarters": widgets.SelectionRangeSlider(
                options=quarters,
                index=(0, len(quarters) - 1),
                description="Quarters",
                continuous_update=False,
                layout=widgets.Layout(width="640px"),
            ),
            "measure": widgets.ToggleButtons(options=[COUNT, SHARE], value=COUNT, description="Show"),
            "unknown": widgets.Checkbox(
                value=True,
                description="Show answers not recorded (NULL, not known, invalid)",
                indent=False,
                layout=widgets.Layout(width="auto"),
            ),
            "top": widgets.Dropdown(
                options=TOP_CHOICES, value=STACKED, description="Categories", layout=widgets.Layout(width="320px")
            ),
        }

    @property
    def table_id(self) -> str | None:
        return self.labels.get(self.controls["breakdown"].value)

    def quarters(self, table_id: str | None) -> list[str]:
        """The table's quarter columns in time order (empty if its columns are not quarters)."""
        if table_id is None:
            return []
        c = self.pkg.table_cells.filter((pl.col("table_id") == table_id) & pl.col("period_start").is_not_null())
        return c.select("column", "period_start").unique().sort("period_start")["column"].to_list()

    def _sync_options(self, changed: str) -> None:
        if changed != "breakdown":
            return
        q = self.controls["quarters"]
        new = self.quarters(self.table_id)
        old_options, old_value = list(q.options), q.value
        if new:
            whole = tuple(old_value) == (old_options[0], old_options[-1])
            q.options = new
            keep = [v for v in old_value if v in new]
            q.value = (keep[0], keep[-1]) if len(keep) == 2 and not whole else (new[0], new[-1])
        q.disabled = not new
        self._show_applicable()

    def _has_missing(self, table_id: str | None) -> bool:
        cells = self.pkg.table_cells.filter((pl.col("table_id") == table_id) & (pl.col("kind") == "cell"))
        return any(is_missing(r) for r in cells["row"].unique().to_list())

    def _show_applicable(self) -> None:
        """Hide (and disable) what does not apply to the chosen table: the vanguard list for a
        breakdown of all vanguards, the quarters where the columns are not quarters, "Show
        answers not recorded" where the table records none."""
        c = self.controls
        for key, applies in (
            ("vanguards", self.table_id == self.vanguard_table),
            ("quarters", bool(self.quarters(self.table_id)) and len(self.quarters(self.table_id)) > 1),
            ("unknown", self._has_missing(self.table_id)),
        ):
            c[key].disabled = not applies
            c[key].layout.display = None if applies else "none"

    # ------------------------------------------------------------------ data
    def _shown_cells(self, all_quarters: bool = False) -> pl.DataFrame:
        tid = self.table_id
        if tid is None:
            return measures.table_shares(self.pkg, "", include_unknown=True)
        unknown = self.controls["unknown"].value or not self._has_missing(tid)
        shares = measures.table_shares(self.pkg, tid, per="column", include_unknown=unknown)
        quarters = self.quarters(tid)
        if quarters and not all_quarters:
            lo, hi = self.controls["quarters"].value
            if lo in quarters and hi in quarters:
                shares = shares.filter(pl.col("column").is_in(quarters[quarters.index(lo) : quarters.index(hi) + 1]))
        if tid == self.vanguard_table:
            shares = shares.filter(pl.col("row").is_in(list(self.controls["vanguards"].value)))
        return shares

    def compute(self) -> pl.DataFrame:
        shares = self._shown_cells()
        missing = [r for r in shares["row"].unique().to_list() if is_missing(r)]
        # the largest categories over the whole table (not the quarters shown), so a category
        # keeps its place and colour when the quarters change; "Not recorded" stays apart, last
        ranked = (
            self._shown_cells(all_quarters=True)
            .filter(~pl.col("row").is_in(missing))
            .group_by("row")
            .agg(pl.col("value").sum().alias("total"))
            .sort("total", "row", descending=[True, False])
        )["row"].to_list()
        ranked = [r for r in ranked if r in set(shares["row"])]
        if self.controls["top"].value == EACH:
            keep = ranked
        else:
            room = MAX_STACKED - (1 if missing else 0)
            keep = ranked if len(ranked) <= room else ranked[: room - 1]
        data = measures.combine_rows(shares, keep + missing, OTHER)
        data = pl.concat(
            [
                data.filter(~pl.col("row").is_in(missing)),
                measures.combine_rows(data.filter(pl.col("row").is_in(missing)), [], NOT_RECORDED)
                if len(missing) > 1
                else data.filter(pl.col("row").is_in(missing)).with_columns(pl.lit(NOT_RECORDED).alias("row")),
            ]
        )
        order = {c: i for i, c in enumerate(keep + [OTHER, NOT_RECORDED])}
        return data.select(
            pl.col("row").alias("category"),
            "column",
            pl.col("value").alias("count"),
            pl.col("share").round(2),
            pl.when(pl.col("printed") == "")
            .then(pl.lit("sum of several rows"))
            .otherwise(pl.col("printed"))
            .alias("printed"),
            pl.col("row").replace_strict(order, default=len(order)).alias("order"),
        ).sort("order", "column")

    # ------------------------------------------------------------------ chart
    def build_chart(self, data: pl.DataFrame) -> alt.TopLevelMixin:
        tid = self.table_id
        if tid is None or data.height == 0:
            return ch.empty("No vanguard referral tables match the current choices.")
        t = self.tables.filter(pl.col("table_id") == tid).row(0, named=True)
        dim = t["row_dimension"]
        share = self.controls["measure"].value == SHARE
        value, value_title = (
            ("share", "Share of the quarter's referrals (%)") if share else ("count", "Accepted referrals")
        )
        order = data.select("category", "order").unique().sort("order")["category"].to_list()
        tooltip = [
            alt.Tooltip("category:N", title=dim.capitalize()),
            alt.Tooltip("column:N", title=t["column_dimension"].split(",")[0].split("(")[0].strip().capitalize()),
            alt.Tooltip("printed:N", title="Count as printed"),
            alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
        ]
        quarters = self.quarters(tid)
        by_col = data.group_by("column", maintain_order=True).agg(pl.col("count").sum())
        summary = "; ".join(f"{r['column']}: {r['count']:,.0f}" for r in by_col.iter_rows(named=True))
        data = data.with_columns(
            pl.lit("share" if share else "level").alias("quantity"),
            pl.lit("percent" if share else "count").alias("unit"),
        )
        if quarters and self.controls["top"].value == EACH:
            cols = [q for q in quarters if q in set(data["column"])]
            desc = (
                f"Column charts of accepted referrals to the vanguards by quarter, {cols[0]} to {cols[-1]}, one small chart "
                f"per {dim}, as {'shares of each quarter' if share else 'counts'}. Referrals in the quarters shown: {summary}."
            )
            return small_multiples(
                data,
                panel="category",
                x="column",
                x_order=cols,
                value=value,
                value_title=value_title,
                tooltip=tooltip,
                description=desc,
                pick=True,
            )
        if quarters:
            cols = [q for q in quarters if q in set(data["column"])]
            desc = (
                f"Stacked bar chart of accepted referrals to the vanguards by {dim} and quarter, {cols[0]} to {cols[-1]}, "
                f"shown as {'shares of each quarter' if share else 'counts'}. Referrals in the quarters shown: {summary}. "
                f"Beside it, referrals by {dim} over the quarters shown."
            )
            return ch.stacked_with_totals(
                data,
                x="column",
                x_order=cols,
                x_title="Quarter (UK financial year)",
                value=value,
                value_title=value_title,
                total="count",
                total_title="Referrals, quarters shown",
                category="category",
                category_title=dim.capitalize(),
                category_order=order,
                tooltip=tooltip,
                description=desc,
            )
        cols = data["column"].unique(maintain_order=True).to_list()
        desc = f"Bar chart of accepted referrals by {dim} and {t['column_dimension'].split('(')[0].strip()}, as {'shares' if share else 'counts'}: {summary}."
        return (
            ch.grouped_bars(
                data,
                category="category",
                category_order=order,
                group="column",
                value=value,
                value_title="Share of the column's referrals (%)" if share else "Accepted referrals",
                tooltip=tooltip,
                description=desc,
            )
            if cols
            else ch.empty("No cells.")
        )

    def heading(self, data):
        tid = self.table_id
        if tid is None or data.height == 0:
            return (
                "No vanguard referral tables match these choices",
                "Accepted referrals",
                "area not stated",
                "period not stated",
            )
        t = self.tables.filter(pl.col("table_id") == tid).row(0, named=True)
        dim = t["row_dimension"]
        share = self.controls["measure"].value == SHARE
        quarters = [q for q in self.quarters(tid) if q in set(data["column"])]
        cols = quarters or data["column"].unique(maintain_order=True).to_list()
        period = f"{cols[0]} to {cols[-1]}" if quarters and len(cols) > 1 else charts.period_phrase(cols)
        if quarters:
            period += " (UK financial years)"
        if tid == self.vanguard_table:
            n = len(self.controls["vanguards"].value)
            area = (
                f"{n} of the {len(self.vanguards)} vanguards in England"
                if n < len(self.vanguards)
                else f"the {n} vanguards in England"
            )
            title = charts.fit_title(
                f"Accepted referrals to {'each vanguard' if n > 1 else 'the vanguard chosen'}, quarter by quarter"
            )
        else:
            area = f"all {len(self.vanguards)} vanguards in England" if self.vanguards else "the vanguards in England"
            by_row = data.group_by("category").agg(pl.col("count").sum()).sort("count", descending=True)
            total = float(by_row["count"].sum())
            missing = by_row.filter(pl.col("category") == NOT_RECORDED)
            known = by_row.filter(~pl.col("category").is_in([NOT_RECORDED, OTHER]))
            pct = lambda v: measures.fmt_share(v / total * 100) if total else "0"  # noqa: E731
            title = charts.breakdown_title(
                dim,
                pct(missing["count"][0]) if missing.height else None,
                known["category"][0] if known.height else None,
                pct(known["count"][0]) + "%" if known.height else "",
            )
        measure = ("Share of each quarter's accepted referrals (%)" if share else "Accepted referrals") + f" by {dim}"
        return title, measure, area, period

    @property
    def citations(self) -> list[str]:
        return [cite_table(self.pkg, self.table_id)] if self.table_id else []

    @property
    def reader_headers(self) -> dict[str, str]:  # type: ignore[override]  # per table: its dimensions
        t = self.tables.filter(pl.col("table_id") == self.table_id)
        column = t["column_dimension"][0].split(",")[0].split("(")[0].strip() if t.height else "Column"
        row = self.controls["breakdown"].value.split(" (")[0]
        return {
            row.lower() or "row": row[:1].upper() + row[1:],
            "column": column[:1].upper() + column[1:],
            "printed": "Accepted referrals (as printed)",
            "value": "Accepted referrals",
        }

    @property
    def table(self) -> pl.DataFrame:
        return self._shown_cells().select(
            pl.col("row").alias(self.controls["breakdown"].value.split(" (")[0].lower() or "row"),
            "column",
            "printed",
            "value",
            pl.col("share").round(2).alias("share_percent"),
            "formula",
            "inputs",
            "citation",
        )

    def notes(self) -> str:
        tid = self.table_id
        if tid is None:
            return ""
        t = self.tables.filter(pl.col("table_id") == tid).row(0, named=True)
        issues = self.pkg.source_issues.filter(pl.col("refs").str.split(" ").list.contains(tid))
        out = [
            f"<details><summary>About this table ({esc(t['title'])})</summary><p style='font-size:12px'>{esc(t['notes'])}</p></details>"
        ]
        if self._has_missing(tid):
            cells = measures.table_shares(self.pkg, tid, per="column", include_unknown=True)
            quarters = set(self._shown_cells()["column"])
            cells = cells.filter(pl.col("column").is_in(list(quarters)))
            missing = cells.filter(pl.col("row").map_elements(is_missing, return_dtype=pl.Boolean))
            total = float(cells["value"].sum())
            if total:
                n = float(missing["value"].sum())
                out.insert(
                    0,
                    f"<p style='font-size:13px'><b>Not recorded:</b> {n:,.0f} of {total:,.0f} accepted referrals "
                    f"({n / total * 100:.1f}%) in the columns shown have no usable answer (NULL, not known or invalid).</p>",
                )
        if issues.height:
            items = "".join(
                f"<li>{esc(r['description'])} <i>{esc(r['explanation'])}</i></li>" for r in issues.iter_rows(named=True)
            )
            out.append(
                f"<details><summary>{issues.height} known issue(s) in this table as printed</summary><ul style='font-size:12px'>{items}</ul></details>"
            )
        if self.controls["measure"].value == SHARE:
            out.append(
                "<p style='font-size:12px'>Shares are derived: each printed count ÷ the quarter's printed total "
                "(or ÷ the sum of the answers shown when NULL, not known and invalid answers are left out) × 100. "
                "The formula for every cell is in the figures table and the CSV.</p>"
            )
        return "".join(out)
