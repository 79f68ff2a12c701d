"""The data dictionary is generated, complete and committed up to date."""

from __future__ import annotations

import importlib
import inspect
import json
import re

from cyp_evidence import dictionary, measures
from cyp_evidence.cli import main
from cyp_evidence.paths import EVIDENCE_DIR, ROOT

DOC = ROOT / "docs" / "data-dictionary.md"


def test_committed_dictionary_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == dictionary.render_markdown(), (
        "docs/data-dictionary.md is stale: run .venv/bin/cyp-evidence dictionary > docs/data-dictionary.md"
    )


def test_check_flag_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "dd.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["dictionary", "--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    stale.write_text(dictionary.render_markdown(), encoding="utf-8")
    assert main(["dictionary", "--check", str(stale)]) == 0


def test_every_derived_function_is_listed():
    public = {
        name: fn
        for name, fn in inspect.getmembers(measures, inspect.isfunction)
        if fn.__module__ == measures.__name__ and not name.startswith("_")
    }
    returns_derived = {
        name
        for name, fn in public.items()
        if re.search(r"\bDerived\b|DataFrame", str(inspect.signature(fn).return_annotation))
    }
    listed = set(dictionary.DERIVED_FUNCTIONS) | set(dictionary.NOT_DERIVED)
    assert returns_derived - listed == set(), "derived functions missing from the data dictionary"
    assert set(dictionary.DERIVED_FUNCTIONS) <= set(public), "dictionary names a function measures does not have"
    for name in dictionary.DERIVED_FUNCTIONS:
        assert inspect.getdoc(public[name]), f"measures.{name} needs a docstring: the dictionary quotes it"


def test_every_field_of_every_schema_is_described():
    dp = json.loads((EVIDENCE_DIR / "datapackage.json").read_text(encoding="utf-8"))
    text = dictionary.render_markdown()
    for schema_path in {r["schema"] for r in dp["resources"]}:
        schema = json.loads((EVIDENCE_DIR / schema_path).read_text(encoding="utf-8"))
        for f in schema["fields"]:
            assert f.get("description"), f"{schema_path}: field {f['name']} has no description"
            assert f"| `{f['name']}` |" in text


def test_validation_functions_named_in_the_dictionary_exist():
    text = dictionary.render_markdown()
    names = re.findall(r"`(cyp_evidence\.[a-z_.]+)`", text)
    assert len(names) > 10
    for dotted in names:
        module, _, attr = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), dotted
