"""The `cyp-evidence` command. Sub-commands import their layer lazily so `validate` stays fast.

Every failure is one clear message on stderr (never a traceback) and one of these exit
statuses (the README has the same table); :func:`exit_status` is the one mapping:

====  =========================================================================================
0     success (rendered, up to date, valid, verified)
1     the evidence is invalid, a render failed (nothing published), some meetings or variants
      failed (run-due, render-batch), or ``verify`` found a missing, changed or unreadable file
2     bad input: a command-line argument, a parameter, ``schedule.toml`` or a variants file
3     the environment: a file or folder cannot be read or written (read-only, full disk,
      ``--out`` is a file, permissions)
130   interrupted (Ctrl-C)
====  =========================================================================================
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from .paths import EVIDENCE_DIR, OUTPUTS_DIR, SCHEDULE_FILE, default_sources_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """Bad input from the user: printed as one clear message, exit status 2."""


def exit_status(exc: BaseException) -> tuple[int, str]:
    """(exit status, one-line-or-more message) for an exception that ended a command."""
    from .briefing.content.messages import MessagesError
    from .briefing.content.params import ParameterError
    from .briefing.content.schedule import ScheduleError
    from .briefing.errors import RenderError
    from .briefing.operations.batch import VariantsError
    from .evidence import EvidenceError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted"
    if isinstance(exc, UsageError | ParameterError | ScheduleError | VariantsError):
        return EXIT_USAGE, f"error: {exc}"
    if isinstance(exc, EvidenceError):
        return EXIT_FAILED, f"error: the evidence base is invalid, nothing rendered.\n{exc}"
    if isinstance(exc, MessagesError):
        return EXIT_FAILED, f"error: nothing rendered: {exc}"
    if isinstance(exc, RenderError):
        return EXIT_FAILED, f"error: render failed, nothing published: {exc}"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        what = exc.strerror or str(exc)
        return EXIT_ENVIRONMENT, f"error: cannot read or write{where}: {what}"
    return EXIT_FAILED, (
        f"error: unexpected {type(exc).__name__}: {exc} "
        "(a bug: please report it; set CYP_EVIDENCE_DEBUG=1 to see the traceback)"
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from .evidence import EvidenceError, validate

    try:
        report = validate(args.evidence, args.sources)
    except EvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    pkg = report.package
    for d in report.detections:
        print(f"warning: source issue: {d}", file=sys.stderr)
    if report.errors:
        print(f"error: {len(report.errors)} problem(s) in the evidence base {args.evidence}:", file=sys.stderr)
        for p in report.errors:
            print(f"  - {p}", file=sys.stderr)
        return 1
    open_numbers = report.open_numbers
    for key, n in open_numbers.items():
        print(
            f"warning: {key}: {n} number(s) in the source are neither in the evidence nor excluded "
            f"(list them with: cyp-evidence sweep {key})",
            file=sys.stderr,
        )
    counts = ", ".join(
        f"{pkg.frames[t].height} {t.replace('_', ' ')}"
        for t in ("figures", "tables", "table_cells", "recommendations", "source_issues", "statements")
        if t in pkg.frames
    )
    problems = _messages_problems(report, args.sources)
    if problems:
        print(f"error: {len(problems)} problem(s) in the key messages:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    unreg = len(report.unregistered)
    print(f"evidence valid: {counts}; {len(report.detections)} source discrepancies detected ({unreg} not registered)")
    if args.strict and open_numbers:
        print(
            f"error: --strict: {sum(open_numbers.values())} number(s) in {len(open_numbers)} source(s) not accounted for",
            file=sys.stderr,
        )
        return 1
    return 0


def _validated_report(args: argparse.Namespace):
    """The validation report, or None after printing why the evidence is not valid."""
    from .evidence import EvidenceError, validate

    try:
        report = validate(args.evidence, args.sources)
    except EvidenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if report.errors:
        print(f"error: {len(report.errors)} problem(s) in the evidence base {args.evidence}:", file=sys.stderr)
        for p in report.errors:
            print(f"  - {p}", file=sys.stderr)
        return None
    return report


def _cmd_sources_add(args: argparse.Namespace) -> int:
    from .evidence.register import NewSource, RegisterError, add_source

    new = NewSource(
        file=args.file,
        key=args.key,
        title=args.title,
        publisher=args.publisher,
        published=args.published,
        doc_type=args.doc_type,
        source_id=args.id,
        short_title=args.short_title,
        published_printed=args.published_printed,
        url=args.url,
        accessed=args.accessed,
        licence=args.licence,
        notes=args.notes,
    )
    try:
        added = add_source(new, evidence_dir=args.evidence, sources_dir=args.sources)
    except RegisterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    size = f"{added.pages} page(s)" if added.pages is not None else f"{added.lines} line(s)"
    print(
        f"added {added.key} ({added.source_id}): {added.format}, {size}; text of record {added.text_path}; "
        f"figures go in {added.figures_path}\nnext: cyp-evidence sweep {added.key} --out sweep-{added.key}.csv"
    )
    return 0


def _source_by_key(report, key: str) -> str:
    for r in report.package.sources.iter_rows(named=True):
        if key in (r["key"], r["source_id"]):
            return r["source_id"]
    keys = ", ".join(report.package.sources["key"].to_list())
    raise UsageError(f"no source with key {key!r} (known keys: {keys})")


def _cmd_sweep(args: argparse.Namespace) -> int:
    import csv

    from .evidence.coverage import sweep_rows

    report = _validated_report(args)
    if report is None:
        return 1
    source_id = _source_by_key(report, args.key)
    if args.add:
        from .evidence import EvidenceError
        from .evidence.register import RegisterError, add_figure_rows

        try:
            n = add_figure_rows(source_id, args.add, evidence_dir=args.evidence, sources_dir=args.sources)
        except RegisterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except EvidenceError as exc:
            print(f"error: the completed rows were not added (the figures file is unchanged).\n{exc}", file=sys.stderr)
            return 1
        print(f"added {n} figure row(s) to {args.evidence / 'figures' / (source_id + '.csv')}")
        return 0
    sc = next(c for c in report.coverage if c.source_id == source_id)
    columns, rows = sweep_rows(report.package, sc)
    if args.out:
        from .fsutil import atomic_path

        with atomic_path(args.out) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, columns, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        print(f"{len(rows)} open number(s) in {sc.key} written to {args.out}", file=sys.stderr)
    else:
        w = csv.DictWriter(sys.stdout, columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from .evidence.coverage import COVERED

    report = _validated_report(args)
    if report is None:
        return 1
    head = ["source", "numbers", *COVERED, "excluded", "open"]
    table = [head]
    for sc in report.coverage:
        table.append([sc.key, str(len(sc.accounts)), *(str(sc.count(s)) for s in (*COVERED, "excluded", "open"))])
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    total_open = sum(len(sc.open) for sc in report.coverage)
    return 1 if args.strict and total_open else 0


def _messages_problems(report, sources_dir) -> list:
    """Every key messages file (messages/<board>/<meeting>.md) checked against the evidence as
    of its meeting's cut-off, quotes against the source texts."""
    from .briefing.content import messages as msg
    from .briefing.content.schedule import ScheduleError, load_schedule
    from .evidence.cut import evidence_as_of
    from .evidence.package import Problem
    from .paths import SCHEDULE_FILE

    folder = msg.messages_dir(SCHEDULE_FILE)
    files = sorted(folder.glob("*/*.md")) if folder.is_dir() else []
    if not files:
        return []
    try:
        schedule = load_schedule(SCHEDULE_FILE)
    except ScheduleError as exc:
        return [Problem(str(SCHEDULE_FILE), str(exc))]
    import datetime as dt

    from .evidence.verify import load_sources

    texts, _ = load_sources(report.package, Path(sources_dir) if sources_dir else default_sources_dir())
    out: list = []
    for path in files:
        board = schedule.get(path.parent.name)
        try:
            date = dt.date.fromisoformat(path.stem)
        except ValueError:
            out.append(Problem(str(path), "file name must be the meeting date, YYYY-MM-DD.md"))
            continue
        meeting = board.meeting(date) if board else None
        if meeting is None:
            out.append(Problem(str(path), f"no meeting of board {path.parent.name!r} on {path.stem} in schedule.toml"))
            continue
        as_of = dt.date.fromisoformat(meeting.overrides.get("as_of", path.stem))
        km, problems = msg.parse(path)
        out += problems + msg.check(km, report.package, evidence_as_of(report.package, as_of), as_of, texts)
    return out


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
    from .briefing.pipeline.kernel import start_kernel

    _check_out(args.out)
    # first of all: the kernel boots and imports the annex code while this process imports
    # polars, papermill and the evidence layer and validates (render shuts it down)
    kernel = start_kernel()
    try:
        from .briefing.operations.cli import render_command
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
    from .briefing.operations.due import run_due

    if args.within < 0:
        raise UsageError(f"--within must be 0 or more days, got {args.within}")
    _check_out(args.out)
    outcomes = run_due(today=args.today, within=args.within, out=args.out, pdf=args.pdf, schedule_path=args.schedule)
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


def _cmd_render_batch(args: argparse.Namespace) -> int:
    from .briefing.content.schedule import ScheduleError
    from .briefing.errors import ClusterError
    from .briefing.operations import batch
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
    _check_out(args.out)
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
            schedule_path=args.schedule,
        )
    except (batch.VariantsError, ScheduleError, ValueError) as exc:  # ParameterError, SchedulerError: ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClusterError as exc:  # --scheduler: the scheduler cannot be reached or has no worker
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
    from .briefing.pipeline.index import write_index

    _check_out(args.out)
    print(write_index(args.out, schedule_path=args.schedule))
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from .briefing.pipeline import publish

    _check_out(args.out)
    checked, problems = publish.verify(args.out)
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {checked} published version(s) under {args.out}", file=sys.stderr)
        return EXIT_FAILED
    print(f"verified {checked} published version(s) under {args.out}: every annex and PDF matches its manifest")
    return EXIT_OK


def _check_out(out: Path) -> None:
    """``--out`` must be a folder (or not exist yet, below folders): one message, exit 3."""
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise OSError(20, "--out is not a folder", str(p))
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OSError(20, "--out is below a file, not a folder", str(parent))
            break


def _cmd_dictionary(args: argparse.Namespace) -> int:
    from .dictionary import render_markdown

    text = render_markdown()
    if args.check:
        if args.check.is_dir():
            raise UsageError(
                f"--check {args.check}: is a folder; give the data dictionary file, e.g. docs/data-dictionary.md"
            )
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

    def meeting_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--board", required=True, help="board id, e.g. lga-cyp-board")
        p.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="meeting date")

    def out_args(p: argparse.ArgumentParser, *, pdf: str = "", schedule: bool = True) -> None:
        """--out (the published briefings), --pdf when ``pdf`` says what it writes, --schedule."""
        p.add_argument(
            "--out", type=Path, default=OUTPUTS_DIR, metavar="DIR", help="output folder (default: %(default)s)"
        )
        if pdf:
            p.add_argument("--pdf", action="store_true", help=pdf)
        if schedule:
            p.add_argument(
                "--schedule",
                type=Path,
                default=SCHEDULE_FILE,
                metavar="FILE",
                help="boards and meetings (default: %(default)s)",
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
    p.add_argument(
        "--strict", action="store_true", help="fail when a number in a source is neither in the evidence nor excluded"
    )
    p.set_defaults(func=_cmd_validate)

    def sources_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--sources",
            type=Path,
            default=default_sources_dir(),
            metavar="DIR",
            help="folder of the shared source texts (default: %(default)s)",
        )

    p = sub.add_parser("sources", help="the register of source documents")
    ssub = p.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    p = ssub.add_parser(
        "add",
        help="register a new source document (PDF, HTML or plain text)",
        description="Register a new source: its text of record (a PDF page by page, HTML through a parser, or plain "
        "text) is kept in <evidence>/sources/, a row with its checksums goes into sources.csv and an empty figures "
        "file is listed in datapackage.json. A file already registered, or a key or id in use, is refused.",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the document: .pdf, .html/.htm or .txt")
    p.add_argument("--key", required=True, help="citation key: initials and two-digit year, e.g. NHSE25")
    p.add_argument("--title", required=True, help="full title of the document")
    p.add_argument("--publisher", required=True, help="organisation that published it")
    p.add_argument("--published", required=True, type=_date_arg, metavar="YYYY-MM-DD", help="date published")
    p.add_argument("--doc-type", required=True, help="kind of document (see the sources schema), e.g. report")
    p.add_argument("--id", help="source id (default: the key in lower case)")
    p.add_argument("--short-title", help="title used in citations (default: the title)")
    p.add_argument("--published-printed", help="the date as the document prints it (default: from --published)")
    p.add_argument("--url", help="where the document is published, if the document or its page gives it")
    p.add_argument("--accessed", type=_date_arg, metavar="YYYY-MM-DD", help="date accessed (default: today)")
    p.add_argument("--licence", help="licence, where stated")
    p.add_argument("--notes", help="anything an analyst should know")
    evidence_args(p)
    sources_arg(p)
    p.set_defaults(func=_cmd_sources_add)

    p = sub.add_parser(
        "sweep",
        help="list the numbers in a source that no figure and no exclusion accounts for, as a CSV to complete",
        description="Write one CSV row per number in the source KEY that is neither in the evidence nor excluded: "
        "its line, the number as printed and the figure columns filled in as far as they can be (source, locator, "
        "the sentence as quote, printed, and the value, unit, scale, bound and kind of quantity proposed by the "
        "parser validate uses). Complete the rows that are figures (give each an id) and add them with --add.",
    )
    p.add_argument("key", metavar="KEY", help="the source's citation key, e.g. B24")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the CSV to FILE (default: stdout)")
    p.add_argument("--add", type=Path, metavar="FILE", help="add the completed rows of FILE to the source's figures")
    evidence_args(p)
    sources_arg(p)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser(
        "coverage",
        help="per source: how many numbers are in the evidence, excluded or open",
        description="For every source: its numbers, how many a figure, a table cell, a recommendation or an "
        "arithmetic check covers, how many the exclusions register leaves out, and how many are open.",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when any number is open")
    evidence_args(p)
    sources_arg(p)
    p.set_defaults(func=_cmd_coverage)

    p = sub.add_parser("figures", help="write every figure with its provenance to stdout")
    evidence_args(p)
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("render", help="render a versioned board briefing annex")
    meeting_args(p)
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="evidence cut-off date (default: the meeting date)")
    p.add_argument("--theme", action="append", metavar="T", help="include only this section theme (repeatable)")
    p.add_argument("--focus", metavar="VANGUARD", help="focus on one vanguard (default: all)")
    p.add_argument("--title", help="annex title")
    out_args(p, pdf="also write annex.pdf")
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
    out_args(p, pdf="also write annex.pdf for each new version")
    p.set_defaults(func=_cmd_run_due)

    p = sub.add_parser(
        "render-batch",
        help="render variants of one meeting in parallel",
        description="Render variants of one board meeting in parallel, each to its own series "
        "<out>/briefings/<board>/<meeting>/variants/<variant>/v<N>/. A failing variant does not stop the others; "
        "exit status 1 when any failed.",
    )
    meeting_args(p)
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
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it is drawn on stderr)")
    out_args(p, pdf="also write annex.pdf for each new version")
    p.set_defaults(func=_cmd_render_batch)

    p = sub.add_parser("index", help="rebuild <out>/index.html from the published manifests")
    out_args(p)
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser(
        "verify",
        help="check every published version against its manifest (annex and PDF checksums)",
        description="Check every published version under <out>/briefings against its manifest.json: lists every "
        "missing, changed or unreadable annex.html / annex.pdf and every unreadable manifest; exit status 1 if any.",
    )
    out_args(p, schedule=False)
    p.set_defaults(func=_cmd_verify)

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
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - one message, never a traceback
        if os.environ.get("CYP_EVIDENCE_DEBUG"):
            raise
        code, message = exit_status(exc)
        print(message, file=sys.stderr)
        return code


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
