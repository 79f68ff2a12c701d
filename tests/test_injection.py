"""Adversarial: script and markup in every evidence text that reaches an annex, the index or an
explorer is shown as text and never runs (review 2026-12-01-reliability, D1 / X2 / X3).

Every free-text column of every evidence table (labels, printed figures, periods, areas,
populations, quotes, caveats, table titles and row/column labels, recommendation texts,
source-issue texts, source titles, ...) gets a payload naming its own place; so do the board's
name (schedule.toml) and the title. The annex is built from that evidence by the real builders
and exported by the real exporter; the index is built over a manifest full of payloads; each
explorer's HTML is collected into a page. Each page is opened in Chromium with a dialog handler
and a sentinel global, twice for the annex and index: once as published (with its
Content-Security-Policy) and once with the policy bypassed, so that escaping alone is proved to
hold. Nothing may run, and every chart must still draw.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest
from browser import open_offline

from cyp_evidence import escape
from cyp_evidence.evidence import load
from cyp_evidence.paths import ROOT

pytestmark = pytest.mark.browser

# columns that other rows point at (ids, foreign keys, file names) or that the code matches on
# exactly (the annex picks growth groups by name); every other string column is free text and
# gets a payload. The columns of the foreign keys declared in the schemas count as keys too.
KEY_COLUMNS = {"file", "refs", "detects", "measure", "key", "input_ids", "number", "growth_group"}


def _declared_keys(schemas: dict, table: str) -> set[str]:
    """The columns of ``table`` that a foreign key declared in the schemas uses or points at."""
    keys = set()
    for name, schema in schemas.items():
        for fk in schema.get("foreignKeys") or []:
            if name == table:
                keys.update(fk["fields"])
            for ref in [fk["reference"], *fk.get("alternatives", [])]:
                if (ref.get("resource") or name) == table:
                    keys.update(ref["fields"])
    return keys


def _is_key(column: str) -> bool:
    return column == "id" or column.endswith(("_id", "_ids")) or column in KEY_COLUMNS


def payload(tag: str) -> str:
    """Markup that runs script in every way HTML and an embedded <script> allow, each marking
    ``window.__xss`` with ``tag`` (where the text came from)."""
    mark = f"(window.__xss=window.__xss||[]).push('{tag}')"
    return (
        f"\"'></script><script>{mark};alert('{tag}')</script>"
        f'<img src=x alt=x onerror="{mark}"><svg onload="{mark}"></svg>'
        f'<a href="javascript:{mark}">link</a><!-- -->'
        f"{{{{ 7*7 }}}}<b>bold-{tag}</b>"
    )


def poison(pkg) -> list[str]:
    """Append a payload to every free-text cell of every table in ``pkg`` (in place); returns
    the places poisoned (``table.column``)."""
    places = []
    for name, frame in pkg.frames.items():
        schema = {f["name"]: f for f in pkg.schemas[name]["fields"]}
        declared = _declared_keys(pkg.schemas, name)
        cols = [
            c
            for c in frame.columns
            if frame.schema[c] == pl.String
            and not _is_key(c)
            and c not in declared
            and "enum" not in (schema.get(c, {}).get("constraints") or {})
        ]
        if not cols:
            continue
        pkg.frames[name] = frame.with_columns(
            pl.when(pl.col(c).is_not_null()).then(pl.col(c) + payload(f"{name}.{c}")).otherwise(pl.col(c)).alias(c)
            for c in cols
        )
        places += [f"{name}.{c}" for c in cols]
    return places


def run_check(page) -> dict:
    return page.evaluate(
        """() => ({
            xss: window.__xss || [],
            bold: [...document.querySelectorAll('b')].filter(b => b.textContent.startsWith('bold-')).length,
            shown: [...document.querySelectorAll('body *')].some(e => e.textContent.includes('<b>bold-')),
            injected: [...document.querySelectorAll('img:not([src^="data:"]), svg[onload], a[href^="javascript:"]')].length,
        })"""
    )


def open_and_check(path: Path, chromium, *, bypass_csp: bool, expect_charts: bool = True) -> dict:
    dialogs: list[str] = []
    with open_offline(path, chromium, bypass_csp=bypass_csp) as (page, report):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.wait_for_timeout(300)
        state = run_check(page)
        state["dialogs"] = dialogs
        state["report"] = report
        if expect_charts:
            assert report.charts_expected > 0 and report.charts_drawn == report.charts_expected, report.summary()
        # the policy refuses nothing when nothing tries to run
        refused = [e for e in report.console_errors if "Content Security Policy" in e]
        state["refused"] = refused
    return state


def assert_nothing_ran(state: dict) -> None:
    assert state["xss"] == [], f"script ran from: {state['xss']}"
    assert state["dialogs"] == []
    assert state["bold"] == 0 and state["injected"] == 0
    assert state["shown"], "the payloads are not shown as text"
    assert state["refused"] == [], state["refused"]


# --- the escaping helpers ---------------------------------------------------------------------


def test_script_json_cannot_close_its_element_and_round_trips():
    value = {"label": "</script><!-- & \u2028\u2029 <script>", "n": [1, 2.5]}
    text = escape.script_json(value)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_html_text_escapes_every_markup_character_once():
    assert escape.html_text("<a href=\"x\" title='y'>&amp;</a>") == (
        "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;amp;&lt;/a&gt;"
    )
    assert escape.html_text(None) == "" and escape.html_text(3.0) == "3" and escape.html_text(0.1666) == "0.1666"


def test_one_html_escaper_in_the_package():
    """briefing.content.html, briefing.pipeline.index and explore.base escape with the same function."""
    from cyp_evidence.briefing.content import html as h
    from cyp_evidence.briefing.pipeline import index
    from cyp_evidence.explore import base

    assert h.esc is escape.html_text and index.esc is escape.html_text and base.esc is escape.html_text
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "lib").rglob("*.py")
        if p.name != "escape.py" and re.search(r"\bhtml\.escape\(|^def esc\(", p.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


# --- the annex: every evidence text, built and exported for real ---------------------------------


@pytest.fixture(scope="module")
def poisoned_annex(tmp_path_factory):
    from cyp_evidence.briefing.content.annex import Briefing
    from cyp_evidence.briefing.content.params import validate_parameters
    from cyp_evidence.briefing.content.schedule import load_schedule
    from cyp_evidence.briefing.pipeline import export
    from cyp_evidence.evidence.cut import evidence_as_of, vanguard_names

    pkg = load()
    places = poison(pkg)
    schedule = load_schedule()
    params = validate_parameters(
        {"board": "lga-cyp-board", "meeting": "2024-03-12", "title": "Annex " + payload("parameters.title")},
        vanguards=vanguard_names(pkg),
        schedule=schedule,
    )
    b = Briefing(params, evidence_as_of(pkg, params.as_of_date), board_name="Board " + payload("schedule.name"))
    b._build()
    parts = [b.title_block(), *(b.section_html(k) for k in params.sections)]
    parts += [b.changes_html(), b.source_issues_html(), b.sources_html(), b.provenance_html()]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("") for _ in parts]
    for cell, part in zip(nb.cells, parts, strict=True):
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": part})]
    tmp = tmp_path_factory.mktemp("poisoned")
    path = export.write_html(nb, tmp / "annex.html", params.title)
    return path, places


def test_every_free_text_field_is_poisoned(poisoned_annex):
    """The payloads reach the places the review names (so the browser test below means something)."""
    _, places = poisoned_annex
    for place in (
        "figures.label",
        "figures.period",
        "figures.population",
        "figures.geography",
        "figures.printed",
        "figures.quote",
        "figures.caveats",
        "tables.title",
        "table_cells.row",
        "table_cells.column",
        "recommendations.title",
        "recommendations.text_quote",
        "recommendations.response_quote",
        "recommendations.progress_quote",
        "source_issues.description",
        "source_issues.explanation",
        "sources.title",
        "sources.short_title",
    ):
        assert place in places, place
    text = poisoned_annex[0].read_text(encoding="utf-8")
    for place in ("figures.label", "table_cells.row", "recommendations.title", "source_issues.description"):
        # analysts' notes are shown in readers' words (snake_case names lose their underscores)
        assert f"bold-{place}" in text or f"bold-{place.replace('_', ' ')}" in text, f"{place} never reached the annex"
    # charted text is inside JSON data blocks, script-safe
    blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S)
    assert blocks and all("<" not in b for b in blocks)
    assert any("bold-figures.label" in b for b in blocks)


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["as-published", "policy-bypassed"])
def test_poisoned_annex_runs_nothing_and_draws_every_chart(poisoned_annex, chromium, bypass_csp):
    state = open_and_check(poisoned_annex[0], chromium, bypass_csp=bypass_csp)
    assert_nothing_ran(state)
    assert state["report"].console_errors == [], state["report"].summary()


# --- the index: manifests and schedule full of payloads -----------------------------------------


def test_poisoned_index_runs_nothing(tmp_path, chromium):
    from cyp_evidence.briefing.pipeline import index

    out = tmp_path / "out"
    for board in ("lga-cyp-board", "other-board"):
        v = out / "briefings" / board / "2024-03-12" / "v1"
        v.mkdir(parents=True)
        (v / "annex.html").write_text("<!DOCTYPE html><title>a</title>", encoding="utf-8")
        manifest = {
            "version": 1,
            "parameters": {
                "board": board,
                "meeting": "2024-03-12",
                "as_of": payload("manifest.as_of"),
                "themes": [payload("manifest.themes")],
                "focus": payload("manifest.focus"),
                "title": payload("manifest.title"),
            },
            "finished": payload("manifest.finished"),
            "previous_manifest": payload("manifest.previous"),
            "shown": {"figures": {}},
        }
        (v / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(
        f'[boards.lga-cyp-board]\nname = {json.dumps("Board " + payload("schedule.name"))}\norganisation = "x"\n'
        "[[boards.lga-cyp-board.meetings]]\ndate = 2024-03-12\n",
        encoding="utf-8",
    )
    path = index.write_index(out, schedule_path=schedule)
    text = path.read_text(encoding="utf-8")
    assert "bold-manifest.title" in text and "bold-schedule.name" in text
    for bypass in (False, True):
        state = open_and_check(path, chromium, bypass_csp=bypass, expect_charts=False)
        assert_nothing_ran(state)


# --- the explorers: every HTML they show ---------------------------------------------------------


def _html_values(widget) -> list[str]:
    import ipywidgets as widgets

    found = []
    if isinstance(widget, widgets.HTML | widgets.HTMLMath):
        found.append(widget.value)
    for child in getattr(widget, "children", ()) or ():
        found += _html_values(child)
    return found


def test_poisoned_explorers_run_nothing(tmp_path, chromium):
    """Each explorer's HTML (citations, tables, notes) with its table shown, and its chart drawn
    from its spec as the annex draws one, in a page WITHOUT any policy: escaping alone."""
    from cyp_evidence import explore
    from cyp_evidence.briefing.content.html import chart_html
    from cyp_evidence.briefing.pipeline import export

    pkg = load()
    poison(pkg)
    pieces = []
    for name in explore.__all__:
        cls = getattr(explore, name)
        if not (isinstance(cls, type) and issubclass(cls, explore.Explorer)) or cls is explore.Explorer:
            continue
        ex = cls(pkg)
        pieces += _html_values(ex.widget)
        pieces.append(ex._table_block() if hasattr(ex, "_table_block") else "")
        pieces.append(chart_html(ex.chart()))
    assert any("bold-" in p for p in pieces), "no payload reached an explorer"
    page = tmp_path / "explorers.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>explorers</title>"
        f"<script>{export.annex_script()}</script></head><body><main>{''.join(pieces)}</main></body></html>",
        encoding="utf-8",
    )
    state = open_and_check(page, chromium, bypass_csp=True)
    assert_nothing_ran(state)


# --- end to end: the review's repro through the command line, with --pdf ------------------------


@pytest.mark.slow
def test_charted_label_payload_through_render_and_pdf(tmp_path, chromium):
    """D1 / X3: a ``</script>`` payload in a CHARTED figure label (a row of the January board
    paper's figures, the review's repro) passes validation, renders with --pdf, runs nothing,
    every chart draws, and the PDF shows the payload as text."""
    from pypdf import PdfReader

    from cyp_evidence.briefing.pipeline.render import render

    evidence = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", evidence)
    p = evidence / "figures" / "lga-cyp-board-2024-01-23.csv"
    with p.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[11][rows[0].index("label")] += " </script><script>window.__xss=['cli'];alert(1)</script><b>bold-cli</b>"
    with p.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    out = tmp_path / "out"
    result = render({"board": "lga-cyp-board", "meeting": "2024-03-12"}, out, pdf=True, evidence_dir=evidence)
    assert result.status == "rendered"
    assert "bold-cli" in result.annex.read_text(encoding="utf-8")
    for bypass in (False, True):
        assert_nothing_ran(open_and_check(result.annex, chromium, bypass_csp=bypass))
    text = "".join(page.extract_text() for page in PdfReader(result.annex.with_name("annex.pdf")).pages)
    assert "bold-cli" in re.sub(r"\s+", "", text)
