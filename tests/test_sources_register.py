"""The source register: checksums checked on every validate, progress dated, sources cited."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil

from cyp_evidence import measures as m
from cyp_evidence.cli import main
from cyp_evidence.evidence import validate
from cyp_evidence.evidence.texts import source_path
from cyp_evidence.paths import EVIDENCE_DIR


def test_every_source_text_matches_its_registered_checksum(pkg, sources_dir):
    for r in pkg.sources.iter_rows(named=True):
        path = source_path(r, EVIDENCE_DIR, sources_dir)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == r["sha256"], r["file"]
        assert r["accessed"] is not None


def test_a_changed_source_text_is_an_error_naming_the_file(evidence_copy, sources_dir, tmp_path, capsys):
    seeds = tmp_path / "seeds"
    shutil.copytree(sources_dir, seeds)
    changed = seeds / "003_099c93602e25c122.txt"
    changed.chmod(0o644)
    changed.write_bytes(changed.read_bytes() + b"\n")  # one added line break, every quote still present
    report = validate(evidence_copy, seeds)
    msgs = [str(p) for p in report.errors]
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("evidence/sources.csv:5 (id=nhse-2019-send-evidence) field 'sha256': source text ")
    assert str(changed) in msgs[0] and "has changed since it was registered" in msgs[0]
    assert main(["validate", "--evidence", str(evidence_copy), "--sources", str(seeds)]) == 1
    assert str(changed) in capsys.readouterr().err


def test_the_register_says_only_what_the_texts_state(pkg):
    rows = {r["source_id"]: r for r in pkg.sources.iter_rows(named=True)}
    # none of the five texts prints its own address; only the committee report states a copyright
    assert all(r["url"] is None for r in rows.values())
    assert {k for k, r in rows.items() if r["licence"]} == {"educ-committee-2016-lac"}
    assert "Parliamentary copyright 2015" in rows["educ-committee-2016-lac"]["licence"]


def _rewrite(path, change):
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for r in rows:
        change(r)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_quoted_progress_needs_its_date(evidence_copy, sources_dir):
    path = evidence_copy / "recommendations" / "dh-2017-lenehan-response.csv"

    def change(r):
        if r["id"] == "dh17-lenehan-rec-02-residential-special-schools":
            r["progress_date"] = ""
        if r["id"] == "dh17-lenehan-rec-10-workforce":
            r["progress_date"] = "2018-01-01"

    _rewrite(path, change)
    msgs = [str(p) for p in validate(evidence_copy, sources_dir).errors]
    assert len(msgs) == 2, msgs
    assert any(
        "(id=dh17-lenehan-rec-02-residential-special-schools) field 'progress_date': progress is quoted without" in x
        for x in msgs
    )
    assert any(
        "(id=dh17-lenehan-rec-10-workforce) field 'progress_date': progress_date 2018-01-01 is after" in x for x in msgs
    )


def test_lenehan_progress_reported_by_the_letter_is_recorded(pkg):
    recs = {r["id"]: r for r in pkg.recommendations.iter_rows(named=True)}
    rec = recs["dh17-lenehan-rec-02-residential-special-schools"]
    assert "you have completed a separate Review" in rec["progress_quote"]
    assert rec["progress_date"] == dt.date(2017, 11, 6)
    assert m.recommendation_status(pkg, rec, dt.date(2024, 3, 12)) == "No due date: progress reported"
    with_progress = {k for k, r in recs.items() if k.startswith("dh17-") and r["progress_quote"]}
    assert with_progress == {
        "dh17-lenehan-rec-01-childrens-rights",
        "dh17-lenehan-rec-02-residential-special-schools",
        "dh17-lenehan-rec-04-models-of-care",
        "dh17-lenehan-rec-10-workforce",
        "dh17-lenehan-rec-11-financial-incentives",
    }
    # the guidance's title is quoted whole, across its line break
    assert recs["dh17-lenehan-rec-04-models-of-care"]["progress_quote"].endswith("learning disability, autism or both.")


def test_isos_start_date_conflict_is_registered(pkg):
    issue = pkg.source_issues.filter(pkg.source_issues["id"] == "si-lga-isos-start-september-vs-october")
    assert issue.height == 1 and issue["refs"][0] == "lga24-isos-research-phases"
    fig = m.figure(pkg, "lga24-isos-research-phases")
    # the caveat says it in words (the explorer's definition panel lists the issue beside it)
    assert "commenced in October 2023" in fig["caveats"] and "see the source issues" in fig["caveats"]
