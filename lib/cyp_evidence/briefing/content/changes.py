"""What changed between two versions of an annex, from their manifests' ``shown`` records.

A version says why it exists (the cut-off moved, a source was added, a figure was corrected,
the key messages were revised, or only the annex's code changed); figure values that changed
read "label: old → new (where)"; derived figures that moved are listed; a quote whose wording
changed while its figure did not is reported as that, never as a revision. Versions are
compared only within their own series (the publisher picks the previous manifest).
Standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

VALUE_FIELDS = ("value", "printed", "unit")


@dataclass
class Changes:
    previous: str | None  # "v2 (meeting of 12 March 2024)" or None for a first version
    reasons: list[str] = field(default_factory=list)
    revised: list[dict] = field(default_factory=list)  # label, old, new, where, id
    reworded: list[dict] = field(default_factory=list)  # label, where, id
    derived: list[dict] = field(default_factory=list)  # label, old, new, where, id
    new: list[dict] = field(default_factory=list)  # label, printed, where, id
    removed: list[dict] = field(default_factory=list)
    sources_added: list[dict] = field(default_factory=list)  # key, title, figures

    @property
    def changed_ids(self) -> set[str]:
        return {r["id"] for r in self.revised}

    def summary(self) -> str:
        """One line for the front page."""
        if self.previous is None:
            return "First version for this board: every figure is new."
        counts = []
        for n, what in (
            (len(self.revised), "figure corrected"),
            (len(self.derived), "derived figure moved"),
            (len(self.reworded), "quote reworded"),
            (len(self.new), "figure added"),
            (len(self.removed), "figure removed"),
        ):
            if n:
                counts.append(
                    f"{n} {what}" if n == 1 else f"{n} {what.replace('figure', 'figures').replace('quote ', 'quotes ')}"
                )
        why = self.reasons[0][0].lower() + self.reasons[0][1:]
        return f"Since {self.previous}, {why}" + (f" ({', '.join(counts)})." if counts else ".")


def read_previous(path: str | Path | None) -> dict | None:
    if not path or not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _date(iso: str | None) -> str:
    try:
        return f"{dt.date.fromisoformat(iso or ''):%-d %B %Y}"
    except ValueError:
        return str(iso)


def _same(a, b) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def compare(prev_manifest: dict | None, now: dict) -> Changes:
    """``now``: ``{"parameters": {...}, "shown": {...}}`` for the version being built, the
    same shape as a manifest."""
    if prev_manifest is None:
        return Changes(None, ["first version for this board"])
    before = prev_manifest.get("shown", {})
    after = now.get("shown", {})
    pp, np_ = prev_manifest.get("parameters", {}), now.get("parameters", {})
    label = f"v{prev_manifest.get('version', '?')}"
    if pp.get("meeting") and pp.get("meeting") != np_.get("meeting"):
        label += f" (meeting of {_date(pp.get('meeting'))})"
    c = Changes(label)
    bf, af = before.get("figures", {}), after.get("figures", {})
    for k, rec in af.items():
        old = bf.get(k)
        if old is None:
            c.new.append(
                {"id": k, "label": rec.get("label"), "printed": rec.get("printed"), "where": rec.get("where", "")}
            )
        elif not all(_same(old.get(f), rec.get(f)) for f in VALUE_FIELDS):
            c.revised.append(
                {
                    "id": k,
                    "label": rec.get("label"),
                    "old": old.get("printed"),
                    "new": rec.get("printed"),
                    "where": rec.get("where", ""),
                }
            )
        elif old.get("quote") != rec.get("quote"):
            c.reworded.append({"id": k, "label": rec.get("label"), "where": rec.get("where", "")})
    c.removed = [
        {"id": k, "label": r.get("label"), "printed": r.get("printed"), "where": r.get("where", "")}
        for k, r in bf.items()
        if k not in af
    ]
    bd, ad = before.get("derived", {}), after.get("derived", {})
    for k, rec in ad.items():
        old = bd.get(k)
        if old is not None and not _same(old.get("value"), rec.get("value")):
            c.derived.append(
                {
                    "id": k,
                    "label": rec.get("label"),
                    "old": old.get("text"),
                    "new": rec.get("text"),
                    "where": rec.get("where", ""),
                }
            )
    bs, as_ = before.get("sources", {}), after.get("sources", {})
    for sid, src in as_.items():
        if sid not in bs:
            n = sum(1 for r in c.new if af.get(r["id"], {}).get("source_id") == sid)
            c.sources_added.append(
                {"key": src.get("key"), "title": src.get("title"), "published": src.get("published"), "figures": n}
            )
    # why this version exists, most telling first
    if pp.get("as_of") and pp.get("as_of") != np_.get("as_of"):
        c.reasons.append(f"the evidence cut-off moved from {_date(pp.get('as_of'))} to {_date(np_.get('as_of'))}")
    for s in c.sources_added:
        c.reasons.append(
            f"a source was added: {s['key']}, {s['title']} (published {s['published']}), with {s['figures']} new figure"
            + ("" if s["figures"] == 1 else "s")
        )
    removed_sources = [bs[s].get("key") for s in bs if s not in as_]
    if removed_sources:
        c.reasons.append(f"sources no longer cited: {', '.join(str(k) for k in removed_sources)}")
    if c.revised:
        c.reasons.append(
            "a figure was corrected in the evidence"
            if len(c.revised) == 1
            else "figures were corrected in the evidence"
        )
    if c.reworded:
        c.reasons.append("the wording of a source quote was corrected (its figure is unchanged)")
    if before.get("messages") != after.get("messages"):
        c.reasons.append("the key messages were revised")
    if pp.get("meeting") != np_.get("meeting"):
        c.reasons.append(f"this is the annex for a new meeting ({_date(np_.get('meeting'))})")
    if not c.reasons and (c.new or c.removed or c.derived):
        c.reasons.append("the annex's selection of figures changed")
    if not c.reasons:
        c.reasons.append("the annex's code or layout changed; no figure, source or cut-off changed")
    c.reasons[0] = c.reasons[0][0].upper() + c.reasons[0][1:]
    return c
