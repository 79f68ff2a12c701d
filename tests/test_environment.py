"""The two descriptions of the environment (pip lock file, conda environment.yml) agree."""

import re
import tomllib

import yaml

from cyp_evidence.paths import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = PIN.match(line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for spec in pip:
        m = PIN.match(spec)
        assert m, f"environment.yml: pip entry {spec!r} is not pinned with =="
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_environment_yml_matches_lock_file():
    lock, conda = lock_pins(), conda_pins()
    assert lock, "requirements.lock has no pins"
    missing = sorted(set(lock) - set(conda))
    extra = sorted(set(conda) - set(lock))
    differ = sorted(f"{k}: lock {lock[k]} vs conda {conda[k]}" for k in set(lock) & set(conda) if lock[k] != conda[k])
    assert not (missing or extra or differ), f"missing in environment.yml: {missing}; extra: {extra}; differ: {differ}"


def test_environment_yml_uses_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_every_direct_requirement_is_pinned_in_the_lock():
    lock = lock_pins()
    for line in (ROOT / "requirements.in").read_text().splitlines():
        name = re.split(r"[<>=!~\[ ]", line.strip())[0]
        if name:
            assert _norm(name) in lock, f"{name} is in requirements.in but not pinned in requirements.lock"


def test_project_python_matches():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["requires-python"] == ">=3.11,<3.12"
