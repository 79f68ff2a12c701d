"""papermill engine ``cyp-evidence``: papermill's nbclient engine, except that the kernel
client it opens on a kernel it does not own (``km=``, our warm kernel) connects faster and is
closed when the notebook is done (nbclient leaves it open).

Registered through papermill's public extension point, the ``papermill.engine`` entry point
(pyproject.toml, pointing at ``_papermill_classes``), so papermill finds it by name. It
mirrors two upstream functions (see ``MIRRORS``) and uses one private method of jupyter_client (``_handle_kernel_info_reply``).
"""

from __future__ import annotations

import papermill  # noqa: F401  (first: papermill loads its engines' entry points, ours among them)

from . import require

NAME = "cyp-evidence"
TESTED = {"papermill": "2.7.0", "nbclient": "0.11.0", "jupyter-client": "8.10.0"}
# upstream objects whose code this module copies or reaches into -> sha256 of their source
MIRRORS = {
    "papermill.engines:NBClientEngine.execute_managed_notebook": "5db3562c458aeaaa7940de795886d76054ddb6b04dcf37a97238b07cfb7432d8",
    "nbclient.client:NotebookClient.async_start_new_kernel_client": "0034f6fd2447b05f0424865184fe2573f9080cdb759d756696f61b49d5664963",
    "jupyter_client.client:KernelClient._handle_kernel_info_reply": "0ccf6064c6489923e641b1cebe14f2e444c880f3a967fc06577522648f96e13e",
}


def check_versions() -> None:
    for dist, version in TESTED.items():
        require(dist, version, "lib/cyp_evidence/thirdparty/papermill_engine.py")


from ._papermill_classes import Client, Engine  # noqa: E402  (after papermill, see above)

__all__ = ["MIRRORS", "NAME", "TESTED", "Client", "Engine", "check_versions"]
