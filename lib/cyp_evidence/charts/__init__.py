"""Altair chart builders: accessible (aria description, colour-blind-safe palette with
sufficient contrast), captioned and cited. Charts know nothing of papermill or widgets.

Every builder returns a ``Figure``: the chart, the data behind it (a polars frame that is
shown as a table next to the chart), a caption, a text alternative and the citations taken
from the evidence records.

The rules every chart follows (docs/chart-guide.md):

- one value axis = one kind of quantity and one unit (:func:`one_axis` refuses a mix, and the
  axis is recorded in the spec's ``usermeta`` so tests can check every chart drawn:
  :func:`check_spec`); targets and thresholds of the same unit are drawn as markers or rules,
  never as bars;
- colours come from :data:`PALETTE` (the Analysis Function palette, in an order whose
  neighbours stay apart under protanopia and deuteranopia), at most :data:`MAX_COLOURS` in a
  chart, each with 3:1 contrast against the background (:func:`colour_problems`);
- missing answers ("NULL", "Not known", "Invalid ...") are shown as "not recorded", in
  :data:`GREY`, last (:func:`not_recorded`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import polars as pl

from ..text import programmers_words

# Government Analysis Function categorical palette:
# https://analysisfunction.civilservice.gov.uk/policy-store/data-visualisation-colours-in-charts/
# (dark blue, turquoise, dark pink, orange, dark grey, light purple). Under simulated
# protanopia dark blue and dark pink are only 6.5 apart (CIEDE2000) and under deuteranopia dark
# pink and dark grey 5.0, so charts use the palette in this order and without dark pink; every
# pair below stays at least MIN_DELTA_E apart for normal, protan and deutan vision.
AF_PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
PALETTE = ["#12436D", "#28A197", "#F46A25", "#3D3D3D", "#A285D1"]
MAX_COLOURS = len(PALETTE)
GREY = "#707070"  # "not recorded" answers, and "the rest" beside one highlighted series
TEXT = "#0B0C0C"  # text, and target / reference markers
BACKGROUND = "#FFFFFF"
FONT = "Arial, Helvetica, sans-serif"
MIN_CONTRAST = 3.0  # WCAG 2.2 SC 1.4.11 non-text contrast
MIN_DELTA_E = 10.0  # CIEDE2000 between any two colours of one chart, for each vision below
VISIONS = (None, "protan", "deutan")
NOT_RECORDED = "Not recorded"
MISSING = re.compile(r"^\s*(null|not known|not stated|not recorded|unknown|invalid)\b|\bnull\b", re.I)
MARKER_QUANTITIES = ("target", "threshold")  # drawn as markers or rules on the axis they apply to
META = "cyp_evidence"  # key of the chart's usermeta


def theme() -> Any:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 300},
            "range": {"category": PALETTE},
            "axis": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "labelFontSize": 12,
                "titleFontSize": 13,
                "gridColor": "#D9D9D9",
            },
            "legend": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 12, "titleFontSize": 13},
            "title": {"color": TEXT, "fontSize": 15, "anchor": "start"},
            "mark": {"color": PALETTE[0]},
        }
    }


alt.theme.register("cyp_evidence", enable=True)(theme)


@dataclass
class Figure:
    """A chart with everything an accessible, cited exhibit needs."""

    chart: alt.TopLevelMixin
    data: pl.DataFrame
    caption: str
    alt_text: str
    citations: list[str] = field(default_factory=list)

    def spec(self) -> dict:
        return self.chart.to_dict()


# ---------------------------------------------------------------------------- one axis
class MixedAxisError(ValueError):
    """A chart would put different kinds of quantity or different units on one axis."""


@dataclass(frozen=True)
class Axis:
    """What one value axis shows: one kind of quantity in one unit."""

    quantity: str
    unit: str

    def as_meta(self) -> dict:
        return {"quantity": self.quantity, "unit": self.unit}


def one_axis(df: pl.DataFrame, where: str, quantity: str = "quantity", unit: str = "unit") -> Axis:
    """The single (kind of quantity, unit) of the rows ``df`` would draw on one axis; raises
    :class:`MixedAxisError` naming the mix and ``where`` (the chart) otherwise. Targets and
    thresholds count as the kind they are set for: they may share the axis as markers."""
    if df.height == 0:
        raise MixedAxisError(f"{where}: nothing to draw")
    for col in (quantity, unit):
        if col not in df.columns:
            raise MixedAxisError(f"{where}: the data has no '{col}' column, so its axis cannot be checked")
    units = sorted(set(df[unit].drop_nulls().to_list()))
    kinds = sorted(set(df[quantity].drop_nulls().to_list()) - set(MARKER_QUANTITIES))
    if len(units) != 1 or len(kinds) > 1 or df[unit].null_count():
        raise MixedAxisError(
            f"{where}: one axis would show {', '.join(kinds) or 'no kind'} in {', '.join(units) or 'no unit'}; "
            "one axis takes one kind of quantity in one unit"
        )
    return Axis(kinds[0] if kinds else df[quantity].drop_nulls()[0], units[0])


def with_axes(chart: Any, **axes: Axis) -> Any:
    """Record what each value axis shows in the spec's usermeta (read by :func:`check_spec`)."""
    chart.usermeta = {META: {"axes": {k: a.as_meta() for k, a in axes.items()}}}
    return chart


def concat(kind: str, *charts: Any) -> Any:
    """``alt.vconcat`` / ``alt.hconcat`` of charts built here, their declared axes moved to the
    top (Vega-Lite allows usermeta only on the top-level spec)."""
    axes: dict[str, dict] = {}
    for c in charts:
        meta = getattr(c, "usermeta", alt.Undefined)
        if isinstance(meta, dict) and meta:
            for k, v in meta.get(META, {}).get("axes", {}).items():
                axes.setdefault(k, v)
            c.usermeta = alt.Undefined
    out = (alt.vconcat if kind == "v" else alt.hconcat)(*charts)
    if axes:
        out.usermeta = {META: {"axes": axes}}
    return out


def _views(spec: dict) -> Iterable[dict]:
    yield spec
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []) or []:
            yield from _views(child)
    if isinstance(spec.get("spec"), dict):
        yield from _views(spec["spec"])


def check_spec(spec: dict, where: str = "chart") -> list[str]:
    """Problems with one chart's Vega-Lite spec (empty if none): every quantitative position
    axis is declared in usermeta; the rows drawn carry one kind of quantity (bar marks never
    draw targets) and the declared unit; each measure has an axis of its own, its periods left to
    right in time order (:func:`measure_problems`); colours pass :func:`colour_problems`."""
    problems = []
    meta = (spec.get("usermeta") or {}).get(META, {}).get("axes")
    datasets = spec.get("datasets", {})
    quantitative = [
        ch
        for v in _views(spec)
        for ch, enc in (v.get("encoding") or {}).items()
        if ch in ("x", "y") and isinstance(enc, dict) and enc.get("type") == "quantitative"
    ]
    if quantitative and not meta:
        problems.append(f"{where}: a quantitative axis ({', '.join(sorted(set(quantitative)))}) with no declared kind")
    for v in _views(spec):
        rows = datasets.get((v.get("data") or {}).get("name", ""), None)
        if rows is None and v is not spec:
            continue
        rows = rows if rows is not None else datasets.get((spec.get("data") or {}).get("name", ""), [])
        mark = v.get("mark")
        mark = mark.get("type") if isinstance(mark, dict) else mark
        units = {r.get("unit") for r in rows if "unit" in r}
        kinds = {r.get("quantity") for r in rows if "quantity" in r}
        if meta and units:
            declared = {a["unit"] for a in meta.values()}
            if not units <= declared or len(units) > 1:
                problems.append(f"{where}: rows in units {sorted(map(str, units))}, axis declared {sorted(declared)}")
        if len(kinds - set(MARKER_QUANTITIES)) > 1:
            problems.append(f"{where}: rows of kinds {sorted(map(str, kinds))} on one axis")
        band = any(k in (v.get("encoding") or {}) for k in ("x2", "y2"))  # a range drawn as a band
        if (
            mark == "bar"
            and not band
            and (kinds & set(MARKER_QUANTITIES) or any(r.get("kind") == "target" for r in rows))
        ):
            problems.append(f"{where}: targets drawn as bars (draw them as markers or rules)")
    problems += measure_problems(spec, where)
    problems += [f"{where}: {p}" for p in colour_problems(spec_colours(spec))]
    return problems


# ---------------------------------------------------------------------------- measures and periods
# Relative changes (a measure against itself, in per cent) are one kind of quantity whatever
# changed, so changes of different measures may share an axis (``change_dots``, one panel per
# period); any other two measures are different quantities, even when both are counts.
RELATIVE_CHANGE = {("change", "proportion"), ("change", "percent")}


def _rows(view: dict, datasets: dict, inherited: list[dict]) -> list[dict]:
    name = (view.get("data") or {}).get("name")
    return datasets.get(name, []) if name else inherited


def _leaf_views(view: dict, datasets: dict, rows: list[dict]) -> Iterable[tuple[dict, list[dict]]]:
    """The views of one layered chart with the rows each draws."""
    rows = _rows(view, datasets, rows)
    yield view, rows
    for child in view.get("layer", []) or []:
        yield from _leaf_views(child, datasets, rows)


def _position_order(enc: dict, rows: list[dict]) -> list | None:
    """The left-to-right (or top-to-bottom) order of a discrete position channel's values, or
    None when it is sorted by something other than a fixed list or the values themselves."""
    field = enc["field"]
    domain = (enc.get("scale") or {}).get("domain")
    if isinstance(domain, list):
        return domain
    sort = enc.get("sort", "ascending")
    if isinstance(sort, list):
        return sort
    values = list(dict.fromkeys(r.get(field) for r in rows))
    if sort is None:
        return values
    if sort in ("ascending", "descending"):
        return sorted(values, key=str, reverse=sort == "descending")
    return None  # by a value ("-x", an encoding or field sort): not by time


def measure_problems(spec: dict, where: str = "chart") -> list[str]:
    """Problems with how a chart draws measures (rows with a ``measure`` field), empty if none:
    two different measures on one value axis (relative changes aside: :data:`RELATIVE_CHANGE`),
    and one measure's periods (rows with a ``period_end``) anywhere but left to right in time
    order. A facet whose panels each hold one measure, with an independent value scale, gives
    every measure its own axis; concatenated charts have axes of their own."""
    datasets = spec.get("datasets", {})
    problems: list[str] = []

    def unit(s: dict, rows: list[dict], panel: list[str] | None = None) -> None:
        rows = _rows(s, datasets, rows)
        for part in ("hconcat", "vconcat", "concat"):
            if part in s:
                for child in s[part]:
                    unit(child, rows)
                return
        if isinstance(s.get("facet"), dict) and isinstance(s.get("spec"), dict):
            f = s["facet"]
            fields = [f["field"]] if "field" in f else [f[k]["field"] for k in ("row", "column") if k in f]
            inner = list(_leaf_views(s["spec"], datasets, rows))
            value = {
                ch
                for v, _ in inner
                for ch, e in (v.get("encoding") or {}).items()
                if ch in ("x", "y") and isinstance(e, dict) and e.get("type") == "quantitative"
            }
            scales = (s.get("resolve") or {}).get("scale") or {}
            independent = bool(value) and all(scales.get(ch) == "independent" for ch in value)
            unit(s["spec"], rows, fields if independent else None)
            return
        views = list(_leaf_views(s, datasets, rows))

        def key(r: dict) -> tuple:
            return tuple(str(r.get(f)) for f in panel) if panel else ()

        drawn = {id(r): r for _, rs in views for r in rs if "measure" in r}.values()
        groups: dict[tuple, set] = {}
        for r in drawn:
            if (r.get("quantity"), r.get("unit")) not in RELATIVE_CHANGE:
                groups.setdefault(key(r), set()).add(str(r["measure"]))
        for measures in groups.values():
            if len(measures) > 1:
                names = ", ".join(sorted(measures)[:4]) + (" ..." if len(measures) > 4 else "")
                problems.append(f"{where}: {len(measures)} different measures on one axis ({names})")
        for v, rs in views:
            enc = v.get("encoding") or {}
            series: dict[tuple, list[dict]] = {}
            for r in rs:
                if "measure" in r and r.get("period_end") and r.get("quantity") != "change":
                    series.setdefault((*key(r), str(r["measure"])), []).append(r)
            for (*_, measure), srs in series.items():
                if len({r["period_end"] for r in srs}) < 2:
                    continue
                y, x = enc.get("y") or {}, enc.get("x") or {}
                if y.get("type") in ("nominal", "ordinal") and len({r.get(y.get("field")) for r in srs}) > 1:
                    problems.append(f"{where}: the periods of {measure} run top to bottom, not left to right")
                    continue
                if x.get("type") not in ("nominal", "ordinal") or "field" not in x:
                    continue
                order = _position_order(x, rs)
                if order is None:
                    problems.append(f"{where}: the periods of {measure} are sorted by value, not by time")
                    continue
                place = {val: i for i, val in enumerate(order)}
                ranked = sorted(srs, key=lambda r: str(r["period_end"]))
                for a, b in zip(ranked, ranked[1:], strict=False):
                    pa, pb = place.get(a.get(x["field"])), place.get(b.get(x["field"]))
                    if a["period_end"] != b["period_end"] and (pa is None or pb is None or pa >= pb):
                        problems.append(
                            f"{where}: the periods of {measure} are out of time order "
                            f"({a.get(x['field'])!r} is not left of {b.get(x['field'])!r})"
                        )
                        break

    unit(spec, [])
    return problems


# ---------------------------------------------------------------------------- labels cut off
# Vega cuts a label longer than its ``labelLimit`` (in pixels) with "…"; these are its defaults.
LABEL_LIMITS = {"axis": 180, "legend": 160, "header": 0}
CHAR_WIDTH = 0.6  # a generous average width of one character of Arial, in ems


def _text_width(text: str, font_size: float) -> float:
    return len(text) * CHAR_WIDTH * font_size


def label_problems(spec: dict, where: str = "chart") -> list[str]:
    """Labels a reader would see cut off (empty if none): every label of a discrete axis, a
    legend or a facet header must fit its ``labelLimit`` (0 is no limit), line by line where
    the labels are split into lines (:func:`wrapped_axis`). Widths are estimated generously
    (:data:`CHAR_WIDTH`), so a label near its limit is reported too."""
    datasets = spec.get("datasets", {})
    problems: list[str] = []

    def values(field: str, rows: list[dict]) -> list[str]:
        return [str(r[field]) for r in rows if r.get(field) is not None]

    def check(kind: str, what: str, props: dict, labels: list[str], size: float) -> None:
        limit = props.get("labelLimit", LABEL_LIMITS[kind])
        if not limit or not labels:
            return
        split = "split(" in str(props.get("labelExpr", ""))
        lines = [line for lab in labels for line in (lab.split("\n") if split else [lab])]
        longest = max(lines, key=len)
        if _text_width(longest, props.get("labelFontSize", size)) > limit:
            problems.append(f"{where}: {kind} label {longest!r} is cut off at {limit}px ({what})")

    def walk(s: dict, rows: list[dict]) -> None:
        rows = _rows(s, datasets, rows)
        for ch, e in (s.get("encoding") or {}).items():
            if not isinstance(e, dict) or "field" not in e or e.get("type") not in ("nominal", "ordinal"):
                continue
            if ch in ("x", "y") and e.get("axis", {}) is not None:
                check("axis", ch, e.get("axis") or {}, values(e["field"], rows), 12)
            elif ch in ("color", "shape") and e.get("legend", {}) is not None:
                check("legend", ch, e.get("legend") or {}, values(e["field"], rows), 12)
            elif ch in ("facet", "row", "column"):
                check("header", ch, e.get("header") or {}, values(e["field"], rows), 11)
        facet = s.get("facet")
        if isinstance(facet, dict):
            for f in [facet] if "field" in facet else [facet[k] for k in ("row", "column") if k in facet]:
                check("header", "facet", f.get("header") or {}, values(f["field"], rows), 11)
        for part in ("layer", "hconcat", "vconcat", "concat"):
            for child in s.get(part, []) or []:
                walk(child, rows)
        if isinstance(s.get("spec"), dict):
            walk(s["spec"], rows)

    walk(spec, [])
    return problems


# ---------------------------------------------------------------------------- colour
def spec_colours(spec: dict) -> list[str]:
    """Every colour a spec can give a mark: scale ranges, fixed mark and value colours, and the
    theme's mark colour (text and axis colours are checked by axe as text)."""
    found: list[str] = []

    def walk(v: Any, key: str = "") -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k in ("axis", "legend", "title", "header", "text", "datasets"):
                    continue
                if k == "range" and isinstance(x, list):
                    found.extend(c for c in x if isinstance(c, str) and c.startswith("#"))
                elif k in ("color", "fill", "stroke") and isinstance(x, str) and x.startswith("#"):
                    found.append(x)
                elif k == "value" and key in ("color", "fill", "stroke") and isinstance(x, str):
                    found.append(x)
                else:
                    walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)

    walk(spec)
    if not found:
        found.append(PALETTE[0])  # the theme's mark colour
    return list(dict.fromkeys(c.upper() for c in found))


def colour_problems(colours: list[str], background: str = BACKGROUND) -> list[str]:
    """Why a set of chart colours fails (empty if it passes): each needs 3:1 contrast against
    the background (WCAG 1.4.11) and every pair must stay MIN_DELTA_E apart (CIEDE2000) for
    normal vision and under simulated protanopia and deuteranopia (coloraide's CVD filters)."""
    from coloraide import Color

    problems = []
    for c in colours:
        ratio = Color(c).contrast(background)
        if ratio < MIN_CONTRAST:
            problems.append(f"colour {c} has contrast {ratio:.2f}:1 against {background} (at least 3:1 needed)")
    for a, b in itertools.combinations(colours, 2):
        for vision in VISIONS:
            ca, cb = Color(a), Color(b)
            if vision:
                ca, cb = ca.filter(vision), cb.filter(vision)
            d = ca.delta_e(cb, method="2000")
            if d < MIN_DELTA_E:
                problems.append(f"colours {a} and {b} are {d:.1f} apart under {vision or 'normal'} vision")
    return problems


def colour_scale(categories: list[str]) -> alt.Scale:
    """One colour per category, the same category always the same colour (by its place in
    ``categories``, not in what the current filter leaves), "not recorded" in grey."""
    named = [c for c in categories if c != NOT_RECORDED]
    if len(named) > MAX_COLOURS:
        raise MixedAxisError(
            f"{len(named)} categories in colour: at most {MAX_COLOURS} (use small multiples or highlight one)"
        )
    rng = [PALETTE[i] for i in range(len(named))] + ([GREY] if NOT_RECORDED in categories else [])
    return alt.Scale(domain=named + ([NOT_RECORDED] if NOT_RECORDED in categories else []), range=rng)


# ---------------------------------------------------------------------------- missing data
def is_missing(category: str) -> bool:
    """'NULL', 'Not known', 'Invalid - ...', 'NULL-Invalid ...': no usable answer recorded."""
    return bool(MISSING.search(category or ""))


def not_recorded(df: pl.DataFrame, column: str) -> pl.DataFrame:
    """``df`` with every missing answer in ``column`` relabelled "Not recorded" (the printed
    label is kept in ``<column>_printed``)."""
    return df.with_columns(
        pl.col(column).alias(f"{column}_printed"),
        pl.col(column)
        .map_elements(lambda c: NOT_RECORDED if is_missing(c) else c, return_dtype=pl.String)
        .alias(column),
    )


# ---------------------------------------------------------------------------- labels
def label_lines(text: str, width: int = 48) -> list[str]:
    """A label as lines of at most ``width`` characters, broken between words (a word longer
    than ``width`` is a line of its own, never cut): every word is kept, in order."""
    import textwrap

    return textwrap.wrap(str(text), width=width, break_long_words=False) or [str(text)]


def wrap_label(text: str, width: int = 48) -> str:
    """A long category label broken into lines (:func:`label_lines`, joined by newlines), for
    :func:`wrapped_axis`: nothing is cut off, as it would be at a label limit."""
    return "\n".join(label_lines(text, width))


def wrapped_axis(**kwargs) -> alt.Axis:
    """An axis that draws :func:`wrap_label` labels on several lines."""
    return alt.Axis(labelExpr="split(datum.value, '\\n')", labelLimit=0, **kwargs)


def wrapped_step(labels) -> alt.Step:
    """The band height for :func:`wrap_label` labels: room for the label with the most lines."""
    lines = max((str(v).count("\n") + 1 for v in labels), default=1)
    return alt.Step(max(26, 14 * lines + 8))


def described(chart: alt.TopLevelMixin, alt_text: str) -> alt.TopLevelMixin:
    """Attach the text alternative (it becomes the chart's aria-label until :func:`titled`
    makes the title the chart's accessible name). Set on the chart itself:
    ``chart.properties(...)`` deep-copies the whole chart (for a layer chart, every layer twice),
    which was most of the time spent building an annex's charts; the spec is the same."""
    chart.description = alt_text  # type: ignore[attr-defined]  # a chart property, set as altair allows
    return chart


# ---------------------------------------------------------------------------- titles
MAX_TITLE_WORDS = 15


def title_words(title: str) -> int:
    return len(title.split())


def fit_title(*candidates: str) -> str:
    """The first of ``candidates`` (longest and most telling first) of at most
    :data:`MAX_TITLE_WORDS` words; the last one cut to that many words if none fits."""
    for c in candidates:
        if 0 < title_words(c) <= MAX_TITLE_WORDS:
            return c
    return " ".join(candidates[-1].split()[:MAX_TITLE_WORDS])


@dataclass(frozen=True)
class ChartText:
    """What a chart says about itself, in the annex and the explorers alike: the title (what
    it shows, at most :data:`MAX_TITLE_WORDS` words; it is the chart's accessible name), a
    subtitle of measure, area and period, and the description (the text alternative, shown
    once as text beside the chart, so a screen reader announces it once)."""

    title: str
    measure: str
    area: str
    period: str
    description: str = ""

    @property
    def subtitle(self) -> str:
        return ", ".join(p for p in (self.measure, self.area, self.period) if p)

    def problems(self) -> list[str]:
        return text_problems(self.title, self.subtitle) + [
            f"the subtitle names no {what}: {self.subtitle!r}"
            for what, v in (("area", self.area), ("period", self.period))
            if not v
        ]


def text_problems(title: str, subtitle: str = "") -> list[str]:
    """Why a chart's title or subtitle breaks the rules (empty if it keeps them): a title of
    one to :data:`MAX_TITLE_WORDS` words, and no snake_case names or ids in either."""
    out = []
    n = title_words(title)
    if not 0 < n <= MAX_TITLE_WORDS:
        out.append(f"the title has {n} words (one to {MAX_TITLE_WORDS}): {title!r}")
    for name, text in (("title", title), ("subtitle", subtitle)):
        for w in programmers_words(text):
            out.append(f"the {name} has a programmer's word {w!r}: {text!r}")
    return out


def titled(chart: alt.TopLevelMixin, title: str) -> alt.TopLevelMixin:
    """The chart with its title as its accessible name (the aria-label of the drawn SVG); the
    description goes beside the chart as text, announced once, not into the label as well.
    Set on the chart itself (as :func:`described`): no deep copy of the whole chart."""
    chart.description = title  # type: ignore[attr-defined]  # a chart property, set as altair allows
    return chart


def series_title(subject: str, first: dict, last: dict) -> str:
    """The title of one measure over periods: which way it moved, from the first figure (as
    printed, with its period) to the last ("Admissions fell from 3,750 in 2020/21 to 2,700 in
    2022/23"); shorter if that is more than :data:`MAX_TITLE_WORDS` words."""
    way = "rose" if last["value"] > first["value"] else "fell" if last["value"] < first["value"] else "did not change"
    return fit_title(
        f"{subject} {way} from {first['printed']} in {first['period']} to {last['printed']} in {last['period']}",
        f"{subject} {way} between {first['period']} and {last['period']}",
        f"{subject} {way}",
    )


def breakdown_title(dim: str, missing_pct: str | None, top: str | None, top_pct: str = "") -> str:
    """The title of accepted referrals by one breakdown: how much is not recorded when that is
    half or more (``missing_pct`` is a share printed without "%", None if all is recorded),
    otherwise the largest group (``top``) and how much is not recorded."""
    dim = dim[:1].upper() + dim[1:]
    if missing_pct is not None and (top is None or float(missing_pct) >= 50):
        return fit_title(f"{dim} is not recorded for {missing_pct}% of accepted referrals")
    low = dim[:1].lower() + dim[1:]
    tail = f"; {missing_pct}% not recorded" if missing_pct is not None else ""
    return fit_title(
        f"Largest {low} group of accepted referrals: {top} ({top_pct}){tail}",
        f"Largest {low} group: {top} ({top_pct}){tail}",
        f"Accepted referrals by {low}{tail}",
    )


def status_title(not_reported: int, total: int) -> str:
    """The title of recommendations and commitments by status: what most of them show."""
    if total == 0:
        return "No recommendations or commitments match these choices"
    if not_reported * 2 > total:
        return f"Nothing is reported in these sources for {not_reported} of {total} recommendations and commitments"
    return f"Progress is reported for {total - not_reported} of {total} recommendations and commitments"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def area_phrase(areas: Iterable[str | None]) -> str:
    """The area(s) of the figures drawn, for a subtitle: one, two or three by name, more as
    the commonest and how many others; "area not stated" when none is stated."""
    counts: dict[str, int] = {}
    for a in areas:
        if a and a.strip().lower() not in ("not stated", ""):
            name = "the world" if a.strip().lower() == "world" else a.strip()
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return "area not stated"
    named = sorted(counts, key=lambda a: -counts[a])
    if len(named) <= 3:
        return _join(named)
    return f"{named[0]} and {len(named) - 1} other areas"


def period_phrase(periods: Iterable[str | None]) -> str:
    """The period(s) of the figures drawn, for a subtitle, in the order given (earliest first):
    one, two or three by name, more as the first to the last; "period not stated" if none is."""
    named = list(dict.fromkeys(p.strip() for p in periods if p and p.strip().lower() not in ("not stated", "")))
    if not named:
        return "period not stated"
    if len(named) <= 3:
        return _join(named)
    return f"{named[0]} to {named[-1]} ({len(named)} periods)"
