"""The plan schema: the writer, the reader, the structure check and the format reference agree."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner.errors import InputError
from planner.plan import schema
from planner.plan.files import write_plan
from planner.plan.shapes import KINDS, Record, from_json, reference, shape, to_json
from planner.validate.structure import _KINDS, check_structure, load_plan
from tests.city import town_plan
from tests.conftest import REPO


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A full plan document (guards, reserve, patrols, logistics) of the logistics town."""
    return town_plan(tmp_path_factory.mktemp("schema"))[2]


def records() -> list[Record]:
    """Every record of the schema, reached from :class:`schema.Plan`."""
    found: dict[type, Record] = {}
    pending = [shape(schema.Plan)]
    while pending:
        form = pending.pop()
        if isinstance(form, Record):
            if form.cls in found:
                continue
            found[form.cls] = form
            pending.extend(s.shape for s in form.slots)
        elif hasattr(form, "item"):
            pending.append(form.item)
        elif hasattr(form, "value"):
            pending.append(form.value)
    return list(found.values())


def test_format_reference_is_written_from_the_schema() -> None:
    assert (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8") == reference()


def test_every_key_is_documented_and_every_kind_checked() -> None:
    slots = [(r.cls.__name__, s) for r in records() for s in r.slots]
    assert len(slots) > 150
    assert [f"{name}.{s.name}" for name, s in slots if not s.doc.strip()] == []
    assert _KINDS.keys() == KINDS.keys()


def test_the_writers_plan_reads_back_typed_and_dumps_to_the_same_bytes(
    document: dict[str, Any],
) -> None:
    assert check_structure(document) == []
    plan = from_json(document)
    assert isinstance(plan, schema.Plan)
    assert isinstance(plan.groups[0], schema.Group)
    assert plan.patrols is not None and isinstance(plan.patrols.routes[0], schema.PatrolRoute)
    assert plan.logistics is not None
    assert isinstance(plan.logistics.routes[0].stops[0], schema.EscortStop)
    assert plan.officer_pairs is None  # no roster: the optional sections stay out
    assert json.dumps(to_json(plan), ensure_ascii=False) == json.dumps(document, ensure_ascii=False)


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, key = path.split(".")

    def change(plan: dict[str, Any]) -> None:
        node: Any = plan
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[key]

    return change


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, key = path.split(".")

    def change(plan: dict[str, Any]) -> None:
        node: Any = plan
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(key) if isinstance(node, list) else key] = value

    return change


BROKEN = {
    "top-level key missing": (_delete("reserve"), "reserve"),
    "nested key missing": (_delete("logistics.routes.0.stops.0.load_after"), "load_after"),
    "text where a count belongs": (_set("groups.0.officers", "2"), "groups[0].officers"),
    "negative count": (_set("logistics.kpis.routes", -1), "logistics.kpis.routes"),
    "null where no null is allowed": (_set("kpis.tps", None), "kpis.tps"),
    "optional section present as null": (_set("patrols", None), "patrols"),
    "infinite figure": (_set("kpis.officer_gap", float("inf")), "kpis.officer_gap"),
    "broken coordinate pair": (
        _set("patrols.routes.0.geometry.0", [112.6]),
        "patrols.routes[0].geometry[0]",
    ),
    "map with a list value": (_set("reserve.tps_staging", []), "reserve.tps_staging"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_structure_check_names_each_broken_key(document: dict[str, Any], case: str) -> None:
    change, where = BROKEN[case]
    edited = copy.deepcopy(document)
    change(edited)
    found = check_structure(edited)
    assert found and {v.code for v in found} == {"plan_malformed"}
    assert any(where in v.text_en for v in found), [v.text_en for v in found]


ALLOWED = {
    "the rules' fleet limit null (solver-sized)": _set("logistics.fleet.0.trucks_limit", None),
    "an infinite solver gap": _set("solver.0.gap", float("inf")),
    "an optional section left out": _delete("logistics"),
    "an optional key left out": _delete("kpis.patrol_coverage"),
    "a key the schema does not know": _set("kpis.note", "hand-edited"),
}


@pytest.mark.parametrize("case", list(ALLOWED), ids=list(ALLOWED))
def test_structure_check_accepts_what_the_format_allows(
    document: dict[str, Any], case: str
) -> None:
    edited = copy.deepcopy(document)
    ALLOWED[case](edited)
    assert check_structure(edited) == []
    from_json(edited)  # reads


def test_load_plan_reads_typed_or_names_the_broken_key(
    document: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    write_plan(path, document)
    assert load_plan(path) == from_json(document)
    broken = copy.deepcopy(document)
    del broken["groups"][0]["anchor"]
    write_plan(path, broken)
    with pytest.raises(InputError) as caught:
        load_plan(path)
    assert "anchor" in str(caught.value) and "plan.json" in str(caught.value)
