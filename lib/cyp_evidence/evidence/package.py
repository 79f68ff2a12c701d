"""Read the evidence data package (Frictionless Data Package with Table Schemas) into typed
polars frames, reporting every schema problem at once.

Resources that share a schema file (``figures-*``, ``recommendations-*``, ``source-issues-*``)
are one logical table split by source document; they are concatenated here and each row keeps
the file it came from (``_file``) and its line number (``_line``) so every message can point
at it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..paths import EVIDENCE_DIR
from ..text import bad_character

# Logical tables, keyed by schema file stem.
TABLES = (
    "sources",
    "figures",
    "tables",
    "table_cells",
    "recommendations",
    "source_issues",
    "arithmetic_checks",
    "statements",
    "themes",
    "units",
    "quantities",
    "recommendation_sets",
)

POLARS_TYPES = {
    "string": pl.String,
    "number": pl.Float64,
    "integer": pl.Int64,
    "date": pl.Date,
    "boolean": pl.Boolean,
}

# Fields that hold a whole source line verbatim (a trailing tab is part of the line).
VERBATIM_LINES = {"line_quote"}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the evidence, located precisely."""

    file: str
    message: str
    line: int | None = None
    id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.id:
            where += f" (id={self.id})"
        if self.field:
            where += f" field '{self.field}'"
        return f"{where}: {self.message}"


class EvidenceError(Exception):
    """The evidence base is invalid; ``problems`` lists everything found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the evidence base:\n{lines}")


@dataclass
class EvidencePackage:
    directory: Path
    descriptor: dict
    schemas: dict[str, dict]
    frames: dict[str, pl.DataFrame]
    problems: list[Problem] = field(default_factory=list)

    def __getattr__(self, name: str) -> pl.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    def enum(self, table: str, column: str) -> list[str]:
        for f in self.schemas[table]["fields"]:
            if f["name"] == column:
                return list(f.get("constraints", {}).get("enum", []))
        raise KeyError(f"{table}.{column}")


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.parent))
    except ValueError:
        return str(path)


def _parse(value: str, ftype: str):
    if ftype == "string":
        return value
    if ftype == "number":
        v = value.strip()
        if not _NUMBER.match(v):
            raise ValueError(f"not a number: {value!r} (write digits only, e.g. 11807 or 2.5)")
        return float(v)
    if ftype == "integer":
        return int(value)
    if ftype == "date":
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None
    if ftype == "boolean":
        if value in ("true", "false"):
            return value == "true"
        raise ValueError(f"not true/false: {value!r}")
    raise ValueError(f"unsupported Table Schema type {ftype!r}")


def _line_of(data: bytes, offset: int) -> int:
    """The physical line (1-based) of a byte offset."""
    return data[:offset].count(b"\n") + 1


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a value is longer than {csv.field_size_limit()} characters "
            "(the CSV field limit; often a quote that is opened and never closed)"
        )
    return text


def _read_json(path: Path, what: str) -> object:
    """A JSON file, or EvidenceError naming the file (and line) and what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EvidenceError([Problem(str(path), f"{what} is missing")]) from None
    except OSError as exc:
        raise EvidenceError([Problem(str(path), f"{what} cannot be read: {exc.strerror or exc}")]) from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            [Problem(str(path), f"not UTF-8 text (byte 0x{data[exc.start]:02x})", _line_of(data, exc.start))]
        ) from None
    except json.JSONDecodeError as exc:
        raise EvidenceError([Problem(str(path), f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)]) from None


def _check_schema(schema: object, path: Path) -> dict:
    ok = (
        isinstance(schema, dict)
        and isinstance(schema.get("fields"), list)
        and all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"])
    )
    if not ok:
        raise EvidenceError([Problem(str(path), "not a Table Schema (an object with a list of named 'fields')")])
    for f in schema["fields"]:  # type: ignore[index]
        if f.get("type", "string") not in POLARS_TYPES:
            raise EvidenceError(
                [Problem(str(path), f"field {f['name']!r}: unsupported type {f.get('type')!r}", field=f["name"])]
            )
        f.setdefault("type", "string")
    return schema  # type: ignore[return-value]


def _inside(directory: Path, ref: str) -> bool:
    return (directory / ref).resolve().is_relative_to(directory.resolve())


def _read_resource(path: Path, schema: dict, label: str, problems: list[Problem]) -> list[dict]:
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    if not path.is_file():
        problems.append(Problem(label, "file listed in datapackage.json is missing"))
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(label, f"cannot be read: {exc.strerror or exc}"))
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                label,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                _line_of(data, exc.start),
            )
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(label, "file is empty (expected a header row)"))
        return []
    except csv.Error as exc:
        problems.append(Problem(label, f"not readable as CSV: {_csv_message(exc)}", reader.line_num or 1))
        return []
    if header != names:
        missing = [n for n in names if n not in header]
        extra = [n for n in header if n not in names]
        msg = "header does not match the schema"
        if missing:
            msg += f"; missing column(s) {missing}"
        if extra:
            msg += f"; unknown column(s) {extra}"
        if not missing and not extra:
            msg += f"; expected order {names}"
        problems.append(Problem(label, msg, line=1))
        return []
    rows: list[dict] = []
    end = reader.line_num  # physical line the previous record ended on
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(label, f"not readable as CSV: {_csv_message(exc)}", end + 1))
            return rows
        # the physical line a record starts on (a quoted value may span several lines)
        lineno, end = end + 1, reader.line_num
        if not raw or all(not c.strip() for c in raw):
            continue
        rid = raw[0] if raw else None
        if len(raw) != len(names):
            problems.append(Problem(label, f"has {len(raw)} values, expected {len(names)}", line=lineno, id=rid))
            continue
        row = {"_file": label, "_line": lineno}
        for f, cell in zip(fields, raw, strict=False):
            cons = f.get("constraints", {})
            name = f["name"]
            if cell == "":
                if cons.get("required"):
                    problems.append(Problem(label, "required value is missing", lineno, rid, name))
                row[name] = None
                continue
            if cell != cell.strip() and name not in VERBATIM_LINES:
                problems.append(Problem(label, "value has leading or trailing whitespace", lineno, rid, name))
            bad = bad_character(cell.replace("\t", " ") if name in VERBATIM_LINES else cell)
            if bad:
                problems.append(Problem(label, f"value contains {bad}", lineno, rid, name))
            try:
                val = _parse(cell, f["type"])
            except ValueError as exc:
                problems.append(Problem(label, str(exc), lineno, rid, name))
                row[name] = None
                continue
            if "enum" in cons and val not in cons["enum"]:
                problems.append(
                    Problem(label, f"unknown value {cell!r} (allowed: {', '.join(cons['enum'])})", lineno, rid, name)
                )
            if "pattern" in cons and isinstance(val, str) and not re.fullmatch(cons["pattern"], val):
                problems.append(Problem(label, f"{cell!r} does not match pattern {cons['pattern']}", lineno, rid, name))
            row[name] = val
        rows.append(row)
    return rows


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    pl_schema = {f["name"]: POLARS_TYPES[f["type"]] for f in schema["fields"]}
    pl_schema["_file"] = pl.String
    pl_schema["_line"] = pl.Int64
    return pl.DataFrame(rows, schema=pl_schema, strict=True)


def read_package(directory: Path | str = EVIDENCE_DIR) -> EvidencePackage:
    """Read and type-check every resource; never raises for data problems (see ``problems``)."""
    directory = Path(directory)
    problems: list[Problem] = []
    dp_path = directory / "datapackage.json"
    if not dp_path.exists():
        raise EvidenceError([Problem(str(dp_path), "no datapackage.json in the evidence folder")])
    descriptor = _read_json(dp_path, "datapackage.json")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise EvidenceError([Problem(str(dp_path), "must be a JSON object with a list of 'resources'")])
    schemas: dict[str, dict] = {}
    schema_files: dict[str, str] = {}
    rows: dict[str, list[dict]] = {}
    for i, res in enumerate(descriptor["resources"], start=1):
        if not isinstance(res, dict):
            problems.append(Problem(str(dp_path), f"resource {i} must be an object with a name, a path and a schema"))
            continue
        name = res.get("name", f"number {i}")
        schema_ref, data_ref = res.get("schema"), res.get("path")
        if not isinstance(schema_ref, str):
            problems.append(Problem(str(dp_path), f"resource {name!r} must reference a schema file"))
            continue
        if not _inside(directory, schema_ref):
            problems.append(Problem(str(dp_path), f"resource {name!r}: its schema must be inside {directory}"))
            continue
        table = Path(schema_ref).stem
        if table not in schemas:
            schema_path = directory / schema_ref
            schemas[table] = _check_schema(_read_json(schema_path, f"schema file (resource {name!r})"), schema_path)
            schema_files[table] = _rel(schema_path, directory)
        rows.setdefault(table, [])
        if not isinstance(data_ref, str) or not data_ref:
            problems.append(Problem(str(dp_path), f"resource {name!r} has no 'path' (the CSV file it describes)"))
            continue
        if not _inside(directory, data_ref):
            problems.append(Problem(str(dp_path), f"resource {name!r}: its file must be inside {directory}"))
            continue
        label = _rel(directory / data_ref, directory)
        rows.setdefault(table, []).extend(_read_resource(directory / data_ref, schemas[table], label, problems))
    missing = [t for t in TABLES if t not in schemas]
    if missing:
        raise EvidenceError(
            [*problems, Problem(str(dp_path), f"no resource with a schema for the table(s) {', '.join(missing)}")]
        )
    frames = {}
    for table, schema in schemas.items():
        frames[table] = _frame(rows.get(table, []), schema)
        problems.extend(_unique_problems(frames[table], schema))
    pkg = EvidencePackage(directory, descriptor, schemas, frames, problems)
    problems.extend(_foreign_key_problems(pkg, schema_files))
    return pkg


def _unique_problems(frame: pl.DataFrame, schema: dict) -> list[Problem]:
    out = []
    keys = schema.get("primaryKey") or []
    if keys and frame.height:
        dup = frame.filter(pl.struct(keys).is_duplicated() & pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
        for r in dup.iter_rows(named=True):
            key = ", ".join(f"{k}={r[k]!r}" for k in keys)
            out.append(
                Problem(
                    r["_file"],
                    f"duplicate key ({key}) also appears elsewhere in this table",
                    r["_line"],
                    str(r[keys[0]]),
                    keys[-1],
                )
            )
    return out


def _names(value: object) -> list[str]:
    """A Table Schema field list: one name (a string) or a list of names."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _thing(table: str) -> str:
    """What one row of a logical table is, in words ('figures' -> 'figure', 'table_cells' -> 'table
    cell', 'quantities' -> 'quantity')."""
    one = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return one.replace("_", " ")


def _declared_keys(pkg: EvidencePackage, schema_files: dict[str, str]) -> tuple[list, list[Problem]]:
    """The foreign keys every schema declares, checked: ``(table, fields, delimiter, targets)``
    with ``targets`` a list of ``(table, fields)`` a value may match; and a problem for each
    declaration that names a table or field the package does not have.

    A foreign key is Frictionless's ``{"fields": [...], "reference": {"resource": ..., "fields":
    [...]}}``, where ``resource`` names a logical table (a schema file's stem: every resource
    sharing that schema; "" is the table itself). Two extensions: ``"delimiter": " "`` (the
    field holds a list of ids, each checked) and ``"alternatives": [{"resource": ..., "fields":
    [...]}, ...]`` (an id may be in any of these tables, as well as in ``reference``)."""
    keys, problems = [], []
    for table, schema in pkg.schemas.items():
        label = schema_files.get(table, table)
        own = {f["name"] for f in schema["fields"]}
        for fk in schema.get("foreignKeys") or []:
            if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
                problems.append(
                    Problem(label, "a foreign key must be an object with 'fields' and a 'reference' object")
                )
                continue
            fields = _names(fk.get("fields"))
            where = f"foreign key on {', '.join(fields) or '(no fields)'}"
            bad = [n for n in fields if n not in own]
            if not fields or bad:
                problems.append(Problem(label, f"{where}: no such field in this table: {bad or 'none named'}"))
                continue
            delimiter = fk.get("delimiter")
            if delimiter is not None and (not isinstance(delimiter, str) or not delimiter or len(fields) != 1):
                problems.append(Problem(label, f"{where}: 'delimiter' must be a non-empty string, on one field"))
                continue
            targets, ok = [], True
            for ref in [fk["reference"], *(fk.get("alternatives") or [])]:
                ref_table = (ref.get("resource") or table) if isinstance(ref, dict) else None
                ref_fields = _names(ref.get("fields")) if isinstance(ref, dict) else []
                if ref_table not in pkg.schemas:
                    problems.append(
                        Problem(label, f"{where}: refers to a table {ref_table!r} the package does not have")
                    )
                    ok = False
                    continue
                theirs = {f["name"] for f in pkg.schemas[ref_table]["fields"]}
                if len(ref_fields) != len(fields) or any(n not in theirs for n in ref_fields):
                    problems.append(
                        Problem(label, f"{where}: {ref_table} has no field(s) {ref_fields} matching {fields}")
                    )
                    ok = False
                    continue
                targets.append((ref_table, ref_fields))
            if ok:
                keys.append((table, fields, delimiter, targets))
    return keys, problems


def _foreign_key_problems(pkg: EvidencePackage, schema_files: dict[str, str]) -> list[Problem]:
    """Every value of a declared foreign key that is in none of the tables it refers to, at its
    file, line, row id and field. Empty values are not references."""
    keys, out = _declared_keys(pkg, schema_files)
    f = pkg.frames
    known: dict[tuple[str, tuple[str, ...]], set] = {}
    for table, fields, delimiter, targets in keys:
        allowed: set = set()
        for ref_table, ref_fields in targets:
            cache = (ref_table, tuple(ref_fields))
            if cache not in known:
                frame = f[ref_table].select(ref_fields).drop_nulls()
                known[cache] = set(frame.iter_rows()) if len(ref_fields) > 1 else set(frame.to_series())
            allowed |= known[cache]
        what = " or ".join(_thing(t) for t, _ in targets)
        if len(targets) > 2:
            what = ", ".join(_thing(t) for t, _ in targets[:-1]) + f" or {_thing(targets[-1][0])}"
        frame = f[table]
        pk = pkg.schemas[table].get("primaryKey")
        idcol = _names(pk)[0] if _names(pk) else frame.columns[0]
        for r in frame.select(list(dict.fromkeys([idcol, "_file", "_line", *fields]))).iter_rows(named=True):
            vals = tuple(r[c] for c in fields)
            if any(v is None for v in vals):
                continue
            if delimiter is not None:
                items = vals[0].split() if delimiter.isspace() else [v.strip() for v in vals[0].split(delimiter)]
                wanted: list = [v for v in items if v]
            else:
                wanted = [vals if len(fields) > 1 else vals[0]]
            for v in wanted:
                if v not in allowed:
                    shown = ", ".join(map(repr, v)) if isinstance(v, tuple) else repr(v)
                    out.append(
                        Problem(r["_file"], f"refers to unknown {what} {shown}", r["_line"], str(r[idcol]), fields[0])
                    )
    return out
