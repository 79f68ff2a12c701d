"""The content of a board annex, built from the evidence base for one set of parameters.

The briefing notebook only calls ``Briefing.from_parameters(...)`` and ``show(...)``; the
publisher calls ``shown()`` for the manifest. Every number shown comes from an evidence record
(or a derived measure that names its inputs) and carries that record's citation.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import polars as pl
from altair.utils.schemapi import debug_mode

from .. import __version__
from .. import measures as m
from ..charts import EXTENDED, PALETTE, described, wrap_label, wrapped_axis, wrapped_step
from ..evidence import EvidencePackage, load
from ..evidence.cite import cite_figure, cite_many, cite_recommendation, cite_table, source_label
from ..evidence.cut import evidence_as_of, vanguard_names, vanguard_table_id
from . import html as h
from .params import SECTIONS, BriefingParameters
from .publish import VERSION_PLACEHOLDER

FIGURE_COLUMNS = [
    ("label", "Measure"),
    ("printed", "Figure as printed"),
    ("period", "Period"),
    ("geography", "Area"),
    ("citation", "Source"),
]
STATUS_NOTE = (
    "Status is worked out from the due date and whether the sources report any progress; "
    "\u201cprogress reported\u201d does not mean met: the sources rarely say whether a commitment was completed."
)
# evidence_as_of, vanguard_names and vanguard_table_id live in evidence/cut.py (polars only, so
# `render` can check parameters before importing altair); imported above and re-exported here.
# Short names of the recommendation lists, for chart axes.
RECOMMENDATION_SETS = {
    "lenehan-review-2017": "Lenehan review (2017)",
    "education-committee-2016": "Education Committee (2016)",
    "cypmh-programme-2024": "NHS England CYP mental health programme (2024)",
}
__all__ = ["Briefing", "evidence_as_of", "vanguard_names", "vanguard_table_id"]


@dataclass
class Briefing:
    params: BriefingParameters
    pkg: EvidencePackage  # already cut off at params.as_of
    board_name: str = ""
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    version: str = ""
    _figure_no: int = 0
    _table_no: int = 0
    _shown_figures: dict = field(default_factory=dict)
    _shown_tables: set = field(default_factory=set)

    @classmethod
    def from_parameters(
        cls,
        board: str,
        meeting: str,
        as_of: str = "",
        themes=None,
        focus: str = "all",
        title: str = "",
        previous_manifest: str = "",
        evidence_dir: str = "",
        version: str = "",
    ) -> Briefing:
        from .params import validate_parameters
        from .schedule import load_schedule

        full = load(evidence_dir) if evidence_dir else load()
        schedule = load_schedule()
        params = validate_parameters(
            {
                "board": board,
                "meeting": meeting,
                "as_of": as_of or None,
                "themes": list(themes or []),
                "focus": focus,
                "title": title,
                "previous_manifest": previous_manifest,
                "evidence_dir": str(evidence_dir or ""),
            },
            vanguards=vanguard_names(full),
            schedule=schedule,
        )
        b = cls(
            params, evidence_as_of(full, params.as_of_date), board_name=schedule[params.board].name, version=version
        )
        b._build()
        return b

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.blocks: dict[str, list[str]] = {}
        self.section_titles: dict[str, str] = {}
        # altair checks each object against the schema as it is built unless debug mode is off;
        # the whole spec is checked (or not) once, in html.chart_html
        with debug_mode(h.VALIDATE_CHARTS):
            for number, key in enumerate(self.params.sections, start=1):
                self.section_titles[key] = f"{number}. {SECTIONS[key]}"
                self.blocks[key] = getattr(self, f"_section_{key.replace('-', '_')}")()

    def _cite(self, df: pl.DataFrame) -> pl.DataFrame:
        for r in df.iter_rows(named=True):
            self._shown_figures[r["id"]] = {
                "value": r["value"],
                "printed": r["printed"],
                "unit": r["unit"],
                "quote": r["quote"],
                "label": r["label"],
                "source_id": r["source_id"],
            }
        return df.with_columns(pl.Series("citation", [cite_figure(self.pkg, i) for i in df["id"]], dtype=pl.String))

    def _next_figure(self) -> int:
        self._figure_no += 1
        return self._figure_no

    def _next_table(self) -> int:
        self._table_no += 1
        return self._table_no

    def _figures_table(self, df: pl.DataFrame, caption: str) -> str:
        df = self._cite(df)
        n = self._next_table()
        return h.exhibit_table(n, df, caption, FIGURE_COLUMNS, sorted(set(df["citation"])))

    def _bar_figure(
        self,
        df: pl.DataFrame,
        caption: str,
        alt_text: str,
        x_title: str,
        color_field: str | None = None,
        x_format: str | None = None,
    ) -> str:
        df = self._cite(df)
        # one bar per figure: a label printed for several periods gets its period, or the bars
        # of different periods would be stacked into one sum that no source printed
        repeated = pl.col("label").is_duplicated()
        data = df.select("label", "value", "printed", "period", *([color_field] if color_field else [])).with_columns(
            pl.when(repeated)
            .then(pl.format("{} ({})", "label", "period"))
            .otherwise(pl.col("label"))
            .map_elements(wrap_label, return_dtype=pl.String)
            .alias("bar_label")
        )
        enc = dict(
            y=alt.Y("bar_label:N", sort=None, title=None, axis=wrapped_axis()),
            x=alt.X("value:Q", title=x_title, axis=alt.Axis(format=x_format) if x_format else alt.Undefined),
            tooltip=[
                alt.Tooltip("label:N", title="Measure"),
                alt.Tooltip("printed:N", title="As printed"),
                alt.Tooltip("period:N", title="Period"),
            ],
        )
        if color_field:
            enc["color"] = alt.Color(
                f"{color_field}:N",
                title=color_field.removesuffix("_label").replace("_", " ").capitalize(),
                scale=alt.Scale(range=PALETTE),
            )
        chart = described(
            alt.Chart(data).mark_bar().encode(**enc).properties(width=420, height=wrapped_step(data["bar_label"])),
            alt_text,
        )
        n = self._next_figure()
        cols = (
            [("label", "Measure"), ("printed", "As printed"), ("period", "Period")]
            + (
                [(color_field, color_field.removesuffix("_label").replace("_", " ").capitalize())]
                if color_field
                else []
            )
            + [("citation", "Source")]
        )
        table = h.table(df, f"Data for figure {n}", cols)
        return h.figure(n, chart, caption, alt_text, sorted(set(df["citation"])), table)

    def _none(self, what: str) -> list[str]:
        return [
            f'<p class="empty">No evidence on {h.esc(what)} was published on or before the cut-off date ({self.params.as_of_date:%-d %B %Y}).</p>'
        ]

    def _figs(self, themes: list[str], kinds=("observed", "estimate")) -> pl.DataFrame:
        return self.pkg.figures.filter(pl.col("theme").is_in(themes) & pl.col("kind").is_in(list(kinds)))

    # ------------------------------------------------------------------ sections
    @staticmethod
    def _ids(df: pl.DataFrame, *columns: str) -> list[str]:
        """The figure ids in space-separated id columns, in first-seen order."""
        return list(dict.fromkeys(i for c in columns for ids in df[c] for i in (ids or "").split()))

    def _cite_ids(self, ids) -> None:
        """Record the evidence figures behind derived numbers as shown (manifest, changes, issues)."""
        ids = [i for i in dict.fromkeys(ids) if i]
        if ids:
            self._cite(self.pkg.figures.filter(pl.col("id").is_in(ids)))

    def _section_demand_workforce(self) -> list[str]:
        figs = self._figs(["prevalence", "demand", "workforce"])
        if figs.height == 0:
            return self._none("demand and workforce")
        out = [
            "<p>Growth in need and demand set beside growth in the children and young people's mental health workforce and in access. "
            "Each bar is either a percentage printed in a source or a change computed from two printed figures of the same measure "
            "(the formula column shows which). The periods differ: read the period before comparing bars; where the period is known, "
            "the table also gives the compound rate a year.</p>"
        ]
        growth = m.frame(
            r for r in m.growth_measures(self.pkg) if r.group in ("Need and demand", "Workforce", "Access")
        )
        if growth.height:
            self._cite_ids(
                i for i in self._ids(growth, "inputs") if ":" not in i
            )  # figure ids (table cells are table:row:column)
            growth = growth.with_columns(
                pl.format("{} ({})", "label", "period").alias("bar"),
                pl.when(pl.col("formula").str.starts_with("as printed"))
                .then(pl.lit("as printed"))
                .otherwise(pl.lit("derived"))
                .alias("how"),
                pl.col("value").map_elements(lambda v: m.fmt(v) + "%", return_dtype=pl.String).alias("change"),
                pl.when(pl.col("unit") == "percent").then(pl.lit("total")).otherwise(pl.lit("a year")).alias("basis"),
            )
            totals = (
                growth.filter(pl.col("unit") == "percent")
                .sort("group", "value", descending=[False, True])
                .with_columns(pl.col("bar").map_elements(wrap_label, return_dtype=pl.String).alias("bar_label"))
            )
            alt_text = (
                "Horizontal bar chart of percentage change in need and demand, workforce and access, printed or derived. "
                + "; ".join(
                    f"{r['label']} ({r['period']}, {r['group']}, {r['how']}): {r['change']}"
                    for r in totals.iter_rows(named=True)
                )
            )
            chart = (
                alt.Chart(totals.select("bar", "bar_label", "value", "change", "period", "group", "how"))
                .mark_bar()
                .encode(
                    y=alt.Y("bar_label:N", sort=None, title=None, axis=wrapped_axis()),
                    x=alt.X("value:Q", title="Change over the period stated (%)"),
                    color=alt.Color("group:N", title="Group", scale=alt.Scale(range=PALETTE)),
                    tooltip=[
                        alt.Tooltip("bar:N", title="Measure"),
                        alt.Tooltip("change:N", title="Change"),
                        alt.Tooltip("group:N", title="Group"),
                        alt.Tooltip("how:N", title="How obtained"),
                    ],
                )
                .properties(width=360, height=wrapped_step(totals["bar_label"]))
            )
            n = self._next_figure()
            cites = sorted({c for cs in totals["citations"] for c in cs.split("; ")})
            table = h.table(
                growth.sort("group", "unit", "value", descending=[False, False, True]),
                f"Data for figure {n}, with the rate a year where the period is known",
                [
                    ("label", "Measure"),
                    ("group", "Group"),
                    ("period", "Period"),
                    ("change", "Change"),
                    ("basis", "Basis"),
                    ("formula", "How obtained"),
                    ("citations", "Source"),
                ],
            )
            out.append(
                h.figure(
                    n,
                    described(chart, alt_text),
                    "Growth in need and demand against growth in workforce and access (printed and derived)",
                    alt_text,
                    cites,
                    table,
                )
            )
        out.append(self._figures_table(figs.sort("theme", "id"), "Prevalence, demand and workforce figures"))
        return out

    def _section_access_commitments(self) -> list[str]:
        out = []
        commitments = m.commitments(self.pkg, self.params.meeting_date)
        access = self._figs(
            ["access", "funding", "commitments"], kinds=("observed", "estimate", "target", "allocation")
        )
        if commitments.height == 0 and access.height == 0:
            return self._none("access and the Long Term Plan commitments")
        if commitments.height:
            self._cite_ids(self._ids(commitments, "target_ids", "reported_ids"))
            own = [
                cite_figure(self.pkg, c) if s == "target figure" else cite_recommendation(self.pkg, c)
                for c, s in zip(commitments["commitment_id"], commitments["set"], strict=True)
            ]
            df = commitments.with_columns(
                pl.Series("source", own, dtype=pl.String),
                pl.when(pl.col("share_of_target").is_not_null())
                .then(pl.col("formula"))
                .when(pl.col("formula") != "")
                .then(pl.col("formula"))
                .otherwise(pl.lit("no reported figure to compare"))
                .alias("share_text"),
            ).sort(pl.col("set").str.contains("long-term-plan"), descending=True, maintain_order=True)
            n = self._next_table()
            out.append(
                f"<p>Commitments with their targets, what the sources report against them, and their status at the meeting date "
                f"({self.params.meeting_date:%-d %B %Y}). The share of target is computed only where the reported figure and the target "
                f"measure the same thing in the same unit. {h.esc(STATUS_NOTE)}</p>"
            )
            out.append(
                h.exhibit_table(
                    n,
                    df,
                    "NHS Long Term Plan and other commitments for children and young people: target, progress reported, share of target and status at the meeting date",
                    [
                        ("title", "Commitment"),
                        ("target", "Target"),
                        ("due_printed", "Due"),
                        ("reported", "Reported"),
                        ("share_text", "Share of target (derived)"),
                        ("status", "Status at meeting"),
                        ("source", "Source"),
                    ],
                    sorted(set(df["source"]) | set(cite_many(self.pkg, self._ids(df, "target_ids", "reported_ids")))),
                )
            )
        pct = access.filter((pl.col("unit") == "proportion") & pl.col("value").is_not_null())
        if pct.height:
            pct = pct.with_columns(pl.col("kind").str.to_titlecase().alias("kind_label")).sort("kind_label", "id")
            out.append(
                self._bar_figure(
                    pct,
                    "Access and coverage percentages: reported figures and targets",
                    "Horizontal bar chart of access and coverage percentages as printed. "
                    + "; ".join(f"{r['label']}: {r['printed']} ({r['kind']})" for r in pct.iter_rows(named=True)),
                    "Percentage as printed",
                    "kind_label",
                    x_format="%",
                )
            )
        if access.height:
            out.append(self._figures_table(access.sort("theme", "kind", "id"), "Access, coverage and funding figures"))
        return out

    def _section_eating_disorders(self) -> list[str]:
        figs = self._figs(["eating_disorders", "waiting_times"], kinds=("observed", "estimate", "target"))
        if figs.height == 0:
            return self._none("eating disorders and waiting times")
        out = []
        starts = figs.filter(
            (pl.col("theme") == "eating_disorders") & (pl.col("unit") == "count") & pl.col("period_end").is_not_null()
        ).sort("period_end")
        if starts.height >= 2:
            out.append(
                self._bar_figure(
                    starts,
                    "Eating-disorder counts by period, as printed",
                    "Bar chart of eating-disorder counts: "
                    + "; ".join(f"{r['label']} {r['period']}: {r['printed']}" for r in starts.iter_rows(named=True)),
                    "Number (as printed)",
                    None,
                )
            )
        out.append(self._figures_table(figs.sort("theme", "id"), "Eating-disorder and waiting-time figures"))
        return out

    def _section_inpatient(self) -> list[str]:
        figs = self._figs(["inpatient"], kinds=("observed", "estimate", "target", "allocation"))
        if figs.height == 0:
            return self._none("inpatient care")
        out = []
        counts = figs.filter((pl.col("unit") == "count") & (pl.col("kind") == "observed"))
        # the measure printed for the most periods (admissions by year), drawn over time; counts
        # of different things (admissions, service lines, beds) are not put on one axis
        dated = (
            counts.filter(pl.col("period_end").is_not_null())
            .group_by("measure")
            .len()
            .sort("len", "measure", descending=[True, False])
        )
        if dated.height and dated["len"][0] >= 2:
            series = counts.filter(
                (pl.col("measure") == dated["measure"][0]) & pl.col("period_end").is_not_null()
            ).sort("period_end")
            label = series["label"][0]
            out.append(
                self._bar_figure(
                    series,
                    f"{label}, by period, as printed",
                    f"Bar chart of {label.lower()} by period: "
                    + "; ".join(f"{r['period']}: {r['printed']}" for r in series.iter_rows(named=True)),
                    "Number (as printed)",
                    None,
                )
            )
        out.append(
            self._figures_table(
                figs.sort("id"), "Inpatient care figures: admissions, lengths of stay, beds and funding"
            )
        )
        return out

    def _section_vanguards(self) -> list[str]:
        tid = vanguard_table_id(self.pkg)
        if tid is None:
            return self._none("the Framework for Integrated Care vanguards")
        cells = self.pkg.table_cells
        ref = cells.filter(
            (pl.col("table_id") == tid) & (pl.col("kind") == "cell") & pl.col("period_start").is_not_null()
        )
        focus = self.params.focus
        if focus != "all":
            ref = ref.filter(pl.col("row") == focus)
        self._shown_tables.add(tid)
        citation = cite_table(self.pkg, tid)
        out = [
            f"<p>Accepted referrals to the twelve Framework for Integrated Care (Community) vanguards, by quarter{'' if focus == 'all' else ' for ' + h.esc(focus)}. "
            "Counts are as printed in NHS England's data tables; the breakdowns below cover all vanguards together (the sources do not break them down by vanguard).</p>"
        ]
        data = ref.select(pl.col("row").alias("vanguard"), "column", "period_start", "value", "printed").sort(
            "period_start"
        )
        by_q = data.group_by("column", "period_start").agg(pl.col("value").sum().alias("total")).sort("period_start")
        alt_text = (
            f"Stacked bar chart of accepted referrals per quarter by vanguard{'' if focus == 'all' else ' (' + focus + ')'}. "
            + "; ".join(f"{r['column']}: {r['total']:g}" for r in by_q.iter_rows(named=True))
        )
        order = by_q["column"].to_list()
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X("column:N", sort=order, title="Quarter (financial year)", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("sum(value):Q", title="Accepted referrals"),
                color=alt.Color(
                    "vanguard:N",
                    title="Vanguard",
                    scale=alt.Scale(range=EXTENDED),
                    legend=alt.Legend(labelLimit=320, orient="bottom", columns=2),
                ),
                tooltip=[
                    alt.Tooltip("vanguard:N", title="Vanguard"),
                    alt.Tooltip("column:N", title="Quarter"),
                    alt.Tooltip("printed:N", title="Accepted referrals"),
                ],
            )
            .properties(width=520, height=300)
        )
        n = self._next_figure()
        wide = data.pivot(on="column", index="vanguard", values="printed", aggregate_function="first")
        cols = [("vanguard", "Vanguard")] + [(c, c) for c in order if c in wide.columns]
        out.append(
            h.figure(
                n,
                described(chart, alt_text),
                "Accepted referrals by quarter and vanguard",
                alt_text,
                [citation],
                h.table(wide, f"Data for figure {n}", cols),
            )
        )
        key = self.pkg.figures.filter(pl.col("measure").str.starts_with("ffic_"))
        if key.height:
            out.append(
                self._figures_table(
                    key,
                    "Key figures on the Framework for Integrated Care: vanguards, funding, referrals and intervention findings (as printed)",
                )
            )
        for t in self.pkg.tables.filter(pl.col("table_id") != tid).iter_rows(named=True):
            shares = m.total_shares(self.pkg, t["table_id"])
            if shares.height == 0:
                continue
            self._shown_tables.add(t["table_id"])
            shares = shares.with_columns(
                pl.col("share")
                .map_elements(lambda v: m.fmt_share(v) + "%", return_dtype=pl.String)
                .alias("share_text"),
            )
            denom = m.fmt(shares["denominator"][0])
            cite = cite_table(self.pkg, t["table_id"])
            alt_text = (
                f"Bar chart of accepted referrals by {t['row_dimension']}, all vanguards, all quarters together. "
                + "; ".join(f"{r['row']}: {r['printed']} ({r['share_text']})" for r in shares.iter_rows(named=True))
            )
            ch = (
                alt.Chart(shares.select("row", "value", "printed", "share_text"))
                .mark_bar()
                .encode(
                    y=alt.Y("row:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
                    x=alt.X("value:Q", title="Accepted referrals (all quarters)"),
                    tooltip=[
                        alt.Tooltip("row:N", title=t["row_dimension"].capitalize()),
                        alt.Tooltip("printed:N", title="Count as printed"),
                        alt.Tooltip("share_text:N", title="Share of total (derived)"),
                    ],
                )
                .properties(width=420, height=alt.Step(20))
            )
            n = self._next_figure()
            out.append(
                h.figure(
                    n,
                    described(ch, alt_text),
                    f"{t['title']} (shares computed from the printed counts and the total {denom})",
                    alt_text,
                    [cite],
                    h.table(
                        shares,
                        f"Data for figure {n}",
                        [
                            ("row", t["row_dimension"].capitalize()),
                            ("printed", "Count as printed"),
                            ("share_text", "Share of total (derived)"),
                            ("formula", "How obtained"),
                        ],
                    ),
                )
            )
        return out

    def _section_send(self) -> list[str]:
        figs = self._figs(["send"], kinds=("observed", "estimate", "target", "allocation"))
        recs = self.pkg.recommendations.filter(
            pl.col("set").is_in(["send-inspection-findings-2019", "isos-send-2024", "cfa-2014"])
        )
        if figs.height == 0 and recs.height == 0:
            return self._none("special educational needs and disabilities")
        out = []
        if figs.height:
            out.append(self._figures_table(figs.sort("id"), "SEND figures"))
        if recs.height:
            out.append(self._recs_table(recs, "SEND inspection findings, system proposals and statutory timescales"))
        return out

    def _status(self, rec: dict) -> str:
        return m.recommendation_status(rec, self.params.meeting_date)

    def _recs_table(self, recs: pl.DataFrame, caption: str) -> str:
        df = recs.with_columns(
            pl.Series("status", [self._status(r) for r in recs.iter_rows(named=True)], dtype=pl.String),
            pl.Series("citation", [cite_recommendation(self.pkg, i) for i in recs["id"]], dtype=pl.String),
            pl.col("due_printed").fill_null("not stated"),
            pl.col("response_quote").fill_null(""),
        )
        n = self._next_table()
        return h.exhibit_table(
            n,
            df,
            caption,
            [
                ("title", "Recommendation or finding"),
                ("lead", "Lead"),
                ("response_quote", "Response or action (verbatim)"),
                ("due_printed", "Due"),
                ("status", "Status at meeting"),
                ("citation", "Source"),
            ],
            sorted(set(df["citation"])),
        )

    def _section_recommendations(self) -> list[str]:
        recs = self.pkg.recommendations.filter(
            pl.col("set").is_in(["lenehan-review-2017", "education-committee-2016", "cypmh-programme-2024"])
        )
        if recs.height == 0:
            return self._none("recommendations and commitments")
        out = [f"<p>{h.esc(STATUS_NOTE)}</p>"]
        status = (
            recs.with_columns(
                pl.Series("status", [self._status(r) for r in recs.iter_rows(named=True)], dtype=pl.String),
                pl.col("set").replace_strict(RECOMMENDATION_SETS, default=pl.col("set")).alias("list"),
            )
            .group_by("list", "status")
            .len("count")
            .with_columns(
                pl.col("status")
                .replace_strict({s: i for i, s in enumerate(m.STATUSES)}, default=len(m.STATUSES))
                .alias("order")
            )
            .sort("list", "order")
        )
        alt_text = "Stacked bar chart of recommendations and commitments by status at the meeting date: " + "; ".join(
            f"{r['list']}, {r['status']}: {r['count']}" for r in status.iter_rows(named=True)
        )
        chart = (
            alt.Chart(status.drop("order"))
            .mark_bar()
            .encode(
                y=alt.Y("list:N", title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X("count:Q", title="Number of recommendations or commitments"),
                color=alt.Color(
                    "status:N",
                    title="Status at meeting date",
                    scale=alt.Scale(domain=list(m.STATUSES), range=PALETTE[: len(m.STATUSES)]),
                    sort=list(m.STATUSES),
                    legend=alt.Legend(orient="bottom", labelLimit=400, columns=1),
                ),
                order=alt.Order("status_order:Q"),
                tooltip=[
                    alt.Tooltip("list:N", title="List"),
                    alt.Tooltip("status:N", title="Status"),
                    alt.Tooltip("count:Q", title="Number"),
                ],
            )
            .transform_calculate(status_order=f"indexof({list(m.STATUSES)!r}, datum.status)")
            .properties(width=420, height=alt.Step(30))
        )
        n = self._next_figure()
        cites = sorted({source_label(self.pkg, s) for s in recs["source_id"]})
        out.append(
            h.figure(
                n,
                described(chart, alt_text),
                "Recommendations and commitments by status at the meeting date (derived from due dates and progress quoted in the sources)",
                alt_text,
                cites,
                h.table(status, f"Data for figure {n}", [("list", "List"), ("status", "Status"), ("count", "Number")]),
            )
        )
        for s, title in (
            (
                "lenehan-review-2017",
                "Lenehan review (These are our children): recommendations and the government's actions",
            ),
            (
                "education-committee-2016",
                "Education Committee: recommendations on looked-after children's mental health",
            ),
            ("cypmh-programme-2024", "NHS England CYP mental health programme: other commitments"),
        ):
            part = recs.filter(pl.col("set") == s)
            if part.height:
                out.append(self._recs_table(part, title))
        return out

    # ------------------------------------------------------------------ closing parts
    def shown(self) -> dict:
        """Every figure shown (for the manifest and the next version's change list)."""
        return {"figures": self._shown_figures, "tables": sorted(self._shown_tables)}

    def changes(self) -> dict[str, list]:
        prev_path = self.params.previous_manifest
        if not prev_path or not Path(prev_path).is_file():
            return {"previous": None, "new": [], "revised": [], "removed": []}
        prev = json.loads(Path(prev_path).read_text(encoding="utf-8"))
        before = prev.get("shown", {}).get("figures", {})
        now = self._shown_figures
        revised = [
            (k, before[k], now[k])
            for k in now
            if k in before and any(before[k].get(f) != now[k].get(f) for f in ("value", "printed", "unit", "quote"))
        ]
        return {
            "previous": f"{prev.get('parameters', {}).get('meeting', '?')} v{prev.get('version', '?')}",
            "new": [(k, now[k]) for k in now if k not in before],
            "revised": revised,
            "removed": [(k, before[k]) for k in before if k not in now],
        }

    def title_block(self) -> str:
        p = self.params
        contents = "".join(f'<li><a href="#section-{k}">{h.esc(t)}</a></li>' for k, t in self.section_titles.items())
        contents += '<li><a href="#changes">What has changed since the previous version</a></li><li><a href="#source-issues">Source issues affecting these figures</a></li><li><a href="#sources">Sources</a></li><li><a href="#provenance">Parameters and provenance</a></li>'
        return (
            f'<header class="title-block"><p class="board">{h.esc(self.board_name)}</p><h1>{h.esc(p.title)}</h1>'
            f'<dl class="meta"><dt>Meeting</dt><dd>{p.meeting_date:%-d %B %Y}</dd><dt>Version</dt><dd>{h.esc(self.version or VERSION_PLACEHOLDER)}</dd>'
            f"<dt>Evidence cut-off</dt><dd>{p.as_of_date:%-d %B %Y} (only evidence published on or before this date)</dd>"
            f"<dt>Focus</dt><dd>{'All vanguards' if p.focus == 'all' else h.esc(p.focus)}</dd>"
            f"<dt>Generated</dt><dd>{h.esc(self.generated)}</dd></dl></header>"
            f'<nav aria-labelledby="contents-title" class="contents"><h2 id="contents-title">Contents</h2><ol>{contents}</ol></nav>'
        )

    def section_html(self, key: str) -> str:
        if key not in self.blocks:
            return ""
        return (
            f'<section id="section-{key}" aria-labelledby="section-{key}-title"><h2 id="section-{key}-title">{h.esc(self.section_titles[key])}</h2>'
            + "".join(self.blocks[key])
            + "</section>"
        )

    def changes_html(self) -> str:
        c = self.changes()
        if c["previous"] is None:
            body = "<p>This is the first version for this board: every figure is new.</p>"
        else:

            def items(rows, fmt):
                return "<ul>" + "".join(f"<li>{fmt(r)}</li>" for r in rows) + "</ul>" if rows else "<p>None.</p>"

            body = (
                f"<p>Compared with the previous version for this board ({h.esc(c['previous'])}).</p>"
                f"<h3>New figures ({len(c['new'])})</h3>"
                + items(
                    c["new"],
                    lambda r: (
                        f'{h.esc(r[1]["label"])}: {h.esc(r[1]["printed"])} <span class="id">[{h.esc(r[0])}]</span>'
                    ),
                )
                + f"<h3>Revised figures ({len(c['revised'])})</h3>"
                + items(
                    c["revised"],
                    lambda r: (
                        f'{h.esc(r[2]["label"])}: was {h.esc(r[1]["printed"])}, now {h.esc(r[2]["printed"])} <span class="id">[{h.esc(r[0])}]</span>'
                    ),
                )
                + f"<h3>Removed figures ({len(c['removed'])})</h3>"
                + items(
                    c["removed"],
                    lambda r: (
                        f'{h.esc(r[1]["label"])}: {h.esc(r[1]["printed"])} <span class="id">[{h.esc(r[0])}]</span>'
                    ),
                )
            )
        return f'<section id="changes" aria-labelledby="changes-title"><h2 id="changes-title">What has changed since the previous version</h2>{body}</section>'

    def source_issues_html(self) -> str:
        shown = set(self._shown_figures) | self._shown_tables
        issues = self.pkg.source_issues.filter(
            pl.col("refs").map_elements(lambda r: bool(set(r.split()) & shown), return_dtype=pl.Boolean)
        )
        if issues.height == 0:
            body = "<p>No recorded source issue affects the figures in this annex.</p>"
        else:
            issues = issues.with_columns(
                pl.Series("source", [source_label(self.pkg, s) for s in issues["source_id"]], dtype=pl.String)
            )
            body = (
                "<p>Where the sources disagree with themselves or each other, this annex shows the figures exactly as printed. These are the recorded discrepancies that touch figures shown here.</p>"
                + h.table(
                    issues,
                    "Source issues affecting figures in this annex",
                    [
                        ("description", "What the source prints"),
                        ("explanation", "How we read it"),
                        ("kind", "Kind"),
                        ("source", "Source"),
                    ],
                )
            )
        return f'<section id="source-issues" aria-labelledby="source-issues-title"><h2 id="source-issues-title">Source issues affecting these figures</h2>{body}</section>'

    def sources_html(self) -> str:
        used = {v["source_id"] for v in self._shown_figures.values()} | set(
            self.pkg.tables.filter(pl.col("table_id").is_in(list(self._shown_tables)))["source_id"]
        )
        src = self.pkg.sources.with_columns(
            pl.col("source_id")
            .is_in(list(used))
            .map_elements(lambda b: "yes" if b else "no", return_dtype=pl.String)
            .alias("cited")
        )
        return (
            '<section id="sources" aria-labelledby="sources-title"><h2 id="sources-title">Sources</h2>'
            + h.table(
                src,
                "Source documents published on or before the cut-off date",
                [
                    ("title", "Title"),
                    ("publisher", "Publisher"),
                    ("published_printed", "Published"),
                    ("file", "File"),
                    ("cited", "Cited in this annex"),
                ],
            )
            + "</section>"
        )

    def provenance_html(self, extra: dict | None = None) -> str:
        p = self.params.identity()
        rows = [
            ("Board", self.board_name + f" ({p['board']})"),
            ("Meeting", p["meeting"]),
            ("Evidence cut-off", p["as_of"]),
            ("Sections", ", ".join(self.params.sections)),
            ("Focus", p["focus"]),
            ("Title", p["title"]),
            ("cyp-evidence version", __version__),
            ("Figures shown", str(len(self._shown_figures))),
            ("Source tables shown", str(len(self._shown_tables))),
        ]
        rows += list((extra or {}).items())
        body = "".join(f'<tr><th scope="row">{h.esc(k)}</th><td>{h.esc(v)}</td></tr>' for k, v in rows)
        return (
            f'<section id="provenance" class="provenance" aria-labelledby="provenance-title"><h2 id="provenance-title">Parameters and provenance</h2>'
            f"<table><caption>Parameters this annex was rendered with</caption><tbody>{body}</tbody></table>"
            "<p>The evidence checksum, source checksums, git commit and package versions are in this version's manifest.json.</p></section>"
        )

    def show(self, part: str) -> None:
        """Display one part of the annex in the notebook: 'title', a section key, 'changes',
        'source-issues', 'sources' or 'provenance'."""
        from IPython.display import HTML, display

        html = {
            "title": self.title_block,
            "changes": self.changes_html,
            "source-issues": self.source_issues_html,
            "sources": self.sources_html,
            "provenance": self.provenance_html,
        }.get(part)
        display(HTML(html() if html else self.section_html(part)))
