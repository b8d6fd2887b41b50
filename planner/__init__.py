"""tps-planner: election security planning for Kota Malang with OR-Tools and Folium.

The package in the order data flows: :mod:`planner.inputs` (rules and the planners'
tables), :mod:`planner.roads` (the network and travel times), :mod:`planner.solve`
(guard groups, reserve, patrols, logistics), :mod:`planner.plan` (``plan.json``),
:mod:`planner.validate` (the independent checks), :mod:`planner.outputs` (maps,
rosters, GIS), with :mod:`planner.pipeline` running them all and :mod:`planner.cli` on
top. The calls most users need are importable from here::

    from planner import plan_scenario, validate_plan_files
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("tps-planner")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

_API = {
    "plan_scenario": "planner.pipeline",
    "PlanResult": "planner.pipeline",
    "read_scenario_file": "planner.inputs.scenario",
    "load_scenario": "planner.inputs.scenario",
    "Scenario": "planner.inputs.scenario",
    "load_rules": "planner.inputs.rules",
    "solver_overrides": "planner.inputs.rules",
    "resolve_network": "planner.roads.sources",
    "place_on_network": "planner.roads.placement",
    "validate_plan": "planner.validate",
    "validate_plan_files": "planner.validate",
    "Violation": "planner.validate",
    "read_plan": "planner.plan.files",
    "load_plan": "planner.validate.structure",
    "Plan": "planner.plan.schema",
    "to_json": "planner.plan.shapes",
    "write_outputs": "planner.outputs.exports",
    "build_map": "planner.outputs.maps",
    "InputError": "planner.errors",
    "Progress": "planner.progress",
}
"""Public names and the module each lives in; loaded on first use, so ``import planner``
stays quick for the command line."""
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name not in _API:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
