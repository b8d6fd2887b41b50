"""The run's machinery: staged output folders, progress and log, interruptible solves."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from planner._atomic import PREVIOUS_MARK, STAGING_MARK, clear_leftovers, staged_folder
from planner.errors import InputError
from planner.inputs.rules import load_rules, solver_overrides
from planner.inputs.scenario import read_scenario_file
from planner.progress import Progress
from planner.roads import snap
from planner.solve import _cpsat
from planner.solve._group_model import _BestSoFar
from planner.solve._parallel import WorkerPool, run_parallel
from planner.solve.vrp import solve_vrp
from planner.solve.vrp_problem import Stop, VehicleType, VrpProblem, fleet
from tests.city import town_plan


def leftovers(folder: Path) -> list[Path]:
    """Staging folders, and earlier output folders renamed aside, left in ``folder``."""
    return [p for p in folder.iterdir() if STAGING_MARK in p.name or PREVIOUS_MARK in p.name]


# --- staged output folders ---------------------------------------------------------------


def test_a_staged_folder_appears_whole_when_the_block_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    with staged_folder(out) as stage:
        (stage / "plan.json").write_text("{}")
        (stage / "layers").mkdir()
        (stage / "layers" / "tps.geojson").write_text("{}")
        assert not out.exists(), "nothing is visible in the output folder before the end"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "layers",
        "layers/tps.geojson",
        "plan.json",
    ]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask, "a folder made as any other"
    assert leftovers(tmp_path) == []


def test_a_staged_folder_replaces_files_in_an_existing_folder_and_keeps_others(
    tmp_path: Path,
) -> None:
    out = tmp_path / "hasil"
    (out / "layers").mkdir(parents=True)
    (out / "plan.json").write_text("old")
    (out / "catatan.txt").write_text("mine")
    with staged_folder(out) as stage:
        (stage / "plan.json").write_text("new")
        (stage / "layers").mkdir()
        (stage / "layers" / "tps.geojson").write_text("{}")
    assert (out / "plan.json").read_text() == "new"
    assert (out / "catatan.txt").read_text() == "mine"
    assert (out / "layers" / "tps.geojson").is_file()
    assert leftovers(tmp_path) == []


def test_a_replacing_staged_folder_leaves_nothing_of_the_earlier_one(tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    (out / "layers").mkdir(parents=True)
    (out / "personel.csv").write_text("nama, NRP, telepon")
    (out / "layers" / "lama.geojson").write_text("{}")
    out.chmod(0o750)
    with staged_folder(out, replace=True) as stage:
        (stage / "plan.json").write_text("new")
        assert (out / "personel.csv").is_file(), "the earlier folder stays until the end"
    assert [p.relative_to(out).as_posix() for p in out.rglob("*")] == ["plan.json"]
    assert out.stat().st_mode & 0o777 == 0o750, "the folder keeps its permissions"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("error", [KeyboardInterrupt(), InputError([]), RuntimeError("boom")])
def test_a_failed_block_leaves_the_output_folder_as_it_was(
    tmp_path: Path, error: BaseException, replace: bool
) -> None:
    fresh, existing = tmp_path / "baru", tmp_path / "lama"
    existing.mkdir()
    (existing / "plan.json").write_text("old")
    for out in (fresh, existing):
        with pytest.raises(type(error)), staged_folder(out, replace=replace) as stage:
            (stage / "plan.json").write_text("half")
            raise error
    assert not fresh.exists()
    assert [p.name for p in existing.iterdir()] == ["plan.json"]
    assert (existing / "plan.json").read_text() == "old"
    assert leftovers(tmp_path) == []


def test_what_killed_runs_left_is_cleared_by_the_next_run(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(ended.stdout)  # a process that has ended
    out = tmp_path / "hasil"
    earlier = tmp_path / f".hasil{PREVIOUS_MARK}{dead}-a1b2c3d4"  # killed between the renames
    earlier.mkdir()
    (earlier / "plan.json").write_text("old")
    for name in (f".hasil{STAGING_MARK}{dead}-e5f6", ".hasil.partial-x8d0k2_q"):  # no pid: older
        (tmp_path / name).mkdir()
    running = tmp_path / f".hasil{STAGING_MARK}{os.getpid()}-g7h8"
    running.mkdir()
    said = clear_leftovers(out)
    assert (out / "plan.json").read_text() == "old", "the earlier folder is put back"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["hasil", running.name])
    assert len(said) == 3 and all(" (" in line for line in said)
    stale = tmp_path / f".hasil{PREVIOUS_MARK}{dead}-i9j0"
    stale.mkdir()
    assert len(clear_leftovers(out)) == 1 and not stale.exists()
    assert (out / "plan.json").read_text() == "old"


# --- progress and log ---------------------------------------------------------------------


def test_progress_prints_info_and_logs_detail(tmp_path: Path) -> None:
    console = io.StringIO()
    progress = Progress(console)
    with progress.logging_to(tmp_path / "run.log") as logged:
        with logged.stage("Tahap (stage)"):
            logged.report("baris biasa")
            logged.report("rincian solver", detail=True)
        logged.table(["Ringkasan", "  TPS  40"], stream=console)
    shown, log = console.getvalue(), (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "baris biasa" in shown and "rincian solver" not in shown
    assert "WIB]" in shown and "selesai (" in shown
    for text in ("Tahap (stage) ...", "baris biasa", "rincian solver", "  TPS  40"):
        assert text in log


def test_quiet_progress_prints_nothing_but_still_logs(tmp_path: Path) -> None:
    console = io.StringIO()
    with Progress(console, quiet=True, verbose=True).logging_to(tmp_path / "run.log") as logged:
        logged.info("baris")
        logged.detail("rincian")
        logged.table(["Ringkasan"], stream=console)
    assert console.getvalue() == ""
    assert "baris" in (tmp_path / "run.log").read_text(encoding="utf-8")


def test_verbose_progress_prints_detail() -> None:
    console = io.StringIO()
    Progress(console, verbose=True).report("rincian solver", detail=True)
    assert "rincian solver" in console.getvalue()


# --- solves that Ctrl-C stops ---------------------------------------------------------------


def _square(n: int, report) -> int:
    report(f"kuadrat {n}")
    report(f"rincian {n}", detail=True)
    return n * n


def _pid(n: int, report) -> tuple[int, int]:
    return n, os.getpid()


def _sleep(seconds: float, report) -> float:
    time.sleep(seconds)
    return seconds


@contextmanager
def interrupt_after(seconds: float) -> Iterator[None]:
    """Send this process Ctrl-C (SIGINT) after ``seconds``, as a terminal does.

    Python's own handler is put in place for the block: a shell starts
    background jobs with SIGINT ignored, and Python then installs none.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_parallel_results_come_in_task_order_with_their_progress_lines() -> None:
    lines: list[tuple[str, bool]] = []
    results = run_parallel(
        _square,
        [(n,) for n in range(5)],
        workers=2,
        report=lambda text, *, detail=False: lines.append((text, detail)),
        order=[4, 3, 2, 1, 0],
    )
    assert results == [0, 1, 4, 9, 16]
    assert sorted(lines) == sorted(
        [(f"kuadrat {n}", False) for n in range(5)] + [(f"rincian {n}", True) for n in range(5)]
    )


def test_worker_pool_keeps_its_processes_across_batches() -> None:
    with WorkerPool(2) as pool:
        first = pool.map(_pid, [(n,) for n in range(6)])
        second = pool.map(_pid, [(n,) for n in range(6)])
    assert [n for n, _ in first] == list(range(6)) == [n for n, _ in second]
    workers = {pid for _, pid in first + second}
    assert os.getpid() not in workers and len(workers) <= 2
    with WorkerPool(1) as here:
        assert {pid for _, pid in here.map(_pid, [(1,), (2,)])} == {os.getpid()}


def test_a_plan_snaps_with_one_road_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Placing the scenario builds the index; reserve and logistics snap with the same one."""
    built: list[object] = []
    original = snap.EdgeIndex.__init__

    def counting(self: snap.EdgeIndex, *args: object, **kwargs: object) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(snap.EdgeIndex, "__init__", counting)
    _, roads, plan = town_plan(tmp_path)
    assert plan["logistics"]["routes"] and plan["reserve"]["staging"]
    assert built == [roads.index]


def test_ctrl_c_ends_parallel_workers_at_once() -> None:
    start = time.perf_counter()
    with interrupt_after(1.0), pytest.raises(KeyboardInterrupt):
        run_parallel(_sleep, [(60.0,), (60.0,)], workers=2)
    assert time.perf_counter() - start < 15, "the workers were not waited for"


def test_ctrl_c_stops_a_cp_sat_search_and_reaches_the_caller() -> None:
    model = cp_model.CpModel()
    x = [model.new_int_var(0, 1000, f"x{i}") for i in range(60)]
    for i in range(59):
        model.add(x[i] + 3 * x[i + 1] != 17 * i % 1000)
    model.add_all_different(x)
    model.maximize(sum((i % 7 + 1) * v for i, v in enumerate(x)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    start = time.perf_counter()
    with interrupt_after(1.0), pytest.raises(KeyboardInterrupt):
        _cpsat.solve(solver, model)
    assert time.perf_counter() - start < 15, "CP-SAT swallowed Ctrl-C and searched on"


def test_a_single_solve_runs_in_a_worker_by_default_and_every_line_comes_back() -> None:
    lines: list[tuple[str, bool]] = []
    said = run_parallel(_square, [(3,)], report=lambda t, *, detail: lines.append((t, detail)))
    assert said == [9] and lines == [("kuadrat 3", False), ("rincian 3", True)]
    [(_, pid)] = run_parallel(_pid, [(1,)])
    assert pid != os.getpid(), "a signal ends a worker at once, not a search in this process"


def timed_problem(stops: int = 60) -> VrpProblem:
    """Random stops with time windows (so OR-Tools calls Python for every arc's time)."""
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 5000, (stops + 1, 2))
    travel = np.ceil(np.hypot(*(points[:, None] - points[None, :]).transpose(2, 0, 1)))
    visits = tuple(Stop(node=i, service=60, windows=((0, 40000),)) for i in range(1, stops + 1))
    cars = fleet(VehicleType("car"), 8, 0, shift=(0, 40000))
    return VrpProblem(travel.astype(int), tuple(cars), visits)


@pytest.mark.parametrize(
    ("search", "limit"), [("guided_local_search", 2000), ("iterated_local_search", 200)]
)
def test_ctrl_c_in_a_routing_search_in_this_process_reaches_the_caller(
    search: str, limit: int
) -> None:
    """Ctrl-C comes while OR-Tools runs Python code inside its search (a solution callback)."""
    found: list[int] = []

    def progress(count: int, _cost: int, _seconds: float) -> None:
        found.append(count)
        if count == 5:
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            solve_vrp(
                timed_problem(),
                deterministic=True,
                solution_limit=limit,
                metaheuristic=search,  # type: ignore[arg-type]
                log_progress=progress,
            )
    finally:
        signal.signal(signal.SIGINT, previous)
    if search == "guided_local_search":
        assert max(found) < 50, "the search is cancelled at once"
    # an iterated local search goes on to its limit after a cancel: it runs to its end


def test_cp_sat_progress_reports_the_best_value_and_the_bound_while_searching() -> None:
    model = cp_model.CpModel()
    x = [model.new_int_var(0, 10, f"x{i}") for i in range(8)]
    model.add(sum(x) <= 37)
    model.add_all_different(x)
    model.maximize(sum((i + 1) * v for i, v in enumerate(x)))
    lines: list[str] = []
    callback = _BestSoFar(
        lambda text, *, detail=False: lines.append(text), "Klojen", "officers", None, every_s=0
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.best_bound_callback = callback.on_bound
    assert _cpsat.solve(solver, model, callback) == cp_model.OPTIMAL
    assert lines and all(line.startswith("Klojen [personel]: terbaik sejauh ini") for line in lines)
    last = lines[-1]
    assert f"terbaik sejauh ini {solver.objective_value:,.0f}" in last and "batas" in last


# --- search limits from the command line ----------------------------------------------------


def test_solver_overrides_set_the_rules_they_name() -> None:
    assert solver_overrides() == {}
    overrides = solver_overrides(
        time_limit_s=2, patrol_solutions=40, patrol_time_limit_s=5, wall_clock=True
    )
    rules = load_rules(overrides)
    assert rules.assignment.time_limit_s == 2 and not rules.assignment.deterministic
    assert rules.patrol.solution_limit == 40 and rules.patrol.time_limit_s == 5
    assert not rules.patrol.deterministic
    assert load_rules().patrol.deterministic and load_rules().assignment.deterministic


def test_a_scenario_file_takes_overrides_on_top_and_resolves_inputs_beside_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "skenario.toml"
    path.write_text(
        '[scenario]\nname = "X"\nseed = 7\n[inputs]\ntps = "data/tps.csv"\nposts = "pos.csv"\n'
        "[assignment]\ntime_limit_s = 3\n[patrol]\nsolution_limit = 50\n",
        encoding="utf-8",
    )
    spec = read_scenario_file(path, solver_overrides(patrol_solutions=9))
    assert spec.seed == 7 and spec.tps == tmp_path / "data" / "tps.csv"
    assert spec.rules.assignment.time_limit_s == 3 and spec.rules.patrol.solution_limit == 9
    assert spec.settings["patrol"]["solution_limit"] == 9
    assert spec.rules == load_rules(
        {"assignment": {"time_limit_s": 3}, "patrol": {"solution_limit": 9}}
    )


def test_a_bad_seed_or_input_path_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "skenario.toml"
    path.write_text('[scenario]\nseed = "abc"\n[inputs]\ntps = 5\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_scenario_file(path)
    columns = {p.column for p in caught.value.problems}
    assert {"scenario.seed", "inputs.tps"} <= columns
    assert all(p.file == str(path) for p in caught.value.problems)
