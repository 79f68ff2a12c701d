"""The `cyp-evidence` command. Sub-commands import their layer lazily so `validate` stays fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .paths import EVIDENCE_DIR, OUTPUTS_DIR, default_sources_dir


class UsageError(Exception):
    """Bad input from the user: printed as one clear message, exit status 2."""


def _cmd_validate(args: argparse.Namespace) -> int:
    from .evidence import EvidenceError, validate

    try:
        report = validate(args.evidence, args.sources)
    except EvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    pkg = report.package
    for d in report.detections:
        print(f"warning: source issue: {d}", file=sys.stderr)
    if report.errors:
        print(f"error: {len(report.errors)} problem(s) in the evidence base {args.evidence}:", file=sys.stderr)
        for p in report.errors:
            print(f"  - {p}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{pkg.frames[t].height} {t.replace('_', ' ')}" for t in ("figures", "tables", "table_cells", "recommendations", "source_issues"))
    unreg = len(report.unregistered)
    print(f"evidence valid: {counts}; {len(report.detections)} source discrepancies detected ({unreg} not registered)")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from .evidence import EvidenceError, load
    from .evidence.export import to_csv, to_json

    try:
        pkg = load(args.evidence)
    except EvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(to_csv(pkg) if args.format == "csv" else to_json(pkg))
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from .briefing.cli import render_command

    return render_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cyp-evidence",
        description="Sourced evidence on children and young people's mental health, SEND and inpatient care in England: "
        "validate the evidence base, export figures, render versioned board briefings.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def evidence_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--evidence", type=Path, default=EVIDENCE_DIR, metavar="DIR", help="evidence data package folder (default: %(default)s)")

    p = sub.add_parser("validate", help="check the evidence base against the source texts")
    evidence_args(p)
    p.add_argument("--sources", type=Path, default=default_sources_dir(), metavar="DIR", help="folder of source texts (default: %(default)s)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("figures", help="write every figure with its provenance to stdout")
    evidence_args(p)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("render", help="render a versioned board briefing annex")
    p.add_argument("--board", required=True, help="board id, e.g. lga-cyp-board")
    p.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="meeting date")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="evidence cut-off date (default: the meeting date)")
    p.add_argument("--theme", action="append", metavar="T", help="include only this section theme (repeatable)")
    p.add_argument("--focus", metavar="VANGUARD", help="focus on one vanguard (default: all)")
    p.add_argument("--title", help="annex title")
    p.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help="output folder (default: %(default)s)")
    p.add_argument("--pdf", action="store_true", help="also write annex.pdf")
    p.set_defaults(func=_cmd_render)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
