"""The adapters around third-party internals (lib/cyp_evidence/thirdparty/) match the installed
upstream code they mirror, refuse an untested upstream version, and are the only modules that
reach into upstream internals."""

from __future__ import annotations

import re
from importlib import metadata

import pytest

from cyp_evidence import thirdparty
from cyp_evidence.paths import PACKAGE_DIR
from cyp_evidence.thirdparty import early_kernel, jupyterchart, lean_altair, nbconvert_export, papermill_engine

ADAPTERS = [papermill_engine, nbconvert_export, jupyterchart, early_kernel, lean_altair]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_mirrored_upstream_code_is_unchanged(adapter):
    assert adapter.MIRRORS, "an adapter records what it mirrors"
    assert thirdparty.changed(adapter.MIRRORS) == [], (
        f"upstream code mirrored by {adapter.__name__} has changed: review the adapter, then record the new hashes"
    )


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_adapter_runs_on_the_installed_pinned_versions(adapter):
    for dist, version in adapter.TESTED.items():
        assert metadata.version(dist) == version
    adapter.check_versions()


def test_a_changed_upstream_function_is_detected(monkeypatch):
    """What the hash test would see after an upgrade: the same name, other code."""
    import papermill.engines

    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):  # a "new release"
        return None

    monkeypatch.setattr(
        papermill.engines.NBClientEngine, "execute_managed_notebook", classmethod(execute_managed_notebook)
    )
    found = thirdparty.changed(papermill_engine.MIRRORS)
    assert len(found) == 1 and found[0].startswith("papermill.engines:NBClientEngine.execute_managed_notebook")


def test_a_missing_upstream_function_is_detected():
    assert thirdparty.changed({"papermill.engines:NBClientEngine.no_such_method": "0" * 64})


def test_an_untested_version_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(thirdparty.metadata, "version", lambda dist: "99.0.0")
    with pytest.raises(thirdparty.UpstreamVersionError) as info:
        papermill_engine.check_versions()
    msg = str(info.value)
    assert "follows papermill 2.7.0, but papermill 99.0.0 is installed" in msg
    assert "thirdparty/papermill_engine.py" in msg


def test_papermill_finds_the_engine_through_its_entry_point():
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine(papermill_engine.NAME) is papermill_engine.Engine


PRIVATE_UPSTREAM = re.compile(
    r"\._(trait_values|vl_selections|esm|is_offline|init_resources|nb_metadata|engines|handle_kernel_info_reply|scrub_kwargs|finalize_env)\b"
)


def test_no_module_outside_thirdparty_uses_the_fenced_private_names():
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        if "thirdparty" in path.parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if PRIVATE_UPSTREAM.search(line):
                offenders.append(f"{path.relative_to(PACKAGE_DIR)}:{n}: {line.strip()}")
    assert not offenders, offenders


def test_jupyterchart_offline_module_is_cached_on_disk_and_rebuilt_when_damaged(monkeypatch, tmp_path):
    """The explorers' chart module (about 1.5 s to bundle) is built once, cached, read back the
    same in the next kernel, and rebuilt when the cached file is damaged."""
    import altair as alt

    jc = alt.JupyterChart
    saved = (jc._esm, jc._is_offline)
    monkeypatch.setenv("CYP_EVIDENCE_CACHE", str(tmp_path))
    try:
        jc._esm, jc._is_offline = alt.jupyter.jupyter_chart.load_js_src(), False
        jupyterchart.enable_offline()
        built = jc._esm
        path = jupyterchart.esm_cache_path()
        assert jc._is_offline and path.parent == tmp_path and path.exists()
        # bundled: no import from a CDN is left, altair's render function is exported
        assert "esm.sh" not in built and "export{__default as default}" in built

        jc._esm, jc._is_offline = "", False
        jupyterchart.enable_offline()  # the next kernel: read from the cache
        assert jc._is_offline and jc._esm == built

        path.write_text(path.read_text(encoding="utf-8")[:-100], encoding="utf-8")  # damaged
        jc._esm, jc._is_offline = alt.jupyter.jupyter_chart.load_js_src(), False
        jupyterchart.enable_offline()
        assert jc._esm == built
    finally:
        jc._esm, jc._is_offline = saved


def test_explorer_chart_follows_the_installed_altair_front_end():
    """explorer_chart.js is altair's JupyterChart module changed to keep its views: a new altair
    module is reviewed against it (then ALTAIR_JS is recorded anew)."""
    assert jupyterchart.altair_js_sha256() == jupyterchart.ALTAIR_JS


def test_explorer_chart_module_is_bundled_cached_and_rebuilt_when_damaged(monkeypatch, tmp_path):
    monkeypatch.setenv("CYP_EVIDENCE_CACHE", str(tmp_path))
    built = jupyterchart.explorer_module()
    path = jupyterchart.explorer_cache_path()
    assert path.parent == tmp_path and path.exists()
    # bundled: vega-embed inside, no import left, our render function exported
    assert "esm.sh" not in built and not re.search(r"^\s*import\s", built, re.M)
    assert "VIEWS_KEPT" in jupyterchart.SOURCE.read_text() and "export{__default as default}" in built
    assert jupyterchart.explorer_module() == built  # read back from the cache
    path.write_text(path.read_text(encoding="utf-8")[:-100], encoding="utf-8")  # damaged
    assert jupyterchart.explorer_module() == built


def test_explorer_chart_is_altairs_widget_with_the_bundled_front_end():
    import altair as alt

    jupyterchart.enable_offline()
    cls = jupyterchart.chart_class()
    assert issubclass(cls, alt.JupyterChart) and cls._is_offline
    w = cls(alt.Chart({"values": [{"a": 1}]}).mark_bar().encode(x="a:Q"))
    assert w._esm == jupyterchart.explorer_module() and w.spec["mark"]["type"] == "bar"
