"""The evidence base at a glance (with a search box), and the figures of one or more themes."""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
import polars as pl

from ..charts import explore as ch
from ..evidence.cite import cite_figure, cite_many, source_label
from .base import ALL, Explorer, esc

UNIT_TITLES = {
    "count": "Number",
    "GBP": "£",
    "proportion": "Share (0.2 is 20%)",
    "percentage_points": "Percentage points",
    "rate": "Rate (per the population base of each figure)",
    "times": "Times (multiplier)",
    "rank": "Rank",
    "days": "Days",
    "weeks": "Weeks",
    "months": "Months",
    "years": "Years",
}
FIGURE_COLUMNS = [
    "id",
    "theme",
    "label",
    "printed",
    "value",
    "unit",
    "kind",
    "period",
    "geography",
    "population",
    "quote",
    "caveats",
]


def pretty(name: str) -> str:
    return name.replace("_", " ").capitalize()


def with_citations(pkg, figs: pl.DataFrame) -> pl.DataFrame:
    """Figures with their citation (from the evidence record) in a ``citation`` column."""
    return figs.with_columns(pl.Series("citation", [cite_figure(pkg, i) for i in figs["id"]], dtype=pl.String))


def source_short(pkg) -> dict[str, str]:
    """A short name per source for legends: the register's publisher and year."""
    return {r["source_id"]: f"{r['publisher']} ({r['published'].year})" for r in pkg.sources.iter_rows(named=True)}


class OverviewExplorer(Explorer):
    """What is in the evidence base, by theme and source, with a search over measures and quotes."""

    name = "overview"
    title = "What is in the evidence base"
    show_table_at_start = True

    def _controls(self):
        figs = self.pkg.figures
        themes = sorted(figs["theme"].unique().to_list())
        sources = [(ALL, ALL)] + [(source_short(self.pkg)[s], s) for s in self.pkg.sources["source_id"].to_list()]
        return {
            "search": widgets.Text(
                value="",
                placeholder="e.g. eating, waiting, workforce, 4111",
                description="Search",
                continuous_update=True,
                layout=widgets.Layout(width="360px"),
            ),
            "theme": widgets.Dropdown(
                options=[(ALL, ALL)] + [(pretty(t), t) for t in themes], value=ALL, description="Theme"
            ),
            "source": widgets.Dropdown(
                options=sources, value=ALL, description="Source", layout=widgets.Layout(width="420px")
            ),
            "kind": widgets.Dropdown(options=[ALL] + self.pkg.enum("figures", "kind"), value=ALL, description="Kind"),
        }

    def matches(self) -> pl.DataFrame:
        c = self.state()
        figs = self.pkg.figures
        if c["theme"] != ALL:
            figs = figs.filter(pl.col("theme") == c["theme"])
        if c["source"] != ALL:
            figs = figs.filter(pl.col("source_id") == c["source"])
        if c["kind"] != ALL:
            figs = figs.filter(pl.col("kind") == c["kind"])
        q = c["search"].strip().lower()
        if q:
            hay = pl.concat_str(
                [pl.col(k).fill_null("") for k in ("measure", "label", "quote", "printed", "id", "caveats")],
                separator=" ",
            ).str.to_lowercase()
            for word in q.split():
                figs = figs.filter(hay.str.contains(word, literal=True))
        return figs

    def compute(self) -> pl.DataFrame:
        names = source_short(self.pkg)
        m = self.matches()
        return (
            m.group_by("theme", "source_id")
            .agg(pl.len().alias("figures"))
            .with_columns(
                pl.col("source_id").replace_strict(names, default=pl.col("source_id")).alias("source"),
                pl.col("theme").map_elements(pretty, return_dtype=pl.String).alias("theme_label"),
            )
            .sort("theme", "source_id")
        )

    def build_chart(self, data):
        total = int(data["figures"].sum()) if data.height else 0
        by_theme = (
            data.group_by("theme_label")
            .agg(pl.col("figures").sum())
            .sort("figures", "theme_label", descending=[True, False])
        )
        desc = (
            f"Bar chart of the number of figures in the evidence base by theme, coloured by source document ({total} figures match): "
            + ch.alt_items(by_theme, "theme_label", "figures")
        )
        return ch.bars(
            data,
            category="theme_label",
            value="figures",
            value_title="Figures in the evidence base",
            color="source",
            color_title="Source",
            tooltip=[
                alt.Tooltip("theme_label:N", title="Theme"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("figures:Q", title="Figures"),
            ],
            description=desc,
        )

    @property
    def citations(self) -> list[str]:
        ids = self.matches()["source_id"].unique(maintain_order=True).to_list()

        return [source_label(self.pkg, s) for s in ids]

    @property
    def table(self) -> pl.DataFrame:
        return with_citations(self.pkg, self.matches()).select(*FIGURE_COLUMNS, "citation")

    def notes(self) -> str:
        n = self.matches().height
        p = self.pkg
        return (
            f"<p style='font-size:13px'>{n} of {p.figures.height} figures match. The evidence base also holds "
            f"{p.tables.height} source tables ({p.table_cells.height} cells), {p.recommendations.height} recommendations and commitments, "
            f"and {p.source_issues.height} recorded source issues, from {p.sources.height} documents.</p>"
        )


class ThemeExplorer(Explorer):
    """Every figure of some themes: choose a theme, a measure, a kind and a unit."""

    def __init__(
        self, pkg=None, themes=("prevalence", "demand"), title: str | None = None, name: str | None = None, outdir=None
    ):
        self.themes = list(themes)
        self.title = title or "Figures: " + ", ".join(pretty(t) for t in self.themes)
        self.name = name or "figures-" + "-".join(self.themes)
        super().__init__(pkg, outdir)

    def _in_themes(self) -> pl.DataFrame:
        return self.pkg.figures.filter(pl.col("theme").is_in(self.themes))

    def _controls(self):
        figs = self._in_themes()
        themes = [t for t in self.themes if t in set(figs["theme"])]
        c = {
            "theme": widgets.Dropdown(
                options=[(f"All of these ({len(themes)})", ALL)] + [(pretty(t), t) for t in themes],
                value=ALL,
                description="Theme",
            ),
            "measure": widgets.Dropdown(description="Measure", layout=widgets.Layout(width="520px")),
            "kind": widgets.ToggleButtons(
                options=[ALL] + [k for k in self.pkg.enum("figures", "kind") if k in set(figs["kind"])],
                value=ALL,
                description="Kind",
            ),
            "unit": widgets.Dropdown(description="Unit"),
        }
        self._fill(c, "theme")
        return c

    def _filtered(self, c: dict, upto: str) -> pl.DataFrame:
        figs = self._in_themes()
        for key in ("theme", "measure", "kind", "unit"):
            if key == upto:
                break
            v = c[key].value
            if v not in (ALL, None):
                figs = figs.filter(pl.col(key) == v)
        return figs

    def _fill(self, c: dict, changed: str) -> None:
        """Options of the controls after ``changed`` follow what is left to choose from."""
        order = ["theme", "measure", "kind", "unit"]
        for key in order[order.index(changed) + 1 :]:
            figs = self._filtered(c, key)
            if key == "measure":
                counts = figs.group_by("measure").agg(pl.col("label").first(), pl.len()).sort("measure")
                opts = [(f"All measures ({figs.height} figures)", ALL)] + [
                    (f"{r['label']} [{r['measure']}] ({r['len']})", r["measure"]) for r in counts.iter_rows(named=True)
                ]
            elif key == "kind":
                opts = [ALL] + [k for k in self.pkg.enum("figures", "kind") if k in set(figs["kind"])]
            else:
                units = figs.group_by("unit").len().sort("len", "unit", descending=[True, False])["unit"].to_list()
                opts = [(f"{UNIT_TITLES.get(u, u)}", u) for u in units] or [("(none)", None)]
            values = [o[1] if isinstance(o, tuple) else o for o in opts]
            old = c[key].value
            c[key].options = opts
            c[key].value = old if old in values else values[0]

    def _sync_options(self, changed: str) -> None:
        self._fill(self.controls, changed)

    def compute(self) -> pl.DataFrame:
        c = self.controls
        figs = self._filtered(c, "end")
        if c["unit"].value is None:
            figs = figs.head(0)
        # the same label can appear for several periods or places: say which on the bar
        figs = figs.with_columns(
            pl.concat_str(
                [pl.col("label"), pl.lit(" ("), pl.col("period"), pl.lit(", "), pl.col("geography"), pl.lit(")")]
            ).alias("bar")
        )
        dup = figs["bar"].is_duplicated()
        figs = figs.with_columns(
            pl.when(dup)
            .then(pl.concat_str([pl.col("bar"), pl.lit(" ["), pl.col("id"), pl.lit("]")]))
            .otherwise(pl.col("bar"))
            .alias("bar")
        )
        # draw the canonical value ('730k' is stored as 730000, '1 in 6' as 1/6; the tooltip shows the print)
        figs = figs.with_columns(pl.col("value").alias("drawn"))
        return figs.select(
            "id",
            "bar",
            "label",
            "measure",
            "value",
            "drawn",
            "printed",
            "unit",
            "kind",
            "period",
            "period_end",
            "geography",
            "source_id",
        ).sort("kind", "drawn", descending=[False, True])

    def _dated(self, data: pl.DataFrame) -> bool:
        return (
            self.controls["measure"].value != ALL
            and data.filter(pl.col("period_end").is_not_null())["period_end"].n_unique() >= 2
        )

    def build_chart(self, data):
        unit = self.controls["unit"].value
        title = UNIT_TITLES.get(unit, unit or "")
        tooltip = [
            alt.Tooltip("label:N", title="Measure"),
            alt.Tooltip("printed:N", title="As printed"),
            alt.Tooltip("period:N", title="Period"),
            alt.Tooltip("geography:N", title="Area"),
            alt.Tooltip("kind:N", title="Kind"),
        ]
        items = "; ".join(f"{r['bar']}: {r['printed']} ({r['kind']})" for r in data.head(20).iter_rows(named=True))
        if self._dated(data):
            dated = data.filter(pl.col("period_end").is_not_null()).with_columns(
                pl.concat_str([pl.col("kind"), pl.lit(", "), pl.col("geography")]).alias("series")
            )
            return ch.dated_points(
                dated,
                date="period_end",
                value="drawn",
                value_title=title,
                color="series",
                color_title="Kind, area",
                tooltip=tooltip,
                description=f"Line chart of {data['label'][0]} over time ({title}): {items}",
            )
        return ch.bars(
            data,
            category="bar",
            value="drawn",
            value_title=title,
            color="kind",
            color_title="Kind",
            tooltip=tooltip,
            sort=None,
            description=f"Bar chart of figures in {title}, as printed: {items}",
        )

    @property
    def citations(self) -> list[str]:
        return cite_many(self.pkg, self._data["id"].to_list())

    @property
    def table(self) -> pl.DataFrame:
        ids = self._data["id"].to_list()
        figs = self.pkg.figures.filter(pl.col("id").is_in(ids))
        return with_citations(self.pkg, figs).select(*FIGURE_COLUMNS, "citation")

    def notes(self) -> str:
        d = self._data
        cav = d.join(self.pkg.figures.select("id", "caveats"), on="id").filter(pl.col("caveats").is_not_null())
        out = []
        if self.controls["unit"].value and len(self.controls["unit"].options) > 1:
            out.append(
                f"<p style='font-size:12px'>Only figures in one unit can share an axis: {len(self.controls['unit'].options) - 1} other unit(s) are in the Unit list.</p>"
            )
        if cav.height:
            items = "".join(f"<li>{esc(r['label'])}: {esc(r['caveats'])}</li>" for r in cav.iter_rows(named=True))
            out.append(
                f"<details><summary>Caveats recorded for {cav.height} figure(s)</summary><ul style='font-size:12px'>{items}</ul></details>"
            )
        return "".join(out)


__all__ = ["OverviewExplorer", "ThemeExplorer"]
