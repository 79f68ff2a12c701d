"""Adversarial: environment faults and damaged outputs (review 2026-12-01-reliability, F-cases,
D3, D4, D7, D8, D9, D13). Each case: the exit status, a message naming the file or path, no
traceback, every published file byte-identical, nothing half-written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from adversarial import check, copy_out, leftovers, run, run_api, snapshot

from cyp_evidence.briefing.pipeline import publish as pub
from cyp_evidence.paths import EVIDENCE_DIR

MEETING = ["--board", "lga-cyp-board", "--meeting", "2024-03-12"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A published output folder: 2024-01-23 v1 and 2024-03-12 v1."""
    from cyp_evidence.briefing.pipeline.render import render

    out = tmp_path_factory.mktemp("base") / "out"
    render({"board": "lga-cyp-board", "meeting": "2024-01-23"}, out)
    render({"board": "lga-cyp-board", "meeting": "2024-03-12"}, out)
    return out


@pytest.fixture
def out(base, tmp_path) -> Path:
    return copy_out(base, tmp_path / "out")


def v(out: Path, meeting: str = "2024-03-12", n: int = 1) -> Path:
    return out / "briefings" / "lga-cyp-board" / meeting / f"v{n}"


# --- D4: a corrupt or missing manifest names the file and blocks nothing else ---------------------


@pytest.mark.parametrize(
    "damage",
    ["not-json", "a-list", "deleted", "file-named-v2"],
)
def test_damaged_latest_version_never_blocks_a_render(out, capsys, damage):
    manifest = v(out) / "manifest.json"
    if damage == "not-json":
        manifest.write_text("{not json", encoding="utf-8")
    elif damage == "a-list":
        manifest.write_text("[]", encoding="utf-8")
    elif damage == "deleted":
        manifest.unlink()
    else:
        (v(out).parent / "v2").write_text("not a folder", encoding="utf-8")
    before = snapshot(out)
    result = run(["render", *MEETING, "--title", "after damage", "--out", str(out)], capsys)
    expected = {"not-json": "rendered v2", "a-list": "rendered v2", "deleted": "rendered v2", "file-named-v2": "v3"}
    check(result, 0, expected[damage], out=out)
    if damage in ("not-json", "a-list"):
        assert f"{manifest}: not" in result.err  # one warning naming the file
    after = snapshot(out)
    assert {k: after[k] for k in before} == before  # nothing published before changed
    # verify names the damaged version
    verified = run(["verify", "--out", str(out)], capsys)
    check(verified, 1, str(v(out).parent / ("v2" if damage == "file-named-v2" else "v1")))


def test_corrupt_manifest_of_an_earlier_meeting_does_not_block_a_later_one(base, tmp_path, capsys):
    out = copy_out(base, tmp_path / "out")
    shutil.rmtree(v(out))  # 2024-03-12 never rendered
    (v(out, "2024-01-23") / "manifest.json").write_text("{", encoding="utf-8")
    before = snapshot(out)
    result = run(["render", *MEETING, "--out", str(out)], capsys)
    check(result, 0, "rendered v1", str(v(out, "2024-01-23") / "manifest.json"), out=out)
    after = snapshot(out)
    assert {k: after[k] for k in before} == before
    due = run(["run-due", "--today", "2024-03-01", "--out", str(out)], capsys)
    check(due, 0, "up to date", out=out)


# --- D7: "up to date" checks the published files; verify lists every problem ---------------------


def test_up_to_date_is_refused_when_the_published_annex_is_gone(out, capsys):
    first = run(["render", *MEETING, "--out", str(out)], capsys)
    check(first, 0)
    again = run(["render", *MEETING, "--out", str(out)], capsys)
    check(again, 0, "up to date")
    n = int(re.search(r"\(v(\d+)", again.out).group(1))
    annex = v(out, n=n) / "annex.html"
    annex.chmod(0o644)
    annex.unlink()
    result = run(["render", *MEETING, "--out", str(out)], capsys)
    check(result, 0, f"rendered v{n + 1}", f"{annex}: missing")
    verified = run(["verify", "--out", str(out)], capsys)
    check(verified, 1, f"{annex}: missing", "1 problem(s)")


def test_verify_passes_on_intact_outputs_and_finds_a_changed_pdf(out, capsys):
    check(run(["verify", "--out", str(out)], capsys), 0, "verified 2 published version(s)")
    manifest_path = v(out) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    (v(out) / "annex.pdf").write_bytes(b"%PDF-1.4 not the one")
    manifest["pdf_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    check(run(["verify", "--out", str(out)], capsys), 1, f"{v(out) / 'annex.pdf'}: changed")


# --- F4: --out is a file, or below one; index on it -----------------------------------------------


@pytest.mark.parametrize("command", ["render", "index", "run-due", "verify"])
@pytest.mark.parametrize("where", ["is-a-file", "below-a-file"])
def test_out_that_is_not_a_folder(tmp_path, capsys, command, where):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    target = afile if where == "is-a-file" else afile / "sub"
    argv = {
        "render": ["render", *MEETING],
        "index": ["index"],
        "run-due": ["run-due", "--today", "2024-03-01"],
        "verify": ["verify"],
    }[command]
    result = run([*argv, "--out", str(target)], capsys)
    check(result, 3, str(afile), "not a folder")
    assert afile.read_text(encoding="utf-8") == "x"


def test_unwritable_output_folder_is_one_message(out, capsys, monkeypatch):
    """Root ignores permissions, so the failure is injected where the build folder is made."""
    before = snapshot(out)

    def refuse(mdir):
        raise OSError(30, "Read-only file system", str(mdir / ".build-x"))

    monkeypatch.setattr(pub, "build_dir", refuse)
    result = run(["render", *MEETING, "--title", "read-only", "--out", str(out)], capsys)
    check(result, 3, "Read-only file system", str(v(out).parent), out=out, before=before)


def test_disk_full_while_publishing_is_one_message(out, capsys, monkeypatch):
    before = snapshot(out)
    real = pub.sha256_file

    def full(path):
        if Path(path).name == "annex.html" and ".build-" in str(path):
            raise OSError(28, "No space left on device", str(path))
        return real(path)

    monkeypatch.setattr(pub, "sha256_file", full)
    monkeypatch.setattr("cyp_evidence.briefing.pipeline.render.sha256_file", full)
    result = run(["render", *MEETING, "--title", "full disk", "--out", str(out)], capsys)
    check(result, 3, "No space left on device", ".build-", out=out, before=before)


# --- D3: what is rendered is what was validated ----------------------------------------------------


def _edit_label(evidence: Path) -> None:
    p = evidence / "figures" / "lga-cyp-board-2024-01-23.csv"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("Increase", "EDITED MID-RENDER", 1), encoding="utf-8")


def test_evidence_edited_after_validation_is_never_published(out, tmp_path, monkeypatch):
    from cyp_evidence.briefing.pipeline import render as r

    evidence = tmp_path / "evidence"
    shutil.copytree(EVIDENCE_DIR, evidence)
    real = r.prepare

    def prepare_then_edit(*args, **kwargs):
        found = real(*args, **kwargs)
        _edit_label(evidence)  # after the parent validated, before the kernel loads
        return found

    monkeypatch.setattr(r, "prepare", prepare_then_edit)
    before = snapshot(out)
    result = run_api(
        lambda: r.render({"board": "lga-cyp-board", "meeting": "2024-03-12", "title": "t"}, out, evidence_dir=evidence)
    )
    check(result, 1, f"the evidence in {evidence} changed after it was validated", out=out, before=before)
    assert "EDITED MID-RENDER" not in "".join(p.read_text(errors="replace") for p in out.rglob("*.html"))


def test_evidence_edited_while_it_is_validated_is_never_rendered(out, tmp_path, monkeypatch):
    from cyp_evidence.briefing.pipeline import render as r

    evidence = tmp_path / "evidence"
    shutil.copytree(EVIDENCE_DIR, evidence)
    real = r.validated

    def validate_then_edit(*args, **kwargs):
        found = real(*args, **kwargs)
        _edit_label(evidence)
        return found

    monkeypatch.setattr(r, "validated", validate_then_edit)
    before = snapshot(out)
    result = run_api(
        lambda: r.render({"board": "lga-cyp-board", "meeting": "2024-03-12", "title": "t2"}, out, evidence_dir=evidence)
    )
    check(result, 1, f"the evidence in {evidence} changed while it was being validated", out=out, before=before)


# --- D8: leftovers of killed renders are swept, never one in use ----------------------------------


def test_stale_build_folders_are_swept_and_live_ones_kept(out, capsys):
    mdir = v(out).parent
    dead = mdir / ".build-dead"
    dead.mkdir()
    (dead / ".owner").write_text("999999999\n", encoding="utf-8")  # no such process
    (dead / "annex.html").write_text("partial", encoding="utf-8")
    live = mdir / ".build-live"
    live.mkdir()
    (live / ".owner").write_text(f"{os.getpid()}\n", encoding="utf-8")
    old = mdir / ".build-legacy"  # no owner file, from before owners were recorded
    old.mkdir()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    result = run(["render", *MEETING, "--title", "sweep", "--out", str(out)], capsys)
    check(result, 0, "rendered")
    assert not dead.exists() and not old.exists() and live.exists()


@pytest.mark.slow
def test_killed_render_leaves_nothing_the_next_one_does_not_clean(out, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    cmd = [sys.executable, "-m", "cyp_evidence.cli", "render", *MEETING, "--title", "killed", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mdir = v(out).parent
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith(".build-") for p in mdir.iterdir()):
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    time.sleep(4)  # the orphaned kernel notices and exits
    done = subprocess.run(
        [*cmd[:-4], "--title", "after the kill", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == []
    assert [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith(("cyp-evidence-kernel-", "tmp"))] == []


# --- D9: concurrent renders compare with the version they are published after ---------------------


@pytest.mark.slow
def test_concurrent_renders_record_their_real_predecessor(out):
    cmd = [sys.executable, "-m", "cyp_evidence.cli", "render", *MEETING, "--out", str(out)]
    procs = [
        subprocess.Popen([*cmd, "--title", f"race {i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(3)
    ]
    for p in procs:
        p.communicate(timeout=600)
        assert p.returncode == 0
    found = sorted(pub.versions(v(out).parent))
    assert [n for n, _ in found] == [1, 2, 3, 4]
    for n, path in found[1:]:
        manifest = pub.read_manifest(path)
        assert manifest["previous_manifest"] == f"briefings/lga-cyp-board/2024-03-12/v{n - 1}/manifest.json"


# --- D13: printing the PDF makes no network request and no DNS lookup ---------------------------


@pytest.mark.browser
def test_pdf_printing_makes_no_dns_lookup_or_network_send(base, tmp_path):
    script = tmp_path / "print.py"
    script.write_text(
        "import sys\nfrom cyp_evidence.briefing.pipeline.pdf import write_pdf\n"
        "write_pdf(sys.argv[1], sys.argv[2], board='lga-cyp-board', meeting='2024-03-12')\n",
        encoding="utf-8",
    )
    trace = tmp_path / "trace.txt"
    annex = v(base) / "annex.html"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-yy", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(trace),
         sys.executable, str(script), str(annex), str(tmp_path / "annex.pdf")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # -yy annotates every descriptor with its protocol: 23<UDPv6:[...]>, 7<TCP:[...]>, 9<NETLINK:...>
    offending = []
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        if "htons(53)" in line or ":53]" in line:
            offending.append(line)  # a DNS query, whatever the socket
        elif re.search(r"send(to|msg|mmsg)\(\d+<(TCP|UDP)", line):
            offending.append(line)  # data sent over the network
        elif re.search(r"connect\(\d+<TCP", line) and "AF_UNIX" not in line:
            offending.append(line)  # a TCP connection (a UDP connect sends nothing)
    assert offending == [], "\n".join(offending[:10])
    assert (tmp_path / "annex.pdf").stat().st_size > 10_000
