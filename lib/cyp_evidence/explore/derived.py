"""Views that only this project gives, built on :mod:`cyp_evidence.measures`: growth in demand
against growth in workforce and access, progress against each Long Term Plan commitment, and
money per child or per area."""

from __future__ import annotations

import datetime as dt

import altair as alt
import ipywidgets as widgets
import polars as pl

from .. import charts, measures
from ..charts import explore as ch
from ..charts.builders import change_dots
from .base import Explorer, earliest_date, esc, grow_layout, offer

TOTAL, PER_YEAR = "Total change (%)", "Change a year (%)"
TIMELINE, SHARE = "Dates: due and reported", "Share of target reached (%)"


def _split_citations(col: pl.Series) -> list[str]:
    seen: dict[str, None] = {}
    for v in col.drop_nulls().to_list():
        for c in v.split("; "):
            if c:
                seen.setdefault(c, None)
    return list(seen)


def latest_publication(pkg) -> dt.date:
    """The default 'as at' date: the publication date of the newest source."""
    return max(pkg.sources["published"].to_list())


class DemandGrowthExplorer(Explorer):
    """Growth in need and demand (referrals, presentations, prevalence) against growth in the
    workforce and in access, as printed or computed from two printed figures."""

    name = "growth"
    title = "Growth in need and demand against growth in workforce and access"
    reader_headers = {"label": "Change in", "value": "Change (%)"}

    def __init__(self, pkg=None, outdir=None):
        from ..evidence import load

        pkg = pkg if pkg is not None else load()
        records = measures.growth_measures(pkg)
        # a change in a share is drawn as its relative change, with its points in the label
        self.points = {r.inputs: f"{r.value:+.1f} points" for r in records if r.unit == "percentage_points"}
        self.all = measures.frame(r for r in records if r.unit in ("percent", "percent_per_year")).with_columns(
            pl.col("id").str.starts_with("annual:").alias("annual"),
            pl.lit("change").alias("quantity"),
        )
        super().__init__(pkg, outdir)

    def _controls(self):
        groups = sorted(self.all["group"].unique().to_list())
        return {
            "groups": widgets.SelectMultiple(
                options=groups, value=tuple(groups), description="Compare", rows=max(2, min(5, len(groups)))
            ),
            "basis": widgets.ToggleButtons(
                options=[TOTAL, PER_YEAR],
                value=TOTAL,
                description="Show",
                tooltips=[
                    "The change over each figure's own period",
                    "Compound change a year, so periods of different length compare",
                ],
            ),
        }

    def _sync_options(self, changed: str) -> None:
        """'Change a year' only where a group chosen has a change with dated periods (otherwise
        it would draw nothing); a single choice is hidden."""
        c = self.controls
        groups = list(c["groups"].value) or list(c["groups"].options)
        yearly = self.all.filter(pl.col("group").is_in(groups) & pl.col("annual")).height > 0
        offer(c["basis"], [TOTAL, PER_YEAR] if yearly else [TOTAL])

    def compute(self) -> pl.DataFrame:
        c = self.state()
        d = self.all.filter(pl.col("group").is_in(list(c["groups"])) & (pl.col("annual") == (c["basis"] == PER_YEAR)))
        return d.with_columns(
            pl.concat_str([pl.col("label"), pl.lit(" ("), pl.col("period"), pl.lit(")")]).alias("bar"),
            pl.col("value").round(1).alias("value"),
            pl.struct("value", "inputs")
            .map_elements(
                lambda r: (
                    f"{r['value']:+.1f}%" + (f" ({self.points[r['inputs']]})" if r["inputs"] in self.points else "")
                ),
                return_dtype=pl.String,
            )
            .alias("dot_label"),
        ).sort("period", "group", "value", descending=[False, False, True])

    def build_chart(self, data):
        if data.height == 0:
            return ch.empty("No change matches the current choices.")
        per_year = self.controls["basis"].value == PER_YEAR
        items = "; ".join(f"{r['group']}: {r['bar']} {r['dot_label']}" for r in data.iter_rows(named=True))
        return change_dots(
            data,
            measure="label",
            value="value",
            label="dot_label",
            period="period",
            group="group",
            groups=list(self.controls["groups"].options),
            value_title="Change a year, compound (%)" if per_year else "Change over the period stated (%)",
            tooltip=[
                alt.Tooltip("label:N", title="Measure"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("dot_label:N", title="Change"),
                alt.Tooltip("formula:N", title="How it is worked out"),
            ],
            description=f"Dot chart of {'yearly' if per_year else 'total'} percentage change, one panel per period, "
            f"coloured by group (need and demand, workforce, access, inpatient care): {items}",
        )

    def _input_areas(self, data: pl.DataFrame) -> str:
        ids = {i for v in data["inputs"].drop_nulls().to_list() for i in v.split()}
        return charts.area_phrase(self.pkg.figures.filter(pl.col("id").is_in(list(ids)))["geography"])

    def heading(self, data):
        per_year = self.controls["basis"].value == PER_YEAR
        groups = [g for g in self.controls["groups"].options if g in set(data["group"])] if data.height else []
        topic = charts._join([g.lower() for g in groups]) if groups else "the groups chosen"
        periods = data["period"].unique(maintain_order=True).to_list() if data.height else []
        period = (
            charts.period_phrase(periods) if len(periods) <= 3 else f"{len(periods)} different periods, one panel each"
        )
        if data.height == 0:
            return "No change matches these choices", "Percentage change", "area not stated", period
        if per_year:
            title = charts.fit_title(
                f"Yearly growth in {topic}, compound over each period", "Yearly growth, compound over each period"
            )
            measure = "Change a year, compound (%), worked out from printed figures"
        else:
            title = charts.fit_title(f"Growth in {topic}, each over its own period", "Growth, each over its own period")
            measure = "Percentage change over the period stated, printed or derived"
        return title, measure, self._input_areas(data), period

    @property
    def citations(self) -> list[str]:
        return _split_citations(self._data["citations"])

    @property
    def table(self) -> pl.DataFrame:
        return self._data.select(
            "id", "group", "label", "period", "value", "unit", "formula", "inputs", "caveats", "citations"
        )

    def notes(self) -> str:
        undated = ""
        if self.controls["basis"].value == PER_YEAR:
            totals = self.all.filter(~pl.col("annual") & pl.col("group").is_in(list(self.controls["groups"].value)))
            have = set(self._data["id"].str.replace("^annual:", ""))
            missing = totals.filter(~pl.col("id").is_in(list(have)))
            if missing.height:
                items = "".join(
                    f"<li>{esc(r['label'])} ({esc(r['period'])}): {r['value']:+.1f}% in total</li>"
                    for r in missing.iter_rows(named=True)
                )
                undated = (
                    f"<details open><summary>{missing.height} change(s) have no yearly rate: the evidence records no start and end "
                    f"dates for their period</summary><ul style='font-size:12px'>{items}</ul></details>"
                )
        return undated + (
            "<p style='font-size:12px'>Each dot is either a percentage printed by a source ('as printed') or the change between "
            "the earliest and latest printed figure of one measure (formula in the table); a change in a share also gives its "
            "points. The periods differ, so each period has its own panel: "
            "'Change a year' converts each total to a compound yearly rate over its own period so that they can be set side by side; "
            "it assumes steady growth, which the sources do not say.</p>"
        )


class CommitmentExplorer(Explorer):
    """Progress against each NHS Long Term Plan commitment: the target, its date, what is
    reported and when, the share of the target reached, and the status at a chosen date."""

    name = "commitments"
    title = "Long Term Plan commitments: target, reported and dates"
    reader_headers = {"title": "Commitment"}
    show_table_at_start = True

    def _controls(self):
        return {
            "at": widgets.DatePicker(value=latest_publication(self.pkg), description="Status at"),
            "view": widgets.ToggleButtons(options=[TIMELINE, SHARE], value=TIMELINE, description="View"),
        }

    def _sync_options(self, changed: str) -> None:
        """The date goes back no further than the first commitment; 'Share of target reached'
        only where a share can be worked out at the date chosen."""
        c = self.controls
        if changed == "at" and c["at"].min is None:
            c["at"].min = earliest_date(self.pkg, lambda d: measures.commitments(self.pkg, d).height > 0)
        if changed == "at":
            at = c["at"].value or latest_publication(self.pkg)
            shares = measures.commitments(self.pkg, at)["share_of_target"].drop_nulls().len() > 0
            offer(c["view"], [TIMELINE, SHARE] if shares else [TIMELINE])

    def progress(self) -> pl.DataFrame:
        at = self.controls["at"].value or latest_publication(self.pkg)
        return measures.commitments(self.pkg, at).with_columns(
            pl.col("status").map_elements(measures.progress_class, return_dtype=pl.String).alias("reported_class")
        )

    def compute(self) -> pl.DataFrame:
        p = self.progress()
        if self.controls["view"].value == SHARE:
            return p.filter(pl.col("share_of_target").is_not_null()).with_columns(
                pl.col("share_of_target").round(1),
                pl.lit("share of target").alias("quantity"),
                pl.lit("percent").alias("unit"),
            )
        due = p.filter(pl.col("due_date").is_not_null()).select(
            "title",
            pl.col("due_date").alias("date"),
            pl.lit("Target date").alias("event"),
            pl.col("target").alias("what"),
            "status",
            "reported_class",
        )
        rep = p.filter(pl.col("reported_date").is_not_null()).select(
            "title",
            pl.col("reported_date").alias("date"),
            pl.lit("Reported").alias("event"),
            pl.col("reported").alias("what"),
            "status",
            "reported_class",
        )
        return pl.concat([due, rep]).sort("title", "date")

    def build_chart(self, data):
        at = self.controls["at"].value or latest_publication(self.pkg)
        if self.controls["view"].value == SHARE:
            items = "; ".join(
                f"{r['title']}: {r['share_of_target']:.1f}% of target" for r in data.iter_rows(named=True)
            )
            return ch.bars(
                data,
                category="title",
                value="share_of_target",
                value_title="Reported as a share of the target (%)",
                tooltip=[
                    alt.Tooltip("title:N", title="Commitment"),
                    alt.Tooltip("target:N", title="Target"),
                    alt.Tooltip("reported:N", title="Reported"),
                    alt.Tooltip("formula:N", title="How it is worked out"),
                    alt.Tooltip("status:N", title="Status"),
                ],
                description=f"Bar chart of reported progress as a share of each target, status at {at:%-d %B %Y}: {items or 'none computable'}",
            )
        items = "; ".join(f"{r['title']}: {r['event'].lower()} {r['date']:%b %Y}" for r in data.iter_rows(named=True))
        return ch.timeline(
            data,
            date="date",
            row="title",
            color="reported_class",
            color_order=list(measures.PROGRESS_CLASSES),
            shape="event",
            tooltip=[
                alt.Tooltip("title:N", title="Commitment"),
                alt.Tooltip("event:N", title="What"),
                alt.Tooltip("what:N", title="As printed"),
                alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
            at=at.isoformat(),
            description=f"Timeline of commitment target dates and reporting dates with the chosen date {at:%-d %B %Y} marked: {items}",
        )

    def heading(self, data):
        at = self.controls["at"].value or latest_publication(self.pkg)
        p = self.progress()
        ids = {i for col in ("target_ids", "reported_ids") for v in p[col].drop_nulls().to_list() for i in v.split()}
        area = charts.area_phrase(self.pkg.figures.filter(pl.col("id").is_in(list(ids)))["geography"])
        period = f"status at {at:%-d %B %Y}"
        if self.controls["view"].value == SHARE:
            title = (
                "Reported progress as a share of each Long Term Plan target"
                if data.height
                else "No Long Term Plan target has a share reached that can be worked out"
            )
            return title, "Reported figure as a share of the target (%)", area, period
        dates = data["date"].drop_nulls().sort().to_list() if data.height else []
        if dates:
            period += f"; dates {dates[0]:%B %Y} to {dates[-1]:%B %Y}"
        return (
            "Long Term Plan commitments: when each is due and when progress was reported",
            "Target dates and reporting dates",
            area,
            period,
        )

    @property
    def citations(self) -> list[str]:
        return _split_citations(self.progress()["citation"])

    @property
    def table(self) -> pl.DataFrame:
        return (
            self.progress()
            .with_columns(pl.col("share_of_target").round(1))
            .select(
                "title",
                "target",
                "due_printed",
                "reported",
                "share_of_target",
                "formula",
                "status",
                "target_ids",
                "reported_ids",
                "citation",
            )
        )

    def notes(self) -> str:
        return (
            "<p style='font-size:12px'>Status comes from what the sources say only: 'progress reported' does not mean met. "
            "The share of the target is computed only where the reported figure and the target are in the same unit "
            "(the formula column says why not otherwise).</p>"
        )


class FundingExplorer(Explorer):
    """Money per child or young person, or per area or organisation, where the sources print both."""

    name = "money"
    title = "Money per child or per area"
    reader_headers = {"label": "Money per unit", "value": "£ per unit (indicative)"}

    BASES = (("Per child or young person", "child"), ("Per area or organisation", "area"))

    def _yields(self) -> dict[tuple[str, str, bool], bool]:
        """Which (money, basis, per year) choices give a chart with at least one bar: a related
        count for the basis and, per year, a money period with start and end dates."""
        money = measures.money_figures(self.pkg)
        out = {}
        for r in money.iter_rows(named=True):
            dated = bool(r["period_start"] and r["period_end"])
            for _, basis in self.BASES:
                some = measures.denominator_candidates(self.pkg, r["id"], basis).height > 0
                out[(r["id"], basis, False)] = some
                out[(r["id"], basis, True)] = some and dated
        return out

    def _controls(self):
        money = measures.money_figures(self.pkg)
        self.available = self._yields()
        # only money that can be divided by something is offered
        money = money.filter(
            pl.col("id").map_elements(
                lambda i: any(v for k, v in self.available.items() if k[0] == i), return_dtype=pl.Boolean
            )
        )
        opts = [(f"{r['label']}: {r['printed']} ({r['period']})", r["id"]) for r in money.iter_rows(named=True)] or [
            ("(no money figures yet)", None)
        ]
        # start on the money with the most related counts of children (ties: first printed)
        related = {i: measures.denominator_candidates(self.pkg, i, "child").height for _, i in opts if i is not None}
        start = max(related, key=lambda i: related[i]) if related else None
        c = {
            "money": widgets.Dropdown(options=opts, value=start, description="Money", layout=grow_layout()),
            "basis": widgets.ToggleButtons(options=list(self.BASES), value="child", description="Divide by"),
            "per_year": widgets.Checkbox(
                value=False,
                description="Per year (where the money's period has dates)",
                indent=False,
                layout=widgets.Layout(width="auto"),
            ),
        }
        self._fill(c, "money")
        return c

    def _fill(self, c: dict, changed: str) -> None:
        """Offer only the choices that give a chart: the bases with a related count for the
        money chosen, and 'per year' only where the money's period has dates; a control left
        with a single choice is hidden (the title and subtitle still say what is shown)."""
        money = c["money"].value
        if changed == "money":
            bases = [(n, b) for n, b in self.BASES if self.available.get((money, b, False))] or [self.BASES[0]]
            old = c["basis"].value
            c["basis"].options = bases
            c["basis"].value = old if old in [b for _, b in bases] else bases[0][1]
            c["basis"].layout.display = None if len(bases) > 1 else "none"
        per_year = bool(self.available.get((money, c["basis"].value, True)))
        if not per_year:
            c["per_year"].value = False
        c["per_year"].disabled = not per_year
        c["per_year"].layout.display = None if per_year else "none"

    def _sync_options(self, changed: str) -> None:
        if changed in ("money", "basis"):
            self._fill(self.controls, changed)

    def candidates(self) -> pl.DataFrame:
        c = self.state()
        if c["money"] is None:
            return pl.DataFrame(schema={"id": pl.String, "score": pl.Int64, "reason": pl.String})
        return measures.denominator_candidates(self.pkg, c["money"], c["basis"])

    def derived(self) -> list[measures.Derived]:
        c = self.state()
        return [
            measures.per_unit(self.pkg, c["money"], i, per_year=c["per_year"])
            for i in self.candidates()["id"].to_list()
        ]

    def compute(self) -> pl.DataFrame:
        d = measures.frame(self.derived()).filter(pl.col("value").is_not_null())
        names = dict(
            self.pkg.figures.select(
                "id",
                pl.concat_str(
                    [pl.col("label"), pl.lit(": "), pl.col("printed"), pl.lit(" ("), pl.col("period"), pl.lit(")")]
                ),
            ).iter_rows()
        )
        reasons = dict(self.candidates().select("id", "reason").iter_rows())
        d = d.with_columns(pl.col("inputs").str.split(" ").list.get(1).alias("count_id"))
        return (
            d.with_columns(
                pl.lit("money").alias("quantity"),
                pl.col("count_id").replace_strict(names, default="").alias("divided_by"),
                pl.col("count_id").replace_strict(reasons, default="").alias("why_this_count"),
                pl.col("value").round(2),
            )
            .drop("count_id")
            .sort("value", descending=True)
        )

    def build_chart(self, data):
        if data.height == 0:
            return ch.empty(
                "No count in the evidence base is close enough to this money (same programme, source or theme, and, "
                "per child, the same population as the money), or its period has no dates for 'per year'."
            )
        per = "a year " if self.controls["per_year"].value else ""
        items = "; ".join(f"{r['divided_by']}: £{r['value']:,.0f}" for r in data.iter_rows(named=True))
        return ch.bars(
            data,
            category="divided_by",
            value="value",
            value_title=f"£ {per}per unit (indicative)",
            tooltip=[
                alt.Tooltip("divided_by:N", title="Divided by"),
                alt.Tooltip("value:Q", title="£", format=",.0f"),
                alt.Tooltip("formula:N", title="How it is worked out"),
                alt.Tooltip("why_this_count:N", title="Why this count"),
                alt.Tooltip("caveats:N", title="Caveats"),
            ],
            description=f"Bar chart of the chosen money figure divided {per}by each count: {items}",
        )

    def heading(self, data):
        c = self.state()
        basis = "child or young person" if c["basis"] == "child" else "area or organisation"
        per = " a year" if c["per_year"] else ""
        if c["money"] is None:
            return "No money figures in the evidence base", "£ per unit", "area not stated", "period not stated"
        f = self.pkg.figures.filter(pl.col("id") == c["money"]).row(0, named=True)
        n = data.height
        pounds = measures.money(measures.in_pounds(f["value"], f["unit"]))
        counts = f"{n} related count{'s' if n != 1 else ''}"
        title = charts.fit_title(
            f"{f['label']} ({pounds}) per {basis}{per}: {counts}",
            f"{pounds} per {basis}{per}: {counts}",
        )
        measure = f"£{per} per {basis} (indicative): {f['printed']} ({pounds}) divided by each count"
        return title, measure, charts.area_phrase([f["geography"]]), charts.period_phrase([f["period"]])

    @property
    def citations(self) -> list[str]:
        return _split_citations(self._data["citations"])

    @property
    def table(self) -> pl.DataFrame:
        return self._data.select(
            "id", "label", "divided_by", "why_this_count", "value", "unit", "formula", "caveats", "inputs", "citations"
        )

    def notes(self) -> str:
        return (
            "<p style='font-size:12px'><b>Indicative only.</b> Each bar divides one printed sum of money by one printed count. "
            "The two rarely cover the same period, population or spending, so the result is a ratio for scale, not a unit cost; "
            "the caveats column lists every mismatch found. Only counts related to the money are offered: from the same programme "
            "(a shared word in the measure name), the same source or a related theme, at least two of these.</p>"
        )


__all__ = ["CommitmentExplorer", "DemandGrowthExplorer", "FundingExplorer", "latest_publication"]
