"""The Content-Security-Policy of every page the project publishes (annex and index).

A ``<meta http-equiv>`` policy, so that it travels with the file wherever it is opened: no
network connection (``connect-src``), no remote resource (scripts, styles, images, fonts,
frames, objects: only inline styles and ``data:`` images and fonts), no ``<base>``, no form
target, and no script except those listed by their sha256 (the annex's one script; the index
has none). Inline event handlers (``onload=``, ``onerror=``) and ``javascript:`` URLs never run
under a hash-only ``script-src``, and ``eval`` / ``new Function`` are refused (vega draws with
its expression interpreter, ``ast: true``)."""

from __future__ import annotations

import base64
import hashlib


def script_hash(source: str) -> str:
    """The CSP source expression for one inline script's exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def policy(scripts: tuple[str, ...] = ()) -> str:
    """The policy, allowing exactly the inline ``scripts`` given (their exact text)."""
    script_src = " ".join(script_hash(s) for s in scripts) or "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {script_src}",
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
