"""End to end: `cyp-evidence render` of the default briefing, versions, manifest, failures,
and the annex in headless Chromium with the network blocked (charts, console, axe)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys

import polars as pl
import pytest
from browser import axe_violations, describe_violations, open_offline

from cyp_evidence.briefing.content.marks import VERSION_PLACEHOLDER
from cyp_evidence.briefing.pipeline import publish as pub
from cyp_evidence.briefing.pipeline import render as render_mod
from cyp_evidence.briefing.pipeline.publish import BUILD_PREFIX, versions
from cyp_evidence.briefing.pipeline.render import render
from cyp_evidence.cli import main
from cyp_evidence.evidence import load
from cyp_evidence.paths import ROOT

DEFAULT = {"board": "lga-cyp-board", "meeting": "2024-03-12"}
CLI = [sys.executable, "-m", "cyp_evidence.cli"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = render(DEFAULT, out)
    return out, result


def test_render_publishes_version_1_with_manifest(published):
    out, result = published
    assert result.status == "rendered" and result.version == 1
    vdir = out / "briefings" / "lga-cyp-board" / "2024-03-12" / "v1"
    assert result.path == vdir
    assert sorted(p.name for p in vdir.iterdir()) == ["annex.html", "briefing.ipynb", "manifest.json"]
    m = json.loads((vdir / "manifest.json").read_text())
    assert m["parameters"]["board"] == "lga-cyp-board" and m["parameters"]["as_of"] == "2024-03-12"
    assert m["version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", m["evidence_checksum"])
    assert set(m["source_checksums"]) == {r for r in load().sources["file"]}
    assert re.match(r"[0-9a-f]{40}|unknown", m["git_commit"])
    assert {"altair", "polars", "papermill", "nbconvert"} <= set(m["package_versions"])
    assert m["started"] <= m["finished"]
    assert m["shown"]["figures"], "the manifest lists the figures shown"


def test_annex_has_title_block_sections_and_no_code(published):
    _, result = published
    html = result.annex.read_text()
    assert '<html lang="en-GB"' in html
    assert "LGA Children &amp; Young People Board" in html
    assert "12 March 2024" in html and "Version</dt><dd>v1" in html
    for title in ["Demand against workforce growth", "Framework for Integrated Care vanguards"]:
        assert title in html
    for heading in (
        "Key messages",
        "What has changed",
        "Appendix A. Every figure shown, with its quote",
        "Appendix B. Source issues affecting these figures",
        "Appendix C. Sources",
        "Appendix D. Parameters and provenance",
    ):
        assert heading in html
    assert "from cyp_evidence" not in html and "briefing.show(" not in html  # no code
    assert (
        "In&nbsp;[" not in html
        and 'class="jp-InputPrompt' not in html
        and "jp-InputArea" not in html.split("</style>")[-1]
    )  # no prompts, no input areas
    assert "Board briefing annex (parameterised)" not in html  # analyst-only cells removed
    assert VERSION_PLACEHOLDER not in html and "draft (numbered" not in html
    assert "chart libraries for JupyterLab" not in html  # the annex inlines its own, once


def test_every_figure_has_caption_source_alt_text_and_data_table(published):
    _, result = published
    html = result.annex.read_text()
    figures = re.findall(r'<figure [^>]*id="figure-\d+".*?</figure>', html, flags=re.S)
    assert len(figures) >= 5
    for block in figures:
        assert "<figcaption" in block and "Source: " in block
        assert 'class="alt-text"' in block
        assert "<table" in block and "<caption>Data for figure" in block


def test_vanguard_referral_figures_match_the_evidence(published):
    _, result = published
    html = result.annex.read_text()
    pkg = load()
    cells = pkg.table_cells.filter(pl.col("table_id") == "lga24-ffic-accepted-referrals-by-vanguard")
    q_totals = cells.filter(pl.col("kind") == "column_total")
    for r in q_totals.iter_rows(named=True):
        if r["column"] != "Total":
            assert f"{r['column']}: {r['printed']}" in html  # in the chart's text alternative


def test_rerun_with_unchanged_inputs_is_up_to_date_and_writes_nothing(published):
    out, first = published
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    proc = subprocess.run(
        [*CLI, "render", "--board", "lga-cyp-board", "--meeting", "2024-03-12", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("up to date:") and "v1" in proc.stdout
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if not p.name.startswith(".lock")}
    assert {p: t for p, t in before.items() if not p.name.startswith(".lock")} == after


def test_changed_inputs_give_next_version_and_list_changes(published, tmp_path):
    out, _ = published
    out2 = tmp_path / "out"
    shutil.copytree(out, out2)
    v1 = out2 / "briefings" / "lga-cyp-board" / "2024-03-12" / "v1"
    v1_bytes = {p.name: p.read_bytes() for p in v1.iterdir()}
    result = render({**DEFAULT, "as_of": "2024-03-01"}, out2)
    assert result.status == "rendered" and result.version == 2
    html = result.annex.read_text()
    assert "Compared with v1. Why this version exists:" in html
    assert "The evidence cut-off moved from 12 March 2024 to 1 March 2024" in html
    # the one line on the front page says it too, with a link to the details
    assert re.search(r"What changed:</strong> Since v1, the evidence cut-off moved .*?<a href=\"#changes\">", html)
    assert {p.name: p.read_bytes() for p in v1.iterdir()} == v1_bytes  # v1 untouched


def test_bad_parameters_exit_non_zero_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    for args, message in [
        (["--meeting", "2024-03-12", "--board", "lga-cyp-board", "--theme", "weather"], "unknown theme 'weather'"),
        (["--meeting", "2024-3-32", "--board", "lga-cyp-board"], "is not a date"),
        (["--meeting", "2024-03-12", "--board", "nobody"], "unknown board 'nobody'"),
        (["--meeting", "2024-03-12", "--board", "lga-cyp-board", "--as-of", "2024-04-01"], "is after the meeting"),
        (["--meeting", "2024-03-12", "--board", "lga-cyp-board", "--focus", "Atlantis"], "unknown vanguard 'Atlantis'"),
    ]:
        code = main(["render", *args, "--out", str(out)])
        assert code == 2, args
        assert message in capsys.readouterr().err, args
        assert not out.exists(), f"{args} wrote something"


def test_cut_off_before_the_board_papers_excludes_them(tmp_path):
    # the meeting's key messages cite the board papers (a render with them fails: test_messages)
    none = str(tmp_path / "no-messages.md")
    result = render(
        {**DEFAULT, "as_of": "2023-12-31", "themes": ["vanguards", "recommendations"], "messages_file": none}, tmp_path
    )
    html = result.annex.read_text()
    assert (
        "No evidence on the Framework for Integrated Care vanguards was published on or before the cut-off date (31 December 2023)"
        in html
    )
    shown = json.loads((result.path / "manifest.json").read_text())["shown"]["figures"]
    assert all(v["source_id"] != "lga-cyp-board-2024-01-23" for v in shown.values())


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_or_interrupted_render_leaves_no_partial_version(tmp_path, monkeypatch, failure):
    import cyp_evidence.briefing.pipeline.export as export

    def boom(*a, **k):
        raise failure

    monkeypatch.setattr(export, "write_html", boom)
    with pytest.raises(type(failure)):
        render_mod.render(DEFAULT, tmp_path)
    mdir = tmp_path / "briefings" / "lga-cyp-board" / "2024-03-12"
    assert versions(mdir) == []
    assert not [p for p in mdir.iterdir() if p.name.startswith(BUILD_PREFIX)]


def test_markup_in_evidence_is_shown_as_text(tmp_path, evidence_copy, chromium):
    path = evidence_copy / "figures" / "lga-cyp-board-2024-01-23-vanguards.csv"
    rows = list(csv.DictReader(path.open(newline="")))
    payload = "<script>window.__pwned=1</script><b>bold</b> & more"
    rows[0]["label"] = payload
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    pkg = load(evidence_copy)
    assert payload in pkg.figures["label"].to_list()
    result = render(DEFAULT, tmp_path / "out", evidence_dir=evidence_copy)
    html = result.annex.read_text()
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    with open_offline(result.annex, chromium) as (page, report):
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.get_by_text(payload).count() >= 1


@pytest.mark.browser
def test_annex_offline_in_chromium_charts_drawn_no_errors_axe_clean(published, chromium):
    _, result = published
    with open_offline(result.annex, chromium) as (page, report):
        assert report.charts_expected >= 5
        assert report.charts_drawn == report.charts_expected, report.summary()
        assert report.blocked == [], report.summary()
        assert report.console_errors == [], report.summary()
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        # tooltips kept: hovering a bar shows the vega tooltip
        page.locator(".vega-embed svg .mark-rect path").first.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)


def test_make_briefing_is_documented():
    readme = (ROOT / "README.md").read_text()
    assert "make briefing" in readme and "make test" in readme


def test_briefing_notebook_is_stored_with_the_default_annex_outputs():
    """nbval compares the stored annex text strictly, so the stored outputs must be there and be
    those of the default parameters (make notebooks re-executes it)."""
    import nbformat

    from cyp_evidence.paths import NOTEBOOKS_DIR

    nb = nbformat.read(NOTEBOOKS_DIR / "briefing.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = next(c for c in code if "parameters" in c.metadata.get("tags", []))
    assert 'board = "lga-cyp-board"' in params.source and 'meeting = "2024-03-12"' in params.source
    shows = [c for c in code if "briefing.show(" in c.source]
    # front page, what changed, the sections (from the registry), the appendices
    assert [c.source for c in shows] == [
        'briefing.show("front")',
        'briefing.show("changes")',
        'briefing.show("sections")',
        'briefing.show("appendices")',
    ]
    assert all(c.outputs for c in shows), "run `make notebooks`: briefing.ipynb has a show() cell without stored output"
    title = "".join(o.get("data", {}).get("text/html", "") for o in shows[0].outputs)
    assert "LGA Children &amp; Young People Board" in title and "12 March 2024" in title


# --------------------------------------------------------------------------- the kernel started before validation
def test_manifest_lists_the_figures_the_notebook_showed(published):
    """The list comes from the notebook's own ``briefing`` (a silent expression after its last
    cell); it is what the same build in this process gives."""
    from cyp_evidence.paths import EVIDENCE_DIR

    _, result = published
    m = json.loads((result.path / "manifest.json").read_text())
    nb_params = {**result.params.as_dict(), "previous_manifest": "", "evidence_dir": str(EVIDENCE_DIR.resolve())}
    assert m["shown"] == json.loads(json.dumps(render_mod._shown(nb_params)))


@pytest.fixture
def kernels(monkeypatch):
    """Every kernel render() starts, with its process id."""
    import os

    started = []
    real = render_mod.start_kernel

    def spy():
        k = real()
        started.append((k, k.km.provisioner.process.pid))
        return k

    monkeypatch.setattr(render_mod, "start_kernel", spy)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    return started, gone


def test_kernel_is_shut_down_when_validation_fails_and_nothing_is_written(tmp_path, kernels):
    from cyp_evidence.briefing.content.params import ParameterError

    started, gone = kernels
    with pytest.raises(ParameterError, match="unknown theme 'weather'"):
        render({**DEFAULT, "themes": ["weather"]}, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    [(k, pid)] = started
    assert k.km is None and gone(pid)


def test_kernel_is_shut_down_when_up_to_date(published, kernels):
    out, first = published
    started, gone = kernels
    again = render(DEFAULT, out)
    assert again.status == "up to date" and again.version == first.version
    [(k, pid)] = started
    assert k.km is None and gone(pid)


def test_kernel_begin_resets_namespace_and_count_and_moves_into_the_build_folder(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with render_mod.Kernel() as k:
        k.begin(tmp_path / "one")
        state = "__import__('json').dumps([get_ipython().execution_count, 'x' in globals(), __import__('os').getcwd(), 'cyp_evidence' in globals(), 'cyp_evidence.briefing.content.annex' in __import__('sys').modules])"
        assert k.evaluate_json(state) == [1, False, str(tmp_path / "one"), False, True]  # warm imports bind no name
        reply = k._reply(k._kc.execute("x = 1"))  # an ordinary cell: counted
        assert reply["status"] == "ok" and k.evaluate_json(state)[:2] == [2, True]
        k.begin(tmp_path / "two")
        assert k.evaluate_json(state) == [1, False, str(tmp_path / "two"), False, True]
        assert k.runs == 2 and not k.failed
    assert k.km is None


def test_kernel_process_starts_before_jupyter_client_is_imported_and_is_adopted(tmp_path):
    """The render's kernel boots while the command imports jupyter_client: the process is
    started first (standard library only) and the kernel manager then owns that same process."""
    import subprocess
    import sys

    code = (
        "import json, subprocess, sys\n"
        "seen = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, args, *a, **k):\n"
        "    seen.append(['jupyter_client' in sys.modules, list(args)[:3]])\n"
        "    real(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "from cyp_evidence.briefing.pipeline.kernel import Kernel\n"
        "k = Kernel(warm=False)\n"
        "pid = k.evaluate_json(\"__import__('json').dumps(__import__('os').getpid())\")\n"
        "print(json.dumps([seen, k.km.provisioner.process.pid, pid]))\n"
        "k.shutdown()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    seen, managed, answered = json.loads(out.stdout.strip().splitlines()[-1])
    kernels = [s for s in seen if s[1][1:] == ["-m", "ipykernel_launcher"]]
    assert kernels == [[False, [sys.executable, "-m", "ipykernel_launcher"]]]  # one, before jupyter_client
    assert managed == answered  # the manager's process is the one that answers


def test_kernel_launched_early_is_replaced_when_the_manager_would_start_another(monkeypatch):
    """If the kernel spec's command or environment is not what was launched, the early process
    is stopped and the manager starts its own, which then runs the notebook."""
    import os

    from cyp_evidence.briefing.pipeline import kernel as kernel_mod
    from cyp_evidence.thirdparty import early_kernel

    early = []
    real = early_kernel.launch

    def launch(*a, **k):
        launched = real(*a, **k)
        launched.env = {**launched.env, "CYP_EVIDENCE_TEST_MISMATCH": "1"}  # not what the manager gives
        early.append(launched)
        return launched

    monkeypatch.setattr(kernel_mod.early_kernel, "launch", launch)
    with kernel_mod.Kernel(warm=False) as k:
        [launched] = early
        assert not launched.adopted and launched.process.poll() is not None  # stopped and reaped
        pid = k.evaluate_json("__import__('json').dumps(__import__('os').getpid())")
        assert pid == k.km.provisioner.process.pid != launched.process.pid
    assert k.km is None
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_validation_is_reused_only_while_the_bytes_are_the_same(evidence_copy, monkeypatch):
    import cyp_evidence.briefing.pipeline.render as R

    calls = []
    real = R.validate
    monkeypatch.setattr(R, "validate", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = R.validated(evidence_copy)
    assert not first.errors and R.validated(evidence_copy) is first and len(calls) == 1
    figs = sorted((evidence_copy / "figures").glob("*.csv"))[0]
    lines = figs.read_text(encoding="utf-8").splitlines()
    figs.write_text("\n".join(lines + [lines[-1]]) + "\n", encoding="utf-8")  # a duplicated figure id
    assert R.validated(evidence_copy).errors and len(calls) == 2
    with pytest.raises(R.EvidenceError):
        R.prepare(DEFAULT, evidence_dir=evidence_copy)
    assert len(calls) == 3  # an invalid evidence base is never taken from the cache


def test_a_failing_notebook_cell_publishes_nothing_and_marks_a_given_kernel_failed(tmp_path, monkeypatch):
    import nbformat

    nb = nbformat.read(render_mod.BRIEFING_NOTEBOOK, as_version=4)
    broken = nbformat.v4.new_notebook(metadata=nb.metadata)
    broken.cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])] + [
        nbformat.v4.new_code_cell("raise ValueError('boom')")
    ]
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    monkeypatch.setattr(render_mod, "BRIEFING_NOTEBOOK", path)
    with render_mod.Kernel() as k:
        with pytest.raises(
            render_mod.RenderError, match=r"failed in cell 2: ValueError: boom"
        ):  # after papermill's injected cell
            render(DEFAULT, tmp_path / "out", kernel=k)
        assert k.failed and k.alive()  # left running for its owner, who must not reuse it
    mdir = tmp_path / "out" / "briefings" / "lga-cyp-board" / "2024-03-12"
    assert versions(mdir) == [] and not [p for p in mdir.iterdir() if p.name.startswith(BUILD_PREFIX)]


def test_notebook_checksum_ignores_stored_outputs_but_not_sources(tmp_path):
    """Re-executing briefing.ipynb in place (make notebooks) must not make a new annex version;
    changing a cell must."""
    import nbformat

    nb = nbformat.read(render_mod.BRIEFING_NOTEBOOK, as_version=4)
    base = render_mod.notebook_checksum(render_mod.BRIEFING_NOTEBOOK)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    cleared = tmp_path / "cleared.ipynb"
    nbformat.write(nb, cleared)
    assert render_mod.notebook_checksum(cleared) == base
    nb.cells[-1].source += "\n# changed"
    nbformat.write(nb, cleared)
    assert render_mod.notebook_checksum(cleared) != base


LEAN_PROBE = """
import json, re, sys
from cyp_evidence.briefing.pipeline import kernel
{setup}
from cyp_evidence.briefing.content.annex import Briefing
b = Briefing.from_parameters(board="lga-cyp-board", meeting="2024-03-12")
blocks = re.sub(r"altair-viz-[0-9a-f]{{32}}", "ID", json.dumps(b.blocks, sort_keys=True))
print(json.dumps({{
    "loaded": sorted(m for m in ("anywidget", "ipywidgets", "rfc3986_validator", "isoduration", "arrow", "webcolors",
                                  "cyp_evidence.evidence.coverage", "cyp_evidence.explore") if m in sys.modules),
    "blocked_left": sorted(n for n, v in sys.modules.items() if v is None and n.split(".")[0] in ("anywidget", "rfc3986_validator", "isoduration")),
    "blocks": blocks,
}}))
"""


def _probe(setup: str) -> dict:
    code = LEAN_PROBE.format(setup=setup)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_render_kernel_imports_altair_without_the_widget_or_format_checkers_and_builds_the_same_annex():
    """The render's kernel (kernel.WARM_CODE) imports altair without anywidget/ipywidgets and
    jsonschema's optional format checkers (thirdparty/lean_altair), lifts the block afterwards,
    and builds exactly the annex an ordinary import builds; building it imports neither the
    validator's source-coverage check nor the explorers."""
    lean = _probe("exec(kernel.WARM_CODE)")
    usual = _probe("import altair")
    assert lean["loaded"] == [] and lean["blocked_left"] == []
    assert {"anywidget", "ipywidgets"} <= set(usual["loaded"])  # what the lean import leaves out
    assert lean["blocks"] == usual["blocks"]


def test_after_the_lean_altair_import_the_left_out_modules_import_as_usual():
    code = (
        "from cyp_evidence.thirdparty import lean_altair\n"
        "lean_altair.import_altair()\n"
        "import anywidget, rfc3986_validator, altair\n"
        "print(altair.JupyterChart.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "altair.jupyter"  # altair's own stand-in for JupyterChart
