"""Write output files atomically: a temporary file (or folder) beside the target, then a rename."""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from planner._signals import deferred_signals

STAGING_MARK = ".partial-"
"""In the names of the temporary folders :func:`staged_folder` makes beside its target."""
PREVIOUS_MARK = ".prev-"
"""In the name of the earlier folder :func:`staged_folder` renames aside while it swaps."""


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
def staged_folder(target: str | Path, replace: bool = False) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; its files go to ``target`` if the block succeeds.

    On any exception, signals included, the staging folder is removed and ``target``
    stays as it was: a run leaves all of its files or none. With ``replace`` the
    staging folder takes the place of ``target`` as a whole, so no file of an
    earlier run survives beside the new ones (``target`` renamed aside, the staging
    folder renamed in, the old folder removed); without, files already in
    ``target`` are replaced one by one and others kept. SIGINT and SIGTERM are held
    off while the files move; what a killed run leaves beside ``target`` the next
    run clears (:func:`clear_leftovers`).
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=_leftover_prefix(target, STAGING_MARK), dir=target.parent)
    )
    try:
        yield staging
        with deferred_signals():
            if replace:
                _swap_in(staging, target)
            else:
                _move_into(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(staging: Path, target: Path) -> None:
    """Move the staged files into ``target``: the whole folder when there is none yet."""
    if not target.exists():
        _swap_in(staging, target)
        return
    for folder, _, names in os.walk(staging):
        destination = target / Path(folder).relative_to(staging)
        destination.mkdir(exist_ok=True)
        for name in names:
            os.replace(Path(folder) / name, destination / name)


def _leftover_prefix(target: Path, mark: str) -> str:
    """The name start of a folder this process keeps beside ``target``: ``.DIR.partial-PID-``."""
    return f".{target.name}{mark}{os.getpid()}-"


def _swap_in(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an existing ``target`` is renamed aside first (and
    put back if the second rename fails), then removed."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_dir() else 0o777 & ~_umask()
    os.chmod(staging, mode)
    if not target.exists():
        os.rename(staging, target)
        return
    previous = target.with_name(_leftover_prefix(target, PREVIOUS_MARK) + uuid.uuid4().hex[:8])
    os.rename(target, previous)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(previous, target)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def clear_leftovers(target: str | Path) -> list[str]:
    """Clear what runs killed before their end left beside ``target``; a log line for each.

    A staging folder is removed; the earlier folder a swap had renamed aside is
    put back as ``target`` when ``target`` is missing, else removed. Folders of
    runs still going (their process alive) are left alone.
    """
    target = Path(target).resolve()
    said = []
    for mark in (PREVIOUS_MARK, STAGING_MARK):
        for path in sorted(target.parent.glob(glob.escape(f".{target.name}{mark}") + "*")):
            if _running(path.name.removeprefix(f".{target.name}{mark}")):
                continue
            if mark == PREVIOUS_MARK and not target.exists():
                os.rename(path, target)
                said.append(
                    f"Folder keluaran dipulihkan dari run yang terhenti: {path.name} -> "
                    f"{target.name} (output folder restored from a stopped run)"
                )
                continue
            shutil.rmtree(path, ignore_errors=True)
            said.append(
                f"Sisa run yang terhenti dihapus: {path.name} (left by a stopped run, removed)"
            )
    return said


def _running(suffix: str) -> bool:
    """Whether the process named in a leftover's ``PID-random`` suffix is still running.

    Names without a process id (made by earlier versions) count as left by a stopped
    run; on systems without POSIX signals every such folder counts as running.
    """
    pid, dash, _ = suffix.partition("-")
    if not (dash and pid.isdigit()):
        return False
    if os.name != "posix":
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
