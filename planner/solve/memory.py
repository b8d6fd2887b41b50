"""Memory a plan needs, estimated from its counts before solving, against what the machine has.

The solvers' largest arrays grow with the square of a kecamatan's TPS (guard
groups: travel times, allowed anchor pairs, the CP-SAT model), with the square of
a Polsek's patrol visits (the routing matrices) and with TPS x staging candidates
(reserve). Stages run one after another, kecamatan and Polsek areas at most
:data:`~planner.solve._parallel.DEFAULT_WORKERS` at once, so the estimate is the base
(the process, the road network and the worker processes) plus the heaviest stage:

- guard groups: the travel times of every kecamatan (8 bytes a pair) held by the
  main process, plus ``tps_pair_bytes`` a pair of TPS for the kecamatan solved at
  once (the largest);
- reserve: ``candidate_pair_bytes`` per TPS and staging candidate;
- patrols: ``visit_pair_bytes`` a pair of visits, per vehicle type, for the Polsek
  areas solved at once (the busiest);
- logistics and the outputs: ``per_tps_kib`` per TPS (its workers copy the plan so far).

The sizes (``[memory]`` in ``data/defaults.toml``) are measured by
``benchmarks/bench_memory.py``; docs/benchmarks.md ("Memory") has the curve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError, Problem
from planner.inputs.rules import MemoryRules, RiskCategory
from planner.inputs.scenario import Scenario
from planner.solve._parallel import solve_workers

MEMINFO = Path("/proc/meminfo")
FLOAT_BYTES = 8
"""A travel time in the main process's per-kecamatan matrices (float64)."""
STAGES = {
    "groups": ("kelompok jaga", "guard groups"),
    "reserve": ("pasukan cadangan", "reserve"),
    "patrols": ("patroli", "patrols"),
    "logistics": ("logistik dan keluaran", "logistics and outputs"),
}
"""The stages the estimate counts: Bahasa Indonesia and English names."""


@dataclass(frozen=True)
class PlanSize:
    """What a plan's memory grows with, counted from the scenario."""

    tps_per_kecamatan: Mapping[str, int]
    candidates: int  # reserve staging candidates: the posts and the sampled junctions
    patrol_areas: tuple[tuple[int, int], ...]  # per Polsek with vehicles: (nodes, vehicle types)

    @property
    def tps(self) -> int:
        """TPS in all."""
        return sum(self.tps_per_kecamatan.values())


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a plan needs at its peak, what each stage adds to the base, the largest kecamatan."""

    needed: int
    stages: Mapping[str, int]
    largest: tuple[str, int]

    @property
    def heaviest(self) -> str:
        """The stage that makes the peak."""
        return max(self.stages, key=lambda s: self.stages[s])


def plan_size(scenario: Scenario) -> PlanSize:
    """TPS per kecamatan, reserve candidates, and each Polsek area's patrol nodes (the
    visits of its busiest shift and the post) and vehicle types."""
    tps = scenario.tps
    rules = scenario.rules
    counts = tps.groupby("kecamatan").size()
    areas = []
    for post in scenario.posts.itertuples():
        types = int(post.cars > 0) + int(post.motorbikes > 0)
        risks = tps.loc[tps["kecamatan"] == post.kecamatan, "risk"]
        if post.kind != "polsek" or not types or risks.empty:
            continue
        per_risk = risks.value_counts()
        visits = max(
            (
                sum(int(n) * shift.visits[RiskCategory(r)] for r, n in per_risk.items())
                for shift in rules.patrol.planned
            ),
            default=0,
        )
        areas.append((visits + 1, types))
    return PlanSize(
        tps_per_kecamatan={str(k): int(n) for k, n in counts.items()},
        candidates=len(scenario.posts) + rules.reserve.candidate_road_nodes,
        patrol_areas=tuple(areas),
    )


def estimate_memory(size: PlanSize, rules: MemoryRules, workers: int) -> MemoryEstimate:
    """The peak memory of a plan of ``size`` solving ``workers`` problems at once."""
    squares = sorted((n * n for n in size.tps_per_kecamatan.values()), reverse=True)
    visits = sorted((types * nodes * nodes for nodes, types in size.patrol_areas), reverse=True)
    stages = {
        "groups": round(FLOAT_BYTES * sum(squares) + rules.tps_pair_bytes * sum(squares[:workers])),
        "reserve": round(rules.candidate_pair_bytes * size.tps * size.candidates),
        "patrols": round(rules.visit_pair_bytes * sum(visits[:workers])),
        "logistics": round(rules.per_tps_kib * 2**10 * size.tps),
    }
    largest = max(size.tps_per_kecamatan.items(), key=lambda kv: kv[1], default=("", 0))
    return MemoryEstimate(round(rules.base_mib * 2**20 + max(stages.values())), stages, largest)


def fitting_kecamatan(size: PlanSize, rules: MemoryRules, workers: int, allowed: float) -> int:
    """The most TPS one kecamatan planned alone may have within ``allowed`` bytes (its patrol
    visits in the scenario's proportion), 0 when not even one fits."""
    nodes, types = max(size.patrol_areas, key=lambda a: a[0] * a[0] * a[1], default=(1, 0))
    per_tps = (nodes - 1) / max(1, max(size.tps_per_kecamatan.values(), default=1))

    def fits(tps: int) -> bool:
        alone = PlanSize({"": tps}, size.candidates, ((round(per_tps * tps) + 1, types),))
        return estimate_memory(alone, rules, workers).needed <= allowed

    low, high = 0, max(size.tps_per_kecamatan.values(), default=0)
    while low < high:  # the largest that fits: fits(low) holds, fits(high + 1) does not
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def available_memory() -> int | None:
    """Bytes of memory available now (psutil when installed, else ``MemAvailable`` of
    /proc/meminfo); None where neither tells."""
    try:
        import psutil
    except ImportError:
        return meminfo_available(MEMINFO)
    return int(psutil.virtual_memory().available)


def meminfo_available(path: Path) -> int | None:
    """``MemAvailable`` of a /proc/meminfo file in bytes, None when absent or unreadable."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        name, _, value = line.partition(":")
        parts = value.split()
        if name == "MemAvailable" and parts and parts[0].isdigit():
            return int(parts[0]) * 2**10
    return None


def check_memory(scenario: Scenario) -> tuple[MemoryEstimate, int | None]:
    """The estimate and the memory available; an :class:`InputError` when the estimate is
    over the rules' share of it (advice: split the scenario by region)."""
    rules, size, workers = scenario.rules.memory, plan_size(scenario), solve_workers()
    estimate = estimate_memory(size, rules, workers)
    available = available_memory()
    if available is None or estimate.needed <= rules.share * available:
        return estimate, available
    name, count = estimate.largest
    stage_id, stage_en = STAGES[estimate.heaviest]
    need, have = size_text(estimate.needed), size_text(available)
    fit = fitting_kecamatan(size, rules, workers, rules.share * available)
    raise InputError(
        [
            Problem(
                scenario.sources["tps"],
                f"rencana ini diperkirakan butuh {need} memori, lebih dari {rules.share:.0%} "
                f"memori yang tersedia ({have}); terberat tahap {stage_id}, kecamatan "
                f"terbesar {name} dengan {count:,} TPS. Pecah skenario per wilayah (satu "
                "berkas TPS per kecamatan/Polsek, atau lebih kecil) dan rencanakan "
                f"masing-masing: sekitar {fit:,} TPS per berkas muat",
                f"this plan is estimated to need {need} of memory, over {rules.share:.0%} of "
                f"the memory available ({have}); heaviest stage {stage_en}, largest "
                f"kecamatan {name} with {count:,} TPS. Split the scenario by region (one TPS "
                "file per kecamatan/Polsek, or smaller) and plan each part: about "
                f"{fit:,} TPS per file fit",
                code="memory",
            )
        ]
    )


def size_text(size: float) -> str:
    """Bytes as GiB with one decimal, or MiB below one GiB."""
    if size >= 2**30:
        return f"{size / 2**30:,.1f} GiB"
    return f"{size / 2**20:,.0f} MiB"
