"""`cyp-evidence render`: argument handling and the one-line result."""

from __future__ import annotations

import argparse
import sys

from ..evidence import EvidenceError
from .params import ParameterError
from .schedule import ScheduleError


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
    """``kernel``: a :class:`~cyp_evidence.briefing.kernel.Kernel` the caller started early;
    this render owns it (it is shut down whatever happens)."""
    from .render import RenderError, render

    try:
        result = render(raw_parameters(args), args.out, pdf=args.pdf, kernel=kernel, owns_kernel=kernel is not None)
    except (ParameterError, ScheduleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except EvidenceError as exc:
        print(f"error: the evidence base is invalid, nothing rendered.\n{exc}", file=sys.stderr)
        return 1
    except RenderError as exc:
        print(f"error: render failed, nothing published: {exc}", file=sys.stderr)
        return 1
    if result.status == "up to date":
        print(f"up to date: {result.annex} (v{result.version}, inputs unchanged)")
    else:
        print(f"rendered v{result.version}: {result.annex}")
    return 0
