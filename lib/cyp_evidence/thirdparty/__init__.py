"""Adapters around third-party internals: the only modules that copy upstream code or use
private names of papermill, nbclient, nbconvert and altair.

Each adapter states the upstream version it follows (``TESTED``), refuses to run on another
version with a clear message (:func:`require`), and records a hash of the source of every
upstream function it mirrors or reaches into (``MIRRORS``); ``tests/test_thirdparty.py`` fails
when the installed upstream code changes, so an upgrade is reviewed here, not discovered in an
annex. Everything else in the package uses public APIs only.
"""

from __future__ import annotations

import importlib
from typing import Any

# importlib.metadata, hashlib and inspect (about 0.04 s) are imported when used: the render
# starts its kernel (early_kernel.launch) before anything else is imported


def __getattr__(name: str) -> Any:
    if name == "metadata":
        from importlib import metadata

        return metadata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class UpstreamVersionError(RuntimeError):
    """An adapter was asked to run on an upstream version it was not written and tested for."""


def require(distribution: str, tested: str, adapter: str) -> None:
    """Raise :class:`UpstreamVersionError` unless ``distribution`` is installed at ``tested``."""
    from importlib import metadata

    try:
        installed = metadata.version(distribution)
    except metadata.PackageNotFoundError as exc:
        raise UpstreamVersionError(f"{distribution} is not installed; {adapter} needs {distribution} {tested}") from exc
    if installed != tested:
        raise UpstreamVersionError(
            f"{adapter} follows {distribution} {tested}, but {distribution} {installed} is installed. "
            f"Install the pinned set (make env), or review {adapter} against {distribution} {installed} "
            f"and update its TESTED version and MIRRORS hashes (tests/test_thirdparty.py)."
        )


def resolve(dotted: str) -> object:
    """The object at ``package.module:Qualified.name`` (the module itself for ``package.module``)."""
    module, _, qualname = dotted.partition(":")
    obj: object = importlib.import_module(module)
    for part in qualname.split(".") if qualname else ():
        obj = getattr(obj, part)
    return obj


def source_hash(obj: object) -> str:
    """sha256 of an upstream object's source text (what an adapter mirrors); a traitlets
    observer is read through the function it wraps."""
    import hashlib
    import inspect

    obj = getattr(obj, "func", obj)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()  # type: ignore[arg-type]


def changed(mirrors: dict[str, str]) -> list[str]:
    """The mirrored upstream objects whose source no longer has the recorded hash."""
    out = []
    for dotted, recorded in mirrors.items():
        try:
            now = source_hash(resolve(dotted))
        except (ImportError, AttributeError, OSError, TypeError) as exc:
            out.append(f"{dotted}: cannot be read ({exc})")
            continue
        if now != recorded:
            out.append(f"{dotted}: source hash {now[:12]}..., recorded {recorded[:12]}...")
    return out
