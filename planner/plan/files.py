"""``plan.json`` on disk: its format name and version, writing it, reading it back, input hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from planner._atomic import write_json
from planner.errors import InputError, Problem
from planner.plan.schema import FORMAT, Plan
from planner.plan.shapes import to_json


def file_sha256(path: str | Path) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_plan(path: str | Path, plan: Plan | dict[str, Any]) -> None:
    """Write ``plan.json`` atomically (a typed :class:`Plan`, or its JSON document)."""
    write_json(path, to_json(plan) if isinstance(plan, Plan) else plan)


def read_plan(path: str | Path) -> dict[str, Any]:
    """Read a ``plan.json``; a file that is not one is an :class:`InputError`."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(str(path), "berkas tidak ditemukan", "file not found")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(
            [Problem(str(path), f"bukan JSON yang sah: {exc}", f"not valid JSON: {exc}", row=line)]
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(
            [Problem(str(path), f"bukan rencana {FORMAT}", f"not a {FORMAT} document")]
        )
    return document
