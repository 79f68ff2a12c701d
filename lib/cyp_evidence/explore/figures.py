"""The evidence base at a glance (with a search box), and the figures of one or more themes."""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
import polars as pl

from .. import charts, measures
from ..charts import explore as ch
from ..charts.builders import change_dots, measure_panels
from ..evidence import vocab
from ..evidence.cite import cite_figure, cite_many, readable_locator, source_label
from .base import ALL, Explorer, esc, grow_layout, offer
from .definitions import kind_label, kind_options, kind_tooltips

UNIT_TITLES = vocab.unit_titles()  # evidence/units.csv
# What one value axis shows: a kind of quantity in a unit, in readers' words.
QUANTITY_TITLES = vocab.quantity_titles()  # evidence/quantities.csv


def axis_key(row: dict) -> str:
    """The axis a figure can be drawn on: its kind of quantity, unit and (for rates) the
    population base, as one key ('share|proportion|', 'rate|rate|10000')."""
    per = row.get("rate_per")
    return f"{row['quantity']}|{row['unit']}|{int(per) if per else ''}"


def axis_title(key: str) -> str:
    """'Shares (%)', 'Rates per 10,000', 'Numbers', 'Money (£)', 'Lengths of time (months)'."""
    quantity, unit, per = key.split("|")
    name = QUANTITY_TITLES.get(quantity, quantity)
    if quantity == "rate":
        return f"{name} per {int(per):,}" if per else name
    if unit in ("proportion",):
        return f"{name} (%)"
    if unit == "GBP":
        return f"{name} (£)"
    if unit in ("count", "rank", "times"):
        return name
    return f"{name} ({UNIT_TITLES.get(unit, unit).lower()})"


def column_keys(rows) -> list[str]:
    """One label per figure for its column within its measure: the period; where a measure has
    two figures for one period, the area too (if the areas differ) and then where in the
    source each is printed; a number where even that is the same (one figure printed twice)."""
    rows = list(rows)
    keys = [str(r["period"]) for r in rows]
    for extra in ("geography", "locator"):
        seen: dict[tuple, int] = {}
        for r, k in zip(rows, keys, strict=True):
            seen[(r["measure"], k)] = seen.get((r["measure"], k), 0) + 1
        keys = [
            f"{k}, {r[extra]}" if seen[(r["measure"], k)] > 1 and r.get(extra) else k
            for r, k in zip(rows, keys, strict=True)
        ]
    out: list[str] = []
    count: dict[tuple, int] = {}
    for r, k in zip(rows, keys, strict=True):
        count[(r["measure"], k)] = count.get((r["measure"], k), 0) + 1
        out.append(k if count[(r["measure"], k)] == 1 else f"{k} ({count[(r['measure'], k)]})")
    return out


def measure_names(figs: pl.DataFrame) -> dict[str, str]:
    """A heading per measure: its figures' label (the shortest, where they differ)."""
    return {m: min(g["label"].to_list(), key=len) for (m,), g in figs.group_by("measure", maintain_order=True)}


def period_order(data: pl.DataFrame) -> list[str]:
    """The columns of every measure, earliest period first (undated last)."""
    return data.sort("period_end", nulls_last=True, maintain_order=True)["column"].unique(maintain_order=True).to_list()


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


ACRONYMS = {"Send": "SEND"}
# a theme as a title names it ("Numbers in inpatient care")
TOPICS = {"inpatient": "inpatient care", "send": "SEND", "programmes": "programmes", "governance": "governance"}


def pretty(name: str) -> str:
    text = name.replace("_", " ").capitalize()
    return ACRONYMS.get(text, text)


def with_citations(pkg, figs: pl.DataFrame) -> pl.DataFrame:
    """Figures with their citation (from the evidence record) in a ``citation`` column."""
    return figs.with_columns(pl.Series("citation", [cite_figure(pkg, i) for i in figs["id"]], dtype=pl.String))


def source_document(pkg) -> dict[str, str]:
    """The document a figure comes from, for tooltips: the register's key and short title."""
    return {r["source_id"]: f"{r['key']}, {r['short_title'] or r['title']}" for r in pkg.sources.iter_rows(named=True)}


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
            "kind": widgets.Dropdown(
                options=kind_options(self.pkg.enum("figures", "kind"), ALL, ALL), value=ALL, description="Kind"
            ),
        }

    def _sync_options(self, changed: str) -> None:
        """Theme, source and kind offer only what the choices before them leave (no choice
        draws an empty chart); going back to "All" resets the ones after it."""
        order = list(self.controls)
        if changed not in order:
            return
        reset = self.controls[changed].value == ALL
        names = source_short(self.pkg)
        for key in order[order.index(changed) + 1 :]:
            left = self.matches(upto=key)
            if key == "theme":
                opts = [(ALL, ALL)] + [(pretty(t), t) for t in sorted(set(left["theme"]))]
            elif key == "source":
                ids = [s for s in self.pkg.sources["source_id"].to_list() if s in set(left["source_id"])]
                opts = [(ALL, ALL)] + [(names[s], s) for s in ids]
            else:
                opts = kind_options([k for k in self.pkg.enum("figures", "kind") if k in set(left["kind"])], ALL, ALL)
            offer(self.controls[key], opts, reset)

    def matches(self, upto: str | None = None) -> pl.DataFrame:
        """The figures the controls before ``upto`` (all of them if None) leave."""
        keys = list(self.controls)
        c = {k: v for k, v in self.state().items() if upto is None or keys.index(k) < keys.index(upto)}
        figs = self.pkg.figures
        if c.get("theme", ALL) != ALL:
            figs = figs.filter(pl.col("theme") == c["theme"])
        if c.get("source", ALL) != ALL:
            figs = figs.filter(pl.col("source_id") == c["source"])
        if c.get("kind", ALL) != ALL:
            figs = figs.filter(pl.col("kind") == c["kind"])
        q = c.get("search", "").strip().lower()
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
                pl.lit("level").alias("quantity"),
                pl.lit("count").alias("unit"),
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
            color_domain=list(source_short(self.pkg).values()),  # a source keeps its colour whatever the filter
            tooltip=[
                alt.Tooltip("theme_label:N", title="Theme"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("figures:Q", title="Figures"),
            ],
            description=desc,
        )

    def heading(self, data):
        n = int(data["figures"].sum()) if data.height else 0
        m = self.matches()
        search = self.state()["search"].strip()
        what = "match the search" if search else "in the evidence base"
        title = f"No figures {what}" if n == 0 else f"{n} figure{'s' if n != 1 else ''} {what}, by theme and source"
        years = sorted(
            {
                r["published"].year
                for r in self.pkg.sources.iter_rows(named=True)
                if r["source_id"] in set(m["source_id"])
            }
        )
        period = (
            "no sources"
            if not years
            else f"sources published in {years[0]}"
            if len(years) == 1
            else f"sources published {years[0]} to {years[-1]}"
        )
        measure = "Number of figures" + (f" matching “{search}”" if search else "")
        return title, measure, charts.area_phrase(m["geography"]), period

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

    def _controls(self):
        figs = self._in_themes()
        themes = [t for t in self.themes if t in set(figs["theme"])]
        c = {
            "theme": widgets.Dropdown(
                options=[(f"All of these ({len(themes)})", ALL)] + [(pretty(t), t) for t in themes],
                value=ALL,
                description="Theme",
            ),
            "measure": widgets.Dropdown(description="Measure", layout=grow_layout()),
            "kind": widgets.ToggleButtons(
                options=kind_options([k for k in self.pkg.enum("figures", "kind") if k in set(figs["kind"])], ALL, ALL),
                value=ALL,
                description="Kind",
            ),
            "axis": widgets.Dropdown(description="Kind of figure", layout=widgets.Layout(width="360px")),
        }
        if len(themes) <= 1:  # one theme is no choice
            c["theme"].layout.display = "none"
        self._fill(c, "theme")
        return c

    def _in_themes(self) -> pl.DataFrame:
        figs = self.pkg.figures.filter(pl.col("theme").is_in(self.themes))
        return figs.with_columns(pl.Series("axis", [axis_key(r) for r in figs.iter_rows(named=True)], dtype=pl.String))

    def _filtered(self, c: dict, upto: str) -> pl.DataFrame:
        figs = self._in_themes()
        for key in ("theme", "measure", "kind", "axis"):
            if key == upto:
                break
            v = c[key].value
            if v not in (ALL, None):
                figs = figs.filter(pl.col(key) == v)
        return figs

    def _fill(self, c: dict, changed: str) -> None:
        """Options of the controls after ``changed`` follow what is left to choose from; going
        back to "All" resets the controls after it (no choice sticks from the old selection);
        a control left with a single choice is hidden."""
        order = ["theme", "measure", "kind", "axis"]
        reset = changed in c and c[changed].value == ALL
        for key in order[order.index(changed) + 1 :]:
            figs = self._filtered(c, key)
            if key == "measure":
                counts = figs.group_by("measure").agg(pl.col("label").first(), pl.len()).sort("measure")
                opts = [(f"All measures ({figs.height} figures)", ALL)] + [
                    (f"{r['label']} ({r['len']})", r["measure"]) for r in counts.iter_rows(named=True)
                ]
            elif key == "kind":
                opts = kind_options([k for k in self.pkg.enum("figures", "kind") if k in set(figs["kind"])], ALL, ALL)
            else:
                axes = figs.group_by("axis").len().sort("len", "axis", descending=[True, False])["axis"].to_list()
                opts = [(axis_title(a), a) for a in axes] or [("(none)", None)]
            values = [o[1] if isinstance(o, tuple) else o for o in opts]
            old = c[key].value
            if list(c[key].options) != opts:  # unchanged options: nothing to send to the browser
                c[key].options = opts
            value = values[0] if reset or old not in values else old
            if c[key].value != value:
                c[key].value = value
            # "All" and one other choice, or a single choice, is no choice: hide the control
            choices = [v for v in values if v not in (ALL, None)]
            display = "none" if len(choices) <= 1 else None
            if c[key].layout.display != display:
                c[key].layout.display = display
            if key == "kind":  # each choice says what it means
                tips = kind_tooltips(values, ALL)
                if list(c[key].tooltips) != tips:
                    c[key].tooltips = tips

    def _sync_options(self, changed: str) -> None:
        self._fill(self.controls, changed)

    def compute(self) -> pl.DataFrame:
        c = self.controls
        figs = self._filtered(c, "end")
        if c["axis"].value is None:
            figs = figs.head(0)
        # the same label can appear for several periods or places: say which (and, for the same
        # figure printed twice, where in its source) in the description
        figs = figs.with_columns(
            pl.concat_str(
                [pl.col("label"), pl.lit(" ("), pl.col("period"), pl.lit(", "), pl.col("geography"), pl.lit(")")]
            ).alias("bar")
        )
        dup = figs["bar"].is_duplicated()
        figs = figs.with_columns(
            pl.when(dup)
            .then(
                pl.concat_str(
                    [
                        pl.col("bar"),
                        pl.lit(", "),
                        pl.col("locator").map_elements(readable_locator, return_dtype=pl.String),
                    ]
                )
            )
            .otherwise(pl.col("bar"))
            .alias("bar")
        )
        # draw the canonical value ('730k' is stored as 730000, '1 in 6' as 1/6; the tooltip shows the print)
        figs = figs.with_columns(pl.col("value").alias("drawn"))
        # how current each figure is, at the newest source's date (dated, lapsed terms, scope)
        at = max(self.pkg.sources["published"].to_list())
        figs = figs.with_columns(
            pl.Series(
                "as_at", [measures.currency_note(self.pkg, r, at) for r in figs.iter_rows(named=True)], dtype=pl.String
            )
        )
        # each measure is drawn on its own: the measures with most figures first, each measure's
        # figures earliest period first (undated ones after), one column per figure
        size = figs.group_by("measure").agg(pl.len().alias("n"), pl.col("label").min().alias("first_label"))
        figs = figs.join(size, on="measure", how="left").sort(
            "n",
            "first_label",
            "measure",
            "period_end",
            "period_start",
            "label",
            descending=[True, False, False, False, False, False],
            nulls_last=True,
        )
        figs = figs.with_columns(
            pl.Series("column", column_keys(figs.iter_rows(named=True)), dtype=pl.String),
            pl.col("measure").replace_strict(measure_names(figs), default=None).alias("measure_name"),
        )
        return figs.select(
            "id",
            "bar",
            "label",
            "measure",
            "measure_name",
            "column",
            "value",
            "drawn",
            "printed",
            "quantity",
            "unit",
            "kind",
            "period",
            "period_start",
            "period_end",
            "as_at",
            "geography",
            "source_id",
        ).with_columns(  # the tooltip names the document each mark comes from, and the kind in words
            pl.col("source_id").replace_strict(source_document(self.pkg), default=None).alias("document"),
            pl.col("kind").map_elements(kind_label, return_dtype=pl.String).alias("kind_label"),
        )

    def _dated(self, data: pl.DataFrame) -> bool:
        """One measure with figures for two or more periods (a series: its title says which way it moved)."""
        return (
            data["measure"].n_unique() == 1
            and data.filter(pl.col("period_end").is_not_null())["period_end"].n_unique() >= 2
        )

    def build_chart(self, data):
        key = self.controls["axis"].value
        title = axis_title(key) if key else ""
        data = data.filter(pl.col("drawn").is_not_null())  # a range has no single value to draw
        if data.height == 0:
            return ch.empty("No figures with a single value match the current choices.")
        tooltip = [
            alt.Tooltip("label:N", title="Measure"),
            alt.Tooltip("printed:N", title="As printed"),
            alt.Tooltip("as_at:N", title="Period (how current)"),
            alt.Tooltip("geography:N", title="Area"),
            alt.Tooltip("kind_label:N", title="Kind"),
            alt.Tooltip("document:N", title="Source"),
        ]
        items = "; ".join(
            f"{r['bar']}: {r['printed']} ({kind_label(r['kind']).lower()})" for r in data.head(20).iter_rows(named=True)
        )
        if (data["quantity"][0], data["unit"][0]) in charts.RELATIVE_CHANGE:
            return change_dots(
                data.with_columns(pl.lit("Change").alias("group")),
                measure="label",
                value="drawn",
                label="printed",
                period="period",
                group="group",
                groups=["Change"],
                value_title=title,
                tooltip=tooltip,
                description=f"Dot chart of changes, one panel per period ({title}): {items}",
            )
        n = data["measure"].n_unique()
        what = (
            f"Column chart of {data['label'][0]}, earliest period first"
            if n == 1
            else f"Column charts of {n} measures, one each with its own axis, earliest period first"
        )
        return measure_panels(
            data,
            panel="measure_name",
            column="column",
            column_order=period_order(data),
            value="drawn",
            label="printed",
            value_title=title,
            tooltip=tooltip,
            description=f"{what} ({title}); targets as ticks: {items}",
        )

    def heading(self, data):
        c = self.controls
        key = c["axis"].value
        kind = axis_title(key).split(" (")[0] if key else "Figures"
        theme = c["theme"].value
        topic = charts._join([TOPICS.get(t, pretty(t).lower()) for t in ([theme] if theme != ALL else self.themes)])
        drawn = data.filter(pl.col("drawn").is_not_null()).sort("period_end", nulls_last=True)
        area = charts.area_phrase(drawn["geography"])
        period = charts.period_phrase(drawn["period"])
        stated = [p for p in drawn["period"].unique(maintain_order=True).to_list() if p and p != "not stated"]
        if len(stated) > 3:  # many periods: the years they span
            years = sorted(
                d.year
                for col in ("period_start", "period_end")
                if col in drawn.columns
                for d in drawn[col].drop_nulls()
            )
            period = f"{len(stated)} periods" + (f", {years[0]} to {years[-1]}" if years else "")
            if len(stated) < drawn["period"].n_unique():
                period += ", some not stated"
        measure = axis_title(key) if key else "Figures"
        if drawn.height == 0:
            return "No figures with a single value match these choices", measure, area, period
        n = drawn.height
        label = drawn["label"][0]
        m = drawn["measure"].n_unique()
        if (drawn["quantity"][0], drawn["unit"][0]) in charts.RELATIVE_CHANGE:
            title = charts.fit_title(
                f"Changes in {topic}, each over its own period", "Changes, each over its own period"
            )
        elif self._dated(drawn):
            dated = drawn.filter(pl.col("period_end").is_not_null())
            first, last = dated.row(0, named=True), dated.row(-1, named=True)
            title = charts.series_title(label[:1].upper() + label[1:], first, last)
            measure = f"{label} ({measure.lower()}), as printed"
        elif m == 1:
            title = charts.fit_title(f"{label}: {n} figure{'s' if n != 1 else ''}", label)
            measure = f"{label} ({measure.lower()})"
        else:
            title = charts.fit_title(
                f"{kind} in {topic}: {m} measures, each on its own axis",
                f"{kind}: {m} measures, each on its own axis",
            )
        return title, measure, area, period

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
        if self.controls["axis"].value and len(self.controls["axis"].options) > 1:
            out.append(
                f"<p style='font-size:12px'>Only figures of one kind, in one unit, share an axis: {len(self.controls['axis'].options) - 1} "
                "other kind(s) are in the 'Kind of figure' list. Each measure has its own chart and axis; columns are figures as reported, black ticks are targets.</p>"
            )
        marked = d.filter(
            pl.col("as_at").str.contains("dated|global|all ages|England and Wales|integrated care boards")
        )
        if marked.height:
            items = "".join(f"<li>{esc(r['label'])}: {esc(r['as_at'])}</li>" for r in marked.iter_rows(named=True))
            out.append(
                f"<details open><summary>{marked.height} figure(s) are dated (more than {measures.DATED_AFTER_YEARS} years old), "
                "use terms that no longer apply, or are not about children and young people in England</summary>"
                f"<ul style='font-size:12px'>{items}</ul></details>"
            )
        if cav.height:
            items = "".join(f"<li>{esc(r['label'])}: {esc(r['caveats'])}</li>" for r in cav.iter_rows(named=True))
            out.append(
                f"<details><summary>Caveats recorded for {cav.height} figure(s)</summary><ul style='font-size:12px'>{items}</ul></details>"
            )
        return "".join(out)


__all__ = ["OverviewExplorer", "ThemeExplorer"]
