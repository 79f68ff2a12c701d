"""A broken evidence file gives one clear message per problem, all at once, non-zero exit."""

import csv
import json

from cyp_evidence.cli import main
from cyp_evidence.evidence import validate

GOOD = {
    "id": "test-workforce-growth-2016",
    "theme": "workforce",
    "measure": "cypmh_workforce_growth_since_2016",
    "label": "Growth in the CYPMH workforce since 2016",
    "kind": "observed",
    "value": "0.7",
    "unit": "proportion",
    "scale": "0",
    "quantity": "change",
    "counted": "CYPMH workforce",
    "denominator": "2016 to the time of writing",
    "bound": "exact",
    "value_min": "",
    "value_max": "",
    "rate_per": "",
    "printed": "70%",
    "period": "since 2016",
    "period_start": "",
    "period_end": "",
    "geography": "England",
    "population": "CYPMH workforce",
    "source_id": "lga-cyp-board-2024-01-23",
    "locator": "Annex 1 slide",
    "quote": "The total CYPMH workforce has increased by 46% since the start of the LTP and by 70% since 2016",
    "caveats": "",
}
FILE = "figures/lga-cyp-board-2024-01-23.csv"


def _append(evidence_dir, rows):
    path = evidence_dir / FILE
    with path.open(newline="") as fh:
        header = next(csv.reader(fh))
    with path.open("a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        for r in rows:
            w.writerow(r)
    return sum(1 for _ in path.open()) - len(rows) + 1  # line number of the first appended row


def test_a_good_row_validates(evidence_copy, sources_dir):
    _append(evidence_copy, [GOOD])
    report = validate(evidence_copy, sources_dir)
    assert report.errors == []


def test_every_problem_reported_with_file_line_id_and_field(evidence_copy, sources_dir, capsys):
    bad_number = {**GOOD, "id": "t-bad-number", "value": "seventy"}
    bad_unit = {**GOOD, "id": "t-bad-unit", "unit": "bananas"}
    bad_quote = {**GOOD, "id": "t-bad-quote", "quote": "The workforce has increased by 70% since 2016"}
    wrong_value = {**GOOD, "id": "t-wrong-value", "value": "0.71"}
    missing = {**GOOD, "id": "t-missing", "locator": ""}
    dup = dict(GOOD)
    first = _append(evidence_copy, [GOOD, bad_number, bad_unit, bad_quote, wrong_value, missing, dup])
    report = validate(evidence_copy, sources_dir)
    msgs = [str(p) for p in report.errors]
    text = "\n".join(msgs)
    assert f"{FILE}:{first + 1} (id=t-bad-number) field 'value': not a number: 'seventy'" in text
    assert f"{FILE}:{first + 2} (id=t-bad-unit) field 'unit': refers to unknown unit 'bananas'" in text
    assert f"{FILE}:{first + 3} (id=t-bad-quote) field 'quote': quote is not an exact substring" in text
    assert (
        f"{FILE}:{first + 4} (id=t-wrong-value) field 'value': value 0.71 is not the quantity printed as '70%'" in text
    )
    assert f"{FILE}:{first + 5} (id=t-missing) field 'locator': required value is missing" in text
    assert "(id=test-workforce-growth-2016) field 'id': duplicate key" in text
    assert len(msgs) == 7  # the duplicate is reported on both rows; nothing else

    code = main(["validate", "--evidence", str(evidence_copy), "--sources", str(sources_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "problem(s) in the evidence base" in err and "t-bad-unit" in err and "t-bad-quote" in err


def test_unknown_reference_and_bad_header(evidence_copy, sources_dir):
    _append(evidence_copy, [{**GOOD, "source_id": "no-such-source"}])
    path = evidence_copy / "source_issues" / "cdc-2014-cfa-health.csv"
    path.write_text(path.read_text().replace("explanation", "explanaton", 1))
    report = validate(evidence_copy, sources_dir)
    text = "\n".join(map(str, report.errors))
    assert "field 'source_id': refers to unknown source 'no-such-source'" in text
    assert (
        "source_issues/cdc-2014-cfa-health.csv:1: header does not match the schema; missing column(s) ['explanation']; unknown column(s) ['explanaton']"
        in text
    )


def test_sources_folder_is_configurable(evidence_copy, tmp_path, capsys):
    empty = tmp_path / "nowhere"
    empty.mkdir()
    code = main(["validate", "--evidence", str(evidence_copy), "--sources", str(empty)])
    assert code == 1
    assert "source text not found" in capsys.readouterr().err


def test_datapackage_resources_all_exist_and_schemas_parse(evidence_copy):
    dp = json.loads((evidence_copy / "datapackage.json").read_text())
    assert dp["profile"] == "tabular-data-package"
    for res in dp["resources"]:
        assert (evidence_copy / res["path"]).is_file(), res["path"]
        schema = json.loads((evidence_copy / res["schema"]).read_text())
        assert schema["fields"], res["schema"]
        for f in schema["fields"]:
            assert f["type"] in {"string", "number", "integer", "date", "boolean"}
            assert f.get("description"), f"{res['schema']}: field {f['name']} has no description"


def test_declared_foreign_keys_are_enforced(evidence_copy, sources_dir):
    """Every foreign key a Table Schema declares names a real table and field, and a broken
    reference in each declared field is reported."""
    schemas = {p.stem: json.loads(p.read_text()) for p in (evidence_copy / "schemas").glob("*.json")}
    declared = [(name, fk) for name, s in schemas.items() for fk in s.get("foreignKeys", [])]
    assert {(n, fk["fields"][0]) for n, fk in declared} >= {
        ("figures", "source_id"),
        ("recommendations", "source_id"),
        ("recommendations", "progress_source_id"),
        ("tables", "source_id"),
        ("table_cells", "table_id"),
        ("source_issues", "source_id"),
    }
    for name, fk in declared:
        ref = schemas[fk["reference"]["resource"]]
        assert fk["reference"]["fields"][0] in [f["name"] for f in ref["fields"]], (name, fk)
    path = evidence_copy / "recommendations" / "dh-2017-lenehan-response.csv"
    path.write_text(path.read_text().replace(",dh-2017-lenehan-response,2017-11-06,", ",no-such-source,2017-11-06,", 1))
    text = "\n".join(map(str, validate(evidence_copy, sources_dir).errors))
    assert "field 'progress_source_id': refers to unknown source 'no-such-source'" in text


def _line_of(path, needle):
    """The 1-based line of the first line of ``path`` containing ``needle``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_a_broken_id_in_a_list_of_ids_is_reported_at_file_line_and_field(evidence_copy, sources_dir):
    """Multi-id fields (``delimiter``) are checked id by id, against every table the key allows."""
    path = evidence_copy / "arithmetic_checks.csv"
    row = "lga24-ed-starts-increase-check,"
    path.write_text(path.read_text().replace("lga24-a1-ed-starts-2019-20 ", "lga24-a1-no-such-figure ", 1))
    line = _line_of(path, row)
    text = "\n".join(map(str, validate(evidence_copy, sources_dir).errors))
    assert (
        f"arithmetic_checks.csv:{line} (id=lga24-ed-starts-increase-check) field 'input_ids': "
        "refers to unknown figure or table 'lga24-a1-no-such-figure'" in text
    )
    issues = evidence_copy / "source_issues" / "lga-cyp-board-2024-01-23.csv"
    header = issues.read_text().splitlines()[0].split(",")
    with issues.open() as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["refs"] = f"{rows[0]['refs']} nothing-by-this-name".strip()
    with issues.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    text = "\n".join(map(str, validate(evidence_copy, sources_dir).errors))
    assert (
        f"source_issues/lga-cyp-board-2024-01-23.csv:2 (id={rows[0]['id']}) field 'refs': "
        "refers to unknown figure, table or recommendation 'nothing-by-this-name'" in text
    )


def test_a_foreign_key_added_to_a_schema_is_checked(evidence_copy, sources_dir):
    """Declaring a foreign key in a Table Schema is all it takes for validate to check it."""
    assert not [p for p in validate(evidence_copy, sources_dir).errors if p.field == "lead"]
    path = evidence_copy / "schemas" / "recommendations.json"
    schema = json.loads(path.read_text())
    schema["foreignKeys"].append({"fields": ["lead"], "reference": {"resource": "sources", "fields": ["source_id"]}})
    path.write_text(json.dumps(schema))
    errors = [p for p in validate(evidence_copy, sources_dir).errors if p.field == "lead"]
    assert errors and all(p.message.startswith("refers to unknown source ") for p in errors)
    first = errors[0]
    assert first.file.endswith(".csv") and first.line and first.line > 1 and first.id


def test_a_foreign_key_naming_a_missing_table_or_field_is_reported_at_its_schema(evidence_copy, sources_dir):
    path = evidence_copy / "schemas" / "statements.json"
    schema = json.loads(path.read_text())
    schema["foreignKeys"] += [
        {"fields": ["source_id"], "reference": {"resource": "no_such_table", "fields": ["id"]}},
        {"fields": ["speaker"], "reference": {"resource": "sources", "fields": ["no_such_field"]}},
        {"fields": ["no_such_column"], "reference": {"resource": "sources", "fields": ["source_id"]}},
    ]
    path.write_text(json.dumps(schema))
    text = "\n".join(map(str, validate(evidence_copy, sources_dir).errors))
    assert "schemas/statements.json: foreign key on source_id: refers to a table 'no_such_table'" in text
    assert "schemas/statements.json: foreign key on speaker: sources has no field(s) ['no_such_field']" in text
    assert "schemas/statements.json: foreign key on no_such_column: no such field in this table" in text


def test_the_vocabulary_registers_are_checked_and_every_word_used_is_in_them(evidence_copy, sources_dir):
    """Themes, units and register lists are registers of the package (schema-checked, listed in
    datapackage.json); a figure's theme or unit, an item's list and its nature must be in them."""
    names = {r["name"] for r in json.loads((evidence_copy / "datapackage.json").read_text())["resources"]}
    assert {"themes", "units", "quantities", "recommendation-sets"} <= names
    _append(evidence_copy, [{**GOOD, "id": "t-bad-theme", "theme": "no_such_theme", "quantity": "mood"}])
    recs = evidence_copy / "recommendations" / "educ-committee-2016-lac.csv"
    text = recs.read_text()
    line = _line_of(recs, "ec16-para-69-")
    recs.write_text(text.replace(",education-committee-2016,recommendation,", ",no-such-list,pledge,", 1))
    units = evidence_copy / "units.csv"
    units.write_text(units.read_text() + "count,Number again,a count,a number\n")
    got = "\n".join(map(str, validate(evidence_copy, sources_dir).errors))
    assert "(id=t-bad-theme) field 'theme': refers to unknown theme 'no_such_theme'" in got
    assert "(id=t-bad-theme) field 'quantity': refers to unknown quantity 'mood'" in got
    assert (
        f"educ-committee-2016-lac.csv:{line} (id=ec16-para-69-revise-statutory-guidance) field 'set': refers to unknown recommendation set 'no-such-list'"
        in got
    )
    assert (
        f"educ-committee-2016-lac.csv:{line} (id=ec16-para-69-revise-statutory-guidance) field 'nature': unknown value 'pledge'"
        in got
    )
    assert "units.csv:13 (id=count) field 'unit': duplicate key" in got


def test_a_caveat_in_programmers_words_is_an_error_with_file_line_and_field(evidence_copy, sources_dir, capsys):
    """Caveats reach readers (the explorers' definition panels and tables): a field name or an id
    in one is reported where it is, and a caveat in words passes."""
    field_name = {**GOOD, "id": "t-field-name", "caveats": "approximate (value_max 0.75: the true share is below it)"}
    an_id = {**GOOD, "id": "t-an-id", "caveats": "see si-lga-mhst-coverage-denominator"}
    in_words = {
        **GOOD,
        "id": "t-in-words",
        "caveats": "approximate (the true share is a little below it); see the source issues",
    }
    first = _append(evidence_copy, [field_name, an_id, in_words])
    text = "\n".join(str(p) for p in validate(evidence_copy, sources_dir).errors)
    assert (
        f"{FILE}:{first} (id=t-field-name) field 'caveats': caveats use words meant for programmers, "
        "not readers: 'value_max'" in text
    )
    assert f"{FILE}:{first + 1} (id=t-an-id) field 'caveats'" in text and "'si-lga-mhst-coverage-denominator'" in text
    assert "t-in-words" not in text
    assert main(["validate", "--evidence", str(evidence_copy), "--sources", str(sources_dir)]) == 1
    assert "t-field-name" in capsys.readouterr().err


def test_a_source_issue_explanation_in_programmers_words_is_an_error(evidence_copy, sources_dir):
    path = evidence_copy / "source_issues" / "nhse-2019-send-evidence.csv"
    text = path.read_text(encoding="utf-8")
    assert "The figure for the board's three sub-groups is unaffected." in text
    path.write_text(
        text.replace("The figure for the board's three sub-groups", "nhse19-send-board-sub-groups"), encoding="utf-8"
    )
    found = [p for p in validate(evidence_copy, sources_dir).errors if p.field == "explanation"]
    assert len(found) == 1 and "'nhse19-send-board-sub-groups'" in str(found[0])
    assert found[0].file.endswith("source_issues/nhse-2019-send-evidence.csv") and found[0].line == 8
    assert found[0].id == "si-nhse19-item-4-1-1-runs-into-4-1-2"


def test_a_table_note_in_programmers_words_is_an_error_naming_the_table(evidence_copy, sources_dir):
    path = evidence_copy / "tables.csv"
    text = path.read_text(encoding="utf-8")
    assert "(280 as a cell, 4111 as the grand total)" in text
    path.write_text(text.replace("4111 as the grand total", "4111 as grand_total"), encoding="utf-8")
    found = [p for p in validate(evidence_copy, sources_dir).errors if p.field == "notes"]
    assert len(found) == 1 and found[0].id == "lga24-ffic-age-gender" and "'grand_total'" in str(found[0])
