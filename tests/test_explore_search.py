"""Phrase search, the explorer catalogue and start page, and the definition panel."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from cyp_evidence.explore import catalogue, definitions
from cyp_evidence.explore.search import SearchBox, SearchIndex, hits_html, normalise, parse_query
from cyp_evidence.paths import NOTEBOOKS_DIR


@pytest.fixture(scope="module")
def index(pkg):
    return SearchIndex(pkg)


def test_a_phrase_is_one_phrase_and_a_number_is_not_a_prefix():
    (p,) = parse_query("1 in 6")
    assert p.search(normalise("found that 1 in 6 children")) and not p.search("1 in 60") and not p.search("1 in 9 6")
    (p,) = parse_query("Eating  Disorder")
    assert p.search(normalise("Eating disorders")) and not p.search("overeating disorder")
    assert parse_query("4111")[0].search(normalise("4,111 referrals"))
    assert len(parse_query('"eating disorder" 2022')) == 2 and parse_query("   ") == []


def test_1_in_6_finds_the_two_prevalence_figures_first(index):
    hits = index.search("1 in 6")
    assert [h.printed for h in hits[:2]] == ["1 in 6", "1 in 9"]
    assert all(h.kind == "Figure" and "probable mental health disorder" in h.label for h in hits[:2])
    assert [h.period for h in hits[:2]] == ["2022", "2017"]
    assert hits[0].citation.startswith("B24, ") and "Board" in hits[0].document
    assert hits[0].used_in[0].notebook == "explore_01_prevalence.ipynb"
    # the register's issue on the two surveys is found too, after the figures
    assert any(h.kind == "Source issue" for h in hits[2:])
    assert len(hits) < 10  # not the 39 of word-by-word matching


def test_search_covers_table_cells_recommendations_and_issues(index):
    kinds = {h.kind for q in ("Affinity", "residential", "total") for h in index.search(q)}
    assert kinds == {"Figure", "Table cell", "Recommendation", "Source issue"}
    cells = [h for h in index.search("Affinity") if h.kind == "Table cell"]
    assert cells and all(h.used_in[0].notebook == "explore_06_vanguards.ipynb" for h in cells)
    assert index.search("zzzz-nothing") == []


def test_eating_disorder_lists_figures_with_their_explorer(index):
    hits = index.search("eating disorder")
    assert hits and hits[0].kind == "Figure"
    assert any(e.notebook == "explore_03_waiting_eating_disorders.ipynb" for e in hits[0].used_in)
    frame = index.frame("eating disorder")
    assert frame.height == len(hits) and "value as printed" in frame.columns


def test_results_read_as_a_list_with_links_and_no_ids(index):
    html = hits_html(index.search("1 in 6"), "1 in 6")
    assert "<ol" in html and 'href="explore_01_prevalence.ipynb"' in html and "1 in 6" in html
    assert "lga24-" not in html and "_" not in re.sub(r"<[^>]+>", "", html)  # no ids or snake_case
    assert "Nothing in the evidence base matches" in hits_html([], "zzz")
    box = SearchBox(index.pkg)
    box.box.value = "1 in 6"
    assert "3 matches" in box.results.value or "matches" in box.results.value
    assert repr(box).startswith("Search the evidence: to show the search box, choose Run")


def test_catalogue_lists_every_explorer_notebook_and_they_link_back():
    on_disk = sorted(p.name for p in NOTEBOOKS_DIR.glob("explore_*.ipynb"))
    assert sorted(e.notebook for e in catalogue.CATALOGUE) == on_disk
    start = json.loads((NOTEBOOKS_DIR / catalogue.START_PAGE).read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in start["cells"] if c["cell_type"] == "markdown")
    assert "Run All Cells" in "".join(start["cells"][0]["source"])  # the first cell says how to run it
    for e in catalogue.CATALOGUE:
        assert f"]({e.notebook})" in text and e.question in text
    # a root path: JupyterLab leaves it a plain link, so the annex opens in a browser tab (no "Trust HTML")
    assert "](/files/outputs/index.html)" in text
    for name in on_disk + [catalogue.START_PAGE, "briefing.ipynb"]:
        nb = json.loads((NOTEBOOKS_DIR / name).read_text(encoding="utf-8"))
        if name.startswith("explore_"):
            assert f"]({catalogue.START_PAGE})" in "".join(nb["cells"][0]["source"]), name
            assert "Run All Cells" in "".join(nb["cells"][0]["source"]), name
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                assert c["metadata"].get("jupyter", {}).get("source_hidden") is True, (name, c["id"])
    # every theme is charted by some explorer
    themes = {t for e in catalogue.CATALOGUE for t in e.themes}
    assert set(pl.read_csv(NOTEBOOKS_DIR.parent / "evidence/figures/lga-cyp-board-2024-01-23.csv")["theme"]) <= themes


def test_definition_panel_says_what_is_counted_and_its_issues(pkg):
    ids = ["lga24-cp-prevalence-2022"]
    html = definitions.definition_html(pkg, ids)
    for words in ("What is counted", "Unit and kind", "Area", "Period", "<b>Source:</b>", "Source issues", "Compare"):
        assert words in html, words
    assert "England" in html and "2022" in html and "B24" in html
    assert "1 in 9" in html  # the other figure of the measure, compared
    # the unit says it is a share: said once, with the kind of figure
    assert "<b>Unit and kind:</b> a share (shown as a percentage); reported (observed)</p>" in html
    growth = definitions.definition_html(pkg, ["lga24-a1-workforce-increase-since-2016"])
    assert "a change" in growth  # a kind of quantity the unit does not say
    assert definitions.definition_html(pkg, []) == ""


def test_compare_states_what_differs_across_documents(pkg):
    rows = list(pkg.figures.filter(pl.col("measure") == "future_in_mind_investment").iter_rows(named=True))
    assert len({r["source_id"] for r in rows}) == 2
    html = definitions.compare_html(pkg, rows)
    assert "in 2 documents" in html and "£1.4bn" in html and "£1.4 billion" in html
    assert "label differs" in html  # the two documents describe the money differently
    same = [rows[0], dict(rows[0], id="copy", source_id=rows[1]["source_id"])]
    assert "the same in every one" in definitions.compare_html(pkg, same)


def test_figure_ids_reads_ids_and_inputs(pkg):
    t = pl.DataFrame({"id": ["lga24-cp-prevalence-2022", "derived-x"], "inputs": ["lga24-cp-prevalence-2017", ""]})
    assert definitions.figure_ids(pkg, t) == ["lga24-cp-prevalence-2022", "lga24-cp-prevalence-2017"]


def test_tooltips_name_the_document(pkg):
    from cyp_evidence.explore import ThemeExplorer

    e = ThemeExplorer(pkg, themes=("prevalence",), title="Prevalence")
    assert e.chart_data["document"].null_count() == 0
    assert any(d.startswith("B24, ") for d in e.chart_data["document"].to_list())
    spec = json.dumps(e.chart().to_dict())
    assert '"field": "document"' in spec and '"title": "Source"' in spec


def test_definitions_for_source_tables_and_commitments(pkg):
    from cyp_evidence.explore import CommitmentExplorer, VanguardExplorer

    v = VanguardExplorer(pkg)
    assert definitions.table_ids(pkg, v.table) == ["lga24-ffic-accepted-referrals-by-vanguard"]
    html = v.definition()
    assert "Accepted referrals by vanguard and quarter" in html and "What is counted" in html and "B24" in html
    c = CommitmentExplorer(pkg)
    assert "What is counted" in c.definition() and definitions.figure_ids(pkg, c.table)


def test_the_recommendations_tracker_has_a_definition_panel(pkg):
    from cyp_evidence.explore import RecommendationExplorer

    t = RecommendationExplorer(pkg)
    t.controls["set"].value = "lenehan-review-2017"
    html = t.definition()
    for words in ("What is counted", "Status", "Not reported in these sources", "does not mean that nothing was done"):
        assert words in html, words
    assert "Lenehan review (2017)" in html and "DH17" in html  # the list shown and its document
    assert "Source issues" in html and "Typing error in the source" in html  # si-dh17-rec-07 touches an item
    assert "_" not in re.sub(r"<[^>]+>", "", html)  # no snake_case reaches the reader
    # the statuses offered are those the list has, so each choice still has a definition
    for status in [o for o in t.controls["status"].options if o != "All"]:
        t.controls["status"].value = status
        assert t.chart_data.height > 0 and "What is counted" in t.definition(), status


def test_the_source_issues_view_has_a_definition_panel_in_readers_words(pkg):
    from cyp_evidence.explore import SourceIssueExplorer

    s = SourceIssueExplorer(pkg)
    assert ("Two sources disagree", "cross_document") in list(s.controls["kind"].options)
    assert all(not re.search(r"[a-z]_[a-z]", str(o[0])) for o in s.controls["issue"].options)
    s.controls["issue"].value = "si-lga-prevalence-age-band-not-stated"
    html = s.definition()
    assert "Kind of issue" in html and "Ambiguous wording" in html and "more than one reading" in html
    # the definition of the measure the issue touches, as beside the other charts
    assert "What is counted" in html and "Unit and kind" in html and "B24" in html
    spec = s.chart().to_dict()
    assert '"field": "kind_text"' in json.dumps(spec)  # bars labelled in words (the rows keep the register's kind)
    assert "The source disagrees with itself" in json.dumps(spec)  # the bars' labels


def test_explorer_controls_use_readers_words_and_whole_labels(pkg):
    from cyp_evidence.explore import OverviewExplorer, ThemeExplorer

    e = ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"), title="Prevalence")
    kind = e.controls["kind"]
    assert ("Reported", "observed") in list(kind.options) and ("Estimated", "estimate") in list(kind.options)
    assert len(kind.tooltips) == len(kind.options) and any("survey" in t for t in kind.tooltips)
    assert all(c.style.description_width == "initial" for c in e.controls.values())  # "Kind of figure" not cut
    e.controls["kind"].value = "estimate"
    spec = json.dumps(e.chart().to_dict())
    assert '"field": "kind_label"' in spec and '"kind_label": "Estimated"' in spec  # the tooltip's kind, in words
    assert ("Targets", "target") in list(OverviewExplorer(pkg).controls["kind"].options)
    # the definition panel's unit and kind in words: no internal names, shares as percentages
    html = definitions.definition_html(pkg, ["lga24-cp-prevalence-2022"])
    assert "a share (shown as a percentage); reported (observed)</p>" in html and "0.2 is 20" not in html
