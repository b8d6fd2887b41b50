"""Benchmark peak memory against the TPS count: synthetic TPS on the Kota Malang roads.

For each size it writes a synthetic scenario (the demo generator,
:mod:`planner.demo.synthetic`, TPS per kecamatan in the Pilkada 2024 shares;
each post's officers scaled with the TPS so that the guard groups are not
rationed; no roster), then plans it in a child process, stage by stage: the road
network and the scenario placed on it, guard groups, reserve and, up to
``--patrols-up-to`` TPS, patrols and logistics. Solver limits are short
(``--time-limit`` for CP-SAT, ``--solutions`` for the routing searches): memory
does not depend on them, only the time. Above ``--full-search-up-to`` TPS the
guard groups' anchor local search stops after its first allocation
(``improve_anchors(passes=0)``: the same arrays, one min-cost flow instead of
hundreds), which alone takes hours at 2,000 TPS per kecamatan on two cores.

Measured, per size: the child's own peak resident set (``ru_maxrss``), the
largest worker's (``ru_maxrss`` of the child's children, forked from it), and the
memory really in use by the child and its workers together (the sum of their
proportional set sizes, ``Pss`` of /proc/PID/smaps_rollup, sampled every
``--every`` seconds), per stage; beside it the planner's own estimate
(:mod:`planner.solve.memory`). Sizes above ``--measure-up-to`` are not run: their
row is the estimate only, marked as such. ``--from-json`` prints the table of a
saved run with the estimate of the current ``[memory]`` sizes (to calibrate them
without running again). Linux only (/proc)::

    python -m benchmarks.bench_memory --sizes 1000 2500 10000 50000 --json memory.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from planner.inputs.rules import load_rules, merge, solver_overrides
from planner.inputs.scenario import read_scenario_file
from planner.settings import DATA_DIR_VARIABLE
from planner.solve._parallel import solve_workers
from planner.solve.memory import PlanSize, estimate_memory, plan_size

PILKADA_TPS = 1_188
"""The demo's TPS, for which ``data/malang_posts.csv`` gives the posts' officers."""
STAGES = ("load", "groups", "reserve", "patrols", "logistics")
MIB = 2**20


def default_data_dir() -> Path:
    """``TPS_PLANNER_DATA_DIR``, else ``../shared/data/malang`` beside the repository."""
    env = os.environ.get(DATA_DIR_VARIABLE)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared/data/malang"


def write_scenario(folder: Path, tps: int, data_dir: Path) -> Path:
    """The demo scenario of ``tps`` TPS, officers scaled with the TPS, without the roster."""
    from planner.demo.run import run_demo

    run_demo(folder, data_dir=data_dir, tps=tps, plan=False)
    posts = pd.read_csv(folder / "posts.csv")
    posts["polri"] = (posts["polri"] * max(1.0, tps / PILKADA_TPS)).round().astype(int)
    posts.to_csv(folder / "posts.csv", index=False)
    scenario = folder / "scenario.toml"
    text = scenario.read_text(encoding="utf-8").replace('roster = "roster.csv"\n', "")
    scenario.write_text(text, encoding="utf-8")
    return scenario


def limits(time_limit_s: float, solutions: int) -> dict[str, Any]:
    """Short search limits for every solver."""
    logistics = {"solution_limit": solutions, "trip_solution_limit": solutions}
    return merge(
        solver_overrides(time_limit_s=time_limit_s, patrol_solutions=solutions),
        {"logistics": logistics},
    )


# --- the child: one plan, stage by stage ---------------------------------------------------


def stage(name: str) -> None:
    """Tell the parent which stage starts."""
    print(f"STAGE {name}", flush=True)


def run_child(args: argparse.Namespace) -> None:
    """Plan the scenario stage by stage, then print the workers' peak and the times."""
    from collections import Counter
    from dataclasses import replace

    from planner.roads.placement import place_on_network
    from planner.roads.sources import load_boundaries, resolve_network
    from planner.solve import _group_model
    from planner.solve.assignment import assign_guards
    from planner.solve.logistics import plan_logistics
    from planner.solve.logistics_sites import logistics_sites
    from planner.solve.patrols import plan_patrols
    from planner.solve.personnel import crewed_posts
    from planner.solve.reserve import plan_reserve

    times: dict[str, float] = {}
    start = time.perf_counter()
    stage("load")
    spec = read_scenario_file(args.child, limits(args.time_limit, args.solutions))
    graph, report = resolve_network(spec.rules, data_dir=args.data_dir)
    scenario = spec.load()
    roads = place_on_network(scenario, graph, report)
    times["load"] = time.perf_counter() - start
    if len(scenario.tps) > args.full_search_up_to:
        _group_model.improve_anchors = functools.partial(_group_model.improve_anchors, passes=0)
    stage("groups")
    assignment = assign_guards(scenario, roads, seed=args.seed)
    times["groups"] = time.perf_counter() - start - sum(times.values())
    stage("reserve")
    plan_reserve(scenario, roads, seed=args.seed)
    times["reserve"] = time.perf_counter() - start - sum(times.values())
    if len(scenario.tps) <= args.patrols_up_to:
        stage("patrols")
        drawn: Counter[str] = Counter()
        for group in assignment.groups:
            drawn.update(group.officers_from)
        crewed = replace(scenario, posts=crewed_posts(scenario, drawn))
        patrols = plan_patrols(crewed, roads, seed=args.seed)
        times["patrols"] = time.perf_counter() - start - sum(times.values())
        stage("logistics")
        sites = logistics_sites(scenario, roads.graph, load_boundaries(args.data_dir))
        plan_logistics(scenario, roads, sites, assignment, patrols, seed=args.seed)
        times["logistics"] = time.perf_counter() - start - sum(times.values())
    stage("done")
    rss = {
        "main_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    print("RESULT " + json.dumps({**rss, "times": times}), flush=True)


# --- the parent: sampling the child's processes ---------------------------------------------


def process_tree(root: int) -> list[int]:
    """``root`` and every process descending from it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def pss_bytes(pid: int) -> int:
    """The proportional set size of a process (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Samples the memory in use by a process tree, keeping the peak of each stage."""

    def __init__(self, root: int, every_s: float):
        super().__init__(daemon=True)
        self.root, self.every_s = root, every_s
        self.current = "start"
        self.peaks: dict[str, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total = sum(pss_bytes(pid) for pid in process_tree(self.root))
            self.peaks[self.current] = max(self.peaks.get(self.current, 0), total)
            self.stopped.wait(self.every_s)


def measure(scenario: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run the child on ``scenario`` and sample it: peaks per stage, ``ru_maxrss``, times."""
    command = [sys.executable, "-m", "benchmarks.bench_memory", "--child", str(scenario)]
    for option in ("data_dir", "seed", "time_limit", "solutions"):
        command += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
    command += ["--patrols-up-to", str(args.patrols_up_to)]
    command += ["--full-search-up-to", str(args.full_search_up_to)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    sampler = Sampler(child.pid, args.every)
    sampler.start()
    result: dict[str, Any] = {}
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("STAGE "):
            sampler.current = line.split()[1]
        elif line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
    status = child.wait()
    sampler.stopped.set()
    sampler.join()
    if status != 0:
        raise SystemExit(f"the child for {scenario} failed (status {status})")
    peaks = {k: v / MIB for k, v in sampler.peaks.items() if k in STAGES}
    return {
        "main_rss_mib": result["main_rss_mib"],
        "worker_rss_mib": result["worker_rss_mib"],
        "pss_mib": peaks,
        "times": result["times"],
        "wall_s": time.perf_counter() - start,
    }


def estimate_row(size: PlanSize) -> dict[str, Any]:
    """The planner's estimate for a plan of ``size`` (the rules' ``[memory]`` defaults)."""
    estimate = estimate_memory(size, load_rules().memory, solve_workers())
    return {
        "tps": size.tps,
        "size": asdict(size),
        "largest": estimate.largest,
        "estimate_mib": estimate.needed / MIB,
        "stages_mib": {k: v / MIB for k, v in estimate.stages.items()},
    }


def estimated_again(row: dict[str, Any]) -> dict[str, Any]:
    """A saved row with the estimate of the current ``[memory]`` sizes."""
    size = row["size"]
    areas = tuple(tuple(area) for area in size["patrol_areas"])
    return {**row, **estimate_row(PlanSize(size["tps_per_kecamatan"], size["candidates"], areas))}


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| TPS | largest kecamatan | stages run | peak in use, MiB: load / groups / reserve "
        "/ patrols / logistics | main ru_maxrss MiB | largest worker ru_maxrss MiB "
        "| estimate MiB (heaviest stage) | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        name, count = row["largest"]
        stages = row["stages_mib"]
        estimate = f"{row['estimate_mib']:,.0f} ({max(stages, key=lambda s: stages[s])})"
        if "pss_mib" not in row:
            lines.append(
                f"| {row['tps']:,} | {name} {count:,} | not run (estimate only) | | | "
                f"| **{estimate}** | |"
            )
            continue
        pss = " / ".join(
            f"{row['pss_mib'][s]:,.0f}" if s in row["pss_mib"] else "-" for s in STAGES
        )
        ran = "all" if "patrols" in row["pss_mib"] else "up to reserve"
        lines.append(
            f"| {row['tps']:,} | {name} {count:,} | {ran} | {pss} | {row['main_rss_mib']:,.0f} "
            f"| {row['worker_rss_mib']:,.0f} | {estimate} | {row['wall_s']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 2_500, 10_000, 50_000])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--time-limit", type=float, default=0.05, help="CP-SAT per stage")
    parser.add_argument("--solutions", type=int, default=20, help="routing searches")
    parser.add_argument("--patrols-up-to", type=int, default=2_500)
    parser.add_argument("--full-search-up-to", type=int, default=2_500)
    parser.add_argument("--measure-up-to", type=int, default=10_000)
    parser.add_argument("--every", type=float, default=0.2, help="sampling interval, s")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument(
        "--from-json", type=Path, help="no runs: the table of saved rows, estimated again"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        run_child(args)
        return
    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        print(table([estimated_again(row) for row in saved]))
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            scenario = write_scenario(Path(folder) / f"tps{size}", size, args.data_dir)
            row = estimate_row(plan_size(read_scenario_file(scenario).load()))
            if size <= args.measure_up_to:
                row.update(measure(scenario, args))
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table(rows))


if __name__ == "__main__":
    main()
