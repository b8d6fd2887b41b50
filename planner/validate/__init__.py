"""The independent validator: every rule re-derived from the inputs and checked against a plan.

It reads ``plan.json`` with :mod:`planner.plan.files` and loads the road network with
:mod:`planner.roads` (the same loader the solvers use, so both see the same roads), but
shares no code with the solvers: its own snapping, shortest paths and rule checks.
"""

from planner.validate.checks import Violation, validate_plan, validate_plan_files

__all__ = ["Violation", "validate_plan", "validate_plan_files"]
