"""End to end: a new source document, from a PDF to figures in a board annex.

The test writes a small document of its own, prints it to PDF with Chromium, adds it with
``cyp-evidence sources add``, sweeps it, completes two figure rows from the sweep's CSV, adds
them (validation: quotes found, page locators right), renders the next version of the annex
and reads "what changed", and checks that coverage shows nothing open for the new source.
"""

from __future__ import annotations

import csv
import html

import pytest

from cyp_evidence.briefing.pipeline.render import render
from cyp_evidence.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DEFAULT = {"board": "lga-cyp-board", "meeting": "2024-03-12"}
TITLE = "School mental health teams: referrals in 2023"
PAGES = [
    [TITLE, "Published 20 February 2024 by the Test Trust."],
    [
        "In 2023, 4,210 children were referred to the pilot teams.",
        "Of those referred, 37% were seen within four weeks.",
    ],
]


def _document(tmp_path, chromium):
    """The document as plain text and as a PDF printed from it by Chromium (one page each)."""
    text = tmp_path / "referrals.txt"
    text.write_text("\n\f".join("\n".join(p) for p in PAGES) + "\n", encoding="utf-8")
    body = "".join(
        '<section style="break-after: page">' + "".join(f"<p>{html.escape(line)}</p>" for line in page) + "</section>"
        for page in PAGES
    )
    page = chromium.new_page()
    try:
        page.set_content(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title></head><body>{body}</body></html>'
        )
        pdf = tmp_path / "referrals.pdf"
        page.pdf(path=str(pdf), format="A4")
    finally:
        page.close()
    return text, pdf


def _add(path, evidence, sources, key="ZZP24"):
    return main(
        [
            "sources",
            "add",
            str(path),
            "--key",
            key,
            "--title",
            TITLE,
            "--short-title",
            "Test Trust, school mental health team referrals 2023",
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
    )


COMPLETED = {
    "4,210": {
        "id": "zzp24-pilot-referrals-2023",
        "theme": "demand",
        "measure": "zzp24_pilot_team_referrals",
        "label": "Children referred to the pilot school mental health teams",
        "kind": "observed",
        "counted": "children referred",
        "period": "2023",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "geography": "Test Trust pilot areas",
        "population": "children referred to the pilot teams",
        "quote": "In 2023, 4,210 children were referred to the pilot teams.",
    },
    "37%": {
        "id": "zzp24-pilot-seen-within-four-weeks-2023",
        "theme": "demand",
        "measure": "zzp24_pilot_team_seen_within_four_weeks",
        "label": "Children referred to the pilot teams who were seen within four weeks",
        "kind": "observed",
        "counted": "children seen within four weeks",
        "denominator": "children referred to the pilot teams in 2023",
        "period": "2023",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "geography": "Test Trust pilot areas",
        "population": "children referred to the pilot teams",
        "quote": "Of those referred, 37% were seen within four weeks.",
    },
}


def test_a_new_pdf_from_sweep_to_annex(tmp_path, evidence_copy, sources_dir, chromium, capsys):
    text, pdf = _document(tmp_path, chromium)
    out = tmp_path / "out"
    first = render(DEFAULT, out, evidence_dir=evidence_copy, sources_dir=sources_dir)
    assert first.version == 1

    assert _add(pdf, evidence_copy, sources_dir) == 0
    assert "added ZZP24 (zzp24): pdf, 2 page(s)" in capsys.readouterr().out
    record = (evidence_copy / "sources" / "zzp24.txt").read_text(encoding="utf-8")
    assert record.split("\f")[1].startswith("In 2023, 4,210 children")

    # the same document again (as it is, or under another key) is refused, and so is its key
    assert _add(pdf, evidence_copy, sources_dir, key="ZZP25") == 2
    assert "is already registered as ZZP24" in capsys.readouterr().err
    assert _add(text, evidence_copy, sources_dir) == 2
    assert "key ZZP24 is already used by source zzp24" in capsys.readouterr().err

    sweep = tmp_path / "sweep.csv"
    assert (
        main(["sweep", "ZZP24", "--out", str(sweep), "--evidence", str(evidence_copy), "--sources", str(sources_dir)])
        == 0
    )
    rows = list(csv.DictReader(sweep.open(encoding="utf-8", newline="")))
    by_number = {r["number"]: r for r in rows}
    assert set(by_number) == {"4,210", "37%", "four"}  # the dates are excluded by rule
    referrals, seen = by_number["4,210"], by_number["37%"]
    assert referrals["locator"] == "p. 2" and seen["locator"] == "p. 2"
    assert referrals["quote"] == "In 2023, 4,210 children were referred to the pilot teams."
    # proposals from the parser validate uses
    assert (referrals["value"], referrals["scale"], referrals["bound"], referrals["unit"]) == (
        "4210",
        "0",
        "exact",
        "count",
    )
    assert (seen["value"], seen["unit"], seen["quantity"], seen["bound"]) == ("0.37", "proportion", "share", "exact")

    def write(rows_out):
        with sweep.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows_out)

    completed = [{**r, **COMPLETED.get(r["number"], {})} for r in rows]
    # a wrong page is refused, and nothing is added
    figures = evidence_copy / "figures" / "zzp24.csv"
    before = figures.read_bytes()
    write([{**r, "locator": "p. 1"} if r["number"] == "37%" else r for r in completed])
    args = ["sweep", "ZZP24", "--add", str(sweep), "--evidence", str(evidence_copy), "--sources", str(sources_dir)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert (
        "locator 'p. 1' names the wrong page: the quote is on p. 2" in err
        and "zzp24-pilot-seen-within-four-weeks-2023" in err
    )
    assert figures.read_bytes() == before

    write(completed)
    assert main(args) == 0
    assert "added 2 figure row(s)" in capsys.readouterr().out
    assert main(["validate", "--strict", "--evidence", str(evidence_copy), "--sources", str(sources_dir)]) == 0
    capsys.readouterr()

    # coverage: nothing open for the new source ("four" is recorded in the 37% figure's label)
    assert main(["coverage", "--strict", "--evidence", str(evidence_copy), "--sources", str(sources_dir)]) == 0
    table = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert table["ZZP24"][1:] == ["7", "4", "0", "0", "0", "3", "0"]  # numbers, figure, ..., excluded, open

    second = render(DEFAULT, out, evidence_dir=evidence_copy, sources_dir=sources_dir)
    assert second.version == 2
    annex = second.annex.read_text(encoding="utf-8")
    changes = annex[annex.index('id="changes"') :]
    changes = changes[: changes.index("</section>")]
    assert (
        "source was added: ZZP24, Test Trust, school mental health team referrals 2023 (published 20 February 2024)"
        in changes
    )
    assert "with 2 new figures" in changes
