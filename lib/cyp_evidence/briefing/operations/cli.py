"""`cyp-evidence render`: argument handling and the one-line result."""

from __future__ import annotations

import argparse

from ...paths import SCHEDULE_FILE


def raw_parameters(args: argparse.Namespace) -> dict:
    raw = {"board": args.board, "meeting": args.meeting}
    if args.as_of:
        raw["as_of"] = args.as_of
    if args.theme:
        raw["themes"] = args.theme
    if args.focus:
        raw["focus"] = args.focus
    if args.title:
        raw["title"] = args.title
    return raw


def render_command(args: argparse.Namespace, kernel=None) -> int:
    """``kernel``: a :class:`~cyp_evidence.briefing.pipeline.kernel.Kernel` the caller started early;
    this render owns it (it is shut down whatever happens)."""
    from ..pipeline.render import render

    # errors propagate to cyp_evidence.cli.main, which maps each kind to its message and exit status
    result = render(
        raw_parameters(args),
        args.out,
        pdf=args.pdf,
        kernel=kernel,
        owns_kernel=kernel is not None,
        schedule_path=getattr(args, "schedule", None) or SCHEDULE_FILE,
    )
    if result.status == "up to date":
        print(f"up to date: {result.annex} (v{result.version}, inputs unchanged)")
    else:
        print(f"rendered v{result.version}: {result.annex}")
    return 0
