"""The vocabulary registers of the data package, as look-ups: readers' names of the register
lists (``recommendation_sets.csv``), the growth group of each theme (``themes.csv``), the words
for each unit (``units.csv``: axis title, definition, noun) and the axis title of each kind of
quantity (``quantities.csv``). The words live in ``evidence/``, beside the data that
uses them, with a schema each; ``validate`` checks them and every reference to them (foreign
keys). Nothing here holds a word of its own.

Each look-up takes the package in hand; without one it reads the register of the project's own
evidence folder (for module-level names such as ``measures.LIST_NAMES``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from ..paths import EVIDENCE_DIR
from .package import EvidenceError, EvidencePackage, Problem, _check_schema, _frame, _read_json, _read_resource, _rel


@cache
def _register(table: str) -> pl.DataFrame:
    """One register of the project's own evidence folder, read and checked against its schema
    alone (cheap: the rest of the package is not read)."""
    dp_path = EVIDENCE_DIR / "datapackage.json"
    descriptor = _read_json(dp_path, "datapackage.json")
    resources = descriptor.get("resources", []) if isinstance(descriptor, dict) else []
    res = next((r for r in resources if isinstance(r, dict) and Path(str(r.get("schema"))).stem == table), None)
    if res is None:
        raise EvidenceError([Problem(str(dp_path), f"no resource with a schema for the register {table!r}")])
    schema_path = EVIDENCE_DIR / res["schema"]
    schema = _check_schema(_read_json(schema_path, f"schema file (resource {res.get('name')!r})"), schema_path)
    problems: list[Problem] = []
    rows = _read_resource(EVIDENCE_DIR / res["path"], schema, _rel(EVIDENCE_DIR / res["path"], EVIDENCE_DIR), problems)
    if problems:
        raise EvidenceError(problems)
    return _frame(rows, schema)


def lookup(table: str, key: str, column: str, pkg: EvidencePackage | None = None) -> dict[str, str]:
    """``{key: column}`` over the rows of a register that have a value in ``column``."""
    frame = pkg.frames[table] if pkg is not None else _register(table)
    return {k: v for k, v in frame.select(key, column).iter_rows() if v}


def list_names(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """Readers' name of each register list: ``{'lenehan-review-2017': 'Lenehan review (2017)', ...}``."""
    return lookup("recommendation_sets", "set", "name", pkg)


def growth_groups(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """The group each theme's growth figures are compared in: ``{'demand': 'Need and demand', ...}``."""
    return lookup("themes", "theme", "growth_group", pkg)


def unit_titles(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """The chart-axis title of each unit: ``{'count': 'Number', 'GBP': '£', ...}``."""
    return lookup("units", "unit", "axis_title", pkg)


def unit_definitions(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """The unit in a definition panel's words: ``{'count': 'a count', 'GBP': '£ (pounds)', ...}``."""
    return lookup("units", "unit", "definition", pkg)


def unit_nouns(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """What a figure in the unit is, for a reason: ``{'count': 'a number', 'proportion': 'a share', ...}``
    (units without one are left out)."""
    return lookup("units", "unit", "noun", pkg)


def quantity_titles(pkg: EvidencePackage | None = None) -> dict[str, str]:
    """What an axis of each kind of quantity shows: ``{'level': 'Numbers', 'share': 'Shares', ...}``."""
    return lookup("quantities", "quantity", "axis_title", pkg)
