import json
import multiprocessing as mp

import pytest

from cyp_evidence.briefing.content.marks import VERSION_PLACEHOLDER
from cyp_evidence.briefing.pipeline import publish as pub


def _build(mdir, key, payload="x"):
    with pub.build_dir(mdir) as tmp:
        (tmp / "annex.html").write_text(f"<p>{VERSION_PLACEHOLDER} {payload}</p>")

        def finalize(folder, n):
            annex = folder / "annex.html"
            annex.write_text(annex.read_text().replace(VERSION_PLACEHOLDER, f"v{n}"))
            (folder / "manifest.json").write_text(json.dumps({"input_key": key, "version": n}))

        return pub.publish(tmp, mdir, key, finalize)


def test_versions_are_numbered_and_never_overwritten(tmp_path):
    mdir = pub.meeting_dir(tmp_path, "board", "2024-03-12")
    assert _build(mdir, "a")[:2] == ("rendered", 1)
    before = (mdir / "v1" / "annex.html").read_text()
    assert _build(mdir, "a")[:2] == ("up to date", 1)
    assert _build(mdir, "b")[:2] == ("rendered", 2)
    assert (mdir / "v1" / "annex.html").read_text() == before == "<p>v1 x</p>"
    assert [n for n, _ in pub.versions(mdir)] == [1, 2]
    # published files are read-only
    assert (mdir / "v1" / "annex.html").stat().st_mode & 0o222 == 0


def test_failed_build_leaves_nothing(tmp_path):
    mdir = pub.meeting_dir(tmp_path, "board", "2024-03-12")
    with pytest.raises(RuntimeError):
        with pub.build_dir(mdir) as tmp:
            (tmp / "annex.html").write_text("half")
            raise RuntimeError("kernel died")
    assert [p.name for p in mdir.iterdir() if not p.name.startswith(".lock")] == []
    assert pub.versions(mdir) == []


def test_previous_for_board_prefers_this_meeting_then_earlier(tmp_path):
    jan = pub.meeting_dir(tmp_path, "board", "2024-01-23")
    mar = pub.meeting_dir(tmp_path, "board", "2024-03-12")
    assert pub.previous_for_board(tmp_path, "board", "2024-03-12") is None
    _build(jan, "a")
    assert pub.previous_for_board(tmp_path, "board", "2024-03-12") == jan / "v1" / "manifest.json"
    _build(mar, "b")
    assert pub.previous_for_board(tmp_path, "board", "2024-03-12") == mar / "v1" / "manifest.json"
    assert pub.previous_for_board(tmp_path, "board", "2024-01-23") == jan / "v1" / "manifest.json"


def _race(args):
    mdir, key = args
    return _build(mdir, key, payload=key)[:2]


def test_concurrent_publishes_do_not_clobber(tmp_path):
    mdir = pub.meeting_dir(tmp_path, "board", "2024-03-12")
    with mp.get_context("fork").Pool(4) as pool:
        results = pool.map(_race, [(mdir, f"k{i}") for i in range(8)])
    assert sorted(n for _, n in results) == list(range(1, 9))
    bodies = sorted((mdir / f"v{n}" / "annex.html").read_text() for n in range(1, 9))
    assert len(set(bodies)) == 8  # every version kept its own content and its own number
    for n in range(1, 9):
        assert (mdir / f"v{n}" / "annex.html").read_text().startswith(f"<p>v{n} ")
    assert not [p for p in mdir.iterdir() if p.name.startswith(pub.BUILD_PREFIX)]
