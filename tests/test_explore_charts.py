"""Every chart an explorer can draw, for every combination of its controls, keeps one kind of
quantity and one unit on each axis, declares it, and uses colours that pass the colour test;
controls with a single choice are hidden; going back to "All" resets what depended on it."""

from __future__ import annotations

import datetime as dt

import ipywidgets as widgets
import pytest
from test_explore_support import make_package

from cyp_evidence import charts
from cyp_evidence import explore as ex
from cyp_evidence.evidence import load

EXPLORERS = {
    "overview": lambda p: ex.OverviewExplorer(p),
    "prevalence": lambda p: ex.ThemeExplorer(p, themes=("prevalence", "demand", "outcomes")),
    "growth": lambda p: ex.DemandGrowthExplorer(p),
    "workforce": lambda p: ex.ThemeExplorer(p, themes=("workforce",)),
    "waiting": lambda p: ex.ThemeExplorer(p, themes=("waiting_times", "eating_disorders")),
    "inpatient": lambda p: ex.ThemeExplorer(p, themes=("inpatient",)),
    "commitments": lambda p: ex.CommitmentExplorer(p),
    "money": lambda p: ex.FundingExplorer(p),
    "access": lambda p: ex.ThemeExplorer(p, themes=("access", "funding", "programmes", "commitments")),
    "vanguards": lambda p: ex.VanguardExplorer(p),
    "tracker": lambda p: ex.RecommendationExplorer(p),
    "send": lambda p: ex.ThemeExplorer(p, themes=("send", "governance")),
    "issues": lambda p: ex.SourceIssueExplorer(p),
}


def candidates(c) -> list:
    """The values a reader can give one control (every option of a list; a few for the rest)."""
    if isinstance(c, (widgets.Dropdown, widgets.ToggleButtons)):
        return [o[1] if isinstance(o, tuple) else o for o in c.options]
    if isinstance(c, widgets.Checkbox):
        return [True, False]
    if isinstance(c, widgets.SelectMultiple):
        opts = list(c.options)
        return [tuple(opts), tuple(opts[:1]), tuple(opts[: max(1, len(opts) // 2)])] if opts else [()]
    if isinstance(c, widgets.SelectionRangeSlider):
        o = list(c.options)
        return [(o[0], o[-1]), (o[0], o[0]), (o[len(o) // 2], o[-1])] if len(o) > 1 else [c.value]
    if isinstance(c, widgets.DatePicker):
        return [c.value, dt.date(2018, 1, 1), dt.date(2010, 1, 1)]
    if isinstance(c, widgets.Text):
        return ["", "1 in 6"]
    raise AssertionError(f"no candidate values for {type(c).__name__}")


def combinations(e, keys: list[str]):
    """Set every combination of the controls in ``keys`` (each control's options as they are
    once the ones before it are set) and yield the state after each."""
    if not keys:
        yield e.state()
        return
    c = e.controls[keys[0]]
    applies = not c.disabled and c.layout.display != "none"
    for v in candidates(c) if applies else [c.value]:
        c.value = v
        yield from combinations(e, keys[1:])


@pytest.fixture(scope="module")
def real():
    return load()


@pytest.mark.parametrize("name", list(EXPLORERS))
@pytest.mark.parametrize("which", ["real", "sample"])
def test_every_combination_of_controls_draws_an_honest_chart(name, which, real):
    e = EXPLORERS[name](real if which == "real" else make_package())
    seen, problems = 0, []
    for state in combinations(e, list(e.controls)):
        spec = e.chart().to_dict(validate=False)
        problems += charts.check_spec(spec, f"{name} {state}")
        problems += charts.label_problems(spec, f"{name} {state}")  # no label cut off with "…"
        rows = [r for rs in spec.get("datasets", {}).values() for r in rs]
        if isinstance(e, ex.ThemeExplorer) and not any("message" in r for r in rows):
            # the rows name their measure and period, so check_spec sees which measures share an
            # axis and whether each measure's periods run left to right in time order
            assert rows and all("measure" in r and "period_end" in r for r in rows), state
        seen += 1
    assert seen >= 1 and problems == [], problems[:5]


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_no_visible_control_offers_a_single_choice(name, real):
    e = EXPLORERS[name](real)
    for key, c in e.controls.items():
        if c.layout.display == "none" or c.disabled or not hasattr(c, "options"):
            continue
        choices = [o[1] if isinstance(o, tuple) else o for o in c.options]
        assert len([v for v in choices if v not in (ex.base.ALL, None)]) >= 2 or (
            isinstance(c, widgets.SelectMultiple) and len(choices) >= 2
        ), f"{name}: control {key} offers {choices}"


def test_back_to_all_resets_the_controls_that_depended_on_it(real):
    t = ex.ThemeExplorer(real, themes=("prevalence", "demand", "outcomes"))
    first = t.controls["axis"].value
    n = t.chart_data.height
    measure = next(v for _, v in t.controls["measure"].options if v != ex.base.ALL)
    t.set(measure=measure)
    t.set(measure=ex.base.ALL)
    assert t.controls["axis"].value == first and t.chart_data.height == n  # not stuck on the measure's unit


def test_colours_follow_the_category_not_the_filter(real):
    o = ex.OverviewExplorer(real)

    def colour_of(spec, source):
        scale = spec["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))[source]

    lga = next(s for s in ex.figures.source_short(real).values() if s.startswith("Local Government"))
    before = colour_of(o.chart().to_dict(), lga)
    o.set(kind="target")
    assert colour_of(o.chart().to_dict(), lga) == before
    o.set(kind="All", search="1 in 6")
    assert colour_of(o.chart().to_dict(), lga) == before


def _reader_ids(pkg) -> set[str]:
    """Every id a reader must never see in a title: figures, tables, sources, lists, issues."""
    ids = set(pkg.figures["id"]) | set(pkg.tables["table_id"]) | set(pkg.sources["source_id"])
    ids |= set(pkg.recommendations["id"]) | set(pkg.recommendations["set"]) | set(pkg.source_issues["id"])
    return {i for i in ids if i}


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_chart_has_a_short_readers_title_and_a_subtitle_of_area_and_period(name, real):
    """Item 5 of issue 14: each chart says what it shows (at most 15 words, no snake_case or
    ids), its subtitle gives measure, area and period, and its accessible name is the title
    (the description is shown once, as text, not also in the chart's label)."""
    e = EXPLORERS[name](real)
    ids, problems, seen = _reader_ids(real), [], 0
    for state in combinations(e, list(e.controls)):
        chart, text = e.figure()
        where = f"{name} {state}"
        problems += [f"{where}: {p}" for p in text.problems()]
        problems += [f"{where}: id {w!r} in {text.title!r}" for w in text.title.replace(",", " ").split() if w in ids]
        if not (text.area in text.subtitle and text.period in text.subtitle):
            problems.append(f"{where}: subtitle {text.subtitle!r}")
        spec = chart.to_dict(validate=False)
        if spec.get("description") != text.title:
            problems.append(f"{where}: the chart's label is {spec.get('description')!r}, not its title")
        if text.description and text.description == text.title:
            problems.append(f"{where}: the description repeats the title")
        seen += 1
    assert seen >= 1 and problems == [], problems[:5]


def test_a_title_with_programmers_words_is_caught():
    assert charts.text_problems("Referrals by ethnicity_group", "") != []
    assert charts.text_problems("Status of si-ffic-4111-children-vs-referrals", "") != []
    assert charts.text_problems("Status of the cfa-2014 list", "") != []
    assert charts.text_problems(" ".join(["word"] * 16), "") != []
    assert charts.text_problems("Admissions fell from 3,750 in 2020/21 to 2,700 in 2022/23", "England, 2020/21") == []
    assert charts.ChartText("A title", "Number", "", "2024").problems() != []  # no area


def _choices(c) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in getattr(c, "options", [])]


def _empty(spec: dict) -> bool:
    rows = [r for rs in spec.get("datasets", {}).values() for r in rs]
    return not rows or any("message" in r for r in rows)  # charts.explore.empty: a message, no marks


@pytest.mark.parametrize("name", list(EXPLORERS))
@pytest.mark.parametrize("which", ["real", "sample"])
def test_every_choice_of_every_explorer_draws_a_chart(name, which, real):
    """Item 9 of issue 14: every combination of every explorer's controls draws something (the
    money view's 31 of 52, the tracker's lists of findings, a status at a date before any item
    was made, a source with no figure of the kind chosen used to draw an empty chart), and no
    control a reader can see offers a single choice."""
    e = EXPLORERS[name](real if which == "real" else make_package())
    empty, single, seen = [], [], 0
    for state in combinations(e, list(e.controls)):
        seen += 1
        if _empty(e.chart().to_dict(validate=False)):
            empty.append(state)
        for key, c in e.controls.items():
            if c.layout.display == "none" or not hasattr(c, "options"):
                continue
            real_choices = [v for v in _choices(c) if v not in (ex.base.ALL, None)]
            if len(real_choices) < 2 and not (isinstance(c, widgets.SelectMultiple) and len(real_choices) == 1):
                single.append((key, _choices(c), state))
    assert seen >= 1 and empty == [] and single == [], (empty[:3], single[:3])


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_back_to_all_resets_every_control_that_depended_on_it(name, real):
    """Choose something, then something in a control after it, then go back to "All": every
    control after it is as it was at the start (no choice sticks from the old selection)."""
    e = EXPLORERS[name](real)
    keys, start, tried = list(e.controls), e.state(), 0
    for i, key in enumerate(keys):
        c = e.controls[key]
        if ex.base.ALL not in _choices(c):
            continue
        for v in [v for v in _choices(c) if v != ex.base.ALL]:
            c.value = v
            for later in keys[i + 1 :]:
                d = e.controls[later]
                if d.layout.display != "none" and isinstance(d, (widgets.Dropdown, widgets.ToggleButtons)):
                    d.value = _choices(d)[-1]
            c.value = ex.base.ALL
            after = e.state()
            assert {k: after[k] for k in keys[i + 1 :]} == {k: start[k] for k in keys[i + 1 :]}, (key, v)
            tried += 1
    has_all = any(ex.base.ALL in _choices(c) for c in e.controls.values())
    assert tried > 0 or not has_all


def test_include_not_recorded_changes_the_chart_wherever_it_is_shown(real):
    """Item 9: the vanguards' "Show answers not recorded" box works, and is gone where the table
    records no such answers."""
    v = ex.VanguardExplorer(real)
    shown = 0
    for label in v.labels:
        v.set(breakdown=label)
        box = v.controls["unknown"]
        has = v._has_missing(v.table_id)
        assert (box.layout.display != "none") == has and box.disabled == (not has), label
        if has:
            box.value = True
            with_missing = v.chart_data
            box.value = False
            assert charts.NOT_RECORDED in set(with_missing["category"]), label
            assert charts.NOT_RECORDED not in set(v.chart_data["category"]), label
            box.value = True
            shown += 1
    assert shown >= 1


def test_changing_the_money_resets_what_no_longer_applies(real):
    e = ex.FundingExplorer(real)
    dated = next((k for k, v in e.available.items() if k[2] and v), None)
    undated = next((o[1] for o in e.controls["money"].options if not e.available.get((o[1], "child", True))), None)
    assert dated is not None and undated is not None
    e.set(money=dated[0])
    e.set(basis=dated[1])
    e.set(per_year=True)
    assert e.chart_data.height > 0
    e.set(money=undated)  # its period has no dates: 'per year' goes (and is unticked)
    assert e.controls["per_year"].value is False and e.controls["per_year"].layout.display == "none"
    assert e.chart_data.height > 0


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_tables_use_readers_headers_and_words(name, real, tmp_path):
    """The table under the chart and the CSV: "Figure", "As printed", "Period", "Source", not
    "label", "printed", "period", "citation"; ids only in a reference column, last."""
    from cyp_evidence.explore import tables

    e = EXPLORERS[name](real)
    e.outdir = tmp_path
    t = e.reader_table
    assert t.height == e.table.height and tables.unreadable_headers(t) == [], t.columns
    refs = [c for c in t.columns if "(references)" in c or c == "Reference (for citing)"]
    assert t.columns[len(t.columns) - len(refs) :] == refs  # references after what a reader reads
    html = e._table_block()
    for raw in e.table.columns:
        assert f">{raw}</th>" not in html or raw in t.columns, f"{name}: header {raw!r} shown as it is"
    codes = {"observed", "estimate", "allocation", "waiting_times", "total_mismatch", "proportion"}
    for col in ("Kind", "Theme", "Kind of issue", "Unit"):
        if col in t.columns:
            assert not set(t[col].drop_nulls()) & codes, (name, col)
    import polars as pl

    assert pl.read_csv(e.save_csv()).columns == t.columns  # the CSV has the same headers
