"""The schema as data (shapes): dumping and reading plan sections, and the format reference.

A shape says what JSON a schema type stands for: a leaf of one kind, a list, a map with text
keys, or a record (one schema class, its keys in field order, some optional).
"""

from __future__ import annotations

import dataclasses
import functools
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from planner.plan.schema import FORMAT, FORMAT_VERSION, Plan


@dataclass(frozen=True)
class Leaf:
    """A JSON value of one kind (see :data:`KINDS`), possibly ``null``."""

    kind: str
    nullable: bool = False


@dataclass(frozen=True)
class ListOf:
    """A JSON list of one shape."""

    item: Shape
    nullable: bool = False


@dataclass(frozen=True)
class MapOf:
    """A JSON object with text keys and values of one shape."""

    value: Shape
    nullable: bool = False


@dataclass(frozen=True)
class Slot:
    """One key of a record."""

    name: str
    shape: Shape
    required: bool
    doc: str


@dataclass(frozen=True)
class Record:
    """A JSON object with named keys: one schema class."""

    cls: type
    slots: tuple[Slot, ...]
    nullable: bool = False


Shape = Leaf | ListOf | MapOf | Record

KINDS = {
    "str": "text",
    "bool": "true/false",
    "int": "whole number",
    "count": "whole number >= 0",
    "num": "number",
    "real": "number (may be Infinity)",
    "seconds": "seconds >= 0",
    "lon_lat": "[lon, lat]",
    "any": "any JSON",
}
"""Leaf kinds and how the reference names them."""

_PLAIN = {str: "str", bool: "bool", int: "int", float: "num"}


def shape(tp: Any) -> Shape:
    """The shape of a schema type (``Plan`` for the whole document)."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _record(tp)
    nullable = False
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        (tp,) = args
        nullable = True
    if get_origin(tp) is Annotated:
        return Leaf(tp.__metadata__[0], nullable)
    origin = get_origin(tp)
    if origin is list:
        return ListOf(shape(get_args(tp)[0]), nullable)
    if origin is dict:
        return MapOf(shape(get_args(tp)[1]), nullable)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return dataclasses.replace(_record(tp), nullable=nullable)
    return Leaf(_PLAIN[tp], nullable)


@functools.cache
def _record(cls: type) -> Record:
    hints = get_type_hints(cls, include_extras=True)
    slots = []
    for f in dataclasses.fields(cls):
        required = not f.metadata.get("omit", False)
        form = shape(hints[f.name])
        if not required:  # left out when None, never written as null
            form = dataclasses.replace(form, nullable=False)
        slots.append(Slot(f.name, form, required, f.metadata.get("doc", "")))
    return Record(cls, tuple(slots))


def to_json(value: Any) -> Any:
    """A schema object (or a list of them) as JSON values: keys in field order, optional
    sections left out when ``None``."""
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return _dump(value, shape(type(value)))


def _dump(value: Any, form: Shape) -> Any:
    if value is None:
        return None
    if isinstance(form, Record):
        return {
            s.name: _dump(item, s.shape)
            for s in form.slots
            if (item := getattr(value, s.name)) is not None or s.required
        }
    if isinstance(form, ListOf):
        item = form.item
        if isinstance(item, Leaf):
            return [list(v) for v in value] if item.kind == "lon_lat" else list(value)
        return [_dump(v, item) for v in value]
    if isinstance(form, MapOf):
        return {k: _dump(v, form.value) for k, v in value.items()}
    return value


def from_json(document: Any, cls: type = Plan) -> Any:
    """JSON values (a structurally valid document: see the validator) as schema objects."""
    return _read(document, shape(cls))


def _read(value: Any, form: Shape) -> Any:
    if value is None or isinstance(form, Leaf):
        return value
    if isinstance(form, ListOf):
        if isinstance(form.item, Leaf):
            return list(value)
        return [_read(v, form.item) for v in value]
    if isinstance(form, MapOf):
        return {k: _read(v, form.value) for k, v in value.items()}
    return form.cls(
        **{s.name: _read(value[s.name], s.shape) for s in form.slots if s.name in value}
    )


def reference() -> str:
    """The format reference (``docs/plan-format.md``), written from the schema."""
    lines = [
        "# The plan format (`plan.json`)",
        "",
        "<!-- Written by planner.plan.shapes.reference(); tests/test_plan_schema.py checks it."
        " Edit the schema, then run:",
        "     python -c 'from planner.plan.shapes import reference; print(reference(), end=\"\")'"
        " > docs/plan-format.md -->",
        "",
        f"Format `{FORMAT}` version {FORMAT_VERSION}: what was decided, as JSON (UTF-8).",
        "Times are seconds (`*_s`) beside WIB clock text; ids are as in the input files.",
        "Keys marked *optional* are left out when the plan has no such section; a reader",
        "ignores keys it does not know.",
        "",
    ]
    seen: set[type] = set()
    pending = [Plan]
    while pending:
        cls = pending.pop(0)
        if cls in seen:
            continue
        seen.add(cls)
        record = _record(cls)
        lines += [f"## {cls.__name__}", "", (cls.__doc__ or "").strip(), ""]
        lines += ["| key | type | meaning |", "|---|---|---|"]
        for slot in record.slots:
            kind = _describe(slot.shape, pending) + ("" if slot.required else ", optional")
            lines.append(f"| `{slot.name}` | {kind} | {slot.doc} |")
        lines.append("")
    return "\n".join(lines)


def _describe(form: Shape, pending: list[type]) -> str:
    null = " or null" if form.nullable else ""
    if isinstance(form, Leaf):
        return KINDS[form.kind] + null
    if isinstance(form, ListOf):
        return f"list of {_describe(form.item, pending)}"
    if isinstance(form, MapOf):
        return f"object of {_describe(form.value, pending)}"
    pending.append(form.cls)
    return f"[{form.cls.__name__}](#{form.cls.__name__.lower()}){null}"
