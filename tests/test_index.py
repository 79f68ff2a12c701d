"""<out>/index.html: every board, meeting, version and variant, with what changed.

Also home of the ONE shared end-to-end output of the operations commands (``ops`` fixture),
used by test_due, test_batch and test_pdf: run-due --pdf twice, then render-batch twice
(3 full renders and 1 PDF in all).
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing as mp
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import axe_violations, chromium, describe_violations, open_offline  # noqa: F401  (chromium: the session's one browser)

from cyp_evidence.briefing.pipeline import index as ix

BOARD = "lga-cyp-board"
MEETING = "2024-03-12"


# --------------------------------------------------------------------------- shared real output
@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str


@dataclass
class Ops:
    out: Path
    due_first: Run
    due_second: Run
    batch_first: Run
    batch_second: Run
    focus: str  # the vanguard the focused variant shows


def _cli(*argv: str) -> Run:
    from cyp_evidence.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return Run(rc, out.getvalue(), err.getvalue())


_OPS: dict[str, Ops] = {}


def build_ops(base: Path) -> Ops:
    """run-due (with --pdf) twice, then render-batch with three variants (one invalid) twice."""
    from cyp_evidence.briefing.content.annex import vanguard_names
    from cyp_evidence.evidence import load

    out = base / "out"
    due = ("run-due", "--today", "2024-03-01", "--within", "14", "--out", str(out), "--pdf")
    due_first, due_second = _cli(*due), _cli(*due)
    focus = vanguard_names(load())[0]
    variants = base / "variants.json"
    variants.write_text(
        json.dumps(
            {
                "variants": [
                    {"name": "vanguard-focus", "focus": focus, "themes": ["vanguards"]},
                    {"name": "send-only", "themes": ["send"]},
                    {"name": "broken", "themes": ["no-such-theme"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    batch = (
        "render-batch",
        "--board",
        BOARD,
        "--meeting",
        MEETING,
        "--variants",
        str(variants),
        "--workers",
        "2",
        "--out",
        str(out),
        "--no-progress",
    )
    batch_first, batch_second = _cli(*batch), _cli(*batch)
    return Ops(out, due_first, due_second, batch_first, batch_second, focus)


@pytest.fixture(scope="session")
def ops(tmp_path_factory) -> Ops:
    """Built once per test session, whichever test module asks first."""
    if "ops" not in _OPS:
        _OPS["ops"] = build_ops(tmp_path_factory.mktemp("ops"))
    return _OPS["ops"]


# --------------------------------------------------------------------------- synthetic outputs
def _manifest(board, meeting, n, figures, *, previous=None, title="Annex", as_of=None, themes=(), focus="all"):
    return {
        "parameters": {
            "board": board,
            "meeting": meeting,
            "as_of": as_of or meeting,
            "themes": list(themes),
            "focus": focus,
            "title": title,
        },
        "version": n,
        "previous_manifest": previous,
        "started": "2024-03-01T09:00:00+00:00",
        "finished": f"2024-03-01T09:0{n}:30+00:00",
        "shown": {"figures": figures, "tables": []},
    }


def _fig(value, printed=None, label="A figure"):
    return {
        "value": value,
        "printed": printed or str(value),
        "unit": "count",
        "quote": f"q {value}",
        "label": label,
        "source_id": "s",
    }


def _publish(out: Path, board, meeting, n, manifest, variant=None, files=("annex.html", "briefing.ipynb")):
    from cyp_evidence.briefing.pipeline import publish as pub

    d = pub.meeting_dir(out, board, meeting, variant) / f"v{n}"
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for f in files:
        (d / f).write_text(f"<!DOCTYPE html><html lang='en'><title>{f}</title><p>{f}</p></html>", encoding="utf-8")
    return d


NASTY = 'Annex <script>alert("x")</script> & "quotes" \'too\''


@pytest.fixture
def synthetic(tmp_path) -> Path:
    out = tmp_path / "out"
    jan = {"a": _fig(1), "b": _fig(2), "c": _fig(3)}
    _publish(out, BOARD, "2024-01-23", 1, _manifest(BOARD, "2024-01-23", 1, jan))
    # 2024-03-12 v1 against January v1: b revised, c removed, d and e new
    mar1 = {"a": _fig(1), "b": _fig(20, "20 (revised)"), "d": _fig(4), "e": _fig(5)}
    _publish(
        out,
        BOARD,
        MEETING,
        1,
        _manifest(
            BOARD, MEETING, 1, mar1, previous=f"briefings/{BOARD}/2024-01-23/v1/manifest.json", as_of="2024-02-01"
        ),
        files=("annex.html", "annex.pdf", "briefing.ipynb"),
    )
    # v2 against v1: one new figure; title with markup that must be escaped
    mar2 = {**mar1, "f": _fig(6)}
    _publish(
        out,
        BOARD,
        MEETING,
        2,
        _manifest(BOARD, MEETING, 2, mar2, previous=f"briefings/{BOARD}/{MEETING}/v1/manifest.json", title=NASTY),
    )
    # a variant, compared with the main series
    _publish(
        out,
        BOARD,
        MEETING,
        1,
        _manifest(
            BOARD,
            MEETING,
            1,
            {"d": _fig(4)},
            previous=f"briefings/{BOARD}/{MEETING}/v2/manifest.json",
            themes=["vanguards"],
            focus="Surrey",
        ),
        variant="vanguard-surrey",
    )
    # a second board whose previous manifest has gone missing, and a corrupt manifest
    _publish(
        out,
        "other-board",
        "2024-02-01",
        1,
        _manifest(
            "other-board", "2024-02-01", 1, {"x": _fig(9)}, previous="briefings/other-board/2023-12-01/v1/manifest.json"
        ),
    )
    bad = _publish(out, "other-board", "2024-02-01", 2, {})
    (bad / "manifest.json").write_text("{not json", encoding="utf-8")
    return out


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Collect:
    p = _Collect()
    p.feed(text)
    return p


# --------------------------------------------------------------------------- unit tests
def test_compare_shown_counts_new_revised_removed():
    before = {"a": _fig(1), "b": _fig(2), "c": _fig(3)}
    now = {"a": _fig(1), "b": _fig(2, "two"), "d": _fig(4)}
    assert ix.compare_shown(before, now) == (1, 1, 1)
    assert ix.compare_shown({}, now) == (3, 0, 0)
    # only the fields the annex compares count as a revision
    assert ix.compare_shown({"a": {**_fig(1), "label": "old label"}}, {"a": _fig(1)}) == (0, 0, 0)


def test_index_lists_boards_meetings_versions_and_variants_newest_first(synthetic):
    path = ix.write_index(synthetic)
    assert path == synthetic.resolve() / "index.html"
    text = path.read_text(encoding="utf-8")
    # newest meeting first, newest version first, variants listed under their meeting
    order = [
        text.index(s)
        for s in (
            "Meeting of 12 March 2024",
            "Version 2 (latest)",
            "Version 1",
            "vanguard-surrey",
            "Meeting of 23 January 2024",
        )
    ]
    assert order == sorted(order)
    assert "LGA Children &amp; Young People Board" in text  # the board's name from schedule.toml
    assert "other-board" in text
    # what changed, per version
    assert "1 new, 0 revised, 0 removed figures since 2024-03-12 v1" in text
    assert "2 new, 1 revised, 1 removed figures since 2024-01-23 v1" in text
    assert "First version (no earlier version of this board to compare with): 3 figures shown" in text
    assert "0 new, 0 revised, 4 removed figures since 2024-03-12 v2" in text  # the variant against the main annex
    assert (
        "Not known: the previous manifest (briefings/other-board/2023-12-01/v1/manifest.json) is missing or unreadable"
        in text
    )
    assert "manifest.json unreadable" in text
    # cut-off dates
    assert "1 February 2024" in text and "12 March 2024" in text


def test_index_links_are_relative_and_resolve(synthetic):
    text = ix.write_index(synthetic).read_text(encoding="utf-8")
    hrefs = [a["href"] for tag, a in _parse(text).tags if tag == "a"]
    files = [h for h in hrefs if not h.startswith("#")]
    assert files, "no links"
    for h in files:
        assert not re.match(r"^[a-z]+:|^/", h), h  # relative, no scheme
        assert (synthetic / h).is_file(), h
    assert f"briefings/{BOARD}/{MEETING}/v1/annex.pdf" in files
    assert f"briefings/{BOARD}/{MEETING}/variants/vanguard-surrey/v1/annex.html" in files
    # fragment links point at ids on the page
    ids = {a.get("id") for _, a in _parse(text).tags}
    assert all(h[1:] in ids for h in hrefs if h.startswith("#"))


def test_index_escapes_text_and_is_accessible_markup(synthetic):
    text = ix.write_index(synthetic).read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot; &#x27;too&#x27;" in text
    p = _parse(text)
    tags = [t for t, _ in p.tags]
    assert ("html", {"lang": "en-GB"}) in p.tags
    assert tags.count("h1") == 1 and "h2" in tags and "h3" in tags
    assert tags.count("table") == tags.count("caption") >= 3
    ths = [a for t, a in p.tags if t == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    # offline: nothing is loaded from anywhere
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert "<link" not in text and "@import" not in text and "url(" not in text


def test_empty_output_folder_gets_a_page(tmp_path):
    text = ix.write_index(tmp_path / "nothing-yet").read_text(encoding="utf-8")
    assert "No briefing has been published yet." in text


def test_write_is_atomic_and_leaves_no_temporary_files(synthetic):
    ix.write_index(synthetic)
    ix.write_index(synthetic)
    leftovers = [p.name for p in synthetic.iterdir() if p.name.startswith(".index.html.")]
    assert leftovers == []
    assert (synthetic / "index.html").stat().st_mode & 0o777 == 0o644


def _write(out):
    return str(ix.write_index(Path(out)))


def test_concurrent_rebuilds_never_leave_a_partial_page(synthetic):
    with mp.get_context("spawn").Pool(4) as pool:
        pool.map(_write, [str(synthetic)] * 8)
    text = (synthetic / "index.html").read_text(encoding="utf-8")
    assert text.rstrip().endswith("</html>") and text.count("<html") == 1


def test_refresh_warns_instead_of_failing(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert ix.refresh(blocker) is None
    assert "warning: could not rebuild" in capsys.readouterr().err


def test_index_command(synthetic, capsys):
    from cyp_evidence.cli import main

    assert main(["index", "--out", str(synthetic)]) == 0
    assert capsys.readouterr().out.strip() == str(synthetic.resolve() / "index.html")


# --------------------------------------------------------------------------- in a browser
@pytest.mark.browser
def test_synthetic_index_offline_and_axe_clean(synthetic, chromium):  # noqa: F811
    path = ix.write_index(synthetic)
    with open_offline(path, chromium) as (page, report):
        assert report.blocked == [] and report.console_errors == [], report.summary()
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        assert page.locator("h1").count() == 1
        assert page.locator("table caption").count() == page.locator("table").count()
        # a link opens the annex it names
        page.locator(f'a[href="briefings/{BOARD}/{MEETING}/v2/annex.html"]').first.click()
        page.wait_for_load_state()
        assert page.url.endswith(f"briefings/{BOARD}/{MEETING}/v2/annex.html")


@pytest.mark.browser
@pytest.mark.slow
def test_real_index_after_run_due_and_render_batch(ops, chromium):  # noqa: F811
    path = ops.out / "index.html"
    text = path.read_text(encoding="utf-8")
    assert f'href="briefings/{BOARD}/{MEETING}/v1/annex.html"' in text
    assert f'href="briefings/{BOARD}/{MEETING}/v1/annex.pdf"' in text
    for name in ("vanguard-focus", "send-only"):
        assert f'href="briefings/{BOARD}/{MEETING}/variants/{name}/v1/annex.html"' in text
    assert "broken" not in text  # a failed variant published nothing
    manifest = json.loads((ops.out / "briefings" / BOARD / MEETING / "v1" / "manifest.json").read_text())
    n = len(manifest["shown"]["figures"])
    assert f"First version (no earlier version of this board to compare with): {n} figures shown" in text
    with open_offline(path, chromium) as (page, report):
        assert report.blocked == [] and report.console_errors == [], report.summary()
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        for href in page.eval_on_selector_all(
            "a[href]:not([href^='#'])", "els => els.map(e => e.getAttribute('href'))"
        ):
            assert (ops.out / href).is_file(), href
    assert os.stat(path).st_mode & 0o777 == 0o644
