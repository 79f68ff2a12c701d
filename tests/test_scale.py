"""A long monthly series (the benchmark feeds a million rows) reaches the explorer and the annex
only as quarterly aggregates: lib/cyp_evidence/evidence/series.py."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cyp_evidence.evidence import cut, load
from cyp_evidence.evidence.series import quarterly_cells, with_monthly_series

D = dt.date


@pytest.fixture(scope="module")
def pkg():
    return load()


def series(n_per_month: int = 3) -> pl.DataFrame:
    rows = []
    for month in (D(2023, 1, 1), D(2023, 3, 1), D(2023, 4, 1), D(2023, 6, 1), D(2023, 7, 1)):
        for vanguard, v in (("North", 2.0), ("South", 5.0)):
            rows += [{"month": month, "vanguard": vanguard, "referrals": v}] * n_per_month
    return pl.DataFrame(rows)


def test_quarterly_cells_financial_year_quarters_and_totals():
    cells = quarterly_cells(series(), "t")
    body = cells.filter(pl.col("kind") == "cell")
    assert body["column"].unique(maintain_order=True).to_list() == ["2022/23 Q4", "2023/24 Q1", "2023/24 Q2"]
    q4 = body.filter(pl.col("column") == "2022/23 Q4").sort("row")
    assert q4["value"].to_list() == [12.0, 30.0]  # Jan + Mar, 3 rows of 2 (North) / 5 (South) each
    assert q4["period_start"][0] == D(2023, 1, 1) and q4["period_end"][0] == D(2023, 3, 31)
    assert body.filter(pl.col("column") == "2023/24 Q1")["period_end"][0] == D(2023, 6, 30)
    totals = dict(cells.filter(pl.col("kind") == "column_total").select("column", "value").iter_rows())
    assert totals == {"2022/23 Q4": 42.0, "2023/24 Q1": 42.0, "2023/24 Q2": 21.0}
    rows = dict(cells.filter(pl.col("kind") == "row_total").select("row", "value").iter_rows())
    assert rows == {"North": 30.0, "South": 75.0}
    assert cells.filter(pl.col("kind") == "grand_total")["value"].to_list() == [105.0]
    assert cells.filter(pl.col("kind") == "cell")["printed"].to_list()[:1] == ["12"]


def test_series_feeds_explorer_and_annex_section(pkg):
    from cyp_evidence.briefing.content.annex import Briefing
    from cyp_evidence.briefing.content.params import validate_parameters
    from cyp_evidence.briefing.content.schedule import load_schedule
    from cyp_evidence.explore import VanguardExplorer

    big = with_monthly_series(pkg, series(1000).lazy())
    tid = cut.vanguard_table_id(pkg)
    assert pkg.table_cells.filter(pl.col("table_id") == tid)["row"].n_unique() > 2  # original untouched
    assert set(big.table_cells.filter(pl.col("table_id") == tid)["_file"]) == {"<monthly series>"}
    others = lambda p: p.table_cells.filter(pl.col("table_id") != tid)  # noqa: E731
    assert others(big).equals(others(pkg))

    ex = VanguardExplorer(big)
    assert ex.vanguards == ["North", "South"]
    assert ex.controls["quarters"].options == ("2022/23 Q4", "2023/24 Q1", "2023/24 Q2")
    assert ex.chart_data.height == 6 and ex.chart_data["count"].sum() == 35_000  # 5 months x 1000 rows x (2 + 5)
    ex.set(quarters=("2023/24 Q1", "2023/24 Q2"))
    assert ex.chart_data["count"].sum() == 21_000

    schedule = load_schedule()
    params = validate_parameters(
        {"board": "lga-cyp-board", "meeting": "2024-03-12"}, vanguards=cut.vanguard_names(big), schedule=schedule
    )
    b = Briefing(params, cut.evidence_as_of(big, params.as_of_date))
    b._build()
    html = b.section_html("vanguards")
    assert "2023/24 Q2" in html and "North" in html


def test_with_monthly_series_unknown_table(pkg):
    with pytest.raises(ValueError):
        with_monthly_series(pkg, series(), table_id="no-such-table")


def test_evidence_cut(pkg):
    """render.prepare and the annex share evidence.cut (no altair import): the cut-off keeps
    exactly the sources published on or before the day and everything citing them."""
    assert cut.vanguard_names(pkg)[0] == "Affinity" and len(cut.vanguard_names(pkg)) == 12
    early = cut.evidence_as_of(pkg, D(2016, 1, 1))
    assert early.sources["published"].max() <= D(2016, 1, 1)
    assert set(early.figures["source_id"]) <= set(early.sources["source_id"])
    assert cut.vanguard_table_id(early) is None and cut.vanguard_names(early) == []
    newest = pkg.sources["published"].max()  # whatever sources have been added since
    full = cut.evidence_as_of(pkg, newest)
    assert all(full.frames[k].height == pkg.frames[k].height for k in ("figures", "table_cells", "recommendations"))


def test_bundle_disk_cache(tmp_path, monkeypatch):
    from cyp_evidence.briefing.content import chartlibs

    monkeypatch.setenv("CYP_EVIDENCE_CACHE", str(tmp_path))
    path = chartlibs.bundle_cache_path()
    assert path.parent == tmp_path
    chartlibs._write_cached(path, "var x = 1;")
    assert chartlibs._read_cached(path) == "var x = 1;"
    path.write_text(path.read_text().replace("1;", "2;"))  # corrupted: ignored, rebuilt
    assert chartlibs._read_cached(path) is None
