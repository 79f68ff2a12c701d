"""Benchmarks for cyp-evidence (``make bench``): a script, not a timed test.

Prints a table of medians over several runs, the ratios against a floor measured in the same
run (papermill executing a one-cell notebook through its Python API), PASS/MISS per target,
and writes everything to ``outputs/bench/results.json`` (outputs/ is git-ignored).

    .venv/bin/python benchmarks/bench.py              # default: 5 runs (fewer for slow items)
    .venv/bin/python benchmarks/bench.py --quick      # 2 runs, 1 for the batch items
    .venv/bin/python benchmarks/bench.py --runs 7 --only floor,ours,naive

Items: floor, naive, ours, pdf, batch, evidence, interaction, annex, scale, lab (see docs/performance.md).
``lab`` is what an adviser feels in JupyterLab (real Chromium, network refused): open an explorer
-> kernel ready -> first chart, and a control change -> chart redrawn as seen in the page.
Ratios are only meaningful within one run on one machine: the floor is measured alongside.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))  # tests/browser.py: Chromium helpers

BOARD, MEETING = "lga-cyp-board", "2024-03-12"
ITEMS = ("floor", "naive", "ours", "pdf", "batch", "evidence", "interaction", "annex", "scale", "lab")
SCALE_ROWS = 1_000_000
MB = 1_000_000

results: dict = {"items": {}, "ratios": {}, "targets": []}


# ---------------------------------------------------------------------------- helpers
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def record(name: str, samples: list[float], unit: str = "s", **extra) -> float:
    m = median(samples)
    results["items"][name] = {
        "median": m,
        "unit": unit,
        "runs": len(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
        **extra,
    }
    log(
        f"  {name}: median {fmt(m, unit)} over {len(samples)} run(s) (min {fmt(min(samples), unit)}, max {fmt(max(samples), unit)})"
    )
    return m


def fmt(v: float, unit: str) -> str:
    if unit == "s":
        return f"{v:.3f} s" if v >= 0.1 else f"{v * 1000:.1f} ms"
    if unit == "ms":
        return f"{v:.1f} ms"
    if unit == "bytes":
        return f"{v / MB:.2f} MB"
    return f"{v:g} {unit}"


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{VENV_BIN}{os.pathsep}{e.get('PATH', '')}"
    return e


LAST_CPU: list[float] = [0.0]  # CPU seconds (user + sys) of the last run() and all its descendants


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(cmd: list[str], cwd: Path | None = None) -> float:
    """Wall time of one command from the shell (fails loudly); its CPU time in LAST_CPU[0]."""
    c = _children_cpu()
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    dt_ = time.perf_counter() - t
    LAST_CPU[0] = _children_cpu() - c
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    return dt_


@contextlib.contextmanager
def fresh_dir(prefix: str):
    d = Path(tempfile.mkdtemp(prefix=f"cyp-bench-{prefix}-"))
    try:
        yield d
    finally:
        # published versions are read-only: make them writable again before removing
        for p in d.rglob("*"):
            with contextlib.suppress(OSError):
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(d, ignore_errors=True)


def cyp(*args: str) -> list[str]:
    return [str(VENV_BIN / "cyp-evidence"), *args]


def byte_compile() -> None:
    """Byte-compile lib/ as ``make env`` does: with PYTHONDONTWRITEBYTECODE=1 in the environment
    an edited module would otherwise be recompiled in every process that imports it, which is
    not what a user's set-up after ``make env`` runs (nothing is rewritten when up to date)."""
    import compileall

    compileall.compile_dir(ROOT / "lib", quiet=1)


# ---------------------------------------------------------------------------- items
def bench_floor(runs: int) -> None:
    import nbformat
    import papermill as pm

    log("floor: papermill.execute_notebook on a one-cell notebook (Python API, same environment)")
    with fresh_dir("floor") as d:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        src = d / "one.ipynb"
        nbformat.write(nb, src)

        def once() -> float:
            t = time.perf_counter()
            pm.execute_notebook(str(src), str(d / "out.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(d))
            return time.perf_counter() - t

        once()  # warm-up (first import of the engine, first kernel spec lookup)
        record("floor", [once() for _ in range(runs)])


def bench_naive(runs: int) -> None:
    log("naive: papermill CLI on notebooks/briefing.ipynb, then jupyter nbconvert --to html")
    samples = []
    for _ in range(runs):
        with fresh_dir("naive") as d:
            t = run(
                [
                    str(VENV_BIN / "papermill"),
                    str(ROOT / "notebooks" / "briefing.ipynb"),
                    str(d / "briefing.ipynb"),
                    "-p",
                    "board",
                    BOARD,
                    "-p",
                    "meeting",
                    MEETING,
                    "--cwd",
                    str(d),
                ],
                cwd=d,
            )
            t += run([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", str(d / "briefing.ipynb")], cwd=d)
            samples.append(t)
            size = (d / "briefing.html").stat().st_size
    record(
        "naive",
        samples,
        html_bytes=size,
        note="nbconvert's default HTML loads require.js/MathJax/vega from CDNs (not offline)",
    )


def _annex_path(out: Path) -> Path:
    return out / "briefings" / BOARD / MEETING / "v1" / "annex.html"


def bench_ours(runs: int) -> Path:
    log("ours: cyp-evidence render (full default annex), from the shell, fresh output folder each run")
    from cyp_evidence.briefing.content import chartlibs

    cold = None
    cache = chartlibs.bundle_cache_path()
    if cache is not None and cache.exists():
        # one cold run (no on-disk chart bundle) for the record; not part of the median
        cache.unlink()
        with fresh_dir("ours-cold") as d:
            cold = run(cyp("render", "--board", BOARD, "--meeting", MEETING, "--out", str(d)))
        log(f"  ours (cold cache, first run after install): {cold:.3f} s")
    samples, cpu = [], []
    keep = Path(tempfile.mkdtemp(prefix="cyp-bench-annex-"))
    for i in range(runs):
        with fresh_dir("ours") as d:
            samples.append(run(cyp("render", "--board", BOARD, "--meeting", MEETING, "--out", str(d))))
            cpu.append(round(LAST_CPU[0], 2))  # the CLI process and its kernel
            if i == 0:
                shutil.copy(_annex_path(d), keep / "annex.html")
    log(f"  ours: CPU seconds (user + sys, CLI and kernel) {cpu}")
    record("ours", samples, cold_cache_seconds=cold, cpu_seconds=cpu)
    return keep / "annex.html"


def bench_pdf(runs: int) -> None:
    log(
        "ours with --pdf: cyp-evidence render --pdf (the default annex and its accessible PDF), fresh output folder each run"
    )
    samples = []
    for _ in range(runs):
        with fresh_dir("ours-pdf") as d:
            samples.append(run(cyp("render", "--board", BOARD, "--meeting", MEETING, "--out", str(d), "--pdf")))
    record("ours_pdf", samples)


def bench_batch(runs: int) -> None:
    from cyp_evidence.briefing.content.annex import vanguard_names
    from cyp_evidence.evidence import load

    vanguards = vanguard_names(load())
    log(f"batch: {len(vanguards)} per-vanguard variants, one render after another from the shell")
    seq = []
    for _ in range(runs):
        with fresh_dir("seq") as d:
            t = 0.0
            for v in vanguards:
                t += run(cyp("render", "--board", BOARD, "--meeting", MEETING, "--focus", v, "--out", str(d)))
            seq.append(t)
    record("batch_sequential", seq, variants=len(vanguards))
    log("batch: cyp-evidence render-batch --per vanguard --workers 2")
    par, cpu = [], []
    for _ in range(runs):
        with fresh_dir("par") as d:
            par.append(run(cyp(*_batch_args(d))))
            cpu.append(round(LAST_CPU[0], 2))  # the parent, its workers and their kernels
            _check_batch(d, len(vanguards))
    log(f"  batch_parallel: CPU seconds (user + sys, every process) {cpu}")
    record("batch_parallel", par, variants=len(vanguards), workers=2, cpu_seconds=cpu)
    log("batch: cyp-evidence render-batch --per vanguard --scheduler local --workers 2 (Dask LocalCluster)")
    dask_, cpu = [], []
    for _ in range(runs):
        with fresh_dir("dask") as d:
            dask_.append(run(cyp(*_batch_args(d), "--scheduler", "local")))
            cpu.append(round(LAST_CPU[0], 2))  # the coordinator, the scheduler, its workers and their kernels
            _check_batch(d, len(vanguards))
    log(f"  batch_local_cluster: CPU seconds (user + sys, every process) {cpu}")
    record("batch_local_cluster", dask_, variants=len(vanguards), workers=2, cpu_seconds=cpu)


def _batch_args(d: Path) -> list[str]:
    return [
        "render-batch",
        "--board",
        BOARD,
        "--meeting",
        MEETING,
        "--per",
        "vanguard",
        "--workers",
        "2",
        "--no-progress",
        "--out",
        str(d),
    ]


def _check_batch(d: Path, expected: int) -> None:
    n = len(list((d / "briefings" / BOARD / MEETING / "variants").glob("*/v1/annex.html")))
    if n != expected:
        raise RuntimeError(f"render-batch published {n} variants, expected {expected}")


def bench_evidence(runs: int) -> None:
    from cyp_evidence.evidence import validate

    log("evidence: load and fully validate the evidence base (in process)")
    report = validate()  # warm-up: first import of the verify layer's regexes etc.
    assert not report.errors, report.errors
    samples = []
    for _ in range(max(runs, 10)):
        t = time.perf_counter()
        report = validate()
        samples.append(time.perf_counter() - t)
    pkg = report.package
    record(
        "evidence",
        samples,
        figures=pkg.figures.height,
        table_cells=pkg.table_cells.height,
        detections=len(report.detections),
    )


def _changes(explorer) -> list[tuple[str, object]]:
    from cyp_evidence.explore import vanguards as V

    q = explorer.controls["quarters"].options
    labels = list(explorer.labels)
    seq = [
        ("measure", V.SHARE),
        ("measure", V.COUNT),
        ("top", V.EACH),
        ("top", V.STACKED),
        ("unknown", False),
        ("unknown", True),
    ]
    if len(q) > 2:
        seq += [("quarters", (q[1], q[-1])), ("quarters", (q[0], q[-1])), ("quarters", (q[0], q[len(q) // 2]))]
    seq += [("quarters", (q[0], q[-1]))]
    if len(labels) > 1:
        seq += [("breakdown", labels[1]), ("breakdown", labels[0])]
    seq += [
        ("vanguards", tuple(explorer.vanguards[: max(1, len(explorer.vanguards) // 2)])),
        ("vanguards", tuple(explorer.vanguards)),
    ]
    return seq


def interaction_samples(explorer, rounds: int) -> list[float]:
    """Seconds from setting one control's value to reading the updated chart data."""
    seq = _changes(explorer)
    samples = []
    for _ in range(rounds):
        for key, value in seq:
            t = time.perf_counter()
            explorer.controls[key].value = value
            explorer.chart_data  # noqa: B018 - what the chart draws, recomputed on the change
            samples.append(time.perf_counter() - t)
    return samples


def bench_interaction(runs: int) -> None:
    from cyp_evidence.evidence import load
    from cyp_evidence.explore import VanguardExplorer

    log("interaction: VanguardExplorer control change -> updated chart data (in process)")
    pkg = load()
    ex = VanguardExplorer(pkg)
    interaction_samples(ex, 1)  # warm-up
    record("interaction", interaction_samples(ex, max(runs, 5)))
    log("interaction (widget shown): the same change also redraws the widget's alt.JupyterChart spec")
    exw = VanguardExplorer(pkg)
    exw.widget  # noqa: B018 - builds the widget; refresh() then updates the JupyterChart too
    interaction_samples(exw, 1)
    record("interaction_widget", interaction_samples(exw, max(runs, 5)))


ANNEX_JS_ALL_DRAWN = """(sel) => {
  const charts = [...new Set(document.querySelectorAll(sel))];
  return charts.length > 0 && charts.every(el => el.querySelector('svg, canvas'));
}"""


def chart_times(path: Path, runs: int) -> tuple[list[float], dict]:
    """Seconds from navigating headless Chromium (network blocked) to the annex until every
    chart holds an svg/canvas; a fresh browser context per run."""
    import browser as b
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url = path.resolve().as_uri()
    samples, info = [], {}
    with b.launch_chromium() as br:
        for i in range(runs + 1):  # the first (warm-up) run starts Chromium's renderer processes
            ctx = br.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            blocked = []

            def on_route(route, blocked=blocked):
                if route.request.url.startswith(b.ALLOWED_SCHEMES):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort("blockedbyclient")

            ctx.route("**/*", on_route)
            page = ctx.new_page()
            errors = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            t = time.perf_counter()
            page.goto(url, wait_until="commit")
            try:
                page.wait_for_function(ANNEX_JS_ALL_DRAWN, arg=b.CHART_SELECTOR, polling="raf", timeout=30_000)
                elapsed = time.perf_counter() - t
            except PlaywrightTimeout:
                elapsed = float("inf")
            expected, drawn = page.evaluate(b._CHARTS_JS, b.CHART_SELECTOR)
            ctx.close()
            if i:
                samples.append(elapsed)
            info = {
                "charts_expected": expected,
                "charts_drawn": drawn,
                "blocked_requests": blocked,
                "page_errors": errors,
            }
    return samples, info


def bench_annex(runs: int, annex: Path | None) -> None:
    if annex is None or not annex.exists():
        with fresh_dir("annex") as d:
            run(cyp("render", "--board", BOARD, "--meeting", MEETING, "--out", str(d)))
            annex = Path(tempfile.mkdtemp(prefix="cyp-bench-annex-")) / "annex.html"
            shutil.copy(_annex_path(d), annex)
    size = annex.stat().st_size
    log(f"annex: {size / MB:.2f} MB; time to every chart drawn in headless Chromium (network blocked)")
    samples, info = chart_times(annex, runs)
    results["items"]["annex_bytes"] = {"median": size, "unit": "bytes", "runs": 1}
    record("annex_charts_drawn", samples, **info)


# ---------------------------------------------------------------------------- JupyterLab, in the browser
LAB_EXPLORER = "explore_01_prevalence.ipynb"


def lab_samples(runs: int) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    """In JupyterLab (127.0.0.1, a token) driven by headless Chromium with the network refused,
    ``runs`` times on a fresh server: seconds from asking for the explorer's page to its kernel
    ready and to its first chart (after Run All), and milliseconds from each control change to
    the chart redrawn in the page (tests/lab_driver.py measures both as the browser sees them),
    all of them and then split into changes to a choice not drawn before and to one drawn before."""
    import browser as b
    import lab_driver as ld

    ready, first, redraws = [], [], []
    # the redraws split by whether the page had drawn that choice before (its front end keeps
    # what it drew, thirdparty/explorer_chart.js: a choice seen before is shown again)
    new: list[float] = []
    seen: list[float] = []
    with b.launch_chromium() as br:
        offline = br.browser_type.launch(
            executable_path=b.chromium_executable(), args=b.CHROMIUM_ARGS + ld.OFFLINE_ARGS, headless=True
        )
        try:
            for i in range(runs):
                tmp = Path(tempfile.mkdtemp(prefix="cyp-bench-lab-"))
                try:
                    with ld.lab_server(tmp, [ROOT / "notebooks" / LAB_EXPLORER]) as lab:
                        ctx = offline.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
                        page = ctx.new_page()
                        page.set_default_timeout(120_000)
                        start = time.monotonic()
                        page.goto(lab.url(LAB_EXPLORER))
                        t = ld.open_and_run(page, lab, start)
                        measure = page.locator(
                            f"{ld.PANEL} .widget-dropdown", has=page.locator("label", has_text="Measure")
                        ).locator("select")
                        n = measure.locator("option").count()
                        shown = {0}  # the choice drawn by Run All
                        for k in [1, 0, 2, 0, 3, 0] if n > 3 else [1, 0, 1, 0]:
                            ms = ld.timed_change(page, lambda k=k, m=measure: m.select_option(index=k))
                            t.redraws_ms.append(ms)
                            (seen if k in shown else new).append(ms)
                            shown.add(k)
                        ctx.close()
                    log(
                        f"  lab run {i + 1}: kernel ready {t.kernel_ready_s:.2f} s, first chart {t.first_chart_s:.2f} s, "
                        f"redraw median {t.redraw_median_ms:.0f} ms"
                    )
                    ready.append(t.kernel_ready_s)
                    first.append(t.first_chart_s)
                    redraws += t.redraws_ms
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
        finally:
            offline.close()
    return ready, first, redraws, new, seen


def bench_lab(runs: int) -> None:
    log(f"lab: {LAB_EXPLORER} in JupyterLab, headless Chromium, network refused")
    ready, first, redraws, new, seen = lab_samples(runs)
    record("lab_kernel_ready", ready)
    record("lab_first_chart", first)
    record("lab_redraw", [x / 1000 for x in redraws])
    if new:
        record("lab_redraw_new", [x / 1000 for x in new])
    if seen:
        record("lab_redraw_seen", [x / 1000 for x in seen])


# ---------------------------------------------------------------------------- scale
def synthetic_series(n: int, vanguards: list[str], seed: int = 7):
    """``n`` rows of a monthly referral series (month, vanguard, referrals), ten financial
    years from April 2014; generated here, never committed."""
    import polars as pl

    months = pl.date_range(dt.date(2014, 4, 1), dt.date(2024, 3, 1), "1mo", eager=True)
    return pl.DataFrame(
        {
            "month": months.sample(n, with_replacement=True, seed=seed),
            "vanguard": pl.Series(vanguards).sample(n, with_replacement=True, seed=seed + 1),
            "referrals": pl.Series(range(5)).sample(n, with_replacement=True, seed=seed + 2),
        }
    )


def scale_annex_notebook(pkg):
    """The default annex built in process from ``pkg`` (the briefing notebook's cells, with the
    outputs ``Briefing.show`` displays), exported exactly as ``cyp-evidence render`` exports."""
    import nbformat

    from cyp_evidence.briefing.content.annex import Briefing, evidence_as_of, vanguard_names
    from cyp_evidence.briefing.content.params import validate_parameters
    from cyp_evidence.briefing.content.schedule import load_schedule

    schedule = load_schedule()
    params = validate_parameters({"board": BOARD, "meeting": MEETING}, vanguards=vanguard_names(pkg), schedule=schedule)
    b = Briefing(params, evidence_as_of(pkg, params.as_of_date), board_name=schedule[params.board].name, version="v1")
    b._build()
    parts = {
        "title": b.title_block,
        "changes": b.changes_html,
        "source-issues": b.source_issues_html,
        "sources": b.sources_html,
        "provenance": b.provenance_html,
    }
    nb = nbformat.read(ROOT / "notebooks" / "briefing.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = cell.source.strip()
        cell.outputs = []
        if src.startswith('briefing.show("'):
            part = src.split('"')[1]
            html = parts[part]() if part in parts else b.section_html(part)
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    return nb, b


def bench_scale(runs: int) -> None:
    import polars as pl

    from cyp_evidence.briefing.content.annex import vanguard_names
    from cyp_evidence.briefing.pipeline.export import write_html
    from cyp_evidence.evidence import load
    from cyp_evidence.evidence.series import with_monthly_series
    from cyp_evidence.explore import VanguardExplorer

    pkg = load()
    log(f"scale: synthetic monthly series of {SCALE_ROWS:,} rows")
    t = time.perf_counter()
    series = synthetic_series(SCALE_ROWS, vanguard_names(pkg))
    gen = time.perf_counter() - t
    agg = []
    for _ in range(max(runs, 3)):
        t = time.perf_counter()
        big = with_monthly_series(pkg, series)
        agg.append(time.perf_counter() - t)
    record("scale_aggregate", agg, rows=series.height, generate_seconds=gen)
    cells = big.table_cells.filter(pl.col("table_id") == big.tables["table_id"][0]).height
    ex = VanguardExplorer(big)
    assert ex.chart_data.height < 5000, ex.chart_data.height
    interaction_samples(ex, 1)
    record(
        "scale_interaction",
        interaction_samples(ex, max(runs, 5)),
        cells_after_aggregation=cells,
        quarters=len(ex.controls["quarters"].options),
    )
    exw = VanguardExplorer(big)
    exw.widget  # noqa: B018
    interaction_samples(exw, 1)
    record("scale_interaction_widget", interaction_samples(exw, max(runs, 3)))
    nb, _ = scale_annex_notebook(big)
    with fresh_dir("scale") as d:
        path = write_html(nb, d / "annex.html", title=f"Scale test ({SCALE_ROWS:,} rows)")
        size = path.stat().st_size
        keep = Path(tempfile.mkdtemp(prefix="cyp-bench-scale-")) / "annex.html"
        shutil.copy(path, keep)
    results["items"]["scale_annex_bytes"] = {"median": size, "unit": "bytes", "runs": 1}
    log(f"  scale annex: {size / MB:.2f} MB")
    samples, info = chart_times(keep, max(1, runs // 2))
    record("scale_annex_charts_drawn", samples, **info)


# ---------------------------------------------------------------------------- report
def get(name: str) -> float | None:
    it = results["items"].get(name)
    return None if it is None else it["median"]


def target(label: str, value: float | None, limit: float, shown: str) -> None:
    ok = value is not None and value <= limit
    results["targets"].append(
        {
            "target": label,
            "value": value,
            "limit": limit,
            "result": "PASS" if ok else ("MISS" if value is not None else "not run"),
        }
    )
    results["targets"][-1]["shown"] = shown


def report() -> None:
    floor, ours, naive, par = get("floor"), get("ours"), get("naive"), get("batch_parallel")
    r = results["ratios"]
    if floor and ours:
        r["ours / floor"] = ours / floor
    if naive and ours:
        r["ours / naive"] = ours / naive
    if floor and get("ours_pdf"):
        r["ours with --pdf / floor"] = get("ours_pdf") / floor
    if floor and par:
        r["batch of 12 (parallel) / floor"] = par / floor
    if floor and get("batch_sequential"):
        r["batch of 12 (one after another) / floor"] = get("batch_sequential") / floor
    if par and get("batch_sequential"):
        r["parallel / one after another"] = par / get("batch_sequential")
    loc = get("batch_local_cluster")
    if floor and loc:
        r["batch of 12 (Dask local cluster) / floor"] = loc / floor
    if par and loc:
        r["Dask local cluster / process pool"] = loc / par

    def ms(name):
        v = get(name)
        return None if v is None else v * 1000

    def ratio_t(label, key, limit):
        v = r.get(key)
        target(label, v, limit, f"{v:.2f}x" if v is not None else "-")

    ratio_t("ours (default render) <= 2.0 x floor", "ours / floor", 2.0)
    v = r.get("ours with --pdf / floor")
    target("ours with --pdf (reported)", v, float("inf"), f"{v:.2f}x" if v is not None else "-")
    ratio_t("ours <= 0.5 x naive", "ours / naive", 0.5)
    ratio_t("batch of 12 <= 6 x floor", "batch of 12 (parallel) / floor", 6.0)
    v = get("evidence")
    target("evidence load + validation <= 0.3 s", v, 0.3, fmt(v, "s") if v is not None else "-")
    for name, label, lim in (
        ("interaction", "interaction (to chart data) <= 30 ms", 30),
        ("interaction_widget", "interaction incl. widget chart spec <= 30 ms", 30),
        ("scale_interaction", "1M rows: interaction (to chart data) <= 100 ms", 100),
        ("scale_interaction_widget", "1M rows: interaction incl. widget spec <= 100 ms", 100),
    ):
        v = ms(name)
        target(label, v, lim, f"{v:.1f} ms" if v is not None else "-")
    for name, label, lim in (
        ("annex_bytes", "annex size <= 1.5 MB", 1.5),
        ("scale_annex_bytes", "1M rows: annex size <= 2 MB", 2.0),
    ):
        v = get(name)
        target(label, None if v is None else v / MB, lim, f"{v / MB:.2f} MB" if v is not None else "-")
    v = get("annex_charts_drawn")
    target("annex: open -> every chart drawn <= 1 s", v, 1.0, fmt(v, "s") if v is not None else "-")
    v = get("lab_first_chart")
    target("lab: open -> kernel ready -> first chart <= 6 s", v, 6.0, fmt(v, "s") if v is not None else "-")
    v = ms("lab_redraw")
    target("lab: control change -> chart redrawn, median <= 100 ms", v, 100, f"{v:.0f} ms" if v is not None else "-")
    for name, label in (
        ("lab_redraw_new", "lab: of which choices not drawn before (reported)"),
        ("lab_redraw_seen", "lab: of which choices drawn before (reported)"),
    ):
        v = ms(name)
        target(label, v, float("inf"), f"{v:.0f} ms" if v is not None else "-")

    rows = [("item", "median", "runs", "min", "max")]
    for name, it in results["items"].items():
        rows.append(
            (
                name,
                fmt(it["median"], it["unit"]),
                str(it["runs"]),
                fmt(it.get("min", it["median"]), it["unit"]),
                fmt(it.get("max", it["median"]), it["unit"]),
            )
        )
    w = [max(len(x[i]) for x in rows) for i in range(5)]
    print()
    print(
        f"cyp-evidence benchmarks, {results['machine']['when']} on {results['machine']['cpu']} "
        f"({results['machine']['cores']} cores), Python {results['machine']['python']}"
    )
    print(
        f"load average at start: {results['machine']['load_average_start']}, at end: {results['machine'].get('load_average_end')}"
    )
    print()
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w[j]) if j == 0 else c.rjust(w[j]) for j, c in enumerate(row)))
        if i == 0:
            print("  ".join("-" * x for x in w))
    if r:
        print()
        for k, v in r.items():
            print(f"{k}: {v:.2f}")
    print()
    tw = max(len(t["target"]) for t in results["targets"])
    for t in results["targets"]:
        print(f"{t['result']:7s} {t['target'].ljust(tw)}  measured {t['shown']}")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from importlib import metadata

    versions = {}
    for name in (
        "cyp-evidence",
        "papermill",
        "nbconvert",
        "ipykernel",
        "altair",
        "polars",
        "vl-convert-python",
        "playwright",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--runs", type=int, default=5, help="runs per item (default %(default)s; the batch items use at most 2)"
    )
    ap.add_argument("--quick", action="store_true", help="2 runs per item, 1 for the batch items")
    ap.add_argument(
        "--only", default=",".join(ITEMS), help=f"comma-separated items (default: all of {','.join(ITEMS)})"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "results.json")
    args = ap.parse_args(argv)
    runs = 2 if args.quick else max(1, args.runs)
    slow_runs = 1 if args.quick else min(2, runs)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(only) - set(ITEMS)
    if unknown:
        ap.error(f"unknown item(s) {sorted(unknown)}; choose from {', '.join(ITEMS)}")
    results["machine"] = machine()
    results["settings"] = {"runs": runs, "slow_runs": slow_runs, "items": only}
    byte_compile()
    annex = None
    t0 = time.perf_counter()
    if "floor" in only:
        bench_floor(runs)
    if "naive" in only:
        bench_naive(runs)
    if "ours" in only:
        annex = bench_ours(runs)
    if "pdf" in only:
        bench_pdf(slow_runs)
    if "batch" in only:
        bench_batch(slow_runs)
    if "evidence" in only:
        bench_evidence(runs)
    if "interaction" in only:
        bench_interaction(runs)
    if "annex" in only:
        bench_annex(runs, annex)
    if "scale" in only:
        bench_scale(runs)
    if "lab" in only:
        bench_lab(slow_runs)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["machine"]["bench_seconds"] = round(time.perf_counter() - t0, 1)
    report()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
