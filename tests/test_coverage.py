"""Coverage models: hand-made answers, brute force, spopt on the San Francisco data."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from planner.solve.coverage import LSCP, MCLP, CoverageResult, PCenter, PMedian

INF = np.inf
SF_DIR = Path(__file__).resolve().parents[2] / "shared/bench/coverage_sf"

# Four clients, three facilities: each client's costs are one row.
COST = np.array(
    [
        [1.0, 5.0, 9.0],
        [4.0, 1.0, 9.0],
        [9.0, 4.0, 1.0],
        [9.0, 9.0, 2.0],
    ]
)
WEIGHTS = np.array([10.0, 1.0, 1.0, 5.0])


def assert_solution(result: CoverageResult, objective: float, facilities: tuple[int, ...]):
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, rel=1e-12)
    assert result.facilities == facilities
    assert result.gap == 0.0
    assert result.best_bound == result.objective
    assert result.solver == "highs"


# --- LSCP ---------------------------------------------------------------------------


def test_lscp_needs_both_end_facilities():
    result = LSCP.from_cost_matrix(COST, 4.0).solve()
    assert_solution(result, 2.0, (0, 2))
    assert result.client_facility.tolist() == [0, 0, 2, 2]  # client 1: nearer to 0 than 2
    assert result.covered.all()


def test_lscp_tie_picks_one_facility():
    result = LSCP.from_cost_matrix(COST, 9.0).solve()
    assert result.status == "optimal" and result.objective == 1.0
    assert len(result.facilities) == 1


def test_lscp_predefined_facility_is_counted():
    assert_solution(LSCP.from_cost_matrix(COST, 4.0, predefined=[1]).solve(), 3.0, (0, 1, 2))


def test_lscp_skips_unreachable_pairs():
    cost = COST.copy()
    cost[1, 0] = INF  # client 1 can now be served only by facility 1
    assert_solution(LSCP.from_cost_matrix(cost, 4.0).solve(), 3.0, (0, 1, 2))


def test_lscp_infeasible_names_the_clients():
    with pytest.raises(ValueError, match=r"LSCP is infeasible: clients 3 have no facility within"):
        LSCP.from_cost_matrix(COST, 1.5)
    cost = COST.copy()
    cost[0] = INF
    with pytest.raises(
        ValueError, match=r"clients 0, 3 have no facility within the service radius"
    ):
        LSCP.from_cost_matrix(cost, 1.5)


# --- MCLP ---------------------------------------------------------------------------


def test_mclp_one_facility_covers_the_heaviest_pair():
    result = MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 1).solve()
    assert_solution(result, 11.0, (0,))
    assert result.covered.tolist() == [True, True, False, False]
    assert result.client_facility.tolist() == [0, 0, -1, -1]


def test_mclp_two_facilities_cover_everyone_and_p_equal_to_all():
    assert_solution(MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 2).solve(), 17.0, (0, 2))
    assert_solution(MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 3).solve(), 17.0, (0, 1, 2))


def test_mclp_predefined_facility_must_open():
    assert_solution(MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 1, predefined=[1]).solve(), 2.0, (1,))
    result = MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 2, predefined=[1]).solve()
    assert_solution(result, 12.0, (0, 1))


def test_mclp_nobody_in_range():
    result = MCLP.from_cost_matrix(COST, WEIGHTS, 0.5, 2).solve()
    assert result.status == "optimal" and result.objective == 0.0
    assert len(result.facilities) == 2 and not result.covered.any()


# --- p-median -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "p", "objective", "facilities"),
    [
        (np.ones(4), 1, 19.0, (1,)),
        (np.ones(4), 2, 8.0, (0, 2)),
        (np.ones(4), 3, 5.0, (0, 1, 2)),  # every client at its nearest
        (WEIGHTS, 1, 68.0, (0,)),
    ],
)
def test_pmedian_known_answers(weights, p, objective, facilities):
    assert_solution(PMedian.from_cost_matrix(COST, weights, p).solve(), objective, facilities)


def test_pmedian_predefined_and_unreachable():
    result = PMedian.from_cost_matrix(COST, np.ones(4), 2, predefined=[1]).solve()
    assert_solution(result, 9.0, (1, 2))
    cost = COST.copy()
    cost[3, :2] = INF  # client 3 is reachable from facility 2 only
    assert_solution(PMedian.from_cost_matrix(cost, np.ones(4), 1).solve(), 21.0, (2,))


def test_pmedian_infeasible_when_p_facilities_cannot_reach_everyone():
    cost = np.array([[1.0, INF], [INF, 1.0]])
    result = PMedian.from_cost_matrix(cost, [1.0, 1.0], 1).solve()
    assert result.status == "infeasible"
    assert result.facilities == () and math.isnan(result.objective)
    assert result.client_facility.tolist() == [-1, -1]


# --- p-center -----------------------------------------------------------------------


def test_pcenter_known_answers():
    result = PCenter.from_cost_matrix(COST, 1).solve()  # every facility ties at 9
    assert result.status == "optimal" and result.objective == 9.0 and len(result.facilities) == 1
    assert_solution(PCenter.from_cost_matrix(COST, 2).solve(), 4.0, (0, 2))
    assert_solution(PCenter.from_cost_matrix(COST, 3).solve(), 2.0, (0, 1, 2))
    assert_solution(PCenter.from_cost_matrix(COST, 2, predefined=[1]).solve(), 5.0, (1, 2))


def test_pcenter_exact_on_close_floats():
    two_ulps, four_ulps = np.nextafter(np.nextafter(1.0, 2.0), 2.0), 1.0 + 4 * np.spacing(1.0)
    cost = np.array([[1.0, four_ulps], [two_ulps, 1.0]])
    assert_solution(PCenter.from_cost_matrix(cost, 1).solve(), two_ulps, (0,))


def test_pcenter_infeasible():
    result = PCenter.from_cost_matrix(np.array([[1.0, INF], [INF, 1.0]]), 1).solve()
    assert result.status == "infeasible" and result.facilities == ()


@pytest.mark.parametrize("model", ["pmedian", "pcenter"])
def test_p_models_reject_clients_nobody_reaches(model):
    cost = np.array([[1.0, 2.0], [INF, INF], [3.0, 1.0]])
    with pytest.raises(ValueError, match=r"clients 1 cannot reach any facility"):
        if model == "pmedian":
            PMedian.from_cost_matrix(cost, np.ones(3), 1)
        else:
            PCenter.from_cost_matrix(cost, 1)


# --- input checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: PMedian.from_cost_matrix(COST, WEIGHTS, 0),
            r"p must be between 1 and the number of facilities \(3\), got 0",
        ),
        (lambda: PCenter.from_cost_matrix(COST, 4), r"p must be between 1 .* got 4"),
        (lambda: PCenter.from_cost_matrix(COST, 1.5), r"p must be a whole number, got 1.5"),
        (
            lambda: MCLP.from_cost_matrix(COST, WEIGHTS, 4.0, 1, predefined=[0, 1]),
            r"2 predefined facilities do not fit in p = 1",
        ),
        (
            lambda: LSCP.from_cost_matrix(COST, 4.0, predefined=[3]),
            r"predefined facility 3 is not a facility index \(0 to 2\)",
        ),
        (lambda: LSCP.from_cost_matrix(COST, 4.0, predefined=[1, 1]), r"must not repeat"),
        (lambda: LSCP.from_cost_matrix(COST, 4.0, predefined=[True, False, True]), r"whole number"),
        (
            lambda: LSCP.from_cost_matrix(COST, -1.0),
            r"service_radius must be zero or more, got -1.0",
        ),
        (lambda: LSCP.from_cost_matrix(COST, float("nan")), r"service_radius must be zero or more"),
        (lambda: LSCP.from_cost_matrix([1.0, 2.0], 1.0), r"2-D array .* got shape \(2,\)"),
        (lambda: LSCP.from_cost_matrix(np.zeros((0, 3)), 1.0), r"at least one of each"),
        (
            lambda: LSCP.from_cost_matrix([[1.0, np.nan]], 1.0),
            r"must not be NaN .* client 0 and facility 1",
        ),
        (
            lambda: LSCP.from_cost_matrix([[1.0], [-2.0]], 1.0),
            r"must not be negative .* got -2.0 for client 1",
        ),
        (
            lambda: PMedian.from_cost_matrix(COST, [1.0, 2.0], 1),
            r"one number per client \(4\), got shape \(2,\)",
        ),
        (
            lambda: MCLP.from_cost_matrix(COST, [1, 1, -1, 1], 4.0, 1),
            r"finite and not negative, got -1.0 for client 2",
        ),
        (
            lambda: LSCP.from_cost_matrix(COST, 4.0).solve(time_limit_s=0),
            r"time_limit_s must be more than zero",
        ),
        (lambda: LSCP.from_cost_matrix(COST, 4.0).solve(seed=-1), r"seed must be between 0 and"),
        (lambda: LSCP.from_cost_matrix(COST, 4.0).solve(workers=0), r"workers must be at least 1"),
        (
            lambda: LSCP.from_cost_matrix(COST, 4.0).solve(mip_gap=1.0),
            r"mip_gap must be at least 0 and below 1",
        ),
    ],
)
def test_inputs_are_checked_in_plain_words(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_inputs_are_copied_and_results_read_only():
    cost = COST.copy()
    model = LSCP.from_cost_matrix(cost, 4.0)
    cost[:] = 0.0
    result = model.solve()
    assert result.facilities == (0, 2)
    with pytest.raises(ValueError, match="read-only"):
        result.covered[0] = False


def test_pcenter_gap_and_limit():
    rng = np.random.default_rng(5)
    model = PCenter.from_cost_matrix(rng.random((80, 20)) * 100, 5)
    exact = model.solve()
    assert exact.status == "optimal"
    rough = model.solve(mip_gap=0.2)
    assert rough.objective <= exact.objective / (1 - 0.2) + 1e-9
    assert rough.best_bound <= exact.objective
    assert model.solve(time_limit_s=1e-6).status in ("optimal", "feasible", "unknown")


def test_limits_and_gap_still_give_a_consistent_answer():
    rng = np.random.default_rng(7)
    cost = rng.random((60, 15)) * 100
    model = PMedian.from_cost_matrix(cost, rng.random(60), 5)
    result = model.solve(mip_gap=0.5)
    assert result.status in ("optimal", "feasible") and result.gap <= 0.5
    result = model.solve(time_limit_s=1e-6)
    assert result.status in ("optimal", "feasible", "unknown")
    if result.status == "unknown":
        assert math.isnan(result.objective) and result.facilities == ()


# --- brute force over every facility subset -----------------------------------------


def brute_force(cost, weights, radius, p, predefined):
    """True optima by enumeration; None where no choice is feasible."""
    n_facilities = cost.shape[1]

    def subsets(k):
        for s in itertools.combinations(range(n_facilities), k):
            if set(predefined) <= set(s):
                yield list(s)

    reach = np.isfinite(cost) & (cost <= radius)
    lscp = next(
        (
            k
            for k in range(1, n_facilities + 1)
            if any(reach[:, s].any(1).all() for s in subsets(k))
        ),
        None,
    )
    mclp = max(math.fsum(weights[reach[:, s].any(1)]) for s in subsets(p))
    nearest = [cost[:, s].min(1) for s in subsets(p)]
    nearest = [d for d in nearest if np.isfinite(d).all()]
    pmedian = min((math.fsum(weights * d) for d in nearest), default=None)
    pcenter = min((d.max() for d in nearest), default=None)
    return {"lscp": lscp, "mclp": mclp, "pmedian": pmedian, "pcenter": pcenter}


def random_instance(seed):
    """8-12 clients x 4-6 facilities with ties, unreachable pairs and predefined sites."""
    rng = np.random.default_rng(seed)
    n, f = int(rng.integers(8, 13)), int(rng.integers(4, 7))
    scale = 10.0 ** rng.integers(-4, 5)
    cost = rng.random((n, f)) * scale
    if seed % 3 == 0:
        cost = np.round(cost / scale * 5)  # many ties, zero costs too
    if seed % 7 == 3:
        cost = 10.0 ** rng.uniform(-3, 5, size=(n, f))  # eight orders of magnitude
    if seed % 4 == 1:
        cost[rng.random((n, f)) < 0.2] = INF
    weights = np.ones(n) if seed % 5 == 2 else rng.random(n) * 10.0 ** rng.integers(-3, 4)
    p = int(rng.integers(1, f + 1))
    predefined = sorted(rng.choice(f, size=int(rng.integers(0, min(p, 2) + 1)), replace=False))
    radius = float(np.quantile(cost[np.isfinite(cost)], rng.uniform(0.2, 0.8)))
    return cost, weights, radius, p, [int(j) for j in predefined]


def ours(cost, weights, radius, p, predefined):
    """Our objectives, None where the model is infeasible."""

    def objective(build):
        try:
            result = build().solve()
        except ValueError:  # a client nobody reaches
            return None
        assert result.status in ("optimal", "infeasible")
        return None if result.status == "infeasible" else result.objective

    pre = {"predefined": predefined}
    return {
        "lscp": objective(lambda: LSCP.from_cost_matrix(cost, radius, **pre)),
        "mclp": objective(lambda: MCLP.from_cost_matrix(cost, weights, radius, p, **pre)),
        "pmedian": objective(lambda: PMedian.from_cost_matrix(cost, weights, p, **pre)),
        "pcenter": objective(lambda: PCenter.from_cost_matrix(cost, p, **pre)),
    }


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force(seed):
    instance = random_instance(seed)
    expected, got = brute_force(*instance), ours(*instance)
    for model, value in expected.items():
        if value is None:
            assert got[model] is None, model
        else:
            assert got[model] == pytest.approx(value, rel=1e-12, abs=0), model


def test_pmedian_tells_apart_near_ties():
    rng = np.random.default_rng(3)
    for _ in range(10):
        cost = rng.integers(1, 4, size=(10, 6)) * 1000.0 + rng.random((10, 6)) * 1e-4
        got = PMedian.from_cost_matrix(cost, np.ones(10), 3).solve().objective
        assert got == brute_force(cost, np.ones(10), 0.0, 3, [])["pmedian"]


# --- determinism --------------------------------------------------------------------


def test_same_seed_same_result():
    rng = np.random.default_rng(11)
    cost = rng.random((50, 12)) * 1000
    cost[rng.random(cost.shape) < 0.1] = INF
    weights = rng.integers(1, 100, 50).astype(float)
    radius = float(np.quantile(cost[np.isfinite(cost)], 0.3))
    for build in (
        lambda: LSCP.from_cost_matrix(cost, radius),
        lambda: MCLP.from_cost_matrix(cost, weights, radius / 2, 3),
        lambda: PMedian.from_cost_matrix(cost, weights, 4),
        lambda: PCenter.from_cost_matrix(cost, 4),
    ):
        first = build().solve(seed=3)
        for again in (build().solve(seed=3), build().solve(seed=3, workers=2)):
            for name in ("status", "objective", "best_bound", "gap", "facilities", "solver"):
                assert getattr(first, name) == getattr(again, name), name
            np.testing.assert_array_equal(first.client_facility, again.client_facility)
            np.testing.assert_array_equal(first.covered, again.covered)
        assert build().solve(seed=4).objective == first.objective  # optimal whatever the seed


# --- spopt on the San Francisco data ------------------------------------------------


@pytest.fixture(scope="module")
def sf():
    """The SF cost matrix (205 tracts x 16 stores, metres) and tract populations."""
    pd = pytest.importorskip("pandas")
    network = SF_DIR / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
    if not network.is_file():
        pytest.skip(f"San Francisco coverage data not found at {SF_DIR}")
    distances = pd.read_csv(network, dtype={"name": str, "DestinationName": str})
    table = distances.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(SF_DIR / "SF_demand_205_centroid_uniform_weight.csv", dtype={"NAME": str})
    weights = demand.set_index("NAME").loc[table.index, "POP2000"].to_numpy(float)
    return table.to_numpy(), weights


@pytest.mark.parametrize(
    ("model", "parameter"),
    [
        ("lscp", 5000.0),
        ("lscp", 8000.0),
        ("mclp", 5000.0),
        ("mclp", 8000.0),
        ("pmedian", 4),
        ("pcenter", 4),
    ],
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pulp's own, about PuLP 4.0
def test_same_optimum_as_spopt(sf, model, parameter):
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    cost, weights = sf
    if model == "lscp":
        theirs = spopt_locate.LSCP.from_cost_matrix(cost, parameter)
        result = LSCP.from_cost_matrix(cost, parameter).solve()
    elif model == "mclp":
        theirs = spopt_locate.MCLP.from_cost_matrix(cost, weights, parameter, 4)
        result = MCLP.from_cost_matrix(cost, weights, parameter, 4).solve()
    elif model == "pmedian":
        theirs = spopt_locate.PMedian.from_cost_matrix(cost, weights, parameter)
        result = PMedian.from_cost_matrix(cost, weights, parameter).solve()
    else:
        theirs = spopt_locate.PCenter.from_cost_matrix(cost, parameter)
        result = PCenter.from_cost_matrix(cost, parameter).solve()
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(pulp.value(theirs.problem.objective), rel=1e-6)
