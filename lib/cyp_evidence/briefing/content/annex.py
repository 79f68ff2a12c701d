"""The content of a board annex, built from the evidence base for one set of parameters.

The briefing notebook only calls ``Briefing.from_parameters(...)`` and ``show(...)``; the
publisher calls ``shown()`` for the manifest. Every number shown comes from an evidence record
(or a derived measure that names its inputs) and carries that record's citation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import polars as pl
from altair.utils.schemapi import debug_mode

from ... import __version__
from ... import measures as m
from ...charts import NOT_RECORDED, breakdown_title, described, not_recorded, series_title, status_title, wrap_label
from ...charts.builders import against_targets, category_bars, change_dots, period_columns, small_multiples, status_bars
from ...evidence import EvidencePackage, load, vocab
from ...evidence.cite import (
    cite_figure,
    cite_many,
    cite_recommendation,
    cite_table,
    readable_locator,
    short_citations,
    short_statement,
    source_key,
    source_label,
)
from ...evidence.cut import evidence_as_of, vanguard_names, vanguard_table_id
from ...htmltable import frame_table
from ...paths import EVIDENCE_DIR
from ..checksums import evidence_checksum as checksum_of
from ..errors import EvidenceChangedError
from . import changes as ch
from . import html as h
from . import messages as msg
from .marks import VERSION_PLACEHOLDER
from .params import BriefingParameters
from .sections import BY_KEY, REGISTRY, SECTIONS

FIGURE_COLUMNS = [
    ("label", "Measure"),
    ("printed", "Figure as printed"),
    ("period", "Period"),
    ("geography", "Area"),
    ("citation", "Source"),
]
STATUS_NOTE = (
    "Status is worked out from the due date and what the sources published by then report: a progress quote, or an action "
    "the recorded response says was taken (each shown with its date). \u201cProgress reported\u201d does not mean met: "
    "the sources rarely say whether a commitment was completed; \u201cmet early\u201d only where a source says so. "
    "\u201cNot reported in these sources\u201d means only that: it does not mean nothing was done. Findings, proposals "
    "and duties in law are not commitments and get no status."
)


# evidence_as_of, vanguard_names and vanguard_table_id live in evidence/cut.py (polars only, so
# `render` can check parameters before importing altair); imported above and re-exported here.
def _bounds(g: pl.DataFrame) -> tuple[float, float]:
    """The ends of a target: ``value_min``/``value_max`` where recorded, else the smallest and
    largest value of the figures printed as one target (a range printed as two figures)."""
    if "value_min" in g.columns and g["value_min"].drop_nulls().len():
        return float(g["value_min"].drop_nulls()[0]), float(g["value_max"].drop_nulls()[0])
    values = g["value"].drop_nulls().cast(pl.Float64).to_list()
    return min(values), max(values)


def _lower(label: str) -> str:
    """A category label mid-sentence ('White British' stays, 'Female' -> 'female')."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


__all__ = ["Briefing", "evidence_as_of", "vanguard_names", "vanguard_table_id"]


def _changed(evidence: str) -> str:
    return (
        f"the evidence in {evidence} changed after it was validated (its checksum differs): "
        "what would be rendered is not what was validated; render again"
    )


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
    key_messages: msg.KeyMessages | None = None
    messages_path: Path | None = None
    # (measure, value, period) of every row already in a figures table -> that table's number
    _tabled: dict = field(default_factory=dict)
    _where: str = "key messages"
    _recs_shown: dict = field(default_factory=dict)

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
        board_name: str = "",
        evidence_checksum: str = "",
        messages_file: str = "",
    ) -> Briefing:
        """The annex for these parameters. ``render`` passes them RESOLVED (as_of, title and
        board_name filled in by ``validate_parameters`` against the schedule in use) and the
        checksum of the evidence it validated: then the schedule is never read here, and the
        evidence is re-verified around its load (:class:`EvidenceChangedError` if it differs).
        Called with ``board_name`` empty (by hand, in tests), the parameters are resolved here
        against the default schedule."""
        evidence = evidence_dir or str(EVIDENCE_DIR)
        if evidence_checksum and checksum_of(evidence) != evidence_checksum:
            raise EvidenceChangedError(_changed(evidence))
        full = load(evidence)
        if evidence_checksum and checksum_of(evidence) != evidence_checksum:
            raise EvidenceChangedError(_changed(evidence))
        if board_name and as_of and title:
            params = BriefingParameters(
                board=board,
                meeting=meeting,
                as_of=as_of,
                themes=[t for t in SECTIONS if t in (themes or [])],
                focus=focus or "all",
                title=title,
                previous_manifest=previous_manifest,
                evidence_dir=str(evidence_dir or ""),
                board_name=board_name,
                messages_file=str(messages_file or ""),
            )
        else:
            from .params import validate_parameters

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
                    "messages_file": str(messages_file or ""),
                },
                vanguards=vanguard_names(full),
            )
        b = cls(params, evidence_as_of(full, params.as_of_date), board_name=params.board_name, version=version)
        path = Path(params.messages_file) if params.messages_file else msg.messages_path(params.board, params.meeting)
        b.messages_path = path
        # render checks messages (quotes against the source texts too) before the notebook runs
        b.key_messages = msg.load_checked(path, full, b.pkg, params.as_of_date)
        b._build()
        return b

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.blocks: dict[str, list[str]] = {}
        self.section_titles: dict[str, str] = {}
        # altair checks each object against the schema as it is built unless debug mode is off;
        # the whole spec is checked (or not) once, in html.chart_html. Citations are short
        # (source key and locator) throughout the annex; the full references are in Sources.
        with debug_mode(h.VALIDATE_CHARTS), short_citations():
            self._front_refs()
            chosen = [s for s in REGISTRY if s.key in self.params.sections]
            for number, section in enumerate(chosen, start=1):
                self.section_titles[section.key] = f"{number}. {section.title}"
                self._where = f"section {number}, {section.title}"
                self.blocks[section.key] = getattr(self, section.builder)()
            self._where = "appendix"

    def _cite(self, df: pl.DataFrame) -> pl.DataFrame:
        for r in df.iter_rows(named=True):
            places = (self._shown_figures.get(r["id"], {}).get("where") or "").split("; ")
            where = "; ".join(dict.fromkeys(p for p in [*places, self._where] if p))
            self._shown_figures[r["id"]] = {
                "value": r["value"],
                "printed": r["printed"],
                "unit": r["unit"],
                "quote": r["quote"],
                "label": r["label"],
                "source_id": r["source_id"],
                "period": r["period"],
                "where": where,
            }
        return df.with_columns(pl.Series("citation", [cite_figure(self.pkg, i) for i in df["id"]], dtype=pl.String))

    def _next_figure(self) -> int:
        self._figure_no += 1
        return self._figure_no

    def _next_table(self) -> int:
        self._table_no += 1
        return self._table_no

    def _figures_tables(self, df: pl.DataFrame, caption: str) -> str:
        """The figures of a section as tables: each figure's period says what it is as at, with
        dated figures and lapsed terms (CCGs) marked (``measures.currency_note``); global,
        all-age and England-and-Wales figures go to a table of their own, labelled, so they are
        never read beside the England figures for children and young people."""
        meeting = self.params.meeting_date
        rows = df.iter_rows(named=True)
        df = df.with_columns(
            pl.Series("period", [m.currency_note(self.pkg, r, meeting) for r in rows], dtype=pl.String),
            pl.Series("other_scope", [m.scope_label(r) != "" for r in df.iter_rows(named=True)], dtype=pl.Boolean),
        )
        main, other = df.filter(~pl.col("other_scope")), df.filter(pl.col("other_scope"))
        out = self._figures_table(main.drop("other_scope"), caption) if main.height else ""
        if other.height:
            out += self._figures_table(
                other.drop("other_scope"),
                f"{caption} not about children and young people in England (global, all-age or England and Wales): not comparable",
            )
        return out

    def _figures_table(self, df: pl.DataFrame, caption: str) -> str:
        """A numbered table of figures as printed. A figure printed more than once (same
        measure, value and period) is one row with its citations together, and a row already in
        an earlier table of this annex is not repeated."""
        df = self._cite(df)
        key = pl.concat_str(
            [
                pl.col("measure"),
                pl.col("value").cast(pl.String).fill_null(pl.col("printed")),
                pl.col("period").fill_null(""),
            ],
            separator="\x1f",
        )
        df = df.with_columns(key.alias("_key"))
        df = df.filter(~pl.col("_key").is_in(list(self._tabled)))
        if df.height == 0:
            return ""
        merged = df.group_by("_key", maintain_order=True).agg(
            pl.all().exclude("citation").first(), pl.col("citation").unique(maintain_order=True).str.join("; ")
        )
        n = self._next_table()
        for k in merged["_key"]:
            self._tabled[k] = n
        revised = self._revised_since_previous()
        if revised:  # changed figures are marked in the body, not only in "What has changed"
            merged = merged.with_columns(
                pl.when(pl.col("id").is_in(list(revised)))
                .then(pl.concat_str([pl.col("printed"), pl.lit(f" (changed since {revised_label(self)})")]))
                .otherwise(pl.col("printed"))
                .alias("printed")
            )
        return h.exhibit_table(n, merged, caption, FIGURE_COLUMNS, self._keys(merged["citation"]))

    def _revised_since_previous(self) -> set[str]:
        """Ids of figures whose value, printed form or unit differ from the previous version's."""
        if not hasattr(self, "_revised"):
            prev = ch.read_previous(self.params.previous_manifest)
            before = (prev or {}).get("shown", {}).get("figures", {})
            self._prev_version = (prev or {}).get("version")
            rows = self.pkg.figures.filter(pl.col("id").is_in(list(before)))
            self._revised = {
                r["id"]
                for r in rows.iter_rows(named=True)
                if not all(ch._same(before[r["id"]].get(f), r[f]) for f in ch.VALUE_FIELDS)
            }
        return self._revised

    @staticmethod
    def _keys(citations) -> list[str]:
        """The source keys of short citations (a table's source line; its rows carry the locators)."""
        return sorted({c.split(" ")[0] for cs in citations for c in str(cs).split("; ") if c})

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
            "Each dot is either a percentage change printed in a source or a change computed from two printed figures of the same "
            "measure (the table says which, and how). The changes cover different periods, so each period has its own panel: "
            "compare within a panel, not across. Where the dates are known, the table also gives the compound rate a year. "
            "Inpatient admissions are activity, not need, and are in section 4.</p>"
        ]
        growth = m.frame(
            r for r in m.growth_measures(self.pkg) if r.group in ("Need and demand", "Workforce", "Access")
        )
        if growth.height:
            out.append(self._growth_figure(growth))
        out.append(self._figures_tables(figs.sort("theme", "id"), "Prevalence, demand and workforce figures"))
        return out

    def _growth_figure(self, growth: pl.DataFrame) -> str:
        """Figure 1: relative changes as dots, one panel per period (never bars of one chart).
        A change in a share is drawn as its relative change and labelled with its points too; a
        derived change that repeats a printed one (same group, same whole per cent) is left out of
        the chart (the table keeps both)."""
        self._cite_ids(i for i in self._ids(growth, "inputs") if ":" not in i)  # figure ids
        growth = growth.with_columns(
            pl.when(pl.col("formula").str.starts_with("as printed"))
            .then(pl.lit("as printed"))
            .otherwise(pl.lit("derived"))
            .alias("how"),
            pl.when(pl.col("unit") == "percentage_points")
            .then(pl.col("value").map_elements(lambda v: f"{v:+.1f} points", return_dtype=pl.String))
            .otherwise(pl.col("value").map_elements(lambda v: f"{v:+.0f}%", return_dtype=pl.String))
            .alias("change"),
            pl.when(pl.col("unit") == "percent_per_year")
            .then(pl.lit("a year (compound)"))
            .when(pl.col("unit") == "percentage_points")
            .then(pl.lit("in points"))
            .otherwise(pl.lit("over the period"))
            .alias("basis"),
        )
        points = {
            r["inputs"]: r["change"] for r in growth.filter(pl.col("unit") == "percentage_points").iter_rows(named=True)
        }
        totals = growth.filter(pl.col("unit") == "percent")
        printed = {
            (r["group"], round(r["value"])) for r in totals.filter(pl.col("how") == "as printed").iter_rows(named=True)
        }
        totals = (
            totals.filter(
                (pl.col("how") == "as printed")
                | ~pl.struct("group", "value").map_elements(
                    lambda r: (r["group"], round(r["value"])) in printed, return_dtype=pl.Boolean
                )
            )
            .with_columns(
                pl.col("inputs").map_elements(lambda i: points.get(i, ""), return_dtype=pl.String).alias("points"),
                pl.lit("change").alias("quantity"),
            )
            .with_columns(
                pl.when(pl.col("points") != "")
                .then(pl.format("{} ({})", "change", "points"))
                .otherwise(pl.col("change"))
                .alias("dot_label"),
                pl.when(pl.col("how") == "derived")
                .then(pl.format("{} (derived)", "label"))
                .otherwise(pl.col("label"))
                .alias("measure"),
            )
        )
        groups = [g for g in ("Need and demand", "Workforce", "Access") if g in set(totals["group"])]
        periods = totals["period"].unique(maintain_order=True).to_list()
        alt_text = (
            f"Dot chart of percentage changes, one panel for each of {len(periods)} periods, coloured by group. "
            + "; ".join(
                f"{r['label']} ({r['period']}, {r['group']}, {r['how']}): {r['dot_label']}"
                for r in totals.iter_rows(named=True)
            )
        )
        chart = change_dots(
            totals.select("measure", "label", "value", "dot_label", "period", "group", "how", "quantity", "unit"),
            measure="measure",
            value="value",
            label="dot_label",
            period="period",
            group="group",
            groups=groups,
            value_title="Change over the period stated (%)",
            tooltip=[
                alt.Tooltip("label:N", title="Measure"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("dot_label:N", title="Change"),
                alt.Tooltip("how:N", title="How obtained"),
            ],
            description=alt_text,
        )
        n = self._next_figure()
        cites = sorted({c for cs in totals["citations"] for c in cs.split("; ")})
        table = frame_table(
            growth.sort("group", "period", "unit"),
            f"Data for figure {n}, with the rate a year where the dates are known",
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
        return h.figure(
            n,
            chart,
            "Need, demand, workforce and access have all grown, over different periods"
            if (totals["value"] > 0).all()
            else "Changes in need, demand, workforce and access, over different periods",
            alt_text,
            cites,
            table,
            subtitle="Percentage change in England, printed or derived, each over its own period (one panel per period)",
        )

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
                        ("progress", "Progress reported (verbatim, how, date)"),
                        ("share_text", "Share of target (derived)"),
                        ("status", "Status at meeting"),
                        ("source", "Source"),
                    ],
                    sorted(set(df["source"]) | set(cite_many(self.pkg, self._ids(df, "target_ids", "reported_ids")))),
                )
            )
        if commitments.height:
            fig = self._targets_figure(commitments)
            if fig:
                out.append(fig)
        if access.height:
            out.append(self._figures_tables(access.sort("theme", "kind", "id"), "Access, coverage and funding figures"))
        return out

    def _targets_figure(self, commitments: pl.DataFrame) -> str:
        """Figure 2: each commitment with a target that is a share, its reported share as a bar
        and its target as a tick (a range as a band between its ends), on one share axis. Figures
        of other kinds (counts, changes) are in the table, never on this axis."""
        rows, unreported = [], []
        for c in commitments.iter_rows(named=True):
            tids, pids = c["target_ids"].split(), c["reported_ids"].split()
            figs = self.pkg.figures.filter(pl.col("id").is_in(tids + pids))
            shares = figs.filter(pl.col("quantity") == "share")
            targets = shares.filter(pl.col("kind") == "target")
            reported = shares.filter(pl.col("kind") != "target")
            if targets.height == 0:
                continue
            if reported.height == 0:
                # a target alone is not coverage: it stays in the table above, named in the
                # description, never drawn as a tick on the coverage axis
                unreported.append(c["title"])
                continue
            title = wrap_label(c["title"], 44)
            for printed, g in targets.group_by("printed", maintain_order=True):
                low, high = _bounds(g)
                rows.append(
                    dict(
                        row=title,
                        value=high,
                        low=low,
                        high=high,
                        label=f"target {printed[0]} ({g['period'][0]})",
                        kind="target",
                        quantity="share",
                        unit=g["unit"][0],
                        printed=printed[0],
                        ids=" ".join(g["id"]),
                    )
                )
            for value, g in reported.group_by("value", maintain_order=True):
                times = f", printed {g.height} times" if g.height > 1 else ""
                rows.append(
                    dict(
                        row=title,
                        value=value[0],
                        low=value[0],
                        high=value[0],
                        label=f"reported {g['printed'][0]}{times}",
                        kind="observed",
                        quantity="share",
                        unit=g["unit"][0],
                        printed=g["printed"][0],
                        ids=" ".join(g["id"]),
                    )
                )
        if not rows:
            return ""
        data = pl.DataFrame(rows)
        self._cite_ids(i for ids in data["ids"] for i in ids.split())
        alt_text = "Bullet chart of reported coverage against each target: " + "; ".join(
            f"{r['row'].replace(chr(10), ' ')}: {r['label']}" for r in data.iter_rows(named=True)
        )
        if unreported:
            alt_text += (
                ". Not drawn, because these sources report no share for them (see the table above): "
                + "; ".join(unreported)
            )
        chart = against_targets(
            data,
            row="row",
            value="value",
            low="low",
            high="high",
            label="label",
            value_title="Coverage (per cent of the population the source names)",
            tooltip=[alt.Tooltip("row:N", title="Commitment"), alt.Tooltip("label:N", title="Figure")],
            description=alt_text,
        )
        n = self._next_figure()
        tops = dict(data.filter(pl.col("kind") == "target").group_by("row").agg(pl.col("high").max()).iter_rows())
        shown = data.filter(pl.col("kind") != "target")
        over = {r["row"] for r in shown.iter_rows(named=True) if r["value"] > tops.get(r["row"], float("inf"))}
        title = (
            f"Reported coverage is above the target for {len(over)} of {len(tops)} commitments with a share target"
            if over
            else f"Reported coverage against {len(tops)} commitments with a share target"
        )
        cites = cite_many(self.pkg, [i for ids in data["ids"] for i in ids.split()])
        table = frame_table(
            data.with_columns(pl.col("row").str.replace_all("\n", " ")),
            f"Data for figure {n}",
            [("row", "Commitment"), ("label", "Figure (as printed)"), ("kind", "Kind")],
        )
        return h.figure(
            n,
            chart,
            title,
            alt_text,
            sorted(set(cites)),
            table,
            subtitle=f"Share covered, England, as reported by {self.params.as_of_date:%B %Y}, against targets (ticks; a range as a band)",
        )

    def _series_figure(self, series: pl.DataFrame) -> str:
        """Figure: one measure over its periods, as columns left to right in time order, each
        labelled with the figure as printed; the title says which way it moved."""
        series = self._cite(series.sort("period_end"))
        label = series["label"][0]
        counted = series["counted"][0] if "counted" in series.columns and series["counted"][0] else label
        subject = counted.split(" (")[0].split(",")[0]
        subject = subject[:1].upper() + subject[1:]
        first, last = series.row(0, named=True), series.row(-1, named=True)
        title = series_title(subject, first, last)
        alt_text = f"Column chart of {_lower(label)} by period, earliest first: " + "; ".join(
            f"{r['period']}: {r['printed']}" for r in series.iter_rows(named=True)
        )
        chart = period_columns(
            series.select("period", "value", "printed", "label", "quantity", "unit"),
            period="period",
            value="value",
            label="printed",
            value_title=subject,
            tooltip=[
                alt.Tooltip("label:N", title="Measure"),
                alt.Tooltip("printed:N", title="As printed"),
                alt.Tooltip("period:N", title="Period"),
            ],
            description=alt_text,
        )
        n = self._next_figure()
        table = frame_table(
            series,
            f"Data for figure {n}",
            [("period", "Period"), ("printed", "As printed"), ("label", "Measure"), ("citation", "Source")],
        )
        return h.figure(
            n,
            chart,
            title,
            alt_text,
            sorted(set(series["citation"])),
            table,
            subtitle=f"{label}, {series['geography'][0]}, {first['period']} to {last['period']}, as printed",
        )

    def _section_eating_disorders(self) -> list[str]:
        figs = self._figs(["eating_disorders", "waiting_times"], kinds=("observed", "estimate", "target"))
        if figs.height == 0:
            return self._none("eating disorders and waiting times")
        out = []
        starts = figs.filter(
            (pl.col("theme") == "eating_disorders")
            & (pl.col("quantity") == "level")
            & pl.col("period_end").is_not_null()
        )
        if starts.height:
            measure = starts.group_by("measure").len().sort("len", "measure", descending=[True, False])["measure"][0]
            series = starts.filter(pl.col("measure") == measure).sort("period_end")
            if series.height >= 2:
                out.append(self._series_figure(series))
        out.append(self._figures_tables(figs.sort("theme", "id"), "Eating-disorder and waiting-time figures"))
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
            out.append(self._series_figure(series))
        out.append(
            self._figures_tables(
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
        data = (
            ref.select(pl.col("row").alias("vanguard"), "column", "period_start", "value", "printed")
            .sort("period_start")
            .with_columns(pl.lit("level").alias("quantity"), pl.lit("count").alias("unit"))
        )
        by_q = data.group_by("column", "period_start").agg(pl.col("value").sum().alias("total")).sort("period_start")
        order = by_q["column"].to_list()
        first, last = order[0], order[-1]
        who = "all twelve vanguards" if focus == "all" else focus
        alt_text = (
            f"Column charts of accepted referrals per quarter, {first} to {last}, "
            + ("one small chart per vanguard. " if focus == "all" else f"{focus} against all vanguards. ")
            + "Total per quarter: "
            + "; ".join(f"{r['column']}: {r['total']:,.0f}" for r in by_q.iter_rows(named=True))
        )
        tooltip = [
            alt.Tooltip("vanguard:N", title="Vanguard"),
            alt.Tooltip("column:N", title="Quarter"),
            alt.Tooltip("printed:N", title="Accepted referrals"),
        ]
        if focus == "all":
            chart = small_multiples(
                data,
                panel="vanguard",
                x="column",
                x_order=order,
                value="value",
                value_title="Accepted referrals",
                tooltip=tooltip,
                description=alt_text,
            )
            title = "Accepted referrals to each of the twelve vanguards, quarter by quarter"
        else:
            everyone = (
                cells.filter(
                    (pl.col("table_id") == tid) & (pl.col("kind") == "cell") & pl.col("period_start").is_not_null()
                )
                .select(pl.col("row").alias("vanguard"), "column", "period_start", "value", "printed")
                .with_columns(pl.lit("level").alias("quantity"), pl.lit("count").alias("unit"))
            )
            chart = small_multiples(
                everyone,
                panel="vanguard",
                x="column",
                x_order=[q for q in everyone.sort("period_start")["column"].unique(maintain_order=True).to_list()],
                value="value",
                value_title="Accepted referrals",
                tooltip=tooltip,
                description=alt_text,
                highlight=focus,
            )
            title = f"Accepted referrals to {focus} against all vanguards, quarter by quarter"
        n = self._next_figure()
        wide = data.pivot(on="column", index="vanguard", values="printed", aggregate_function="first")
        cols = [("vanguard", "Vanguard")] + [(c, c) for c in order if c in wide.columns]
        out.append(
            h.figure(
                n,
                chart,
                title,
                alt_text,
                [citation],
                frame_table(wide, f"Data for figure {n}", cols),
                subtitle=f"Accepted referrals by quarter, {who}, {first} to {last} (UK financial years)",
            )
        )
        key = self.pkg.figures.filter(pl.col("measure").str.starts_with("ffic_"))
        if key.height:
            out.append(
                self._figures_tables(
                    key,
                    "Key figures on the Framework for Integrated Care: vanguards, funding, referrals and intervention findings (as printed)",
                )
            )
        for t in self.pkg.tables.filter(pl.col("table_id") != tid).iter_rows(named=True):
            fig = self._breakdown_figure(t)
            if fig:
                out.append(fig)
        return out

    def _breakdown_figure(self, t: dict) -> str:
        """Figure: accepted referrals by one breakdown (all vanguards, all quarters), missing
        answers set apart as "Not recorded" (grey, last) and counted in the title."""
        shares = m.total_shares(self.pkg, t["table_id"])
        if shares.height == 0:
            return ""
        self._shown_tables.add(t["table_id"])
        shares = not_recorded(
            shares.with_columns(
                pl.col("share")
                .map_elements(lambda v: m.fmt_share(v) + "%", return_dtype=pl.String)
                .alias("share_text"),
            ),
            "row",
        )
        # several printed rows can be "not recorded" (NULL, Invalid ...): one bar for them all
        drawn = (
            shares.group_by("row", maintain_order=True)
            .agg(pl.col("value").sum(), pl.col("share").sum(), pl.col("printed").str.join(" + "))
            .with_columns(
                pl.col("share")
                .map_elements(lambda v: m.fmt_share(v) + "%", return_dtype=pl.String)
                .alias("share_text"),
                pl.lit("level").alias("quantity"),
                pl.lit("count").alias("unit"),
            )
            .with_columns(pl.format("{} ({})", "printed", "share_text").alias("bar_label"))
        )
        missing = drawn.filter(pl.col("row") == NOT_RECORDED)
        dim = t["row_dimension"]
        total = m.fmt(shares["denominator"][0])
        known = drawn.filter(pl.col("row") != NOT_RECORDED).sort("value", descending=True)
        top = known.row(0, named=True) if known.height else None
        title = breakdown_title(
            dim,
            m.fmt_share(missing["share"][0]) if missing.height else None,
            top["row"] if top else None,
            top["share_text"] if top else "",
        )
        cite = cite_table(self.pkg, t["table_id"])
        alt_text = (
            f"Bar chart of accepted referrals by {dim}, all vanguards, all quarters together, largest first, "
            "with answers not recorded last. "
            + "; ".join(f"{r['row']}: {r['printed']} ({r['share_text']})" for r in drawn.iter_rows(named=True))
        )
        ch = category_bars(
            drawn,
            category="row",
            value="value",
            label="bar_label",
            value_title="Accepted referrals (all quarters)",
            tooltip=[
                alt.Tooltip("row:N", title=dim.capitalize()),
                alt.Tooltip("printed:N", title="Count as printed"),
                alt.Tooltip("share_text:N", title="Share of total (derived)"),
            ],
            description=alt_text,
        )
        n = self._next_figure()
        return h.figure(
            n,
            ch,
            title,
            alt_text,
            [cite],
            frame_table(
                shares.sort(pl.col("row") == NOT_RECORDED, pl.col("value"), descending=[False, True]),
                f"Data for figure {n}",
                [
                    ("row_printed", dim.capitalize() + " (as printed)"),
                    ("printed", "Count as printed"),
                    ("share_text", "Share of total (derived)"),
                    ("formula", "How obtained"),
                ],
            ),
            subtitle=f"Accepted referrals, all vanguards, all quarters together; shares of the total {total} "
            f"(source table: {t['title']})",
        )

    def _section_send(self) -> list[str]:
        figs = self._figs(["send"], kinds=("observed", "estimate", "target", "allocation"))
        recs = self.pkg.recommendations.filter(
            pl.col("set").is_in(["send-inspection-findings-2019", "isos-send-2024", "cfa-2014"])
        )
        if figs.height == 0 and recs.height == 0:
            return self._none("special educational needs and disabilities")
        out = []
        if figs.height:
            out.append(self._figures_tables(figs.sort("id"), "SEND figures"))
        if recs.height:
            out.append(self._recs_table(recs, "SEND inspection findings, system proposals and statutory timescales"))
        return out

    def _recs_table(self, recs: pl.DataFrame, caption: str) -> str:
        df = m.tracker(self.pkg, self.params.meeting_date, recs)
        df = df.with_columns(
            pl.Series("citation", [cite_recommendation(self.pkg, i) for i in df["id"]], dtype=pl.String),
            pl.col("due_printed").fill_null("not stated"),
            pl.col("response_quote").fill_null(""),
        )
        n = self._next_table()
        for r in df.iter_rows(named=True):  # verbatim responses: in the appendix, not in body cells
            self._recs_shown[r["id"]] = {**r, "table": n}
        return h.exhibit_table(
            n,
            df,
            caption,
            [
                ("title", "Recommendation or finding"),
                ("lead", "Lead"),
                ("due_printed", "Due"),
                ("progress", "Progress reported (verbatim, how, date)"),
                ("status", "Status at meeting"),
                ("citation", "Source"),
            ],
            sorted(set(df["citation"])),
        )

    def _status_figure(self, tracked: pl.DataFrame) -> str:
        """Figure: how many recommendations and commitments of each list are in each status (one
        small bar chart per list, statuses in a fixed order and colour; no stacking)."""
        order = [s for s in m.STATUSES if s in set(tracked["status"])]
        status = (
            tracked.with_columns(
                pl.col("set").replace_strict(vocab.list_names(self.pkg), default=pl.col("set")).alias("list"),
            )
            .group_by("list", "status")
            .len("count")
            .with_columns(pl.col("status").replace_strict({s: i for i, s in enumerate(m.STATUSES)}).alias("order"))
            .sort("list", "order")
        )
        lists = status["list"].unique(maintain_order=True).to_list()
        none = int(status.filter(pl.col("status").str.ends_with(m.NOT_REPORTED))["count"].sum())
        total = int(status["count"].sum())
        title = status_title(none, total)
        subtitle = (
            f"Number by status at the meeting date, {self.params.meeting_date:%-d %B %Y}; "
            f"{len(lists)} lists, as the sources published by the evidence cut-off report them"
        )
        alt_text = (
            "Bar charts, one per list, of recommendations and commitments by status at the meeting date. "
            + "; ".join(f"{r['list']}, {r['status']}: {r['count']}" for r in status.iter_rows(named=True))
        )
        chart = status_bars(status.drop("order"), status="status", order=order, count="count", facet="list")
        n = self._next_figure()
        cites = sorted({source_label(self.pkg, s) for s in tracked["source_id"]})
        return h.figure(
            n,
            described(chart, title),
            title,
            alt_text,
            cites,
            frame_table(status, f"Data for figure {n}", [("list", "List"), ("status", "Status"), ("count", "Number")]),
            subtitle=subtitle,
        )

    def _section_recommendations(self) -> list[str]:
        recs = self.pkg.recommendations.filter(
            pl.col("set").is_in(["lenehan-review-2017", "education-committee-2016", "cypmh-programme-2024"])
        )
        if recs.height == 0:
            return self._none("recommendations and commitments")
        out = [f"<p>{h.esc(STATUS_NOTE)}</p>"]
        tracked = m.tracker(self.pkg, self.params.meeting_date, recs).filter(
            pl.col("kind_of_item").is_in(list(m.TRACKED_KINDS))
        )
        if tracked.height:
            out.append(self._status_figure(tracked))
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

    # ------------------------------------------------------------------ front page and closing parts
    def _front_refs(self) -> None:
        """The figures the key messages and "figures to quote" refer to are shown (manifest)."""
        km = self.key_messages
        if km is None:
            return
        ids = [r for mm in km.messages for r in mm.refs] + [i for i, _ in km.figures]
        self._cite_ids(i for i in ids if ":" not in i and i in set(self.pkg.figures["id"]))

    def _derived(self) -> dict[str, m.Derived]:
        if not hasattr(self, "_derived_cache"):
            with short_citations():
                self._derived_cache = {d.id: d for d in m.growth_measures(self.pkg)}
        return self._derived_cache

    @staticmethod
    def _derived_text(d: m.Derived) -> str:
        if d.value is None:
            return "n/a"
        if d.unit in ("percent", "percent_per_year"):
            return m.fmt(d.value) + "%" + (" a year" if d.unit == "percent_per_year" else "")
        if d.unit == "proportion":
            return m.fmt(d.value * 100) + "%"
        return m.fmt(d.value)

    def shown(self) -> dict:
        """Every figure shown (for the manifest and the next version's change list), with the
        derived figures, the sources cited and the key messages' checksum."""
        derived = {}
        if "demand-workforce" in self.blocks:
            title = self.section_titles["demand-workforce"]
            derived = {
                k: {
                    "label": f"{d.label} ({d.period})",
                    "value": d.value,
                    "text": self._derived_text(d),
                    "where": f"section {title}",
                }
                for k, d in self._derived().items()
            }
        used = {v["source_id"] for v in self._shown_figures.values()}
        sources = {
            r["source_id"]: {
                "key": r["key"],
                "title": r["short_title"] or r["title"],
                "published": r["published_printed"],
            }
            for r in self.pkg.sources.iter_rows(named=True)
            if r["source_id"] in used
        }
        path = self.messages_path
        messages = (
            hashlib.sha256(path.read_bytes()).hexdigest()
            if self.key_messages is not None and path is not None
            else None
        )
        return {
            "figures": self._shown_figures,
            "tables": sorted(self._shown_tables),
            "derived": derived,
            "sources": sources,
            "messages": messages,
        }

    def changes(self) -> ch.Changes:
        if not hasattr(self, "_changes"):
            prev = ch.read_previous(self.params.previous_manifest)
            self._changes = ch.compare(prev, {"parameters": self.params.identity(), "shown": self.shown()})
        return self._changes

    def _render_message(self, message: msg.Message) -> str:
        out, cites, bold = [], [], False
        figures = self.pkg.figures
        statements = self.pkg.frames.get("statements")
        for t in message.tokens:
            if t.kind == "text":
                out.append(h.esc(t.value))
            elif t.kind == "strong":
                out.append("</strong>" if bold else "<strong>")
                bold = not bold
            elif t.kind == "quote":
                out.append(f"\u201c{h.esc(t.value)}\u201d")
                cites.append(t.key)
            elif t.value in self._derived():
                d = self._derived()[t.value]
                out.append(f'<span class="ref" data-derived="{h.esc(t.value)}">{h.esc(self._derived_text(d))}</span>')
                cites.extend(d.citations)
            elif statements is not None and t.value in set(statements["id"]):
                st = statements.filter(pl.col("id") == t.value).row(0, named=True)
                out.append(f'<q class="ref" data-statement="{h.esc(t.value)}">{h.esc(st["statement"])}</q>')
                cites.append(short_statement(self.pkg, t.value))
            else:
                r = figures.filter(pl.col("id") == t.value).row(0, named=True)
                out.append(f'<span class="ref" data-figure="{h.esc(t.value)}">{h.esc(r["printed"])}</span>')
                cites.append(cite_figure(self.pkg, t.value))
        cites = list(dict.fromkeys(cites))
        cite = f' <span class="cite">({h.esc("; ".join(cites))})</span>' if cites else ""
        text = "".join(out).rstrip()
        end = text[-1] if text and text[-1] in ".;" else ""
        return f'<li id="message-{message.rank}">{text[: len(text) - len(end)]}{cite}{end}</li>'

    def key_messages_html(self) -> str:
        km = self.key_messages
        if km is None:
            where = self.messages_path.relative_to(self.messages_path.parents[2]) if self.messages_path else "messages/"
            body = (
                '<p class="notice"><strong>No key messages have been written for this meeting.</strong> '
                f"The board's adviser writes them in {h.esc(where)}; until then this annex has the evidence "
                "without a summary.</p>"
            )
            figures = ""
        else:
            with short_citations():
                body = '<ol class="messages">' + "".join(self._render_message(x) for x in km.messages) + "</ol>"
                figures = ""
                if km.figures:
                    ids = [i for i, _ in km.figures]
                    # recorded as shown while building (_front_refs); here only their citations
                    df = self.pkg.figures.filter(pl.col("id").is_in(ids))
                    df = df.with_columns(
                        pl.Series("citation", [cite_figure(self.pkg, i) for i in df["id"]], dtype=pl.String)
                    )
                    df = df.with_columns(
                        pl.col("id").replace_strict({i: n for n, i in enumerate(ids)}, default=0).alias("_order")
                    ).sort("_order")
                    figures = '<h3 id="figures-to-quote">Figures to quote</h3>' + frame_table(
                        df, "Figures to quote, as printed", FIGURE_COLUMNS[:3] + [FIGURE_COLUMNS[4]]
                    )
        return (
            '<section id="key-messages" class="key-messages" aria-labelledby="key-messages-title">'
            f'<h2 id="key-messages-title">Key messages</h2>{body}{figures}</section>'
        )

    def _scope_note(self) -> str:
        areas = set(self._shown_figures and [v for v in self.pkg.figures["geography"].to_list()])
        if any("wales" in str(a).lower() and "england" not in str(a).lower() for a in areas):
            return ""
        return (
            '<p class="scope"><strong>England only.</strong> The evidence in this annex describes England '
            "(a few figures cover England and Wales together); none of it describes Wales alone, so it cannot "
            "inform the implications for Wales.</p>"
        )

    def title_block(self) -> str:
        """The front page: board, title, purpose, meeting, version, cut-off, key messages, what
        changed in one line, the England-only note, then the contents."""
        p = self.params
        c = self.changes()
        contents = "".join(f'<li><a href="#section-{k}">{h.esc(t)}</a></li>' for k, t in self.section_titles.items())
        appendices = "".join(f'<li><a href="#{a}">{h.esc(t)}</a></li>' for a, t in APPENDICES)
        variant = ""
        if p.themes or p.focus != "all":
            covers = "; ".join(BY_KEY[t].title for t in p.themes) if p.themes else "every section"
            focus = f"; vanguard: {p.focus}" if p.focus != "all" else ""
            variant = (
                f'<p class="variant"><strong>A part of the annex</strong> covering {h.esc(covers)}{h.esc(focus)}. '
                "The full annex for this meeting is published separately.</p>"
            )
        return (
            f'<header class="title-block"><p class="board">{h.esc(self.board_name)}</p><h1>{h.esc(p.title)}</h1>'
            f'<p class="purpose">{h.esc(PURPOSE)}</p>{variant}'
            f'<dl class="meta"><div><dt>Meeting</dt><dd>{p.meeting_date:%-d %B %Y}</dd></div>'
            f"<div><dt>Version</dt><dd>{h.esc(self.version) if self.version else VERSION_PLACEHOLDER}</dd></div>"
            f"<div><dt>Evidence cut-off</dt><dd>{p.as_of_date:%-d %B %Y}</dd></div></dl></header>"
            + self.key_messages_html()
            + f'<p class="changed"><strong>What changed:</strong> {h.esc(c.summary())} <a href="#changes">Details</a></p>'
            + self._scope_note()
            + '<nav aria-labelledby="contents-title" class="contents"><h2 id="contents-title">Contents</h2>'
            f'<ul class="plain">{contents}<li><a href="#changes">What has changed</a></li>{appendices}</ul></nav>'
        )

    def section_html(self, key: str) -> str:
        if key not in self.blocks:
            return ""
        return (
            f'<section id="section-{key}" aria-labelledby="section-{key}-title"><h2 id="section-{key}-title">{h.esc(self.section_titles[key])}</h2>'
            + "".join(self.blocks[key])
            + "</section>"
        )

    def sections_html(self) -> str:
        return "".join(self.section_html(s.key) for s in REGISTRY)

    def changes_html(self) -> str:
        c = self.changes()

        def items(rows, fmt) -> str:
            return "<ul>" + "".join(f"<li>{fmt(r)}</li>" for r in rows) + "</ul>"

        if c.previous is None:
            body = "<p>This is the first version for this board: every figure is new.</p>"
        else:
            body = f"<p>Compared with {h.esc(c.previous)}. Why this version exists:</p>" + items(
                c.reasons, lambda r: h.esc(r[:1].upper() + r[1:])
            )
            if c.revised:
                body += f"<h3>Figures corrected ({len(c.revised)})</h3>" + items(
                    c.revised,
                    lambda r: f"{h.esc(r['label'])}: {h.esc(r['old'])} \u2192 {h.esc(r['new'])} ({h.esc(r['where'])})",
                )
            if c.derived:
                body += f"<h3>Derived figures that moved ({len(c.derived)})</h3>" + items(
                    c.derived,
                    lambda r: f"{h.esc(r['label'])}: {h.esc(r['old'])} \u2192 {h.esc(r['new'])} ({h.esc(r['where'])})",
                )
            if c.reworded:
                body += f"<h3>Source quotes reworded, figures unchanged ({len(c.reworded)})</h3>" + items(
                    c.reworded,
                    lambda r: f"{h.esc(r['label'])}: wording of the source quote corrected ({h.esc(r['where'])})",
                )
            for rows, title in ((c.new, "Figures added"), (c.removed, "Figures no longer shown")):
                if rows:
                    body += (
                        f"<details><summary>{title} ({len(rows)})</summary>"
                        + items(rows, lambda r: f"{h.esc(r['label'])}: {h.esc(r['printed'])} ({h.esc(r['where'])})")
                        + "</details>"
                    )
        return (
            '<section id="changes" class="changes" aria-labelledby="changes-title">'
            f'<h2 id="changes-title">What has changed</h2>{body}</section>'
        )

    def quotes_html(self) -> str:
        """Appendix: every figure shown with its verbatim quote and full locator, section by section
        (collapsed: one click away); then the verbatim responses to recommendations."""
        groups: dict[str, list[tuple[str, dict]]] = {}
        for fid, rec in self._shown_figures.items():
            groups.setdefault((rec.get("where") or "appendix").split("; ")[-1], []).append((fid, rec))
        locators = dict(zip(self.pkg.figures["id"], self.pkg.figures["locator"], strict=True))
        parts = []
        for where, rows in groups.items():
            body = "".join(
                f'<tr data-figure="{h.esc(fid)}"><th scope="row">{h.esc(r["label"])}</th><td>{h.esc(r["printed"])}</td>'
                f"<td>\u201c{h.esc(_plain(r['quote']))}\u201d</td><td>{h.esc(source_key(self.pkg, r['source_id']))} {h.esc(readable_locator(locators.get(fid, '')))}</td></tr>"
                for fid, r in rows
            )
            parts.append(
                f"<details><summary>{h.esc(where[0].upper() + where[1:])}: {len(rows)} figures with their quotes</summary>"
                f'<div class="table-wrap" role="region" aria-label="Quotes: {h.esc(where)}" tabindex="0"><table>'
                f"<caption>Figures and their quotes: {h.esc(where)}</caption>"
                '<thead><tr><th scope="col">Measure</th><th scope="col">As printed</th><th scope="col">Quote</th>'
                f'<th scope="col">Where in the source</th></tr></thead><tbody>{body}</tbody></table></div></details>'
            )
        if self._recs_shown:
            body = "".join(
                f'<tr data-recommendation="{h.esc(i)}"><th scope="row">{h.esc(r["title"])}</th>'
                f"<td>{h.esc(_plain(r['response_quote'])) or 'none printed'}</td><td>Table {r['table']}</td></tr>"
                for i, r in self._recs_shown.items()
            )
            parts.append(
                f"<details><summary>Responses and actions as printed: {len(self._recs_shown)} recommendations</summary>"
                '<div class="table-wrap" role="region" aria-label="Responses and actions as printed" tabindex="0"><table>'
                "<caption>Responses and actions to recommendations, verbatim</caption>"
                '<thead><tr><th scope="col">Recommendation or finding</th><th scope="col">Response or action (verbatim)</th>'
                f'<th scope="col">Shown in</th></tr></thead><tbody>{body}</tbody></table></div></details>'
            )
        return (
            '<section id="quotes" class="appendix" aria-labelledby="quotes-title">'
            f'<h2 id="quotes-title">{h.esc(dict(APPENDICES)["quotes"])}</h2>'
            "<p>Every figure in this annex with the words its source prints and where, section by section.</p>"
            + "".join(parts)
            + "</section>"
        )

    def _readers_words(self, text: str) -> str:
        """Analysts' notes as a reader sees them: no ids in brackets, no snake_case names."""
        ids = self._ids_pattern()
        text = re.sub(r"\s*\((?:measure |see |id |figure )?[^()]*?(?:" + ids + r")[^()]*\)", "", text)
        text = re.sub(r"\s*\(measure [a-z0-9_]+\)", "", text)
        text = re.sub(r"\s(?:" + ids + r")\b", "", text)
        text = re.sub(r"\b(?:under )?measure ([a-z0-9]+(?:_[a-z0-9]+)+)", "under one measure", text)
        return re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", lambda mm: mm.group(0).replace("_", " "), text)

    def _ids_pattern(self) -> str:
        if not hasattr(self, "_ids_re"):
            known = (
                set(self.pkg.figures["id"])
                | set(self.pkg.source_issues["id"])
                | set(self.pkg.tables["table_id"])
                | set(self.pkg.recommendations["id"])
                | set(
                    self.pkg.arithmetic_checks.columns
                    and self.pkg.arithmetic_checks[self.pkg.arithmetic_checks.columns[0]]
                )
            )
            self._ids_re = "|".join(re.escape(i) for i in sorted(known, key=len, reverse=True)) or "(?!)"
        return self._ids_re

    def source_issues_html(self) -> str:
        shown = set(self._shown_figures) | self._shown_tables
        issues = self.pkg.source_issues.filter(
            pl.col("refs").map_elements(lambda r: bool(set(r.split()) & shown), return_dtype=pl.Boolean)
        )
        if issues.height == 0:
            body = "<p>No recorded source issue affects the figures in this annex.</p>"
        else:
            with short_citations():
                issues = issues.with_columns(
                    pl.Series("source", [source_label(self.pkg, s) for s in issues["source_id"]], dtype=pl.String),
                    pl.col("kind").replace_strict(ISSUE_KINDS, default=pl.col("kind")).alias("kind_text"),
                    pl.col("description").map_elements(self._readers_words, return_dtype=pl.String),
                    pl.col("explanation").map_elements(self._readers_words, return_dtype=pl.String),
                )
            body = (
                "<p>Where the sources disagree with themselves or each other, this annex shows the figures exactly as printed. "
                f"{issues.height} recorded discrepancies touch figures shown here.</p>"
                f"<details><summary>The {issues.height} discrepancies: what the source prints and how we read it</summary>"
                + frame_table(
                    issues,
                    "Source issues affecting figures in this annex",
                    [
                        ("description", "What the source prints"),
                        ("explanation", "How we read it"),
                        ("kind_text", "Kind"),
                        ("source", "Source"),
                    ],
                )
                + "</details>"
            )
        return f'<section id="source-issues" class="appendix" aria-labelledby="source-issues-title"><h2 id="source-issues-title">{h.esc(dict(APPENDICES)["source-issues"])}</h2>{body}</section>'

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
            f'<section id="sources" class="appendix" aria-labelledby="sources-title"><h2 id="sources-title">{h.esc(dict(APPENDICES)["sources"])}</h2>'
            "<p>Citations in this annex give the source's key and where in it, in the source's own terms "
            "(for example B24 item 3, para 1, or B24 Annex 1 slides, pp. 20-22, using the agenda pack's page numbers).</p>"
            + frame_table(
                src,
                "Source documents published on or before the cut-off date",
                [
                    ("key", "Key"),
                    ("title", "Title"),
                    ("publisher", "Publisher"),
                    ("published_printed", "Published"),
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
            ("Sections", "; ".join(BY_KEY[k].title for k in self.params.sections)),
            ("Focus", "all vanguards" if p["focus"] == "all" else p["focus"]),
            ("Title", p["title"]),
            (
                "Key messages",
                str(self.messages_path.name)
                if self.key_messages is not None and self.messages_path
                else "none written",
            ),
            ("cyp-evidence version", __version__),
            ("Generated", self.generated),
            ("Figures shown", str(len(self._shown_figures))),
            ("Source tables shown", str(len(self._shown_tables))),
        ]
        rows += list((extra or {}).items())
        body = "".join(f'<tr><th scope="row">{h.esc(k)}</th><td>{h.esc(v)}</td></tr>' for k, v in rows)
        return (
            f'<section id="provenance" class="provenance appendix" aria-labelledby="provenance-title"><h2 id="provenance-title">{h.esc(dict(APPENDICES)["provenance"])}</h2>'
            f"<table><caption>Parameters this annex was rendered with</caption><tbody>{body}</tbody></table>"
            "<p>The evidence checksum, source checksums, git commit and package versions are in this version's manifest.json.</p></section>"
        )

    def appendices_html(self) -> str:
        return self.quotes_html() + self.source_issues_html() + self.sources_html() + self.provenance_html()

    def show(self, part: str) -> None:
        """Display one part of the annex in the notebook: 'front' (front page), 'changes',
        'sections' (every section of the registry, in order), one section key, 'appendices',
        or one appendix ('quotes', 'source-issues', 'sources', 'provenance')."""
        from IPython.display import HTML, display

        html = {
            "front": self.title_block,
            "title": self.title_block,
            "changes": self.changes_html,
            "sections": self.sections_html,
            "appendices": self.appendices_html,
            "quotes": self.quotes_html,
            "source-issues": self.source_issues_html,
            "sources": self.sources_html,
            "provenance": self.provenance_html,
        }.get(part)
        display(HTML(html() if html else self.section_html(part)))


def revised_label(b: Briefing) -> str:
    return f"v{b._prev_version}" if getattr(b, "_prev_version", None) else "the previous version"


def _plain(text: str | None) -> str:
    """A source's text without the inline markup some sources carry (``<i>You're Welcome</i>``,
    ``**bold**``): shown as plain words, never as markup or as tags."""
    text = re.sub(r"</?(?:i|b|em|strong|u)>", "", text or "", flags=re.IGNORECASE)
    return text.replace("**", "")


PURPOSE = (
    "For information: the published evidence behind the board's discussion, every figure as its source prints it, "
    "with a short citation."
)
APPENDICES = (
    ("quotes", "Appendix A. Every figure shown, with its quote"),
    ("source-issues", "Appendix B. Source issues affecting these figures"),
    ("sources", "Appendix C. Sources"),
    ("provenance", "Appendix D. Parameters and provenance"),
)
ISSUE_KINDS = m.ISSUE_KINDS  # readers' words for each kind of source issue
