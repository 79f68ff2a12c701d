"""The `cyp-evidence` command. Sub-commands import their layer lazily so `validate` stays fast."""

from __future__ import annotations

import argparse
import gc
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
    counts = ", ".join(
        f"{pkg.frames[t].height} {t.replace('_', ' ')}"
        for t in ("figures", "tables", "table_cells", "recommendations", "source_issues")
    )
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
    from .briefing.kernel import start_kernel

    # first of all: the kernel boots and imports the annex code while this process imports
    # polars, papermill and the evidence layer and validates (render shuts it down)
    kernel = start_kernel()
    try:
        from .briefing.cli import render_command
    except BaseException:
        if kernel is not None:
            kernel.shutdown()
        raise
    return render_command(args, kernel)


def _date_arg(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def _cmd_run_due(args: argparse.Namespace) -> int:
    from .briefing.due import run_due
    from .briefing.schedule import ScheduleError

    if args.within < 0:
        raise UsageError(f"--within must be 0 or more days, got {args.within}")
    try:
        outcomes = run_due(today=args.today, within=args.within, out=args.out, pdf=args.pdf)
    except ScheduleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _cmd_render_batch(args: argparse.Namespace) -> int:
    from .briefing import batch
    from .briefing.schedule import ScheduleError
    from .evidence import EvidenceError

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, got {args.workers}")
    if args.workers is not None and args.scheduler not in (None, "local"):
        raise UsageError(
            "--workers applies to this machine's processes or --scheduler local; a cluster has the workers started on its machines"
        )
    common = {}
    if args.as_of:
        common["as_of"] = args.as_of
    if args.theme:
        common["themes"] = args.theme
    try:
        if args.variants:
            variants = batch.load_variants(args.variants, common)
        elif args.per == "theme":
            variants = batch.per_theme(common)
        else:
            from .evidence import load
            from .evidence.cut import vanguard_names

            variants = batch.per_vanguard(vanguard_names(load()), common)
            if not variants:
                raise UsageError("--per vanguard: the evidence base has no vanguard referrals table")
        outcomes = batch.render_batch(
            args.board,
            args.meeting,
            variants,
            out=args.out,
            workers=args.workers,
            pdf=args.pdf,
            progress=not args.no_progress,
            scheduler=args.scheduler,
        )
    except (batch.VariantsError, ScheduleError, ValueError) as exc:  # ParameterError, SchedulerError: ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # cluster.ClusterError: the scheduler cannot be reached or has no worker
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EvidenceError as exc:
        print(f"error: the evidence base is invalid, nothing rendered.\n{exc}", file=sys.stderr)
        return 1
    print(batch.summary(outcomes))
    for o in outcomes:
        if o.status == "failed" and o.detail and o.detail != o.reason:
            print(f"{o.name}: full error:\n{o.detail}", file=sys.stderr)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _cmd_index(args: argparse.Namespace) -> int:
    from .briefing.index import write_index

    print(write_index(args.out))
    return 0


def _cmd_dictionary(args: argparse.Namespace) -> int:
    from .dictionary import render_markdown

    text = render_markdown()
    if args.check:
        current = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
        if current != text:
            print(
                f"error: {args.check} is out of date; regenerate it with: cyp-evidence dictionary > {args.check}",
                file=sys.stderr,
            )
            return 1
        print(f"{args.check} is up to date")
        return 0
    sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cyp-evidence",
        description="Sourced evidence on children and young people's mental health, SEND and inpatient care in England: "
        "validate the evidence base, export figures, render versioned board briefings.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def evidence_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--evidence",
            type=Path,
            default=EVIDENCE_DIR,
            metavar="DIR",
            help="evidence data package folder (default: %(default)s)",
        )

    p = sub.add_parser("validate", help="check the evidence base against the source texts")
    evidence_args(p)
    p.add_argument(
        "--sources",
        type=Path,
        default=default_sources_dir(),
        metavar="DIR",
        help="folder of source texts (default: %(default)s)",
    )
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

    p = sub.add_parser(
        "run-due",
        help="render every scheduled meeting due soon that has no up-to-date version",
        description="Render every meeting in schedule.toml dated from TODAY to TODAY+WITHIN (inclusive) whose latest "
        "version is not up to date; past meetings are never rendered (they are noted on stderr when they have no "
        "version). One line per meeting; exit status 1 when any render failed. Safe to run repeatedly (cron, systemd timer).",
    )
    p.add_argument(
        "--today", type=_date_arg, metavar="YYYY-MM-DD", help="treat this as today (default: the system date)"
    )
    p.add_argument(
        "--within", type=int, default=14, metavar="DAYS", help="look ahead this many days (default: %(default)s)"
    )
    p.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help="output folder (default: %(default)s)")
    p.add_argument("--pdf", action="store_true", help="also write annex.pdf for each new version")
    p.set_defaults(func=_cmd_run_due)

    p = sub.add_parser(
        "render-batch",
        help="render variants of one meeting in parallel",
        description="Render variants of one board meeting in parallel, each to its own series "
        "<out>/briefings/<board>/<meeting>/variants/<variant>/v<N>/. A failing variant does not stop the others; "
        "exit status 1 when any failed.",
    )
    p.add_argument("--board", required=True, help="board id, e.g. lga-cyp-board")
    p.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="meeting date")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--per", choices=["vanguard", "theme"], help="one variant per vanguard (focus) or per section theme"
    )
    which.add_argument(
        "--variants", type=Path, metavar="FILE", help="TOML ([[variants]] name/themes/focus/title/as_of) or JSON file"
    )
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="evidence cut-off for every variant that does not set one")
    p.add_argument(
        "--theme", action="append", metavar="T", help="sections for every variant that does not set themes (repeatable)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="parallel worker processes (default: number of cores, at most 4)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="render on a Dask distributed cluster: its scheduler's address (tcp://host:8786), or 'local' for "
        "a local cluster of --workers processes; publishing stays on this machine (see docs/operations.md)",
    )
    p.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help="output folder (default: %(default)s)")
    p.add_argument("--pdf", action="store_true", help="also write annex.pdf for each new version")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it is drawn on stderr)")
    p.set_defaults(func=_cmd_render_batch)

    p = sub.add_parser("index", help="rebuild <out>/index.html from the published manifests")
    p.add_argument("--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help="output folder (default: %(default)s)")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser(
        "dictionary", help="write the data dictionary (every field, every derived measure) as Markdown to stdout"
    )
    p.add_argument("--check", type=Path, metavar="FILE", help="compare with FILE instead; exit 1 when it differs")
    p.set_defaults(func=_cmd_dictionary)
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


def run() -> None:
    """The console-script entry point: ``main`` then exit. Before exiting, every object is moved
    to the permanent generation so the collections at interpreter exit do not walk the
    altair/polars/jupyter heap (0.2-0.3 s per command); atexit handlers, flushing and
    finalizers still run. Not done in ``main``, which tests call in process."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
