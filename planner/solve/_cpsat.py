"""CP-SAT solves that stop at once on Ctrl-C and let it reach the caller.

CP-SAT catches Ctrl-C itself by default and just ends the search, as if its
time limit had come, so a run would go on. Here the search runs in a thread
while the main thread waits: Ctrl-C stops the search and raises
KeyboardInterrupt at once.
"""

from __future__ import annotations

import threading
from typing import Any

from ortools.sat.python import cp_model


def solve(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> Any:
    """``solver.solve(model, callback)``; Ctrl-C stops it and raises KeyboardInterrupt."""
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model, callback)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="cp-sat", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
    except KeyboardInterrupt:
        solver.stop_search()
        thread.join()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]
