"""`render-batch --scheduler`: the variant jobs on Dask distributed (a LocalCluster of 1-2 worker
processes here): the same outcomes as the process pool, a worker that dies, a worker whose
evidence differs, publishing on the coordinator, and no Dask import without the flag."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_index import BOARD, MEETING

from cyp_evidence.briefing.content.marks import VERSION_PLACEHOLDER
from cyp_evidence.briefing.operations import batch
from cyp_evidence.briefing.operations.batch import Variant

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- fake workers (no kernel)
def fake_build(job: dict) -> dict:
    """Builds a tiny annex instead of rendering: 'crash-once' kills its worker process the first
    time it runs (a marker file in --out remembers), 'crash' every time, 'oops' fails; the job's
    previous manifest (bytes) is written into the annex so the test can see it arrived."""
    name = job["name"]
    out = Path(job["out"])
    if name == "crash" or (name == "crash-once" and not (out / "crashed-once").exists()):
        if name == "crash-once":
            (out / "crashed-once").write_text(str(os.getpid()))
        os._exit(3)
    if name == "oops":
        return {"name": name, "status": "failed", "reason": "RenderError: boom", "detail": "RenderError: boom"}
    previous = job["previous"].decode() if job["previous"] else "none"
    return {
        "name": name,
        "status": "built",
        "files": {
            "annex.html": f"<p>{name} {VERSION_PLACEHOLDER} pid {os.getpid()} previous {previous}</p>".encode(),
            "briefing.ipynb": b"{}",
        },
        "manifest": {
            "parameters": {"variant": name},
            "input_key": job["key"],
            "evidence_checksum": job["checks"]["evidence"],
            "previous_manifest": job["previous_name"],
            "shown": {"figures": []},
        },
        "key": job["key"],
    }


def test_a_worker_that_dies_fails_only_its_variants_retried_once_on_another_worker(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # a published full annex: never the variants' previous (a series is compared only with itself)
    main_v1 = out / "briefings" / BOARD / MEETING / "v1"
    main_v1.mkdir(parents=True)
    (main_v1 / "manifest.json").write_text('{"input_key": "main", "shown": {"figures": []}}\n')
    variants = [
        Variant("a", {"themes": ["send"]}),
        Variant("crash-once", {"themes": ["send"]}),
        Variant("crash", {"themes": ["send"]}),
        Variant("oops", {}),
        Variant("b", {"focus": "no such vanguard"}),
        Variant("c", {"themes": ["vanguards"]}),
    ]
    lines: list[str] = []
    outcomes = batch.render_batch(
        BOARD,
        MEETING,
        variants,
        out=out,
        workers=2,
        progress=False,
        log=lines.append,
        worker=fake_build,
        initializer=None,  # no kernel to warm
        scheduler="local",
    )
    by = {o.name: o for o in outcomes}
    assert [o.name for o in outcomes] == [v.name for v in variants]
    assert {n: by[n].status for n in by} == {
        "a": "rendered",
        "crash-once": "rendered",  # its worker died; the scheduler gave it to another worker
        "crash": "failed",
        "oops": "failed",
        "b": "failed",
        "c": "rendered",
    }
    assert by["crash"].reason == (
        "the worker rendering it died twice, each time on another worker (killed or out of memory?)"
    )
    assert by["oops"].reason == "RenderError: boom"
    assert "unknown vanguard 'no such vanguard'" in by["b"].reason  # caught on the coordinator
    assert (out / "crashed-once").is_file()
    assert sorted(lines) == sorted(o.line() for o in outcomes)
    assert batch.summary(outcomes).splitlines()[0] == "render-batch: 6 variant(s): 3 rendered, 0 up to date, 3 failed"
    # published here, under the lock: version number stamped, manifest completed, index rebuilt
    vdir = out / "briefings" / BOARD / MEETING / "variants"
    assert sorted(p.name for p in vdir.iterdir()) == ["a", "c", "crash-once"]
    for name in ("a", "c", "crash-once"):
        assert by[name].path == str(vdir / name / "v1" / "annex.html")
        html = (vdir / name / "v1" / "annex.html").read_text()
        assert html.startswith(f"<p>{name} v1 pid ") and html.endswith("previous none</p>")
        m = json.loads((vdir / name / "v1" / "manifest.json").read_text())
        assert m["version"] == 1 and m["previous_manifest"] is None
        assert m["annex_sha256"] and m["finished"]
    assert not list(out.rglob(".build-*"))
    assert (out / "index.html").is_file()
    # a second batch: everything built is up to date, found on the coordinator (no worker asked)
    again = batch.render_batch(
        BOARD,
        MEETING,
        [variants[0], variants[5]],
        out=out,
        progress=False,
        log=lambda _: None,
        worker=fake_build,
        scheduler="local",
    )
    assert [o.status for o in again] == ["up to date", "up to date"]


# --------------------------------------------------------------------------- a worker with other evidence
def worker_with_other_evidence(job: dict) -> dict:
    """The real worker, on a machine whose evidence folder differs from the coordinator's by one
    figure's printed text."""
    from cyp_evidence.briefing.operations import cluster

    here = Path(job["out"]) / "worker-evidence"
    if not here.exists():
        shutil.copytree(job["evidence_dir"], here)
        figs = sorted((here / "figures").glob("*.csv"))[0]
        figs.write_text(figs.read_text(encoding="utf-8").replace(",", ", ", 1), encoding="utf-8")
    return cluster.build_variant({**job, "evidence_dir": str(here)})


def test_a_worker_with_different_evidence_refuses(tmp_path, evidence_copy):
    out = tmp_path / "out"
    out.mkdir()
    outcomes = batch.render_batch(
        BOARD,
        MEETING,
        [Variant("send", {"themes": ["send"]}), Variant("vanguards", {"themes": ["vanguards"]})],
        out=out,
        workers=1,
        evidence_dir=evidence_copy,
        progress=False,
        log=lambda _: None,
        worker=worker_with_other_evidence,
        initializer=None,  # it refuses before any kernel is needed
        scheduler="local",
    )
    for o in outcomes:
        assert o.status == "failed", o.line()
        assert o.reason.startswith("InputsMismatch: refused by the worker at tcp://127.0.0.1:"), o.reason
        assert "its evidence differs (checksum " in o.reason
        assert "Every worker needs the same evidence, schedule, source texts and code" in o.detail
    assert not (out / "briefings").exists()  # nothing rendered, nothing published


def test_check_inputs_names_each_part_that_differs():
    from cyp_evidence.briefing.operations.cluster import InputsMismatch, check_inputs

    given = {"evidence": "a" * 64, "sources": {"001.txt": "1", "002.txt": "2"}, "notebook": "n", "code": "c"}
    check_inputs(given, json.loads(json.dumps(given)), "w")  # the same: no error
    found = {"evidence": "a" * 64, "sources": {"001.txt": "1", "002.txt": "X"}, "notebook": "n", "code": "d"}
    with pytest.raises(InputsMismatch) as exc:
        check_inputs(given, found, "the worker at tcp://10.0.0.2:4000")
    assert str(exc.value).startswith(
        "refused by the worker at tcp://10.0.0.2:4000: its source text 002.txt differs; its code differs."
    )
    with pytest.raises(InputsMismatch, match=r"its evidence differs \(checksum bbbbbbbbbbbb, given aaaaaaaaaaaa\)"):
        check_inputs(given, {**given, "evidence": "b" * 64}, "w")


# --------------------------------------------------------------------------- the command line
def test_cli_scheduler_errors(tmp_path, capsys, monkeypatch):
    from cyp_evidence.briefing.operations import cluster
    from cyp_evidence.cli import main

    base = ["render-batch", "--board", BOARD, "--meeting", MEETING, "--per", "theme", "--out", str(tmp_path)]
    assert main([*base, "--scheduler", "nowhere:8786"]) == 2
    assert "--scheduler 'nowhere:8786': expected 'local' or a Dask scheduler address" in capsys.readouterr().err
    assert main([*base, "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"]) == 2
    assert "--workers applies to this machine's processes or --scheduler local" in capsys.readouterr().err
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    assert main([*base, "--scheduler", "tcp://127.0.0.1:9", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err
    assert not (tmp_path / "briefings").exists()


# --------------------------------------------------------------------------- real renders
def _manifests(out: Path) -> dict[str, dict]:
    """Each variant's manifest without what differs between any two renders: the times, and
    the annex's checksum (nbconvert and altair give every cell and chart a random element id)."""
    found = {}
    for m in sorted((out / "briefings" / BOARD / MEETING / "variants").glob("*/v1/manifest.json")):
        data = json.loads(m.read_text())
        for k in ("started", "finished", "annex_sha256"):
            data.pop(k)
        found[m.parent.parent.name] = data
    return found


@pytest.mark.slow
def test_local_cluster_renders_the_same_variants_as_the_process_pool(tmp_path):
    variants = [
        Variant("send-only", {"themes": ["send"]}),
        Variant("vanguards", {"themes": ["vanguards"]}),
        Variant("surrey", {"themes": ["vanguards"], "focus": "Surrey"}),
    ]
    runs = {}
    for how in ("pool", "local"):
        out = tmp_path / how
        out.mkdir()
        outcomes = batch.render_batch(
            BOARD,
            MEETING,
            variants,
            out=out,
            workers=2,
            progress=False,
            log=lambda _: None,
            scheduler=None if how == "pool" else "local",
        )
        assert [o.status for o in outcomes] == ["rendered"] * 3, [o.line() for o in outcomes]
        runs[how] = _manifests(out)
    pool, local = runs["pool"], runs["local"]
    assert sorted(local) == ["send-only", "surrey", "vanguards"]
    for name in local:
        assert local[name]["shown"] == pool[name]["shown"] and local[name]["shown"]["figures"], name
        assert local[name] == pool[name], name  # parameters, checksums, input key, versions, ...
    html = (
        tmp_path / "local" / "briefings" / BOARD / MEETING / "variants" / "surrey" / "v1" / "annex.html"
    ).read_text()
    assert "Surrey" in html and VERSION_PLACEHOLDER not in html


@pytest.mark.slow
def test_without_the_flag_nothing_imports_dask(tmp_path):
    """A render and a render-batch (process pool) in a fresh interpreter never import dask or
    distributed."""
    variants = tmp_path / "v.toml"
    variants.write_text('[[variants]]\nname = "send"\nthemes = ["send"]\n')
    code = (
        "import sys\n"
        "from cyp_evidence.cli import main\n"
        f"assert main(['render', '--board', {BOARD!r}, '--meeting', {MEETING!r}, '--out', {str(tmp_path)!r}]) == 0\n"
        f"assert main(['render-batch', '--board', {BOARD!r}, '--meeting', {MEETING!r}, '--variants', {str(variants)!r},"
        f" '--workers', '1', '--no-progress', '--out', {str(tmp_path)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "briefings" / BOARD / MEETING / "variants" / "send" / "v1" / "annex.html").is_file()


# --------------------------------------------------------------------------- coordinator details
def test_a_lost_scheduler_and_a_dead_worker_are_reasons_other_errors_are_not():
    import concurrent.futures as cf

    from distributed.client import FutureCancelledError

    from cyp_evidence.briefing.operations import cluster

    dropped = "the Dask scheduler dropped it (did the scheduler stop, or the connection to it fail?)"
    assert cluster.lost(cf.CancelledError()) == dropped
    assert cluster.lost(FutureCancelledError("k", reason="scheduler-connection-lost")) == dropped
    assert cluster.lost(ValueError("x")) is None


def test_dask_log_lines_lose_their_tracebacks():
    import logging

    from cyp_evidence.briefing.operations.cluster import _OneLine

    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError:
        record = logging.LogRecord("distributed.client", logging.ERROR, __file__, 1, "", (), sys.exc_info())
    assert _OneLine().filter(record)
    assert record.exc_info is None and record.getMessage() == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert "Traceback" not in logging.Formatter().format(record)


def test_the_coordinator_refuses_files_outside_the_build_folder(tmp_path):
    from types import SimpleNamespace

    from cyp_evidence.briefing.errors import RenderError
    from cyp_evidence.briefing.operations import cluster

    params = SimpleNamespace(board=BOARD, meeting=MEETING)
    res = {
        "name": "x",
        "key": "k",
        "manifest": {},
        "files": {"annex.html": b"<p></p>", "../../../../escaped.txt": b"no"},
    }
    with pytest.raises(RenderError, match=r"a file outside its build folder: '\.\./\.\./\.\./\.\./escaped\.txt'"):
        cluster.publish_built(res, params, tmp_path, key="k", pdf=False)
    assert not list(tmp_path.rglob("escaped.txt")) and not list(tmp_path.rglob("v1"))
    assert not list(tmp_path.rglob(".build-*"))
    with pytest.raises(RenderError, match="other inputs than the coordinator checked"):
        cluster.publish_built({**res, "key": "other"}, params, tmp_path, key="k", pdf=False)


def build_recording_kernels(job: dict) -> dict:
    """The real worker, recording its process and the kernels idle in it after the render."""
    from cyp_evidence.briefing.operations import cluster

    res = cluster.build_variant(job)
    rec = {"name": job["name"], "pid": os.getpid(), "idle": [k.km.kernel_id for k in cluster._idle if k.km]}
    with open(Path(job["out"]) / "kernels.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    return res


@pytest.mark.slow
def test_a_cluster_worker_keeps_one_kernel_for_its_variants_reset_between_them(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    variants = [Variant("send", {"themes": ["send"]}), Variant("surrey", {"themes": ["vanguards"], "focus": "Surrey"})]
    outcomes = batch.render_batch(
        BOARD,
        MEETING,
        variants,
        out=out,
        workers=1,
        progress=False,
        log=lambda _: None,
        worker=build_recording_kernels,
        scheduler="local",
    )
    assert [o.status for o in outcomes] == ["rendered", "rendered"], [o.line() for o in outcomes]
    recs = [json.loads(line) for line in (out / "kernels.jsonl").read_text().splitlines()]
    assert len({r["pid"] for r in recs}) == 1  # one worker process
    assert len(recs[0]["idle"]) == 1 and recs[0]["idle"] == recs[1]["idle"]  # the same kernel, kept
    for v in variants:
        nb = json.loads(
            (out / "briefings" / BOARD / MEETING / "variants" / v.name / "v1" / "briefing.ipynb").read_text()
        )
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), (v.name, counts)  # as in a fresh kernel


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("local", True),
        ("tcp://10.0.0.1:8786", True),
        ("tcp://render-head.example.org", True),
        ("tls://[2001:db8::1]:8786", True),
        ("10.0.0.1:8786", False),
        ("http://10.0.0.1:8786", False),
        ("tcp://host:8786/path", False),
        ("tcp:// host:8786", False),
        ("Local", False),
    ],
)
def test_scheduler_addresses(address, ok):
    from cyp_evidence.briefing.operations.cluster import SchedulerError, check_address

    if ok:
        assert check_address(address) == address
    else:
        with pytest.raises(SchedulerError, match="expected 'local' or a Dask scheduler address"):
            check_address(address)
