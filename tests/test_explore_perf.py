"""The explorers' fast redraw (explore/base.py, ``refresh``): charts are built without altair's
validation, specs are validated once per shape, and the spec goes straight to the widget.

These tests check that nothing is lost by it: every spec the widget is sent, in every control
state the tests reach, is valid Vega-Lite (altair's ``to_dict()`` with validation on, and the
exact dict sent validated against the schema); the widget's ``chart`` stays current; a spec of
a new shape is still validated (an invalid one raises); and once each shape has been seen a
control change runs no schema validation at all (what made a redraw slow)."""

from __future__ import annotations

import json
import re

import altair as alt
import pytest
from altair.utils import schemapi
from test_explore import ALL_EXPLORERS  # noqa: E402  (one list of explorers for both files)
from test_explore_support import make_package

from cyp_evidence import explore as ex
from cyp_evidence.explore import base

NAMES = lambda m: getattr(m, "__name__", "ThemeExplorer")  # noqa: E731


@pytest.fixture(scope="module")
def sample():
    return make_package()


def _states(e):
    """Control changes covering every option of every dropdown/toggle (up to 12), both values
    of every checkbox, quarter ranges and vanguard subsets."""
    for key, c in e.controls.items():
        opts = getattr(c, "options", None)
        if isinstance(c.value, bool):
            yield key, not c.value
            yield key, c.value
        elif key == "quarters" and opts and len(opts) > 1:
            yield key, (opts[1], opts[-1])
            yield key, (opts[0], opts[len(opts) // 2])
            yield key, (opts[0], opts[-1])
        elif key == "vanguards" and opts:
            yield key, tuple(opts[:1])
            yield key, tuple(opts[: max(1, len(opts) // 2)])
            yield key, tuple(opts)
        elif opts and not isinstance(c.value, tuple):
            first = c.value
            for o in list(opts)[:12]:
                yield key, o[1] if isinstance(o, tuple) else o
            yield key, first


def _same_apart_from_names(a: dict, b: dict) -> bool:
    names = re.compile(r"view_[0-9a-f]+_\d+|view_\d+|param_\d+")
    return names.sub("N", json.dumps(a, sort_keys=True)) == names.sub("N", json.dumps(b, sort_keys=True))


def _check_widget(e) -> None:
    jc = e._jchart
    spec = jc.spec
    chart = e.chart()
    chart.to_dict()  # altair's validation, on: raises SchemaValidationError if invalid
    type(jc.chart).validate(spec)  # the exact dict the browser gets (with config and data)
    assert _same_apart_from_names(spec, chart.to_dict(validate=False))  # the current chart
    assert _same_apart_from_names(jc.chart.to_dict(validate=False), spec)  # jc.chart is current
    selections = {p["name"] for p in spec.get("params", []) if "select" in p}
    assert set(jc._selection_types) == selections and set(jc._vl_selections) == selections


@pytest.mark.parametrize("make", ALL_EXPLORERS, ids=NAMES)
@pytest.mark.parametrize("which", ["sample", "real"])
def test_every_spec_the_widget_gets_is_valid(which, make, sample, pkg):
    e = make(sample if which == "sample" else pkg)
    e.widget  # noqa: B018
    _check_widget(e)
    n = 0
    for key, value in _states(e):
        if e.controls[key].disabled or e.controls[key].value == value:
            continue
        try:
            e.controls[key].value = value
        except Exception:  # noqa: BLE001 - an option the control does not hold (e.g. after a sync)
            continue
        _check_widget(e)
        n += 1
    assert n > 0


def test_vanguard_redraws_without_validating_once_shapes_are_known(pkg, monkeypatch):
    v = ex.VanguardExplorer(pkg)
    v.widget  # noqa: B018
    seq = [(k, val) for k, val in _states(v) if not v.controls[k].disabled]
    for key, value in seq:  # every shape seen once
        v.controls[key].value = value
    validated = []
    real = schemapi.validate_jsonschema
    monkeypatch.setattr(
        schemapi, "validate_jsonschema", lambda spec, *a, **k: validated.append(spec) or real(spec, *a, **k)
    )
    before = json.dumps(v._jchart.spec)
    for key, value in seq:
        v.controls[key].value = value
    # No chart (or part of one: a view, an encoding, the data) is validated on a redraw of a known
    # shape; altair still checks small pieces (a selection parameter when it copies a chart, a
    # width or a description set with ``properties``), which take well under a millisecond.
    charts = [
        s
        for s in validated
        if isinstance(s, dict) and set(s) & {"mark", "encoding", "hconcat", "layer", "data", "datasets", "field"}
    ]
    assert charts == [], [str(c)[:80] for c in charts]
    v.controls["measure"].value = ex.vanguards.SHARE
    assert json.dumps(v._jchart.spec) != before and '"field": "share"' in json.dumps(v._jchart.spec)


def test_spec_shape_ignores_data_and_text_only():
    df = {"a": ["x", "y"], "b": [1, 2]}
    import polars as pl

    def chart(values, mark="bar", title="B", desc="one"):
        d = pl.DataFrame(values)
        return (
            alt.Chart(d, description=desc).mark_bar() if mark == "bar" else alt.Chart(d, description=desc).mark_point()
        )

    c1 = chart(df).encode(x=alt.X("a:N", sort=["x", "y"], title="A"), y="b:Q")
    c2 = chart({"a": ["p", "q", "r"], "b": [5, 6, 7]}, desc="two").encode(
        x=alt.X("a:N", sort=["r", "q", "p"], title="Other"), y="b:Q"
    )
    c3 = chart(df).encode(x=alt.X("a:N", sort=["x", "y"], title="A"), y="b:N")  # another field type
    c4 = chart(df, mark="point").encode(x=alt.X("a:N", sort=["x", "y"], title="A"), y="b:Q")
    s1, s2, s3, s4 = (base.spec_shape(c.to_dict()) for c in (c1, c2, c3, c4))
    assert s1 == s2 and len({s1, s3, s4}) == 3


def test_a_spec_of_a_new_shape_is_validated(monkeypatch):
    monkeypatch.setattr(base, "_VALID_SHAPES", set())
    import polars as pl

    good = alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
    assert base.checked_spec(good)["mark"] == {"type": "bar"}
    assert len(base._VALID_SHAPES) == 1
    base.checked_spec(good)
    assert len(base._VALID_SHAPES) == 1
    with schemapi.debug_mode(False):
        bad = (
            alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().encode(x=alt.X("a:Q", stack="sideways"))
        )  # not a stack offset
    with pytest.raises(schemapi.SchemaValidationError):
        base.checked_spec(bad)
    assert len(base._VALID_SHAPES) == 1


def test_selections_and_params_follow_the_chart(sample):
    v = ex.VanguardExplorer(sample)
    jc = v.widget and v._jchart
    assert set(jc._selection_types) == {"pick"}
    jc._vl_selections = {"pick": {"value": {"vlPoint": {"or": [{"category": "Surrey"}]}}, "store": []}}  # as if clicked
    assert jc.selections.pick.value == [{"category": "Surrey"}]
    v.controls["measure"].value = ex.vanguards.SHARE  # same params: spec sent directly
    assert jc._vl_selections == {"pick": {"value": None, "store": []}}  # a new chart: nothing picked
    assert jc.selections.pick.value == []
    v.controls["vanguards"].value = ()  # nothing to draw: a chart without the selection
    assert "params" not in jc.spec and jc._selection_types == {}
    assert "No vanguard" in jc.spec["description"] or "No figures" in jc.spec["description"]
    v.controls["vanguards"].value = ("Surrey",)  # back: altair sets the selection up again
    assert set(jc._selection_types) == {"pick"} and [p["name"] for p in jc.spec["params"]] == ["pick"]
    _check_widget(v)


def test_a_new_shape_is_sent_first_then_validated(pkg, monkeypatch):
    """The redraw the adviser waits for does not wait for the schema check: a spec of a shape
    not seen before goes to the widget, and is validated straight after (still every time a
    shape is new, and an invalid one still raises)."""
    v = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    v.widget  # noqa: B018
    monkeypatch.setattr(base, "_VALID_SHAPES", set())
    events: list[str] = []
    real_send, real_check = base.jupyterchart.set_spec, base.check_shape
    monkeypatch.setattr(base.jupyterchart, "set_spec", lambda *a: events.append("sent") or real_send(*a))
    monkeypatch.setattr(base, "check_shape", lambda *a: events.append("validated") or real_check(*a))
    v.controls["measure"].index = 1
    assert events == ["sent", "validated"] and len(base._VALID_SHAPES) == 1
    events.clear()
    v.controls["measure"].index = 0
    v.controls["measure"].index = 1  # choices drawn before: what was sent then is sent again, unchecked
    assert events == ["sent", "sent"]
    import polars as pl

    text = v.chart_text()
    with schemapi.debug_mode(False):
        bad = alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().encode(x=alt.X("a:Q", stack="sideways"))
    monkeypatch.setattr(v, "figure", lambda: (bad, text))
    with pytest.raises(schemapi.SchemaValidationError):
        v.refresh()  # refresh builds anew, even for a choice drawn before
    assert events[-2:] == ["sent", "validated"]


def _shown(v) -> tuple:
    return (
        json.dumps(v._jchart.spec, sort_keys=True, default=str),
        v._heading.value,
        v._described.value,
        v._cite.value,
        v._notes.value,
        v._definition.value,
        v._definition.layout.display,
        v.chart_data.to_dicts(),
    )


def test_a_choice_drawn_before_is_shown_as_built_then_without_building_again(pkg, monkeypatch):
    v = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    v.widget  # noqa: B018
    first = _shown(v)
    v.controls["measure"].index = 1
    second = _shown(v)
    assert second != first
    fresh = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    fresh.widget  # noqa: B018
    fresh.controls["measure"].index = 1
    assert _shown(fresh) == second  # what is kept is what a fresh build shows

    def no_build(*a):
        raise AssertionError("built again")

    monkeypatch.setattr(v, "compute", no_build)
    monkeypatch.setattr(v, "figure", no_build)
    v.controls["measure"].index = 0
    assert _shown(v) == first
    v.controls["measure"].index = 1
    assert _shown(v) == second
    with pytest.raises(AssertionError, match="built again"):
        v.refresh()  # refresh always builds


def test_an_explorer_keeps_at_most_views_kept_choices(pkg, monkeypatch):
    monkeypatch.setattr(base, "VIEWS_KEPT", 2)
    v = ex.ThemeExplorer(pkg, themes=("prevalence", "demand", "outcomes"))
    v.widget  # noqa: B018
    for i in (1, 2, 3):
        v.controls["measure"].index = i
    assert len(v._views) == 2 and v._state_key() in v._views
