"""The registers: recommendations and commitments (status at a chosen date) and source issues."""

from __future__ import annotations

import altair as alt
import ipywidgets as widgets
import polars as pl

from .. import charts, measures
from ..charts import concat
from ..charts import explore as ch
from ..charts.builders import status_bars
from ..evidence.cite import cite_figure, cite_recommendation, cite_table, source_label
from . import definitions
from .base import ALL, Explorer, earliest_date, esc, grow_layout, offer
from .derived import latest_publication
from .figures import source_short


class RecommendationExplorer(Explorer):
    """Every recommendation, finding and commitment with its status at a chosen date."""

    name = "recommendations"
    title = "Recommendations and commitments: status at a chosen date"
    reader_headers = {"title": "Recommendation or commitment"}
    show_table_at_start = True

    def _controls(self):
        sets = self.pkg.recommendations["set"].unique().sort().to_list()
        return {
            "at": widgets.DatePicker(value=latest_publication(self.pkg), description="Status at"),
            "set": widgets.Dropdown(
                options=[(ALL, ALL)] + [(measures.LIST_NAMES.get(s, s), s) for s in sets],
                value=ALL,
                description="List",
                layout=widgets.Layout(width="420px"),
            ),
            "status": widgets.Dropdown(
                options=[ALL, *measures.STATUSES], value=ALL, description="Status", layout=widgets.Layout(width="420px")
            ),
        }

    def _sync_options(self, changed: str) -> None:
        """The date goes back no further than the first recommendation or commitment; the lists
        are those with recommendations or commitments made by the date (lists of findings or
        duties in law have no status: their items are in the table under "All"); the statuses
        are those the list has at that date."""
        c = self.controls
        if changed == "at" and c["at"].min is None:
            c["at"].min = earliest_date(self.pkg, lambda d: self._tracked(d, ALL, ALL).height > 0)
        if changed in ("at",):
            sets = self._tracked(c["at"].value, ALL, ALL)["set"].unique().sort().to_list()
            offer(c["set"], [(ALL, ALL)] + [(measures.LIST_NAMES.get(s, s), s) for s in sets])
        if changed in ("at", "set"):
            have = set(self._tracked(c["at"].value, c["set"].value, ALL)["status"])
            offer(c["status"], [ALL] + [s for s in measures.STATUSES if s in have], reset=c[changed].value == ALL)

    def _tracked(self, at, list_: str, status: str) -> pl.DataFrame:
        """The recommendations and commitments (items that get a status) of ``list_`` made by ``at``."""
        t = self.tracker(dict(at=at, set=list_, status=status))
        return t.filter(pl.col("kind_of_item").is_in(list(measures.TRACKED_KINDS)))

    def tracker(self, c: dict | None = None) -> pl.DataFrame:
        """The items made by the chosen date, with their status and the progress reported by then."""
        c = c or self.state()
        at = c["at"] or latest_publication(self.pkg)
        recs = self.pkg.recommendations
        if c["set"] != ALL:
            recs = recs.filter(pl.col("set") == c["set"])
        recs = measures.tracker(self.pkg, at, recs)
        recs = recs.with_columns(
            pl.Series("citation", [cite_recommendation(self.pkg, i) for i in recs["id"]], dtype=pl.String),
            pl.col("set").replace_strict(measures.LIST_NAMES, default=pl.col("set")).alias("list"),
            pl.col("status").map_elements(measures.progress_class, return_dtype=pl.String).alias("reported"),
        )
        if c["status"] != ALL:
            recs = recs.filter(pl.col("status") == c["status"])
        return recs

    def compute(self) -> pl.DataFrame:
        t = self.tracker()
        return t.select(
            "id", "set", "list", "kind_of_item", "number", "title", "due_date", "due_printed", "status", "reported"
        ).with_columns(
            pl.concat_str([pl.col("number").fill_null(""), pl.lit(" "), pl.col("title")])
            .str.strip_chars()
            .alias("item")
        )

    def build_chart(self, data):
        at = self.controls["at"].value or latest_publication(self.pkg)
        tracked = data.filter(pl.col("kind_of_item").is_in(list(measures.TRACKED_KINDS)))
        if tracked.height == 0:
            return ch.empty(f"No recommendation or commitment made by {at:%-d %B %Y} matches the current choices.")
        counts = tracked.group_by("list", "status").len("count").sort("list", "status")
        summary = "; ".join(
            f"{r['list']}, {r['status']}: {r['count']}" for r in counts.sort("list", "status").iter_rows(named=True)
        )
        order = [s for s in measures.STATUSES if s in set(counts["status"])]
        bars = status_bars(
            counts,
            status="status",
            order=order,
            count="count",
            facet="list",
            description=f"Bar charts of recommendations and commitments by status at {at:%-d %B %Y}: {summary}",
        )
        dated = tracked.filter(pl.col("due_date").is_not_null())
        if dated.height == 0:
            return bars
        line = ch.timeline(
            dated,
            date="due_date",
            row="item",
            color="reported",
            color_order=list(measures.PROGRESS_CLASSES),
            shape=None,
            tooltip=[
                alt.Tooltip("item:N", title="Recommendation"),
                alt.Tooltip("due_printed:N", title="Due as printed"),
                alt.Tooltip("status:N", title="Status"),
            ],
            at=at.isoformat(),
            description=f"Timeline of due dates with the chosen date {at:%-d %B %Y} marked ({dated.height} items have a due date)",
        )
        return ch.described(
            concat("v", bars, line).resolve_scale(color="independent"),
            f"Recommendations by status at {at:%-d %B %Y}: {summary}. Below, due dates on a timeline.",
        )

    def heading(self, data):
        at = self.controls["at"].value or latest_publication(self.pkg)
        tracked = data.filter(pl.col("kind_of_item").is_in(list(measures.TRACKED_KINDS)))
        none = tracked.filter(pl.col("status").str.ends_with(measures.NOT_REPORTED)).height
        title = charts.status_title(none, tracked.height)
        lists = tracked["list"].unique().to_list()
        measure = "Number of recommendations and commitments by status" + (
            f", {lists[0]}" if len(lists) == 1 else f", {len(lists)} lists" if lists else ""
        )
        return title, measure, "England", f"made and reported by {at:%-d %B %Y}"

    @property
    def citations(self) -> list[str]:
        return list(dict.fromkeys(self.tracker()["citation"].to_list()))

    @property
    def table(self) -> pl.DataFrame:
        return self.tracker().select(
            "id",
            "set",
            "number",
            "title",
            "lead",
            "due_printed",
            "kind_of_item",
            "status",
            "text_quote",
            "response_quote",
            "progress",
            "citation",
        )

    def definition(self) -> str:
        """What is counted, what each status means, the lists and their documents, and the
        source issues that touch the items shown."""
        at = self.controls["at"].value or latest_publication(self.pkg)
        return definitions.tracker_html(
            self.pkg, self._data, measures.LIST_NAMES, measures.TRACKED_KINDS, f"{at:%-d %B %Y}"
        )

    def notes(self) -> str:
        return (
            "<p style='font-size:12px'>Status is read from the sources published by the chosen date only: the due date, "
            "and any progress they quote or action the recorded response says was taken. 'Progress reported' is not 'met'; "
            "'not reported in these sources' does not mean nothing was done. Findings, proposals and duties in law are listed "
            "but get no status and are not counted. Items with no due date are counted above but have no place on the timeline.</p>"
        )


class _All:
    """A control left at "All" (to filter on the controls before one)."""

    value = ALL


class SourceIssueExplorer(Explorer):
    """Discrepancies in the sources (totals that do not add up, percentages that do not follow,
    figures that disagree), as recorded in the register and as found by the validator."""

    name = "source-issues"
    title = "Issues in the sources as printed"
    reader_headers = {"kind": "Kind of issue"}
    reader_values = {"kind": measures.issue_kind}

    def __init__(self, pkg=None, report=None, outdir=None):
        self.report = report
        super().__init__(pkg if pkg is not None or report is None else report.package, outdir)

    def _controls(self):
        names = source_short(self.pkg)
        srcs = self.pkg.source_issues["source_id"].unique().sort().to_list()
        c = {
            "kind": widgets.Dropdown(
                options=[(ALL, ALL)] + [(measures.issue_kind(k), k) for k in self.pkg.enum("source_issues", "kind")],
                value=ALL,
                description="Kind of issue",
                layout=widgets.Layout(width="520px"),
            ),
            "source": widgets.Dropdown(
                options=[(ALL, ALL)] + [(names.get(s, s), s) for s in srcs],
                value=ALL,
                description="Source",
                layout=widgets.Layout(width="420px"),
            ),
            "issue": widgets.Dropdown(description="Issue", layout=grow_layout()),
        }
        self._fill(c)
        return c

    def issues(self, c=None) -> pl.DataFrame:
        c = c or self.controls
        i = self.pkg.source_issues
        if c["kind"].value != ALL:
            i = i.filter(pl.col("kind") == c["kind"].value)
        if c["source"].value != ALL:
            i = i.filter(pl.col("source_id") == c["source"].value)
        return i

    def _fill(self, c, changed: str = "kind") -> None:
        """Kinds recorded in the register; the sources with issues of the kind chosen; the
        issues those leave (the chosen issue's detail is shown under the chart)."""
        if changed == "kind":
            kinds = set(self.pkg.source_issues["kind"])
            offer(
                c["kind"],
                [(ALL, ALL)]
                + [(measures.issue_kind(k), k) for k in self.pkg.enum("source_issues", "kind") if k in kinds],
            )
            names = source_short(self.pkg)
            left = self.issues({"kind": c["kind"], "source": _All()})
            srcs = sorted(set(left["source_id"]))
            offer(c["source"], [(ALL, ALL)] + [(names.get(s, s), s) for s in srcs], reset=c["kind"].value == ALL)
        i = self.issues(c)
        opts = [(f"{measures.issue_kind(r['kind'])}: {r['description']}", r["id"]) for r in i.iter_rows(named=True)]
        offer(c["issue"], opts or [("(none)", None)], reset=changed in c and c[changed].value == ALL)

    def _sync_options(self, changed: str) -> None:
        if changed != "issue":
            self._fill(self.controls, changed)

    def compute(self) -> pl.DataFrame:
        names = source_short(self.pkg)
        return (
            self.issues()
            .group_by("kind", "source_id")
            .agg(pl.len().alias("issues"))
            .with_columns(
                pl.col("source_id").replace_strict(names, default=pl.col("source_id")).alias("source"),
                pl.col("kind").map_elements(measures.issue_kind, return_dtype=pl.String).alias("kind_text"),
                pl.lit("level").alias("quantity"),
                pl.lit("count").alias("unit"),
            )
            .sort("kind", "source_id")
        )

    def build_chart(self, data):
        items = "; ".join(f"{r['kind_text']} ({r['source']}): {r['issues']}" for r in data.iter_rows(named=True))
        return ch.bars(
            data,
            category="kind_text",
            value="issues",
            value_title="Issues recorded",
            color="source",
            color_title="Source",
            color_domain=list(source_short(self.pkg).values()),
            tooltip=[
                alt.Tooltip("kind_text:N", title="Kind of issue"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("issues:Q", title="Issues"),
            ],
            description=f"Bar chart of recorded source issues by kind and source: {items}",
        )

    def heading(self, data):
        n = int(data["issues"].sum()) if data.height else 0
        srcs = self.issues()["source_id"].unique().to_list()
        years = sorted(r["published"].year for r in self.pkg.sources.iter_rows(named=True) if r["source_id"] in srcs)
        title = (
            f"{n} issue{'s' if n != 1 else ''} recorded in the sources as printed, by kind and source"
            if n
            else "No issues recorded for these choices"
        )
        period = (
            f"sources published {years[0]} to {years[-1]}"
            if len(set(years)) > 1
            else f"sources published in {years[0]}"
            if years
            else "no sources"
        )
        return title, "Number of issues recorded", "the areas each source covers", period

    def _ref_citation(self, ref: str) -> str:
        if ref in set(self.pkg.figures["id"]):
            return cite_figure(self.pkg, ref)
        if ref in set(self.pkg.tables["table_id"]):
            return cite_table(self.pkg, ref)
        if ref in set(self.pkg.recommendations["id"]):
            return cite_recommendation(self.pkg, ref)
        return ref

    @property
    def citations(self) -> list[str]:
        return [source_label(self.pkg, s) for s in self.issues()["source_id"].unique(maintain_order=True).to_list()]

    @property
    def table(self) -> pl.DataFrame:
        i = self.issues()
        cites = ["; ".join(dict.fromkeys(self._ref_citation(r) for r in refs.split())) for refs in i["refs"].to_list()]
        return i.select("id", "kind", "source_id", "refs", "description", "explanation").with_columns(
            pl.Series("citation", cites, dtype=pl.String)
        )

    def detail(self) -> str:
        """HTML: the chosen issue, the figures or tables it refers to (as printed, quoted, cited)."""
        iid = self.controls["issue"].value
        if iid is None:
            return ""
        r = self.pkg.source_issues.filter(pl.col("id") == iid).row(0, named=True)
        refs = []
        for ref in r["refs"].split():
            hits = self.pkg.figures.filter(pl.col("id") == ref)
            if hits.height:
                f = hits.row(0, named=True)
                refs.append(
                    f"<li><b>{esc(f['label'])}</b>: {esc(f['printed'])} ({esc(f['period'])}). “{esc(f['quote'])}” <i>{esc(cite_figure(self.pkg, ref))}</i></li>"
                )
            elif ref in set(self.pkg.recommendations["id"]):
                rec = self.pkg.recommendations.filter(pl.col("id") == ref).row(0, named=True)
                refs.append(
                    f"<li>Recommendation <b>{esc(rec['title'])}</b>: “{esc(rec['text_quote'])}” <i>{esc(self._ref_citation(ref))}</i></li>"
                )
            elif ref in set(self.pkg.tables["table_id"]):
                title = self.pkg.tables.filter(pl.col("table_id") == ref)["title"][0]
                refs.append(f"<li>Table <b>{esc(title)}</b>: <i>{esc(self._ref_citation(ref))}</i></li>")
            else:
                refs.append(f"<li><code>{esc(ref)}</code></li>")
        return (
            f"<div style='font-size:13px'><p><b>{esc(measures.issue_kind(r['kind']))}</b>: {esc(r['description'])}</p><p><b>Our reading:</b> {esc(r['explanation'])}</p>"
            f"<ul>{''.join(refs)}</ul></div>"
        )

    def definition(self) -> str:
        """What the chosen issue's kind means, its document, and the definitions of the
        measures and source tables it touches."""
        return definitions.source_issue_html(self.pkg, self.controls["issue"].value)

    def detections(self) -> pl.DataFrame:
        rows = [
            {"key": d.key, "kind": d.kind, "message": d.message, "registered_as": d.registered_as}
            for d in (self.report.detections if self.report else [])
        ]
        return pl.DataFrame(
            rows, schema={"key": pl.String, "kind": pl.String, "message": pl.String, "registered_as": pl.String}
        )

    def notes(self) -> str:
        out = [self.detail()]
        if self.report is not None:
            d = self.detections()
            un = d.filter(pl.col("registered_as").is_null())
            out.append(
                f"<p style='font-size:12px'>The validator recomputed the sources' totals and percentages and compared figures across documents: "
                f"{d.height} discrepancies found, {d.height - un.height} recorded in the register, {un.height} not yet recorded.</p>"
            )
            if un.height:
                items = "".join(f"<li>{esc(m)}</li>" for m in un["message"].to_list())
                out.append(
                    f"<details><summary>Not yet in the register</summary><ul style='font-size:12px'>{items}</ul></details>"
                )
        return "".join(out)


__all__ = ["RecommendationExplorer", "SourceIssueExplorer"]
