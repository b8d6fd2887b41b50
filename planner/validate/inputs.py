"""Whether the files given are the inputs a plan records: each compared by its SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.inputs.workbook import table_file
from planner.validate.violations import Violation


def file_digest(path: str | Path) -> str | None:
    """The SHA-256 hex digest of a file's bytes; ``None`` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _difference(kind: str, recorded: Any, given: str | Path | None) -> tuple[str, str] | None:
    """How one input differs from the plan's record of it (Indonesian, English); ``None`` if not."""
    if given is None:
        return f"{kind} {recorded['file']} tidak diberikan", f"{kind} {recorded['file']} not given"
    name = Path(given).name
    if recorded is None:
        return f"{kind} {name} tidak dipakai rencana", f"{kind} {name} was not used by the plan"
    actual = file_digest(table_file(given))  # a workbook's bytes, whatever sheet is named
    if actual is None:
        return f"{name} tidak dapat dibaca", f"{name} cannot be read"
    if actual == recorded["sha256"]:
        return None
    if name == recorded["file"]:
        return f"{name} berubah", f"{name} has changed"
    return f"{name} bukan {recorded['file']}", f"{name} is not {recorded['file']}"


def changed_inputs(
    record: Mapping[str, Any], sources: Mapping[str, str], network: str | Path | None
) -> list[Violation]:
    """One ``inputs_changed`` violation naming each input file (by kind) and the network file
    whose SHA-256 is not the one the plan's ``scenario`` record holds; none when all are."""
    recorded: Mapping[str, Any] = record["sources"]
    found = [
        _difference(kind, recorded.get(kind), sources.get(kind))
        for kind in [*recorded, *(k for k in sources if k not in recorded)]
    ]
    road = record["network"]
    if network is not None and road.get("sha256") is not None:
        found.append(_difference("network", {"file": road["source"], **road}, network))
    differ = [d for d in found if d is not None]
    if not differ:
        return []
    return [
        Violation(
            code="inputs_changed",
            text_id="ini bukan masukan yang dipakai membuat rencana ini: "
            f"{'; '.join(i for i, _ in differ)}; aturan lain tidak diperiksa",
            text_en="these are not the inputs this plan was made from: "
            f"{'; '.join(e for _, e in differ)}; no other rule checked",
            subject="scenario.sources",
        )
    ]
