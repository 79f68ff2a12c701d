"""Start the briefing's kernel process before jupyter_client is imported, then hand it over to
jupyter_client's kernel manager, which owns it from then on.

A render waits for its kernel: the kernel's boot and its import of the annex code are the
critical path, and importing jupyter_client and finding the kernel spec took about 0.2 s before
the kernel process was even started. :func:`launch` (standard library only) starts
``python -m ipykernel_launcher -f <file>`` the way jupyter_client's ``launch_kernel`` does on
POSIX (a new session, stdin closed, ``JPY_PARENT_PID``), with a connection file written here
(IPC transport in the caller's private folder, a fresh key, no CurveZMQ: jupyter_client's
default). Once jupyter_client is imported, :func:`hand_over` gives the ``AsyncKernelManager`` an
:class:`~jupyter_client.provisioning.LocalProvisioner` (jupyter_client's documented extension
point) before ``start_kernel``: the manager resolves the kernel spec and builds the command, the
environment and the connection info as always, and the provisioner adopts the running process
only if they are exactly what was launched (the same command except the connection file's path,
the same environment, the same connection info) and the process is alive; otherwise it stops
that process and launches the manager's command as ``LocalProvisioner`` does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

TESTED = {"jupyter-client": "8.10.0"}
# upstream code whose behaviour launch() reproduces or hand_over() relies on -> sha256 of its source
MIRRORS = {
    "jupyter_client.launcher:launch_kernel": "a85dc0ca3db54d4b9313c3dd72bdee477dce586c5592386a717fde0fd23b1718",
    "jupyter_client.manager:KernelManager.format_kernel_cmd": "d01231f87c9c075d78258b282c2e04ed1d06f38bd14c3b29c9b3fe1a9432c838",
    "jupyter_client.manager:KernelManager._async_pre_start_kernel": "0ad304c9143e3bfd9c7eef45f26635d2e6bf8d5f97c9e43e97ad694044c8f609",
    "jupyter_client.provisioning.local_provisioner:LocalProvisioner.pre_launch": "2cb873ebeb4f5c1c0a49fc91fa73b99262b12f2cf0b22dcbb868dbdd9f2211e4",
    "jupyter_client.provisioning.local_provisioner:LocalProvisioner.launch_kernel": "5a5d3e639018fd53cf6228502194ab00931c8a96266861b7f42b2e90f4e17664",
    "jupyter_client.provisioning.provisioner_base:KernelProvisionerBase.pre_launch": "023fbb664cbb7d1a0ce888d086bbdbf6da7b1889467814f2073fd5827f0a9901",
    "jupyter_client.provisioning.provisioner_base:KernelProvisionerBase._finalize_env": "3668de7f3549c4fd662661467b031a1fa01e72afa61b23b46100c3b66038a225",
}
# what the kernel reads from its connection file, compared with the manager's before adopting
FIELDS = (
    "transport",
    "ip",
    "shell_port",
    "iopub_port",
    "stdin_port",
    "control_port",
    "hb_port",
    "key",
    "signature_scheme",
)
LAUNCHED_FILE = "launched.json"  # the connection file the early process reads (the manager writes its own)


def check_versions() -> None:
    from . import require  # not at the top: launch() runs before anything else is imported

    require("jupyter-client", TESTED["jupyter-client"], "lib/cyp_evidence/thirdparty/early_kernel.py")


class Launched:
    """A kernel process started by :func:`launch`, not yet handed over (or refused)."""

    def __init__(
        self, process: subprocess.Popen, argv: list[str], env: dict[str, str], info: dict[str, Any], path: str
    ) -> None:
        self.process = process
        self.argv = argv
        self.env = env  # as given to the manager's provisioner (before JPY_PARENT_PID)
        self.info = info
        self.connection_file = path
        self.adopted = False

    def stop(self) -> None:
        """Kill the process's group and reap it (never raises); nothing if it was adopted."""
        if self.adopted:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except (OSError, subprocess.SubprocessError):
            pass


def launch(folder: str, kernel_name: str, env: dict[str, str], extra_arguments: list[str]) -> Launched | None:
    """Start ``python -m ipykernel_launcher`` on IPC sockets in ``folder`` (private, empty), or
    None where this is not POSIX. ``env`` is what will be given to the manager's
    ``start_kernel``."""
    if os.name != "posix":
        return None
    info: dict[str, Any] = {
        "transport": "ipc",
        "ip": os.path.join(folder, "k"),
        "shell_port": 1,
        "iopub_port": 2,
        "stdin_port": 3,
        "control_port": 4,
        "hb_port": 5,
        "key": os.urandom(32).hex(),  # the HMAC key (jupyter_client: 16 random bytes)
        "signature_scheme": "hmac-sha256",
        "kernel_name": kernel_name,
    }
    path = os.path.realpath(os.path.join(folder, LAUNCHED_FILE))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds the key
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", path, *extra_arguments]
    # as the provisioner prepares it (KernelProvisionerBase._finalize_env for a Python kernel)
    given = dict(env)
    given.pop("PYTHONEXECUTABLE", None)
    # as jupyter_client.launcher.launch_kernel starts it on POSIX
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=None,
        stderr=None,
        cwd=None,
        env={**given, "JPY_PARENT_PID": str(os.getpid())},
        start_new_session=True,
    )
    assert process.stdin is not None
    process.stdin.close()
    return Launched(process, argv, given, info, path)


def hand_over(km: Any, launched: Launched) -> None:
    """Give the kernel manager ``km`` (before its ``start_kernel``) the connection info of the
    launched process and a provisioner that adopts it (or replaces it, see the module)."""
    import pathlib
    import uuid

    from jupyter_client.provisioning import LocalProvisioner

    check_versions()

    class Adopting(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            scrubbed = LocalProvisioner._scrub_kwargs(kwargs)
            ours = [launched.connection_file if a == os.path.realpath(km.connection_file) else a for a in cmd]
            theirs = {k: self.connection_info.get(k) for k in FIELDS}
            theirs["key"] = theirs["key"].decode() if isinstance(theirs["key"], bytes) else theirs["key"]
            if (
                ours == launched.argv
                and scrubbed == {"env": launched.env}
                and theirs == {k: launched.info[k] for k in FIELDS}
                and launched.process.poll() is None
            ):
                launched.adopted = True
                self.process = launched.process
                self.pid = launched.process.pid
                self.pgid = os.getpgid(launched.process.pid)
                self.cwd = kwargs.get("cwd", pathlib.Path.cwd())
                return self.connection_info
            launched.stop()
            return await super().launch_kernel(cmd, **kwargs)

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    km.load_connection_info({**launched.info})
    km.provisioner = Adopting(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
