"""Explorers driven without a browser: change a control, the chart data and the chart spec change.

Most tests use the fixed sample package (tests/test_explore_support.py) so that expected values
are known; a final group runs every explorer over the real, growing evidence base."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from test_explore_support import make_package

from cyp_evidence import explore as ex
from cyp_evidence import measures
from cyp_evidence.evidence import load
from cyp_evidence.paths import NOTEBOOKS_DIR
from cyp_evidence.thirdparty import jupyterchart

ALL_EXPLORERS = [
    ex.OverviewExplorer,
    lambda pkg: ex.ThemeExplorer(pkg, themes=("prevalence", "demand")),
    ex.DemandGrowthExplorer,
    ex.CommitmentExplorer,
    ex.FundingExplorer,
    ex.VanguardExplorer,
    ex.RecommendationExplorer,
    ex.SourceIssueExplorer,
]


@pytest.fixture(scope="module")
def sample():
    return make_package()


def spec(e) -> str:
    return json.dumps(e.chart().to_dict(), sort_keys=True, default=str)


def changes(e, **values):
    """Set controls; return (data before, data after, spec before, spec after)."""
    d0, s0 = e.chart_data.clone(), spec(e)
    e.set(**values)
    return d0, e.chart_data, s0, spec(e)


# ---------------------------------------------------------------- vanguards
def test_vanguard_breakdown_changes_data_and_spec(sample):
    v = ex.VanguardExplorer(sample)
    assert list(v.labels) == ["Vanguard", "Ethnicity", "Age group"]
    assert v.controls["vanguards"].options == ("Affinity", "Lincolnshire County Council", "Surrey")
    assert set(v.chart_data["category"]) == {"Affinity", "Lincolnshire County Council", "Surrey"}
    d0, d1, s0, s1 = changes(v, breakdown="Ethnicity")
    assert set(d1["category"]) == {"White British", "African", "Not recorded"}  # NULL set apart
    assert d1["category"].to_list()[-1] == "Not recorded" and '"#707070"' in s1  # last, in grey
    assert s0 != s1 and "Ethnicity" in s1
    assert v.controls["vanguards"].disabled and v.controls["vanguards"].layout.display == "none"
    assert not v.controls["unknown"].disabled  # the ethnicity table records NULL answers
    assert v.citations == [v.citations[0]] and "Annex 2, slide 14" in v.citations[0]
    v.set(breakdown="Vanguard")
    assert v.controls["unknown"].disabled and v.controls["unknown"].layout.display == "none"  # none recorded


def test_vanguard_count_vs_share(sample):
    v = ex.VanguardExplorer(sample)
    d0, d1, s0, s1 = changes(v, measure=ex.vanguards.SHARE)
    assert d0.equals(d1)  # same rows; the chart switches field
    assert '"field": "share"' in s1 and '"field": "share"' not in s0.replace('"field": "share", "format"', "")
    a = v.chart_data.filter((pl.col("category") == "Affinity") & (pl.col("column") == "2022/23 Q1")).row(0, named=True)
    assert a["share"] == pytest.approx(42.4, abs=0.01)  # 173 / 408


def test_vanguard_quarter_range_and_selection(sample):
    v = ex.VanguardExplorer(sample)
    assert v.controls["quarters"].options == ("2022/23 Q1", "2022/23 Q2", "2022/23 Q3")
    d0, d1, s0, s1 = changes(v, quarters=("2022/23 Q2", "2022/23 Q3"))
    assert set(d1["column"]) == {"2022/23 Q2", "2022/23 Q3"} and s0 != s1
    v.set(vanguards=("Surrey",))
    assert v.chart_data["category"].to_list() == ["Surrey"] and v.chart_data["count"].to_list() == [10.0]
    # the chart links a legend/bar selection between its two panels
    s = v.chart().to_dict()
    assert [p["name"] for p in s["params"]] == ["pick"] and len(s["hconcat"]) == 2


def test_vanguard_top_categories_and_unknown(sample):
    v = ex.VanguardExplorer(sample)
    assert v.controls["top"].value == ex.vanguards.STACKED
    assert "All other categories" not in v.chart_data["category"].to_list()  # only 3 vanguards
    v.set(breakdown="Ethnicity")  # 2 named answers and NULL: at most four stacked series
    assert v.chart_data["category"].unique().len() <= ex.vanguards.MAX_STACKED
    v.set(top=ex.vanguards.EACH)
    assert "facet" in spec(v)  # every category in its own small chart, none stacked
    v.set(top=ex.vanguards.STACKED, unknown=False)
    assert "Not recorded" not in v.chart_data["category"].to_list()
    v.set(measure=ex.vanguards.SHARE)
    q1 = v.chart_data.filter(pl.col("column") == "2022/23 Q1")
    assert q1["share"].sum() == pytest.approx(100.0, abs=0.02)  # shares of the known answers


def test_vanguard_table_without_quarters(sample):
    v = ex.VanguardExplorer(sample)
    v.set(breakdown="Age group")
    assert v.controls["quarters"].disabled
    assert set(v.chart_data["column"]) == {"Female", "Male"}
    assert "yOffset" in spec(v)
    v.set(breakdown="Vanguard")
    assert not v.controls["quarters"].disabled and v.controls["quarters"].value == ("2022/23 Q1", "2022/23 Q3")


def test_vanguard_table_and_csv(sample, tmp_path):
    v = ex.VanguardExplorer(sample, outdir=tmp_path)
    t = v.table
    assert t.columns == ["vanguard", "column", "printed", "value", "share_percent", "formula", "inputs", "citation"]
    path = v.save_csv()
    assert path.parent == tmp_path and path.name.startswith("vanguards--vanguard--")
    back = pl.read_csv(path)
    assert back.columns[:2] == ["Vanguard", "Quarter"] and "Source" in back.columns  # readers' headers
    assert back.height == t.height and back["Source"].null_count() == 0


# ---------------------------------------------------------------- overview and themes
def test_overview_search_and_filters(sample):
    o = ex.OverviewExplorer(sample)
    assert o.chart_data["figures"].sum() == 20
    d0, d1, s0, s1 = changes(o, search="eating")
    assert set(o.table["id"]) == {"ed-starts-2019-20", "ed-starts-2022-23", "ed-starts-growth", "urgent-ed-target"}
    assert d1["figures"].sum() == 4 and s0 != s1
    o.set(search="", theme="inpatient")
    assert o.table["theme"].unique().to_list() == ["inpatient"]
    o.set(theme="All", source="dh-2017-lenehan-response")
    assert o.table["id"].to_list() == ["lenehan-recs"]
    assert o.citations[0].startswith("Department of Health")
    o.set(source="All", search="zzz-no-such-thing")
    assert o.chart_data.height == 0 and "No figures match" in spec(o)


def test_theme_explorer_measure_unit_and_time(sample):
    t = ex.ThemeExplorer(sample, themes=("inpatient", "eating_disorders"))
    assert t.controls["axis"].value == "level|count|"  # the most common kind of figure comes first
    assert t.controls["axis"].label == "Numbers"
    t.set(theme="inpatient")
    measures_ = [o[1] for o in t.controls["measure"].options]
    assert measures_ == ["All", "average_length_of_stay_ld_autism", "cyp_admissions"]
    assert all("[" not in o[0] and "_" not in o[0] for o in t.controls["measure"].options)  # readers' words
    _, d1, _, _ = changes(t, measure="cyp_admissions")
    assert set(d1["id"]) == {"admissions-2020-21", "admissions-2022-23", "admissions-2021-22"}
    # a dated series is drawn as columns, periods left to right in time order
    x = t.chart().to_dict()["layer"][0]["encoding"]["x"]
    assert x["field"] == "column" and x["sort"] == ["2020/21", "2021/22", "2022/23"]
    t.set(measure="average_length_of_stay_ld_autism")
    assert t.controls["axis"].value.startswith("duration|months")
    assert t.chart_data["printed"].to_list() == ["almost 8 and a half months"]
    assert all("Annex 1, slide 5" in c for c in t.citations)


def test_theme_explorer_kind(sample):
    t = ex.ThemeExplorer(sample, themes=("access",))
    t.set(kind="target")
    assert set(t.chart_data["kind"]) == {"target"}
    t.set(kind="All")
    assert {"observed", "target"} <= set(t.table["kind"]) or t.controls["axis"].value == "level|count|"


# ---------------------------------------------------------------- derived views
def test_growth_explorer_groups_and_basis(sample):
    g = ex.DemandGrowthExplorer(sample)
    # inpatient admissions are activity, not need or demand: a group of their own
    assert set(g.controls["groups"].options) == {"Need and demand", "Workforce", "Inpatient care"}
    assert g.chart_data.filter(pl.col("id") == "printed:workforce-growth-ltp")["value"].to_list() == [46.0]
    d0, d1, s0, s1 = changes(g, basis=ex.derived.PER_YEAR)
    assert d1.filter(pl.col("group") == "Workforce")["value"].to_list() == [13.4]
    assert s0 != s1
    g.set(groups=("Workforce",))
    assert g.chart_data["group"].unique().to_list() == ["Workforce"]
    assert {"formula", "inputs", "citations"} <= set(g.table.columns)


def test_commitment_explorer_date_and_view(sample):
    c = ex.CommitmentExplorer(sample)
    assert c.controls["at"].value == dt.date(2024, 1, 23)  # the newest source's publication date
    assert set(c.table["status"]) == {
        "Not yet due: progress reported",
        "Met early (the source says so)",
        "Due date passed: not reported in these sources",
    }
    d0, d1, s0, s1 = changes(c, at=dt.date(2024, 6, 1))
    assert not any(s.startswith("Not yet due") for s in c.table["status"]) and s0 != s1
    assert "Due date passed: progress reported" in set(c.table["status"])
    # before the 2024 papers none of their commitments is known yet: such a date would show
    # nothing, so the date goes back no further than the first paper with commitments
    assert measures.commitments(sample, dt.date(2023, 1, 1)).height == 0
    c.set(at=dt.date(2023, 1, 1))
    assert c.controls["at"].value == c.controls["at"].min == dt.date(2024, 1, 23) and c.table.height > 0
    c.set(at=dt.date(2024, 6, 1))
    c.set(view=ex.derived.SHARE)
    assert c.chart_data["title"].to_list() == ["MHSTs covering 20-25% of the country"]
    assert c.chart_data["share_of_target"].to_list() == [140.0]


def test_funding_explorer(sample):
    f = ex.FundingExplorer(sample)
    assert f.controls["money"].value == "ltp-funding"
    row = f.chart_data.filter(pl.col("inputs") == "ltp-funding access-2023").row(0, named=True)
    assert row["value"] == pytest.approx(1232.88)
    assert set(f.chart_data["inputs"]) == {
        "ltp-funding access-2023",
        "ltp-funding access-target",
    }  # related counts only
    assert (
        f.chart_data.filter(pl.col("inputs") == "ltp-funding access-target")["why_this_count"][0]
        == "same source; related theme"
    )
    # no count of areas relates to LTP funding: the choice is not offered (no empty chart)
    assert [b for _, b in f.controls["basis"].options] == ["child"] and f.controls["basis"].layout.display == "none"
    f.set(money="ffic-funding")
    assert "area" in [b for _, b in f.controls["basis"].options]
    f.set(basis="area")
    assert f.chart_data["inputs"].to_list() == ["ffic-funding vanguards-n"]
    assert f.chart_data["value"].to_list() == [pytest.approx(14e6 / 12, abs=0.01)]
    assert f.chart_data["why_this_count"][0] == "same programme (ffic); same source; related theme"
    f.set(money="spec-comm-funding", basis="child", per_year=True)
    assert set(f.chart_data["unit"]) == {"gbp_per_year"}


# ---------------------------------------------------------------- registers
def test_recommendation_tracker(sample):
    r = ex.RecommendationExplorer(sample)
    assert dict(zip(r.table["id"], r.table["status"], strict=True)) == {
        "ltp-access": "Not yet due: progress reported",
        "ltp-mhst": "Met early (the source says so)",
        "lenehan-1": "Due date passed: not reported in these sources",
        "lenehan-2": "No due date: progress reported",
    }
    assert "Met early" in r.table.filter(pl.col("id") == "ltp-mhst")["status"][0]
    d0, d1, s0, s1 = changes(r, set="lenehan-review-2017")
    assert set(d1["set"]) == {"lenehan-review-2017"} and s0 != s1
    r.set(set="All", at=dt.date(2024, 4, 1), status="Due date passed: progress reported")
    assert r.table["id"].to_list() == ["ltp-access"]  # progress figures, due 2023/24 (MHST was met early)
    r.set(status="All", at=dt.date(2020, 1, 1))  # status at a date: nothing made after it is listed
    assert r.table["id"].to_list() == ["lenehan-1", "lenehan-2"]
    assert r.table.filter(pl.col("id") == "lenehan-2")["status"][0] == "No due date: progress reported"
    assert r.citations and all("Annex 1, slide 4" in c for c in r.citations)


def test_source_issue_explorer(sample):
    s = ex.SourceIssueExplorer(sample)
    assert s.controls["issue"].value == "issue-religion-total"
    assert "Rows do not add to the total" in s.notes()
    d0, d1, s0, s1 = changes(s, kind="ambiguity")
    assert d1["kind"].to_list() == ["ambiguity"] and s0 != s1
    assert s.controls["issue"].value == "issue-prevalence"
    assert "1 in 9" in s.notes() and "1 in 6" in s.notes()
    assert s.table["citation"][0].count("Annex 1, slide 5") == 1


# ---------------------------------------------------------------- the widget
def test_widget_redraws_in_place(sample, tmp_path):
    v = ex.VanguardExplorer(sample, outdir=tmp_path)
    w = v.widget
    assert repr(w) == (
        "Framework for Integrated Care vanguards: accepted referrals: to show this explorer, choose Run, then Run All Cells"
    )
    jc = v._jchart
    before = json.dumps(jc.spec, sort_keys=True)
    assert jc.embed_options == {"renderer": "svg", "actions": False}
    v.controls["breakdown"].value = "Ethnicity"
    assert v._jchart is jc  # same widget, new spec
    assert json.dumps(jc.spec, sort_keys=True) != before
    assert "Annex 2, slide 14" in v._cite.value
    v._show.value = True
    assert "<table" in v._table_html.value and v._table_html.layout.display is None
    name, data, message = v._downloads.request("csv")  # what the CSV button sends to the browser
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf") and name in message
    assert str(tmp_path) not in message and "/" not in message.split(name)[0]  # no server path
    assert not list(tmp_path.iterdir())  # nothing written on the server
    # altair's widget, drawn by the project's front end with Vega bundled in (no CDN)
    assert isinstance(jc, alt.JupyterChart) and type(jc)._is_offline
    assert jc._esm == jupyterchart.explorer_module() and "esm.sh" not in jc._esm


def test_a_change_sends_the_chart_first_and_each_other_control_once(pkg, monkeypatch):
    """In JupyterLab the redraw the adviser waits for is the chart: it is the first message a
    control change sends; the other controls' new options and displays follow, one message
    each (the Measure list changes the Kind and Kind of figure lists)."""
    import ipywidgets.widgets.widget as w

    e = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    e.widget  # noqa: B018 (built: its widgets send their changes)
    sent: list[tuple[str, tuple[str, ...]]] = []
    monkeypatch.setattr(
        w.Widget,
        "_send",
        lambda self, msg, buffers=None: sent.append((self.model_id, tuple(sorted(msg.get("state", {}))))),
    )
    measure = e.controls["measure"]
    kinds_before = e.controls["kind"].options
    measure.index = 1  # one measure: the Kind list keeps only its kinds
    assert e.controls["kind"].options != kinds_before
    order = [m for m, _ in sent if m != measure.model_id]  # (the list itself: the page set it)
    assert order[0] == e._jchart.model_id and sent[[m for m, _ in sent].index(order[0])][1] == ("spec",)
    others = {c.model_id for c in e.controls.values() if c is not measure}
    others |= {c.layout.model_id for c in e.controls.values() if c is not measure}
    updated = [m for m in order if m in others]
    assert updated and len(updated) == len(set(updated))  # one message each, after the chart


# ---------------------------------------------------------------- the real evidence base
@pytest.mark.parametrize("make", ALL_EXPLORERS, ids=lambda m: getattr(m, "__name__", "ThemeExplorer"))
def test_every_explorer_on_the_real_evidence(pkg, make, tmp_path):
    e = make(pkg)
    e.outdir = tmp_path
    assert isinstance(e.chart_data, pl.DataFrame)
    s = e.chart().to_dict()
    assert s.get("description")  # every chart has a text alternative
    assert isinstance(e.citations, list)
    for key, c in e.controls.items():  # every option of every dropdown draws
        opts = getattr(c, "options", None)
        if opts and not isinstance(c.value, tuple) and key not in ("quarters",):
            for o in list(opts)[:12]:
                c.value = o[1] if isinstance(o, tuple) else o
                e.chart().to_dict()
    assert e.save_csv().exists()


def test_vanguards_on_the_real_evidence(pkg):
    v = ex.VanguardExplorer(pkg)
    if v.vanguard_table is None:
        pytest.skip("no vanguard table in the evidence base yet")
    totals = v.chart_data.group_by("column").agg(pl.col("count").sum())
    printed = pkg.table_cells.filter((pl.col("table_id") == v.vanguard_table) & (pl.col("kind") == "column_total"))
    assert dict(totals.iter_rows()) == dict(printed.select("column", "value").iter_rows())
    # the three largest vanguards, the rest added up (at most four stacked): quarter totals unchanged
    assert v.chart_data["category"].n_unique() == 4 and "All other categories" in set(v.chart_data["category"])
    v.set(top=ex.vanguards.EACH)  # or each vanguard in its own small chart
    assert v.chart_data["category"].n_unique() == 12
    assert dict(v.chart_data.group_by("column").agg(pl.col("count").sum()).iter_rows()) == dict(totals.iter_rows())


# ---------------------------------------------------------------- notebooks
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("explore_*.ipynb"))


def test_all_exploration_notebooks_exist():
    names = [p.stem for p in NOTEBOOKS]
    for n in (
        "00_overview",
        "01_prevalence",
        "02_workforce",
        "03_waiting_eating_disorders",
        "04_inpatient",
        "05_access_funding_commitments",
        "06_vanguards",
        "07_recommendations",
        "08_source_issues",
    ):
        assert f"explore_{n}" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_uses_the_venv_kernel(path: Path):
    text = path.read_text()
    assert '"def ' not in text and '"class ' not in text
    nb = json.loads(text)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    widget_cells = [c for c in code if "".join(c["source"]).rstrip().endswith(".widget")]
    assert widget_cells, "each exploration notebook shows at least one explorer"
    assert all(c["outputs"] for c in widget_cells), (
        "execute the notebooks before committing (nbval compares stored outputs)"
    )
    assert sum(c["cell_type"] == "markdown" for c in nb["cells"]) >= 3


def test_python3_kernel_resolves_to_this_python():
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_ = KernelSpecManager().get_kernel_spec("python3")
    km = KernelManager(kernel_name="python3")
    cmd = km.format_kernel_cmd() if hasattr(km, "format_kernel_cmd") else spec_.argv
    assert Path(cmd[0]).resolve() == Path(sys.executable).resolve()


def test_growth_per_year_lists_changes_without_dates(sample):
    g = ex.DemandGrowthExplorer(sample)
    g.set(basis=ex.derived.PER_YEAR)
    assert "have no yearly rate" not in g.notes()  # every sample change has dates
    undated = [
        dict(f, period_start=None) if f["id"] == "workforce-growth-ltp" else f
        for f in __import__("test_explore_support").FIGURES
    ]
    g2 = ex.DemandGrowthExplorer(make_package(figures=undated))
    g2.set(basis=ex.derived.PER_YEAR)
    assert "Workforce" not in set(g2.chart_data["group"])
    assert "1 change(s) have no yearly rate" in g2.notes() and "Increase in the total CYPMH workforce" in g2.notes()


def test_citations_are_grouped_by_document(sample):
    from cyp_evidence.evidence.cite import cite_figure, cite_table
    from cyp_evidence.explore.base import citation_html

    cites = [
        cite_figure(sample, "ed-starts-2019-20"),
        cite_figure(sample, "lenehan-recs"),
        cite_table(sample, "ffic-referrals-vanguard"),
    ]
    html = citation_html(sample, cites)
    assert "3 places in 2 documents" in html and "<details" not in html
    assert html.count("LGA Children &amp; Young People Board papers") == 1  # the document once, its places after it
    assert "Annex 1, slide 5; Annex 2, slide 12" in html
    assert "<details" in citation_html(sample, cites * 2) and "no figures shown" in citation_html(sample, [])


def test_source_issue_refs_can_be_tables_or_recommendations(sample):
    issues = make_package(
        source_issues=[
            dict(
                id="i-table",
                source_id="lga-cyp-board-2024-01-23",
                kind="total_mismatch",
                refs="ffic-referrals-vanguard",
                description="d",
                explanation="e",
            ),
            dict(
                id="i-rec",
                source_id="dh-2017-lenehan-response",
                kind="ambiguity",
                refs="lenehan-1",
                description="d2",
                explanation="e2",
            ),
        ]
    )
    s = ex.SourceIssueExplorer(issues)
    assert "Table <b>Accepted referrals by vanguard and quarter</b>" in s.notes()
    s.set(issue="i-rec")
    assert "Recommendation <b>Recommendation 1</b>" in s.notes()
    assert s.table.filter(pl.col("id") == "i-rec")["citation"][0].startswith("Department of Health")


def test_theme_explorer_draws_what_the_print_means(sample):
    t = ex.ThemeExplorer(sample, themes=("prevalence",))
    assert t.controls["axis"].value == "share|proportion|"
    drawn = dict(zip(t.chart_data["printed"], t.chart_data["drawn"], strict=True))
    assert drawn == {"1 in 9": pytest.approx(1 / 9), "1 in 6": pytest.approx(1 / 6)}
    assert '"field": "drawn"' in spec(t)


def test_theme_explorer_says_how_current_each_figure_is(pkg):
    t = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    t.set(axis="rate|rate|10000")
    trafford = t.chart_data.filter(pl.col("id") == "ec16-trafford-lac-rate-dec-2014")["as_at"][0]
    assert "dated: more than 5 years" in trafford and "dated" in t.notes()
    assert '"field": "as_at"' in spec(t)  # in the tooltip


def test_vanguard_notes_say_how_much_is_not_recorded(pkg):
    v = ex.VanguardExplorer(pkg)
    religion = next(label for label in v.labels if label.startswith("Religion"))
    v.set(breakdown=religion)
    assert "Not recorded:" in v.notes() and "%" in v.notes()
    v.set(breakdown="Vanguard")
    assert "Not recorded:" not in v.notes()


def test_full_citations_give_pages_not_the_source_texts_page_markers():
    from cyp_evidence.evidence.cite import cite_figure, readable_locator

    assert (
        readable_locator(
            "Annex 1 slides (NHS England), between the 'Page 20' and 'Page 22' markers, achievements slide"
        )
        == "Annex 1 slides (NHS England), pp. 20-22 of the pack, achievements slide"
    )
    assert (
        readable_locator("slide 'X' (between the 'Page 15' and 'Page 20' markers)")
        == "slide 'X' (pp. 15-20 of the pack)"
    )
    assert readable_locator("slide 'Y' (after the 'Page 22' marker)") == "slide 'Y' (from p. 22 of the pack)"
    assert readable_locator("para 8") == "para 8"
    pkg = load()
    long = cite_figure(pkg, "lga24-a1-access-730000-0-17")
    assert "pp. 20-22" in long and "marker" not in long


@pytest.mark.parametrize(
    "make",
    [
        lambda p: ex.ThemeExplorer(p, themes=("prevalence", "demand", "outcomes")),
        ex.RecommendationExplorer,
        ex.FundingExplorer,
    ],
)
def test_what_an_explorer_shows_names_pages_not_page_markers(make):
    e = make(load())
    shown = e.definition() + " ".join(" ".join(map(str, e.reader_table[c].to_list())) for c in e.reader_table.columns)
    assert "' marker" not in shown and "pp. " in shown
