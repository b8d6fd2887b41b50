"""SIGINT and SIGTERM stop ``tps-planner plan`` in every stage: exit 130 or 143, one line,
no process, no staging folder left, the earlier outputs untouched; SIGKILL's leftovers go."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_plan_command import copy_scenario, leftovers

pytestmark = pytest.mark.malang

STAGES = {
    "network": ("loading the road network", ()),
    "guard groups": ("guard-group assignment, CP-SAT", ("--time-limit", "60")),
    "patrols": ("patrol routing, OR-Tools", ("--patrol-solutions", "100000")),
    "logistics": ("logistics, OR-Tools", ("--patrol-solutions", "1", "--time-limit", "0.2")),
    "writing": ("maps, rosters, GIS layers", ("--patrol-solutions", "1", "--time-limit", "0.2")),
}
"""Each stage: what its progress line says, and the options that make it last (or the
stages before it short)."""
EARLIER_PLAN = {
    "tps-planner.log": "log rencana lama",
    "plan.json": '{"rencana": "lama"}',
    "personel.csv": "nama,nrp,telepon\nBudi,87010001,0812\n",
    "publik/map_public.html": "<html>lama</html>",
}


@dataclass(frozen=True)
class Stopped:
    """A console run a signal stopped: exit code, what it printed, how long it took to end."""

    code: int
    stderr: str
    seconds: float
    left: list[str]


def session_processes(session: int) -> list[str]:
    """Live processes of a session (pid and command), read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{stat.parent.name}: {fields}")
    return found


def stop_console(
    scenario: Path, out: Path, stage: str, signum: int, group: bool, *options: str
) -> Stopped:
    """``tps-planner plan`` in its own session; ``signum`` goes to the process (or its whole
    group, as a terminal's Ctrl-C) once the stage is under way."""
    marker = STAGES[stage][0] if stage in STAGES else stage
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    command = [sys.executable, "-m", "planner.cli", "plan", str(scenario), "--out", str(out)]
    # a shell starts background jobs with SIGINT ignored, and a child keeps that
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [*command, *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    lines: list[str] = []
    reached = threading.Event()

    def read() -> None:
        for line in process.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if marker in line:
                reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert reached.wait(300), f"the stage never came: {''.join(lines)[-2000:]}"
        time.sleep(0.3)  # into the stage
        sent = time.perf_counter()
        (os.killpg if group else os.kill)(process.pid, signum)
        code = process.wait(60)
        seconds = time.perf_counter() - sent
        left = session_processes(process.pid)
    finally:
        if process.poll() is None or session_processes(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    reader.join(10)  # the last lines
    return Stopped(code, "".join(lines), seconds, left)


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in ``folder`` by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def scenarios(starter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The starter scenario, and a copy whose logistics search lasts (solution limits)."""
    scenario = copy_scenario(starter, tmp_path_factory.mktemp("lama") / "mulai")
    slow = scenario.with_name("lama.toml")
    text = scenario.read_text(encoding="utf-8")
    start = text.index("\n[logistics]\n")
    limit = re.compile(r"\n(trip_)?solution_limit = \d+")
    logistics = limit.sub(r"\n\1solution_limit = 99999", text[start:])
    slow.write_text(text[:start] + logistics, encoding="utf-8")
    return {"quick": scenario, "slow": slow}


@pytest.mark.parametrize(
    ("stage", "signum", "group"),
    [
        ("network", signal.SIGINT, True),
        ("network", signal.SIGTERM, False),
        ("guard groups", signal.SIGINT, True),
        ("guard groups", signal.SIGTERM, False),
        ("patrols", signal.SIGINT, False),
        ("patrols", signal.SIGTERM, True),
        ("logistics", signal.SIGINT, True),
        ("logistics", signal.SIGTERM, False),
        ("writing", signal.SIGINT, True),
        ("writing", signal.SIGTERM, False),
    ],
    ids=lambda value: {True: "to-group", False: "to-pid"}.get(value, getattr(value, "name", value)),
)
def test_a_signal_stops_the_run_in_every_stage_and_leaves_the_earlier_plan(
    scenarios: dict[str, Path], tmp_path: Path, stage: str, signum: int, group: bool
) -> None:
    out = tmp_path / "hasil"
    for name, text in EARLIER_PLAN.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    before = digest(out)
    scenario = scenarios["slow" if stage == "logistics" else "quick"]
    stopped = stop_console(scenario, out, stage, signum, group, *STAGES[stage][1])
    print(f"{stage}, {signal.Signals(signum).name}: stopped in {stopped.seconds:.2f} s")
    name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    assert stopped.code == 128 + signum, stopped.stderr[-3000:]
    assert stopped.stderr.rstrip().splitlines()[-1] == (
        f"Dihentikan oleh {name}: tidak ada berkas setengah jadi "
        f"(stopped by {name}: nothing half-written)"
    )
    assert "Traceback" not in stopped.stderr and "BrokenPipe" not in stopped.stderr
    assert stopped.left == [], "no worker process is left"
    assert stopped.seconds < 10, "the requirement is 2 s; generous on a loaded machine"
    assert digest(out) == before and leftovers(tmp_path) == []


def test_the_next_run_clears_what_a_killed_run_left(
    scenarios: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "hasil"
    killed = stop_console(scenarios["quick"], out, "network", signal.SIGKILL, False)
    assert killed.code == -signal.SIGKILL
    [staging] = leftovers(tmp_path)
    stopped = stop_console(scenarios["quick"], out, "network", signal.SIGTERM, False)
    assert stopped.code == 143 and leftovers(tmp_path) == [] and not out.exists()
    assert f"Sisa run yang terhenti dihapus: {staging.name}" in stopped.stderr
