"""The annex content, built in process (no kernel): derived numbers come from measures with
their formulas, statuses are measures.status_at's, and every figure behind them is recorded."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import polars as pl
import pytest

from cyp_evidence import measures as m
from cyp_evidence.briefing.content.annex import Briefing
from cyp_evidence.evidence import load
from cyp_evidence.evidence.cut import evidence_as_of


@pytest.fixture(scope="module")
def briefing():
    return Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12")


def text(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_growth_section_shows_printed_and_derived_growth_with_formulas(briefing):
    section = text(briefing.section_html("demand-workforce"))
    pkg = evidence_as_of(load(), dt.date(2024, 3, 12))
    derived = [r for r in m.growth_measures(pkg) if r.group in ("Need and demand", "Workforce", "Access")]
    assert any(r.id.startswith("change:") for r in derived) and any(r.id.startswith("annual:") for r in derived)
    for r in derived:
        assert r.formula in section, r.id
        for fid in r.inputs:
            assert fid in briefing.shown()["figures"], f"{r.id}: input {fid} not recorded as shown"


def test_commitments_show_share_of_target_and_status(briefing):
    section = text(briefing.section_html("access-commitments"))
    c = m.commitments(briefing.pkg, dt.date(2024, 3, 12))
    computed = c.filter(c["share_of_target"].is_not_null())
    assert computed.height >= 1
    assert "68.5%" not in section and "4,111 ÷ 6,000" not in section  # referrals are not children
    for f in computed["formula"]:
        assert f in section
    assert "35% ÷ c.50% × 100 = 70%" in section  # shares as printed; the canonical values are proportions
    assert "does not mean met" in section
    for tid in briefing._ids(c, "target_ids", "reported_ids"):
        assert tid in briefing.shown()["figures"]


def test_statuses_are_the_measures_categories(briefing):
    section = text(briefing.section_html("recommendations"))
    found = {s for s in m.STATUSES if s in section}
    assert found and "Due date passed: not reported in these sources" in found  # Lenehan actions due in 2018
    assert "not yet due (due" not in section  # the old free-text statuses are gone
    assert "no progress" not in section.lower()  # "not reported in these sources" is all the sources allow
    # the Lenehan response rows show the action their response records, with its date
    assert "have published" in section and "6 November 2017" in section


def test_send_findings_and_the_act_get_no_commitment_status(briefing):
    section = text(briefing.section_html("send"))
    assert m.UNTRACKED_STATUS["finding"] in section and m.UNTRACKED_STATUS["statutory duty"] in section
    assert not any(s in section for s in m.STATUSES)


def test_breakdown_shares_come_from_total_shares(briefing):
    section = text(briefing.section_html("vanguards"))
    pkg = briefing.pkg
    from cyp_evidence.evidence.cut import vanguard_table_id

    breakdowns = [t for t in pkg.tables["table_id"] if t != vanguard_table_id(pkg) and m.total_shares(pkg, t).height]
    assert len(breakdowns) >= 5
    for tid in breakdowns:
        for f in m.total_shares(pkg, tid)["formula"]:
            assert f in section, tid
        assert tid in briefing.shown()["tables"]
    assert "= 0%" not in section  # a small share (2 of 4,111) never reads as 0%


@pytest.mark.parametrize(
    "params",
    [
        {},  # every section
        {"focus": "Affinity"},
        # before the board papers: most sections are empty (and the meeting's key messages, which
        # cite the board papers, would fail the render: this annex has none)
        {"as_of": "2023-12-31", "messages_file": "/nonexistent/key-messages.md"},
        {"themes": ["vanguards", "recommendations"]},
    ],
)
def test_every_annex_chart_is_valid_vega_lite(params, monkeypatch):
    """Annexes are built without schema validation (speed); here every chart is validated."""
    from altair.utils.schemapi import SchemaValidationError

    from cyp_evidence.briefing.content import html as h

    monkeypatch.setattr(h, "VALIDATE_CHARTS", True)
    checked = []
    real = h.chart_html

    def spy(chart):
        checked.append(chart.to_dict())  # validates; raises SchemaValidationError if invalid
        return real(chart)

    monkeypatch.setattr(h, "chart_html", spy)
    Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12", **params)
    if not params.get("as_of"):
        assert checked, "no chart was built"
    broken = alt_chart_with_bad_encoding()
    with pytest.raises(SchemaValidationError):
        real(broken)


def alt_chart_with_bad_encoding():
    import altair as alt

    return alt.Chart(alt.Data(values=[{"a": 1}])).mark_bar().encode(x=alt.X("a:Q", bin="yes-please"))


def test_series_run_left_to_right_in_period_order(monkeypatch):
    """A measure printed for several periods is drawn as columns in time order (never sorted by
    size, never as horizontal bars), one column per printed figure: no two rows share a period,
    so vega-lite never stacks (adds up) figures that no source added up."""
    from cyp_evidence.briefing.content import html as h

    seen = []
    real = h.chart_html
    monkeypatch.setattr(h, "chart_html", lambda chart: (seen.append(chart.to_dict(validate=False)), real(chart))[1])
    Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12")

    def x_field(spec):
        return spec["layer"][0].get("encoding", {}).get("x", {}).get("field") if spec.get("layer") else None

    series = [s for s in seen if x_field(s) == "period"]
    assert len(series) >= 2
    for spec in series:
        periods = [r["period"] for r in spec["datasets"][spec["data"]["name"]]]
        assert len(periods) == len(set(periods)) and spec["layer"][0]["encoding"]["x"]["sort"] == periods
    admissions = [s for s in series if "admi" in s["description"].lower()]
    periods = [r["period"] for r in admissions[0]["datasets"][admissions[0]["data"]["name"]]]
    assert periods == ["2020/21", "2021/22", "2022/23"]


def test_other_scope_figures_are_kept_out_of_the_england_tables(briefing):
    section = briefing.section_html("demand-workforce")
    main, _, context = section.partition("not about children and young people in England")
    world = briefing.pkg.figures.filter(pl.col("id") == "lga24-a1-cyp-share-world-population")["label"][0]
    assert world in text(context) and world not in text(main) and "global figure" in text(context)
    inpatient = briefing.section_html("inpatient")
    england, _, other = inpatient.partition("not about children and young people in England")
    assert "England and Wales; all ages" in text(other) and "England and Wales; all ages" not in text(england)


def test_dated_figures_and_ccgs_are_marked(briefing):
    section = text(briefing.section_html("demand-workforce"))
    assert "dated: more than 5 years before the meeting" in section
    assert "CCGs were replaced by integrated care boards (ICBs) on 1 July 2022" in section


def test_targets_figure_draws_only_commitments_with_a_reported_share(briefing):
    """A target with no reported share is not coverage: it is named in the figure's description
    and left in the table, never drawn alone as a tick on the coverage axis (the eating-disorder
    waiting standard, 95% of urgent cases within 1 week, is not a share of a population)."""
    section = briefing.section_html("access-commitments")
    fig = next(f for f in re.findall(r"<figure.*?</figure>", section, re.S) if "with a share target" in f)
    rows = re.findall(r"<tr>(.*?)</tr>", fig.split('class="figure-data"')[1], re.S)
    kinds: dict[str, set[str]] = {}
    for r in rows[1:]:
        cells = [text(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
        kinds.setdefault(cells[0], set()).add(cells[-1])
    assert kinds and all("observed" in k for k in kinds.values()), kinds
    assert not any("eating disorder" in c for c in kinds)
    description = text(fig.split('class="alt-text"')[1].split("</p>")[0])
    assert "Not drawn" in description and "eating disorder" in description
