"""Adding a source document (cyp-evidence sources add), its text of record, and accounting for
every number in every source (tokens, exclusions, coverage, sweep)."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

from cyp_evidence.cli import main
from cyp_evidence.evidence import read_package, validate
from cyp_evidence.evidence.coverage import RULES, Context, sentence_at, source_coverage
from cyp_evidence.evidence.texts import TextIndex, extract, locator_pages
from cyp_evidence.evidence.tokens import tokenize

DOC = (
    "Referrals to school mental health teams\n"
    "\n"
    "Published 20 February 2024.\n"
    "\n"
    "In 2023, 4,210 children were referred to the pilot teams.\n"
    "Of those referred, 37% were seen within four weeks.\n"
)


def _add_args(path, evidence, sources, key="ZZT24", **extra):
    args = [
        "sources",
        "add",
        str(path),
        "--key",
        key,
        "--title",
        "Referrals to school mental health teams",
        "--publisher",
        "Test Trust",
        "--published",
        "2024-02-20",
        "--doc-type",
        "report",
        "--evidence",
        str(evidence),
        "--sources",
        str(sources),
    ]
    for k, v in extra.items():
        args += [f"--{k.replace('_', '-')}", v]
    return args


def _tokens(text):
    return [t.text for t in tokenize(text)]


# ------------------------------------------------------------------ tokens and rules
def test_tokens_keep_what_belongs_to_the_number():
    assert _tokens("£1.4bn and 3.4m people, 20-25% or 35 per cent; 2022/23; 18-25s; 39+ and 11,807.") == [
        "£1.4bn",
        "3.4m",
        "20-25%",
        "35 per cent",
        "2022/23",
        "18-25",
        "39+",
        "11,807",
    ]
    assert _tokens("two-thirds of one hundred, a third, twice, 3 million") == [
        "two-thirds",
        "one",
        "hundred",
        "third",
        "twice",
        "3 million",
    ]
    assert _tokens("no digits here, someone, tenth") == []


def _rule(name, line, token):
    col = line.index(token)
    t = next(t for t in tokenize(line) if t.start == col)
    return RULES[name](Context(t, line, col, first_on_line=col == line.index(line.lstrip()[0])))


@pytest.mark.parametrize(
    "rule,line,token,expected",
    [
        ("date", "Tuesday, 23 January 2024", "23", True),
        ("date", "in 2018 we will review", "2018", True),
        ("date", "2000 children were referred", "2000", False),
        ("date", "business planning for 18/19.", "18/19", True),
        ("date", "4,210 children", "4,210", False),
        ("page_number", "Page 22", "22", True),
        ("page_number", "22 children", "22", False),
        ("phone_number", "Phone no: 0207 664 3207", "0207", True),
        ("list_numbering", "3. Local government makes a vital contribution", "3", True),
        ("list_numbering", "35 children were seen", "35", False),
        ("list_numbering", "12 vanguards delivering the framework", "12", False),
        ("list_numbering", "4 Work programme 2023/24", "4", True),
        ("statute_reference", "the Children and Families Act 2014 gives", "2014", True),
        ("statute_reference", "under section 75 of the National Health Service Act 2006", "75", True),
        ("cross_reference", "see Annex 3 for slides", "3", True),
        ("footnote", "for children's mental health.85 CYPMHC said", "85", True),
        ("age", "children and young people aged 0-17 accessed", "0-17", True),
        ("age", "730,000 children accessed support", "730,000", False),
        ("age", "wellbeing of young people under 18 which includes", "18", True),
        ("age", "over 20 areas have plans", "20", False),
        ("age", "a cohort of 12 children", "12", False),
        ("age", "a target cohort of children 5-16 at risk", "5-16", True),
        ("name", "written evidence SCN0672", "0672", True),
        ("expression", "no one is accountable", "one", True),
        ("url_email", "see https://www.england.nhs.uk/2015/08/x.pdf", "2015", True),
        ("address", "8 Wakley Street, London EC1V 7QE", "8", True),
    ],
)
def test_each_rule_excludes_its_kind_of_number_only(rule, line, token, expected):
    assert _rule(rule, line, token) is expected


def test_sentence_is_verbatim_and_within_its_line():
    text = "Intro line.\nFirst sentence here. In 2023, 4,210 children were referred. Last one.\n"
    start = text.index("4,210")
    s = sentence_at(text, start, start + 5)
    assert s == "In 2023, 4,210 children were referred."
    assert s in text


def test_locators_give_pages_of_a_paged_text_and_lines_otherwise():
    paged = TextIndex("page one\nstill one\n\fpage two\n")
    assert str(paged.locate(paged.text.index("two"))) == "p. 2"
    assert str(paged.locate(paged.text.index("still"))) == "p. 1"
    plain = TextIndex("a\nb\nc\n")
    assert str(plain.locate(4)) == "line 3"
    assert locator_pages("p. 12, second paragraph") == (12, 12)
    assert locator_pages("pp. 3-4") == (3, 4)
    assert locator_pages("Annex 2, page 33") is None


# ------------------------------------------------------------------ texts of record
def test_html_goes_through_a_parser_blocks_become_lines(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>x</title><style>p{color:red}</style><script>var a=1;</script></head>"
        "<body><h1>Title</h1><p>In 2023, <b>4,210</b> children &amp; young people.</p>"
        "<table><tr><th>Area</th><th>Referrals</th></tr><tr><td>North</td><td>12</td></tr></table></body></html>",
        encoding="utf-8",
    )
    fmt, text = extract(page)
    assert fmt == "html"
    assert text.splitlines()[:1] == ["Title"]
    assert "In 2023, 4,210 children & young people." in text
    assert "North\t12" in text
    assert "var a" not in text and "color" not in text


def test_unreadable_documents_are_refused_with_their_name(tmp_path, evidence_copy, sources_dir, capsys):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9 3 items".encode("latin-1"))
    fake_pdf = tmp_path / "broken.pdf"
    fake_pdf.write_bytes(b"%PDF-1.7 not really")
    snapshot = {p: p.read_bytes() for p in evidence_copy.rglob("*") if p.is_file()}
    for path, message in (
        (bad, "not UTF-8 text"),
        (fake_pdf, "not a readable PDF"),
        (tmp_path / "none.txt", "no such file"),
    ):
        assert main(_add_args(path, evidence_copy, sources_dir)) == 2
        err = capsys.readouterr().err
        assert message in err and str(path) in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in evidence_copy.rglob("*") if p.is_file()} == snapshot


def test_sources_add_registers_text_checksums_folder_and_figures_file(tmp_path, evidence_copy, sources_dir, capsys):
    doc = tmp_path / "referrals.txt"
    doc.write_text(DOC, encoding="utf-8")
    assert main(_add_args(doc, evidence_copy, sources_dir, url="https://example.org/referrals")) == 0
    assert "added ZZT24 (zzt24): text" in capsys.readouterr().out
    pkg = read_package(evidence_copy)
    assert pkg.problems == []
    row = pkg.sources.filter(pkg.sources["key"] == "ZZT24").to_dicts()[0]
    assert row["folder"] == "evidence" and row["file"] == "zzt24.txt" and row["original"] == "referrals.txt"
    assert row["published_printed"] == "20 February 2024" and row["url"] == "https://example.org/referrals"
    assert row["accessed"] is not None and row["sha256"] == hashlib.sha256(DOC.encode("utf-8")).hexdigest()
    assert row["original_sha256"] == hashlib.sha256(doc.read_bytes()).hexdigest()
    assert (evidence_copy / "sources" / "zzt24.txt").read_text(encoding="utf-8") == DOC
    figures = evidence_copy / "figures" / "zzt24.csv"
    assert figures.read_text(encoding="utf-8").splitlines() == [
        ",".join(pkg.schemas["figures"]["fields"][i]["name"] for i in range(len(pkg.schemas["figures"]["fields"])))
    ]
    dp = json.loads((evidence_copy / "datapackage.json").read_text(encoding="utf-8"))
    assert {"figures/zzt24.csv"} <= {r["path"] for r in dp["resources"]}
    # the seeds still validate, read from their own folder; the new text from the package's
    report = validate(evidence_copy, sources_dir)
    assert report.errors == []
    assert report.open_numbers == {"ZZT24": 3}  # 4,210, 37% and "four"; the dates are excluded


def test_same_document_twice_or_a_key_in_use_is_refused(tmp_path, evidence_copy, sources_dir, capsys):
    doc = tmp_path / "referrals.txt"
    doc.write_text(DOC, encoding="utf-8")
    assert main(_add_args(doc, evidence_copy, sources_dir)) == 0
    capsys.readouterr()
    snapshot = {p: p.read_bytes() for p in evidence_copy.rglob("*") if p.is_file()}
    copy = tmp_path / "renamed-copy.txt"
    copy.write_bytes(doc.read_bytes())
    cases = [
        (_add_args(doc, evidence_copy, sources_dir, key="ZZT25"), "is already registered as ZZT24"),
        (_add_args(copy, evidence_copy, sources_dir, key="ZZT25"), "is already registered as ZZT24"),
        (
            _add_args(sources_dir / "000_a6e2e3c4138c6374.txt", evidence_copy, sources_dir, key="ZZT25"),
            "already registered as DH17",
        ),
        (
            _add_args(tmp_path / "other.txt", evidence_copy, sources_dir, key="B24"),
            "key B24 is already used by source lga-cyp-board-2024-01-23",
        ),
        (_add_args(doc, evidence_copy, sources_dir, key="tst"), "is not a citation key"),
        (_add_args(doc, evidence_copy, sources_dir, key="ZZT25", doc_type="novel"), "--doc-type 'novel' is not one of"),
    ]
    (tmp_path / "other.txt").write_text("Another document with 12 numbers.\n", encoding="utf-8")
    for args, message in cases:
        assert main(args) == 2, args
        assert message in capsys.readouterr().err, args
    assert {p: p.read_bytes() for p in evidence_copy.rglob("*") if p.is_file()} == snapshot


# ------------------------------------------------------------------ coverage of the five sources
def test_every_number_in_the_five_sources_is_accounted_for(report):
    assert report.errors == []
    assert {sc.key for sc in report.coverage} >= {"DH17", "B24", "EC16", "NHSE19", "CDC14"}
    for sc in report.coverage:
        assert sc.open == [], f"{sc.key}: {[(str(a.locator), a.printed) for a in sc.open]}"
        counts = {s: sc.count(s) for s in ("figure", "table", "recommendation", "arithmetic", "excluded")}
        assert sum(counts.values()) == len(sc.accounts)
    b24 = next(sc for sc in report.coverage if sc.key == "B24")
    assert b24.count("table") >= 721 and b24.count("figure") >= 100


def test_coverage_command_prints_a_row_per_source_with_zero_open(capsys, sources_dir):
    assert main(["coverage", "--strict", "--sources", str(sources_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "source",
        "numbers",
        "figure",
        "table",
        "recommendation",
        "arithmetic",
        "excluded",
        "open",
    ]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert set(rows) >= {"DH17", "B24", "EC16", "NHSE19", "CDC14"}
    assert all(r[-1] == "0" for r in rows.values())


def _remove_exclusion(evidence, exclusion_id):
    path = evidence / "exclusions.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    kept = [r for r in rows if r[0] != exclusion_id]
    assert len(kept) == len(rows) - 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(kept)


def test_validate_warns_about_open_numbers_and_strict_fails(evidence_copy, sources_dir, capsys):
    _remove_exclusion(evidence_copy, "b24-isos-next-5-years")
    assert main(["validate", "--evidence", str(evidence_copy), "--sources", str(sources_dir)]) == 0
    err = capsys.readouterr().err
    assert "warning: B24: 1 number(s) in the source are neither in the evidence nor excluded" in err
    assert main(["validate", "--strict", "--evidence", str(evidence_copy), "--sources", str(sources_dir)]) == 1
    assert "error: --strict: 1 number(s) in 1 source(s) not accounted for" in capsys.readouterr().err


def test_a_rule_applies_only_where_the_register_lists_it(evidence_copy, sources_dir):
    _remove_exclusion(evidence_copy, "rule-phone-numbers")
    report = validate(evidence_copy, sources_dir)
    b24 = next(sc for sc in report.coverage if sc.key == "B24")
    assert {a.printed for a in b24.open} >= {"0207", "664", "3207"}


def test_bad_exclusion_entries_are_errors_naming_file_line_id_and_field(evidence_copy, sources_dir):
    path = evidence_copy / "exclusions.csv"
    with path.open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["x-not-in-source", "cdc-2014-cfa-health", "entry", "words that are not there 12", "", "test"])
        w.writerow(
            ["x-already-covered", "cdc-2014-cfa-health", "entry", "will be implemented from September 2014", "", "test"]
        )
        w.writerow(["x-no-reason", "cdc-2014-cfa-health", "entry", "one important component", "", ""])
    problems = {(p.id, p.field): p for p in validate(evidence_copy, sources_dir).errors}
    assert "not an exact substring of cdc-2014-cfa-health" in problems[("x-not-in-source", "quote")].message
    assert "excludes no number" in problems[("x-already-covered", "quote")].message
    assert problems[("x-no-reason", "reason")].message == "required value is missing"
    assert all(p.file == "evidence/exclusions.csv" and p.line for p in problems.values())


def test_arithmetic_check_covers_an_input_restated_in_the_result_quote(pkg):
    # a made-up text where the result's quote restates its input: 11 of 44 is 25%
    text = "Of the 44 areas, 11 had a plan. That is 25% (11 of 44).\n"
    frames = {
        "sources": [{"source_id": "t", "key": "T24"}],
        "figures": [
            {"id": "t-areas", "source_id": "t", "quote": "Of the 44 areas", "printed": "44"},
            {"id": "t-plans", "source_id": "t", "quote": "11 had a plan", "printed": "11"},
            {"id": "t-share", "source_id": "t", "quote": "That is 25% (11 of 44).", "printed": "25%"},
        ],
        "tables": [],
        "table_cells": [],
        "recommendations": [],
        "arithmetic_checks": [{"id": "t-share-check", "result_id": "t-share", "input_ids": "t-plans t-areas"}],
        "exclusions": [],
    }
    sc = source_coverage(pkg, "t", text, frames)
    assert [(a.printed, a.status, a.by) for a in sc.accounts] == [
        ("44", "figure", "t-areas"),
        ("11", "figure", "t-plans"),
        ("25%", "figure", "t-share"),
        ("11", "arithmetic", "t-share-check"),
        ("44", "arithmetic", "t-share-check"),
    ]
