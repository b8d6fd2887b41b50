"""The plan's structure: every key there with the right type before any rule is checked."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from planner.validate.logistics_spec import (
    LOGISTICS_SPEC,
)
from planner.validate.violations import Violation

Spec = str | tuple[str, Any] | dict[str, Any]

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
    "any": (lambda v: True, "", ""),
}

PLAN_SPEC: dict[str, Spec] = {
    "groups": (
        "list",
        {
            "group_id": "str",
            "kecamatan": "str",
            "anchor": "str",
            "members": ("list", "str"),
            "officers": "count",
            "officers_from": ("map", "count"),
            "linmas": "count",
            "max_travel_s": "seconds",
        },
    ),
    "uncovered": (
        "list",
        {"tps_id": "str", "kecamatan": "str", "reason_id": "str", "reason_en": "str"},
    ),
    "borrowings": (
        "list",
        {"from_post": "str", "to_kecamatan": "str", "officers": "count", "penalty": "num"},
    ),
    "reserve": {
        "model": "str",
        "response_limit_s": "seconds",
        "staging": (
            "list",
            {"point_id": "str", "kind": "str", "lon": "num", "lat": "num", "approximate": "bool"},
        ),
        "tps_staging": ("map", "str"),
        "tps_response_s": ("map", "seconds"),
        "beyond_limit": ("list", "str"),
        "solver": "any",
    },
    "kpis": {
        "tps": "count",
        "tps_covered": "count",
        "officers": "count",
        "officers_lower_bound": "count",
        "officer_gap": "num",
        "baseline_officers": "count",
        "linmas": "count",
        "per_polsek": (
            "map",
            {"groups": "count", "tps": "count", "officers": "count", "linmas": "count"},
        ),
        "worst_reserve_response_s": "seconds",
    },
}
"""The parts of the plan format the validator reads: ``list``/``map`` of a spec, or records."""

OPTIONAL_SPEC: dict[str, Spec] = {
    "patrols": {
        "routes": (
            "list",
            {
                "shift": "str",
                "vehicle_id": "str",
                "post_id": "str",
                "vehicle_type": "str",
                "start_s": "seconds",
                "end_s": "seconds",
                "stops": (
                    "list",
                    {
                        "tps_id": "str",
                        "visit": "int",
                        "arrival_s": "seconds",
                        "start_s": "seconds",
                        "departure_s": "seconds",
                    },
                ),
                "geometry": ("list", "lon_lat"),
            },
        ),
        "dropped": (
            "list",
            {"shift": "str", "tps_id": "str", "visit": "int", "kecamatan": "str"},
        ),
        "kpis": {
            "required_visits": "count",
            "performed_visits": "count",
            "coverage": "num",
            "vehicles_used": "count",
        },
    },
    "officer_pairs": (
        "list",
        {
            "group_id": "str",
            "pair_no": "int",
            "officers": ("list", {"nrp": "str", "unit": "str"}),
        },
    ),
    "roster_unfilled": ("list", {"group_id": "str", "unit": "str", "officers": "count"}),
    "logistics": LOGISTICS_SPEC,
}
"""Sections a plan may have (patrol routes, named pairs, logistics), checked when present."""


def _malformed(path: str, text_id: str, text_en: str) -> Violation:
    return Violation("plan_malformed", text_id, text_en, path or "plan")


def check_structure(plan: Any) -> list[Violation]:
    """``plan_malformed`` violations for every missing key or wrongly typed value."""
    if not isinstance(plan, Mapping):
        return [
            _malformed(
                "", "rencana harus objek JSON", f"the plan must be a JSON object, not {_show(plan)}"
            )
        ]
    found = _conform(plan, PLAN_SPEC, "")
    for key, spec in OPTIONAL_SPEC.items():
        if key in plan:
            found.extend(_conform(plan[key], spec, key))
    scenario = plan.get("scenario")
    if scenario is not None and not isinstance(scenario, Mapping):
        found.append(
            _malformed(
                "scenario",
                f"'scenario' harus objek, bukan {_show(scenario)}",
                f"'scenario' must be an object, not {_show(scenario)}",
            )
        )
    return found


def _conform(value: Any, spec: Spec, path: str) -> list[Violation]:
    if isinstance(spec, dict):
        if not isinstance(value, Mapping):
            return [
                _malformed(
                    path,
                    f"'{path}' harus objek, bukan {_show(value)}",
                    f"'{path}' must be an object, not {_show(value)}",
                )
            ]
        found = []
        for key, sub in spec.items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                found.append(
                    _malformed(
                        path,
                        f"kunci '{key}' tidak ada di '{path or 'rencana'}'",
                        f"key '{key}' is missing in '{path or 'the plan'}'",
                    )
                )
            else:
                found.extend(_conform(value[key], sub, where))
        return found
    if isinstance(spec, tuple):
        container, sub = spec
        if container == "list":
            if not isinstance(value, list):
                return [
                    _malformed(
                        path,
                        f"'{path}' harus daftar, bukan {_show(value)}",
                        f"'{path}' must be a list, not {_show(value)}",
                    )
                ]
            return [v for i, item in enumerate(value) for v in _conform(item, sub, f"{path}[{i}]")]
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            return [
                _malformed(
                    path,
                    f"'{path}' harus objek dengan kunci teks, bukan {_show(value)}",
                    f"'{path}' must be an object with text keys, not {_show(value)}",
                )
            ]
        return [v for k, item in value.items() for v in _conform(item, sub, f"{path}.{k}")]
    test, name_id, name_en = _KINDS[spec]
    if test(value):
        return []
    return [
        _malformed(
            path,
            f"'{path}' harus {name_id}, bukan {_show(value)}",
            f"'{path}' must be {name_en}, not {_show(value)}",
        )
    ]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
