"""Benchmark the guard-group assignment on the Kota Malang demo scenarios.

For Pilkada 2024 (1,188 TPS) and Pemilu 2024 (2,452 TPS) it prints, as
medians over ``--repeats`` runs: wall time of the assignment, officers used,
the proven lower bound and gap, the by-hand baseline (per kelurahan, TPS in
number order chunked into groups of N) and the worst travel-stage gap.
Targets: 1,188 TPS at most 1% gap in under 30 s; 2,452 TPS at most 2% in
under 120 s.

    python benchmarks/bench_assignment.py --data-dir ../shared/data/malang
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from planner.demo.run import demo_rules, run_demo
from planner.inputs.scenario import load_scenario
from planner.roads.placement import place_on_network
from planner.roads.sources import resolve_network
from planner.solve.assignment import assign_guards

TARGETS = {"pilkada2024": (0.01, 30.0), "pemilu2024": (0.02, 120.0)}


def measure(election: str, data_dir: Path, seed: int, repeats: int) -> dict[str, float]:
    """Build the demo scenario once, then time the assignment ``repeats`` times."""
    _, rules, _ = demo_rules(election)
    with tempfile.TemporaryDirectory() as folder:
        demo = run_demo(folder, data_dir=data_dir, seed=seed, election=election, plan=False)
        scenario = load_scenario(demo.files["tps"], demo.files["posts"], rules)
    graph, report = resolve_network(rules, data_dir=data_dir)
    roads = place_on_network(scenario, graph, report)
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = assign_guards(scenario, roads, seed=seed)
        times.append(time.perf_counter() - start)
    assert result is not None
    travel_gap = max(s.gap for s in result.stats if s.stage == "travel")
    return {
        "tps": len(scenario.tps),
        "seconds": statistics.median(times),
        "officers": result.officers,
        "bound": result.officers_lower_bound,
        "gap": result.officer_gap,
        "baseline": result.baseline_officers,
        "travel_gap": travel_gap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.environ.get("TPS_PLANNER_DATA_DIR", "../shared/data/malang")
    parser.add_argument("--data-dir", type=Path, default=Path(default_data))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--election", nargs="*", default=list(TARGETS))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; medians of {args.repeats} runs; seed {args.seed}\n")
    header = (
        f"{'election':<12}{'TPS':>6}{'time s':>9}{'officers':>10}{'bound':>7}{'gap':>7}"
        f"{'by hand':>9}{'saved':>7}{'travel gap':>12}  target"
    )
    print(header)
    print("-" * len(header))
    for election in args.election:
        row = measure(election, args.data_dir, args.seed, args.repeats)
        gap_target, time_target = TARGETS[election]
        verdict = "ok" if row["gap"] <= gap_target and row["seconds"] <= time_target else "MISSED"
        saved = 1 - row["officers"] / row["baseline"]
        print(
            f"{election:<12}{row['tps']:>6}{row['seconds']:>9.1f}{row['officers']:>10}"
            f"{row['bound']:>7}{row['gap']:>7.1%}{row['baseline']:>9}{saved:>7.0%}"
            f"{row['travel_gap']:>12.1%}  gap<={gap_target:.0%}, <{time_target:.0f}s {verdict}"
        )


if __name__ == "__main__":
    main()
