"""Key messages: written by the adviser, checked by the tool (file, line and text named), shown
first; the section registry; what changed between versions."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from cyp_evidence.briefing.content import changes as ch
from cyp_evidence.briefing.content import messages as msg
from cyp_evidence.briefing.content.annex import Briefing
from cyp_evidence.briefing.content.sections import NOT_SHOWN, REGISTRY, SECTIONS
from cyp_evidence.cli import main
from cyp_evidence.evidence import load
from cyp_evidence.evidence.cite import short_citations, short_locator
from cyp_evidence.evidence.cut import evidence_as_of
from cyp_evidence.paths import BRIEFING_NOTEBOOK, ROOT, SCHEDULE_FILE

MEETING = dt.date(2024, 3, 12)
SHIPPED = ROOT / "messages" / "lga-cyp-board" / "2024-03-12.md"


@pytest.fixture(scope="module")
def full():
    return load()


def write(tmp_path, body: str):
    p = tmp_path / "2024-03-12.md"
    p.write_text("# Title 12 March 2024\n\n## Key messages\n\n" + body, encoding="utf-8")
    return p


def problems(path, full, as_of=MEETING):
    km, found = msg.parse(path)
    return [str(p) for p in found + msg.check(km, full, evidence_as_of(full, as_of), as_of)]


@pytest.mark.parametrize(
    "typed",
    [
        "53%",
        "rose by 53 per cent",
        "a third of them",
        "twelve vanguards",
        "1 in 6 children",
        "£36m",
        "3,750 admissions",
    ],
)
def test_a_typed_number_fails_with_file_line_and_text(tmp_path, full, typed):
    path = write(tmp_path, "1. **Need.** {lga24-cp-prevalence-2022} in 2022.\n2. Something " + typed + " here.\n")
    found = problems(path, full)
    assert found, typed
    assert all(f.startswith(f"{path}:6: number typed into a key message") for f in found), found
    assert all(typed in f for f in found)  # the line's text is named


def test_dates_and_names_of_document_parts_are_not_numbers(tmp_path, full):
    path = write(
        tmp_path,
        "1. In 2022, in 2022/23, on 12 March 2024 and in October 2023, Annex 1, item 3, para 20 and page 15 "
        "say {lga24-cp-prevalence-2022}.\n",
    )
    assert problems(path, full) == []


def test_an_unknown_id_fails_with_file_and_line(tmp_path, full):
    path = write(tmp_path, "1. First {lga24-cp-prevalence-2022}.\n2. Then\n   {no-such-figure} on a continued line.\n")
    found = problems(path, full)
    assert found == [f"{path}:7: unknown figure, statement or derived measure id {{no-such-figure}}"]


def test_a_figure_after_the_cut_off_fails_with_file_and_line(tmp_path, full):
    path = write(tmp_path, "1. Need: {lga24-cp-prevalence-2022}.\n")
    found = problems(path, full, as_of=dt.date(2023, 12, 31))
    assert len(found) == 1
    assert found[0].startswith(f"{path}:5: {{lga24-cp-prevalence-2022}} is from B24")
    assert "after the evidence cut-off 31 December 2023" in found[0]


def test_a_quote_is_checked_against_its_source(tmp_path, full):
    from cyp_evidence.evidence.verify import load_sources
    from cyp_evidence.paths import default_sources_dir

    texts, _ = load_sources(full, default_sources_dir())
    ok = write(tmp_path, '1. NHS England: "we are behind where we planned to be" [B24].\n')
    km, found = msg.parse(ok)
    assert found + msg.check(km, full, evidence_as_of(full, MEETING), MEETING, texts) == []
    bad = write(tmp_path, '1. NHS England: "we are ahead of where we planned to be" [B24].\n')
    km, found = msg.parse(bad)
    errors = [str(p) for p in msg.check(km, full, evidence_as_of(full, MEETING), MEETING, texts)]
    assert len(errors) == 1 and "quote is not verbatim in [B24]" in errors[0] and ":5:" in errors[0]


def test_the_shipped_messages_are_valid_ranked_and_cite_only_evidence(full):
    km, found = msg.parse(SHIPPED)
    assert found == []
    assert msg.check(km, full, evidence_as_of(full, MEETING), MEETING) == []
    assert 6 <= len(km.messages) <= 8
    assert [m.rank for m in km.messages] == list(range(1, len(km.messages) + 1))
    assert all(m.refs for m in km.messages), "every message refers to the evidence"


def test_validate_checks_every_messages_file(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "messages" / "lga-cyp-board"
    folder.mkdir(parents=True)
    shutil.copy(SCHEDULE_FILE, tmp_path / "schedule.toml")
    (folder / "2024-03-12.md").write_text("## Key messages\n\n1. It rose by 53%.\n", encoding="utf-8")
    import cyp_evidence.paths as paths

    monkeypatch.setattr(paths, "SCHEDULE_FILE", tmp_path / "schedule.toml")
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert f"{folder / '2024-03-12.md'}:3: number typed into a key message: '53%'" in err


def test_render_with_a_typed_number_fails_before_anything_runs(tmp_path, capsys):
    bad = write(tmp_path, "1. It rose by 53%.\n")
    from cyp_evidence.briefing.pipeline.render import render

    with pytest.raises(msg.MessagesError, match=re.escape(f"{bad}:5: number typed")):
        render({"board": "lga-cyp-board", "meeting": "2024-03-12", "messages_file": str(bad)}, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("manifest.json"))


@pytest.fixture(scope="module")
def briefing():
    return Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12")


def test_key_messages_come_first_with_numbers_as_printed_and_short_citations(briefing, full):
    front = briefing.title_block()
    assert front.index('<h2 id="key-messages-title">Key messages</h2>') < front.index("contents-title")
    first = re.search(r'<li id="message-1">(.*?)</li>', front).group(1)
    assert '<span class="ref" data-figure="lga24-cp-prevalence-2022">1 in 6</span>' in first
    assert "(B24 item 3, para 1)" in first
    # every number in a message is one the evidence prints
    printed = set(full.figures["printed"])
    for n in re.findall(r'data-figure="[^"]+">([^<]+)<', front):
        assert n in printed


def test_a_meeting_without_messages_shows_a_notice(tmp_path):
    b = Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12", messages_file=str(tmp_path / "none.md"))
    html = b.title_block()
    assert "No key messages have been written for this meeting." in html
    assert "Key messages" in html


def test_run_due_warns_when_a_meeting_has_no_messages(tmp_path):
    from cyp_evidence.briefing.operations import due

    schedule = tmp_path / "schedule.toml"
    schedule.write_text('[boards.b]\nname = "B"\norganisation = "O"\n\n[[boards.b.meetings]]\ndate = "2024-03-15"\n')
    notes: list[str] = []

    class R:
        status, version, path = "rendered", 1, tmp_path

        annex = tmp_path / "annex.html"

    due.run_due(
        today=dt.date(2024, 3, 10),
        out=tmp_path / "out",
        schedule_path=schedule,
        log=lambda s: None,
        note=notes.append,
        render_fn=lambda *a, **k: R(),
    )
    assert any(n.startswith("warning: b 2024-03-15: no key messages") for n in notes), notes


# ---------------------------------------------------------------------------- registry
def test_every_evidence_theme_is_shown_by_a_section_or_listed_as_not_shown(full):
    covered = {t for s in REGISTRY for t in s.themes} | set(NOT_SHOWN)
    missing = set(full.figures["theme"]) - covered
    assert not missing, f"themes no section shows: {missing} (add them to a section or to NOT_SHOWN)"


def test_every_section_of_the_registry_is_built_and_drawn_in_order(briefing):
    assert list(SECTIONS) == [s.key for s in REGISTRY]
    for s in REGISTRY:
        assert callable(getattr(Briefing, s.builder, None)), s.builder
    html = briefing.sections_html()
    positions = [html.index(f'id="section-{s.key}"') for s in REGISTRY]
    assert positions == sorted(positions)
    notebook = BRIEFING_NOTEBOOK.read_text(encoding="utf-8")
    assert 'briefing.show(\\"sections\\")' in notebook


def test_a_theme_variant_says_what_it_covers():
    b = Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12", themes=["send"])
    assert "A part of the annex" in b.title_block() and SECTIONS["send"] in b.title_block()


# ---------------------------------------------------------------------------- citations
def test_short_locators_use_the_sources_own_terms():
    assert (
        short_locator("Agenda item 3, LGA report 'Children and young people's mental health' (Flora Wilkie), para 1")
        == "item 3, para 1"
    )
    assert (
        short_locator(
            "Annex 1 slides (NHS England, 'CYPMH national programme update', David Lockwood), between the 'Page 20' "
            "and 'Page 22' markers, achievements slide"
        )
        == "Annex 1 slides, pp. 20-22"
    )
    assert short_locator("para 74 (Ms Bethel, NHS England, oral evidence; footnote 95, Q71)") == "para 74"


def test_annex_citations_are_short_and_full_references_appear_once(briefing, full):
    from cyp_evidence.evidence.cite import cite_figure

    with short_citations():
        assert cite_figure(full, "lga24-cp-prevalence-2022") == "B24 item 3, para 1"
    html = briefing.sections_html() + briefing.title_block()
    assert "markers" not in html
    assert "LGA Children &amp; Young People Board papers, 23 January 2024" not in html
    sources = briefing.sources_html()
    assert sources.count("Children &amp; Young People Board agenda pack") == 1


# ---------------------------------------------------------------------------- what changed
def _manifest(figures, *, version=1, as_of="2024-03-12", derived=None, sources=None, messages="m"):
    return {
        "version": version,
        "parameters": {"board": "b", "meeting": "2024-03-12", "as_of": as_of},
        "shown": {"figures": figures, "derived": derived or {}, "sources": sources or {}, "messages": messages},
    }


FIG = {
    "value": 2700.0,
    "printed": "2,700",
    "unit": "count",
    "quote": "2,700 admissions",
    "label": "Admissions 2022/23",
    "source_id": "s",
    "where": "section 4, Inpatient care",
}


def test_a_changed_value_reads_label_old_to_new_where():
    c = ch.compare(_manifest({"f": FIG}), _manifest({"f": {**FIG, "value": 2900.0, "printed": "2,900"}}))
    assert c.revised == [
        {"id": "f", "label": "Admissions 2022/23", "old": "2,700", "new": "2,900", "where": "section 4, Inpatient care"}
    ]
    assert c.reasons[0] == "A figure was corrected in the evidence"
    assert c.reworded == []


def test_a_quote_reworded_is_not_a_revision():
    c = ch.compare(_manifest({"f": FIG}), _manifest({"f": {**FIG, "quote": "2,700 children admitted"}}))
    assert c.revised == [] and [r["id"] for r in c.reworded] == ["f"]
    assert "wording of a source quote was corrected" in c.reasons[0]


def test_a_moved_cut_off_and_an_added_source_are_the_reasons():
    src = {"s2": {"key": "B24", "title": "Board papers", "published": "January 2024"}}
    c = ch.compare(
        _manifest({"f": FIG}, as_of="2019-03-01"),
        _manifest({"f": FIG, "g": {**FIG, "source_id": "s2"}}, sources=src),
    )
    assert c.reasons[0] == "The evidence cut-off moved from 1 March 2019 to 12 March 2024"
    assert "a source was added: B24, Board papers (published January 2024), with 1 new figure" in c.reasons
    assert [r["id"] for r in c.new] == ["g"]


def test_a_derived_figure_that_moved_is_listed():
    d0 = {
        "x": {
            "label": "Change in admissions (2020/21 to 2022/23)",
            "value": -28.0,
            "text": "-28%",
            "where": "section 1",
        }
    }
    d1 = {"x": {**d0["x"], "value": -22.7, "text": "-22.7%"}}
    c = ch.compare(_manifest({"f": FIG}, derived=d0), _manifest({"f": FIG}, derived=d1))
    assert c.derived[0]["old"] == "-28%" and c.derived[0]["new"] == "-22.7%"


def test_nothing_but_code_changed_says_so():
    c = ch.compare(_manifest({"f": FIG}), _manifest({"f": FIG}))
    assert c.reasons == ["The annex's code or layout changed; no figure, source or cut-off changed"]


def test_changes_are_read_from_the_previous_manifest(tmp_path):
    p = tmp_path / "manifest.json"
    p.write_text(json.dumps(_manifest({"f": FIG})))
    assert ch.read_previous(p)["shown"]["figures"]["f"]["printed"] == "2,700"
    assert ch.read_previous(tmp_path / "missing.json") is None


# ---------------------------------------------------------------------------- variants
def test_a_themed_render_never_becomes_the_full_annex_next_version_or_latest(tmp_path):
    from cyp_evidence.briefing.content.params import validate_parameters
    from cyp_evidence.briefing.pipeline import publish as pub
    from cyp_evidence.briefing.pipeline.index import refresh
    from cyp_evidence.briefing.pipeline.render import render, variant_name

    out = tmp_path / "out"
    full_annex = render({"board": "lga-cyp-board", "meeting": "2024-03-12"}, out)
    part = render({"board": "lga-cyp-board", "meeting": "2024-03-12", "themes": ["vanguards"], "focus": "Surrey"}, out)
    mdir = pub.meeting_dir(out, "lga-cyp-board", "2024-03-12")
    assert full_annex.path == mdir / "v1"
    assert part.path == mdir / "variants" / "theme-vanguards-focus-surrey" / "v1"
    assert [n for n, _ in pub.versions(mdir)] == [1], "the themed render is not a version of the full annex"
    assert pub.read_manifest(part.path)["previous_manifest"] is None, "compared only within its own series"
    html = part.annex.read_text(encoding="utf-8")
    assert "A part of the annex" in html and "First version for this board" in html
    refresh(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    latest = re.search(r'href="([^"]+)"[^>]*>[^<]*latest', index) or re.search(
        r"latest[^<]*<[^>]*href=\"([^\"]+)\"", index
    )
    assert "variants" not in (latest.group(1) if latest else ""), "the index's latest is the full annex"
    p = validate_parameters({"board": "lga-cyp-board", "meeting": "2024-03-12"})
    assert variant_name(p) is None


def test_a_changed_figure_is_listed_and_marked_in_the_body(tmp_path, briefing):
    shown = json.loads(json.dumps(briefing.shown()))
    shown["figures"]["lga24-a3-admissions-2022-23"].update(printed="2,900", value=2900.0)
    shown["figures"]["lga24-a3-admissions-2021-22"]["quote"] = "other words"
    prev = tmp_path / "manifest.json"
    prev.write_text(json.dumps({"version": 3, "parameters": briefing.params.identity(), "shown": shown}))
    b = Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12", previous_manifest=str(prev))
    assert "<td>2,700 (changed since v3)</td>" in b.sections_html()
    changes = b.changes_html()
    line = re.search(r"inpatient services: 2,900 \u2192 2,700 \(([^)]*)\)", changes)
    assert line and line.group(1).startswith("key messages; ") and "section 4, Inpatient care" in line.group(1)
    assert "Source quotes reworded, figures unchanged (1)" in changes
    assert "was 2,600, now 2,600" not in changes
