"""Write output files atomically: a temporary file (or folder) beside the target, then a rename."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STAGING_MARK = ".partial-"
"""In the names of the temporary folders :func:`staged_folder` makes beside its target."""


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(target: str | Path, data: Any) -> None:
    """Write JSON atomically, keys in insertion order, UTF-8, two-space indent."""
    write_text(target, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def staged_folder(target: str | Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; its files move there if the block succeeds.

    On any exception, Ctrl-C included, the temporary folder is removed and
    ``target`` stays as it was: a run leaves all of its files or none. Files
    already in ``target`` are replaced one by one (each an atomic rename); Ctrl-C
    is held off while they move.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_MARK}", dir=target.parent))
    try:
        yield staging
        with _interrupts_held():
            _move_into(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(staging: Path, target: Path) -> None:
    """Move the staged files into ``target``: the whole folder when there is none yet."""
    if not target.exists():
        os.chmod(staging, 0o777 & ~_umask())
        os.replace(staging, target)
        return
    for folder, _, names in os.walk(staging):
        destination = target / Path(folder).relative_to(staging)
        destination.mkdir(exist_ok=True)
        for name in names:
            os.replace(Path(folder) / name, destination / name)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C off until the block ends, then raise it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
