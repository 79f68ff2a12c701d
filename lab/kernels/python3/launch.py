"""The Python kernel JupyterLab starts for the project's notebooks (``make lab``, the Lab
browser tests and ``make bench``: lab/ is on ``JUPYTER_PATH``, so this spec stands in for
ipykernel's own ``python3``, under the same name and display name).

It is ipykernel's kernel (what ``python -m ipykernel_launcher`` runs), plus one thing: once the
kernel is set up and before it starts answering, a background thread imports the explorers'
code (polars, altair, ipywidgets and ``cyp_evidence.explore``, about a second of CPU), so that
work is done while JupyterLab connects and the adviser reaches for *Run All*, not after. Nothing
is run in the notebook's namespace and no name is bound in it; the notebook's first cell imports
the same modules (at once if the thread has finished, else waiting for it). Should an import
fail here, the thread says nothing: the notebook's own import reports the error where it is
seen.
"""

import sys
import threading
from pathlib import Path

# in the order the notebooks import them (see notebooks/explore_*.ipynb, first code cell)
WARM = ("cyp_evidence.evidence", "cyp_evidence.explore")


def warm() -> None:
    for name in WARM:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001, S112 (reported by the notebook's own import)
            return


if __name__ == "__main__":
    # as ipykernel_launcher: this folder is not on the kernel's import path
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    threading.Thread(target=warm, name="cyp-evidence-warm-imports", daemon=True).start()
    app.start()
