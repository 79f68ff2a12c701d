"""Regenerate the frozen copies the backtests compare with (``make frozen``):
``frozen_figures.csv`` (every figure's canonical value, unit, scale, kind, bound and printed
text) and ``frozen_table_cells.csv`` (every table cell's kind and value), from the evidence
base as it is now. Run it after an intended change, such as figures of a new source, and
read ``git diff tests/data`` before committing: it should show only the change you meant."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_evidence import FROZEN_FIGURE_COLUMNS  # noqa: E402  (the columns the backtest compares)

from cyp_evidence.evidence import load  # noqa: E402


def main() -> None:
    pkg = load()
    (HERE / "frozen_figures.csv").write_text(
        pkg.figures.select("id", *FROZEN_FIGURE_COLUMNS).sort("id").write_csv(), encoding="utf-8"
    )
    cells = pkg.table_cells.select("table_id", "row", "column", "kind", "value")
    (HERE / "frozen_table_cells.csv").write_text(cells.sort("table_id", "row", "column").write_csv(), encoding="utf-8")
    print(f"frozen: {pkg.figures.height} figures, {cells.height} table cells (tests/data/frozen_*.csv)")


if __name__ == "__main__":
    main()
