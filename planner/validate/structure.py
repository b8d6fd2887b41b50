"""The plan's structure: every key of the plan schema there, with the right type, before any
rule is checked (the shapes of :mod:`planner.plan.schema`; values are checked here)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from planner.errors import InputError, Problem
from planner.plan.files import read_plan
from planner.plan.schema import Plan
from planner.plan.shapes import Leaf, ListOf, MapOf, Shape, from_json, shape
from planner.validate.violations import Violation

_KINDS: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "str": (lambda v: isinstance(v, str), "teks", "text"),
    "bool": (lambda v: isinstance(v, bool), "true/false", "true/false"),
    "int": (
        lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bilangan bulat",
        "a whole number",
    ),
    "count": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "bilangan bulat >= 0",
        "a whole number >= 0",
    ),
    "num": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
        "angka",
        "a number",
    ),
    "seconds": (
        lambda v: (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        ),
        "angka detik >= 0",
        "a number of seconds >= 0",
    ),
    "lon_lat": (
        lambda v: (
            isinstance(v, list)
            and len(v) == 2
            and all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in v
            )
        ),
        "pasangan [bujur, lintang]",
        "a [lon, lat] pair",
    ),
    "real": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "angka",
        "a number",
    ),
    "any": (lambda v: True, "", ""),
}
"""Each leaf kind of the schema: its test, and what it is (Indonesian, English)."""


def _malformed(path: str, text_id: str, text_en: str) -> Violation:
    return Violation("plan_malformed", text_id, text_en, path or "plan")


def load_plan(path: str | Path) -> Plan:
    """A ``plan.json`` as the typed :class:`Plan`; a file that is not one is an
    :class:`InputError` naming each missing key or wrongly typed value."""
    document = read_plan(path)
    broken = check_structure(document)
    if broken:
        raise InputError(Problem(str(path), v.text_id, v.text_en, column=v.subject) for v in broken)
    return from_json(document)


def check_structure(plan: Any) -> list[Violation]:
    """``plan_malformed`` violations for every missing key or wrongly typed value."""
    if not isinstance(plan, Mapping):
        return [
            _malformed(
                "", "rencana harus objek JSON", f"the plan must be a JSON object, not {_show(plan)}"
            )
        ]
    return _conform(plan, shape(Plan), "")


def _conform(value: Any, form: Shape, path: str) -> list[Violation]:
    if value is None and form.nullable:
        return []
    if isinstance(form, Leaf):
        return _leaf(value, form.kind, path)
    if isinstance(form, ListOf):
        if not isinstance(value, list):
            return [_wrong(path, "daftar", "a list", value)]
        return [
            v for i, item in enumerate(value) for v in _conform(item, form.item, f"{path}[{i}]")
        ]
    if not isinstance(value, Mapping):
        return [_wrong(path, "objek", "an object", value)]
    if isinstance(form, MapOf):
        if not all(isinstance(k, str) for k in value):
            return [_wrong(path, "objek dengan kunci teks", "an object with text keys", value)]
        return [v for k, item in value.items() for v in _conform(item, form.value, f"{path}.{k}")]
    found = []
    for slot in form.slots:
        where = f"{path}.{slot.name}" if path else slot.name
        if slot.name in value:
            found.extend(_conform(value[slot.name], slot.shape, where))
        elif slot.required:
            found.append(
                _malformed(
                    path,
                    f"kunci '{slot.name}' tidak ada di '{path or 'rencana'}'",
                    f"key '{slot.name}' is missing in '{path or 'the plan'}'",
                )
            )
    return found


def _leaf(value: Any, kind: str, path: str) -> list[Violation]:
    test, name_id, name_en = _KINDS[kind]
    return [] if test(value) else [_wrong(path, name_id, name_en, value)]


def _wrong(path: str, name_id: str, name_en: str, value: Any) -> Violation:
    return _malformed(
        path,
        f"'{path}' harus {name_id}, bukan {_show(value)}",
        f"'{path}' must be {name_en}, not {_show(value)}",
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
