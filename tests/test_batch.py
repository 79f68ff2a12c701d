"""`cyp-evidence render-batch`: variant lists, isolation of failures, own folders, idempotence."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from test_index import BOARD, MEETING, ops  # noqa: F401  (ops: shared session fixture)

from cyp_evidence.briefing.operations import batch
from cyp_evidence.briefing.operations.batch import Variant, VariantsError
from cyp_evidence.ids import is_slug, slugify


# --------------------------------------------------------------------------- variant lists
def test_slugify_and_per_vanguard_names_are_unique_folder_names():
    assert (
        slugify("Bristol, North Somerset & South Gloucestershire", 60, fallback="variant")
        == "bristol-north-somerset-south-gloucestershire"
    )
    assert slugify("???", 60, fallback="variant") == "variant"
    assert is_slug(slugify("../ℓga/ＮＵＬ\x00 board", fallback="x"))
    vs = batch.per_vanguard(["Surrey", "surrey!", "North East London"], {"themes": ["vanguards"]})
    assert [v.name for v in vs] == ["vanguard-surrey", "vanguard-surrey-2", "vanguard-north-east-london"]
    assert vs[1].params == {"themes": ["vanguards"], "focus": "surrey!"}
    batch.check_variants(vs)


def test_per_theme_is_one_variant_per_section():
    from cyp_evidence.briefing.content.params import SECTIONS

    vs = batch.per_theme({"as_of": "2024-03-01", "themes": ["send"]})
    assert [v.name for v in vs] == [f"theme-{k}" for k in SECTIONS]
    assert all(v.params == {"as_of": "2024-03-01", "themes": [k]} for v, k in zip(vs, SECTIONS, strict=True))


def test_load_variants_toml_and_json(tmp_path):
    toml = tmp_path / "v.toml"
    toml.write_text(
        '[[variants]]\nname = "send"\nthemes = ["send"]\n\n[[variants]]\nname = "surrey"\nfocus = "Surrey"\nas_of = "2024-02-01"\n'
    )
    vs = batch.load_variants(toml, {"as_of": "2024-03-01"})
    assert vs == [
        Variant("send", {"as_of": "2024-03-01", "themes": ["send"]}),
        Variant("surrey", {"as_of": "2024-02-01", "focus": "Surrey"}),
    ]
    js = tmp_path / "v.json"
    js.write_text(json.dumps([{"name": "a", "title": "A"}]))
    assert batch.load_variants(js) == [Variant("a", {"title": "A"})]


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        ('[[variants]]\nname = "a"\nfocs = "x"\n', ".toml", r"v\.toml: variant 1 \('a'\): unknown key\(s\) \['focs'\]"),
        ('[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n', ".toml", r"variant 2 \('a'\): duplicate name"),
        ('[[variants]]\nname = "Not OK"\n', ".toml", r"variant 1 \('Not OK'\): name must be lower-case"),
        ('[[variants]]\nfocus = "x"\n', ".toml", r"variant 1: 'name' is required"),
        ("[[variants]\n", ".toml", r"not valid TOML"),
        ('{"variants": 3}', ".json", r"expected a list of variants"),
        ('{"variant": []}', ".json", r"unknown top-level key"),
        ("[]", ".json", r"no variant listed"),
    ],
)
def test_bad_variants_files_name_the_entry(tmp_path, text, suffix, message):
    p = tmp_path / f"v{suffix}"
    p.write_text(text)
    with pytest.raises(VariantsError, match=message):
        batch.load_variants(p)


def test_missing_variants_file(tmp_path):
    with pytest.raises(VariantsError, match="cannot read"):
        batch.load_variants(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- isolation (no kernel)
def fake_worker(job: dict) -> dict:
    """A worker that renders nothing: 'crash' kills its process, 'oops' fails, others succeed."""
    name = job["name"]
    if name.startswith("crash"):
        os._exit(3)
    if name == "oops":
        return {"name": name, "status": "failed", "reason": "RenderError: boom", "detail": "RenderError: boom"}
    time.sleep(0.2)
    return {"name": name, "status": "rendered", "version": 1, "path": f"{job['out']}/{name}/annex.html"}


def test_a_failing_or_crashing_variant_does_not_stop_the_others(tmp_path):
    variants = [
        Variant("a", {"themes": ["send"]}),
        Variant("crash", {"themes": ["send"]}),
        Variant("oops", {}),
        Variant("b", {"focus": "no such vanguard"}),
        Variant("c", {"themes": ["vanguards"]}),
    ]
    lines = []
    outcomes = batch.render_batch(
        BOARD,
        MEETING,
        variants,
        out=tmp_path,
        workers=2,
        progress=False,
        log=lines.append,
        worker=fake_worker,
        initializer=None,
    )
    by = {o.name: o for o in outcomes}
    assert [o.name for o in outcomes] == ["a", "crash", "oops", "b", "c"]  # the order given
    assert by["a"].status == by["c"].status == "rendered"
    assert by["oops"].status == "failed" and by["oops"].reason == "RenderError: boom"
    assert (
        by["b"].status == "failed" and "unknown vanguard 'no such vanguard'" in by["b"].reason
    )  # caught before any worker
    assert by["crash"].status == "failed" and "died twice" in by["crash"].reason
    assert sorted(lines) == sorted(o.line() for o in outcomes)
    s = batch.summary(outcomes)
    assert s.splitlines()[0] == "render-batch: 5 variant(s): 2 rendered, 0 up to date, 3 failed"
    assert "  failed: crash: the worker process rendering it died twice" in s
    assert (tmp_path / "index.html").is_file()


def test_invalid_board_or_meeting_stops_the_batch_before_anything_runs(tmp_path):
    from cyp_evidence.briefing.content.params import ParameterError

    with pytest.raises(ParameterError, match="unknown board"):
        batch.render_batch(
            "no-board", MEETING, [Variant("a")], out=tmp_path, progress=False, worker=fake_worker, initializer=None
        )


def test_invalid_evidence_stops_the_batch(tmp_path, evidence_copy):
    from cyp_evidence.evidence import EvidenceError

    figs = sorted((evidence_copy / "figures").glob("*.csv"))[0]
    lines = figs.read_text(encoding="utf-8").splitlines()
    figs.write_text("\n".join(lines + [lines[-1]]) + "\n", encoding="utf-8")  # a duplicated figure id
    with pytest.raises(EvidenceError):
        batch.render_batch(
            BOARD,
            MEETING,
            [Variant("a")],
            out=tmp_path / "out",
            evidence_dir=evidence_copy,
            progress=False,
            worker=fake_worker,
            initializer=None,
        )
    assert not (tmp_path / "out" / "briefings").exists()


def test_cli_usage_errors(tmp_path, capsys):
    from cyp_evidence.cli import main

    assert main(["render-batch", "--board", BOARD, "--meeting", MEETING, "--per", "theme", "--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err
    bad = tmp_path / "v.toml"
    bad.write_text('[[variants]]\nname = "x"\nwat = 1\n')
    assert (
        main(["render-batch", "--board", BOARD, "--meeting", MEETING, "--variants", str(bad), "--out", str(tmp_path)])
        == 2
    )
    assert "unknown key(s) ['wat']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["render-batch", "--board", BOARD, "--meeting", MEETING, "--per", "theme", "--variants", str(bad)])


# --------------------------------------------------------------------------- real renders (shared)
@pytest.mark.slow
@pytest.mark.browser
def test_variants_publish_to_their_own_folders_and_a_bad_one_fails_alone(ops):
    out = ops.out.resolve()
    mdir = out / "briefings" / BOARD / MEETING
    first = ops.batch_first
    assert first.rc == 1, first.stderr  # one variant failed
    lines = first.stdout.splitlines()
    for name in ("vanguard-focus", "send-only"):
        assert f"{name}: rendered v1 {mdir}/variants/{name}/v1/annex.html" in lines
    assert any(
        re.fullmatch(r"broken: failed: ParameterError: .*unknown theme 'no-such-theme'.*", line) for line in lines
    ), lines
    assert "render-batch: 3 variant(s): 2 rendered, 0 up to date, 1 failed" in lines
    # variants are not versions of the main annex nor of each other
    assert sorted(p.name for p in mdir.iterdir() if re.fullmatch(r"v\d+", p.name)) == ["v1"]
    assert sorted(p.name for p in (mdir / "variants").iterdir()) == ["send-only", "vanguard-focus"]
    focus = json.loads((mdir / "variants" / "vanguard-focus" / "v1" / "manifest.json").read_text())
    assert focus["parameters"]["focus"] == ops.focus and focus["parameters"]["themes"] == ["vanguards"]
    # versions are compared only within their own series: the first of a variant's series has
    # nothing to compare with (never the meeting's full annex)
    assert focus["previous_manifest"] is None
    html = (mdir / "variants" / "vanguard-focus" / "v1" / "annex.html").read_text(encoding="utf-8")
    assert ops.focus.replace("&", "&amp;") in html
    send = json.loads((mdir / "variants" / "send-only" / "v1" / "manifest.json").read_text())
    assert send["parameters"]["themes"] == ["send"]
    assert not [p for p in mdir.rglob(".build-*")]  # nothing half-built left behind


@pytest.mark.slow
@pytest.mark.browser
def test_second_batch_renders_nothing(ops):
    second = ops.batch_second
    assert second.rc == 1  # the invalid variant still fails
    assert "render-batch: 3 variant(s): 0 rendered, 2 up to date, 1 failed" in second.stdout.splitlines()
    assert "vanguard-focus: up to date" in second.stdout
    assert not list((ops.out / "briefings" / BOARD / MEETING / "variants").glob("*/v2"))


# --------------------------------------------------------------------------- one kernel per worker
def kernel_worker(job: dict) -> dict:
    """The real worker, recording which kernel rendered each variant and whether a name left in
    that kernel by an earlier variant is still visible; 'leak-*' variants leave such a name,
    'kill-*' variants kill their kernel afterwards (as if it died while idle)."""
    res = batch.render_variant(job)
    k = batch._kernel
    rec = {
        "name": job["name"],
        "status": res["status"],
        "reason": res.get("reason", ""),
        "pid": os.getpid(),
        "kernel": k.km.kernel_id if k is not None and k.km is not None else None,
        "runs": k.runs if k is not None else 0,
    }
    if k is not None and k.km is not None:
        rec["sees_leaked_name"] = k.evaluate_json("__import__('json').dumps('leaked_name' in globals())")
        if job["name"].startswith("leak"):
            k._reply(k._send("leaked_name = 1"))
        if job["name"].startswith("kill"):
            k.kill()
            deadline = time.monotonic() + 10
            while k.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
    with open(Path(job["out"]) / "kernels.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    return res


@pytest.mark.slow
def test_a_worker_renders_its_variants_in_one_kernel_reset_between_them(tmp_path):
    """Fewer kernel starts than variants: one worker, four variants, two kernels (the second
    only because the first was killed); nothing leaks from one variant to the next."""
    variants = [
        Variant("leak-a", {"themes": ["vanguards"]}),
        Variant("b", {"themes": ["send"]}),
        Variant("kill-c", {"themes": ["vanguards"], "focus": "Surrey"}),
        Variant("d", {"themes": ["vanguards"]}),
    ]
    out = tmp_path / "out"
    out.mkdir()
    outcomes = batch.render_batch(
        BOARD, MEETING, variants, out=out, workers=1, progress=False, log=lambda _: None, worker=kernel_worker
    )
    assert [o.status for o in outcomes] == ["rendered"] * 4, [o.line() for o in outcomes]
    recs = {r["name"]: r for r in map(json.loads, (out / "kernels.jsonl").read_text().splitlines())}
    assert len({r["pid"] for r in recs.values()}) == 1  # one worker process
    assert recs["leak-a"]["kernel"] == recs["b"]["kernel"] == recs["kill-c"]["kernel"]
    assert [recs[n]["runs"] for n in ("leak-a", "b", "kill-c")] == [1, 2, 3]
    assert (
        recs["d"]["kernel"] not in (None, recs["leak-a"]["kernel"]) and recs["d"]["runs"] == 1
    )  # the dead one was replaced
    assert len({r["kernel"] for r in recs.values()}) == 2 < len(variants)
    assert not any(r["sees_leaked_name"] for r in recs.values())  # the namespace is reset before each variant
    mdir = out / "briefings" / BOARD / MEETING / "variants"
    for v in variants:
        nb = json.loads((mdir / v.name / "v1" / "briefing.ipynb").read_text())
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), (v.name, counts)  # as in a fresh kernel
    manifest = json.loads((mdir / "b" / "v1" / "manifest.json").read_text())
    assert manifest["parameters"]["themes"] == ["send"] and manifest["shown"]["figures"]
