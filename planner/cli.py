"""The ``tps-planner`` command line: a thin shell over the library.

Commands: ``init`` (a scenario to start from), ``plan`` (a scenario file to a
validated plan with maps and rosters), ``demo`` (the Kota Malang demo, planned
the same way), ``check`` (input files only) and ``validate`` (any plan.json).

Exit codes: 0 done, 1 plan infeasible (TPS left uncovered) or rule violations
found (the plan is still written), 2 bad input or an output folder that cannot be
written (the path named, earlier outputs left as they were), 3 internal error, 130
stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM (nothing half-written is left
either way).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner._atomic import STAGING_MARK
from planner._signals import Interrupted, stop_on_signals
from planner.errors import InputError, Problem
from planner.progress import Progress, printable

if TYPE_CHECKING:
    from planner.pipeline import PlanResult

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_STOPPED = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""Exit codes of a run a signal stopped: 128 plus its number, as shells report them."""
NO_PERMISSION = (
    "izin menulis ditolak; ubah izin foldernya atau pilih folder --out lain",
    "permission denied; change the folder's permissions or choose another --out folder",
)
NO_SPACE = (
    "disk penuh; kosongkan ruang disk atau pilih folder --out di disk lain",
    "disk full; free some space or choose an --out folder on another disk",
)
REFUSED_WRITES = {
    errno.EACCES: NO_PERMISSION,
    errno.EPERM: NO_PERMISSION,
    errno.EROFS: (
        "disk hanya bisa dibaca; pilih folder --out di disk yang bisa ditulis",
        "read-only file system; choose an --out folder on a writable disk",
    ),
    errno.ENOSPC: NO_SPACE,
    errno.EDQUOT: NO_SPACE,
}
"""What to do when the system refuses a write, by ``errno``."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tps-planner",
        description="Perencanaan pengamanan TPS Kota Malang (election security planning).",
        epilog="Kode keluar (exit codes): 0 selesai, 1 TPS tak terjaga atau pelanggaran, "
        "2 masukan salah atau folder keluaran tak bisa ditulis, 3 galat internal, "
        "130 dihentikan Ctrl-C, 143 dihentikan SIGTERM.",
    )
    parser.add_argument("--version", action="version", version=f"tps-planner {__version__}")
    _output_arguments(parser, on_command=False)
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser(
        "init", help="tulis templat skenario dan contoh masukan (starter scenario)"
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="folder tujuan")
    init.add_argument("--force", action="store_true", help="timpa berkas yang sudah ada")
    init.add_argument(
        "--data-dir",
        type=Path,
        help="folder data dasar yang ditulis ke [inputs] data_dir skenario (base data folder)",
    )
    _output_arguments(init)

    plan = commands.add_parser("plan", help="rencanakan skenario (plan a scenario file)")
    plan.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="berkas skenario")
    plan.add_argument("--out", required=True, type=Path, help="folder keluaran")
    _network_arguments(plan)
    _plan_arguments(plan)
    _output_arguments(plan)

    demo = commands.add_parser("demo", help="skenario demo Kota Malang (Kota Malang demo)")
    demo.add_argument("--out", required=True, type=Path, help="folder keluaran")
    _network_arguments(demo)
    demo.add_argument("--tps", type=_positive(int), help="jumlah TPS (default: jumlah pemilu)")
    demo.add_argument(
        "--election", choices=["pilkada2024", "pemilu2024"], help="pemilu (default pilkada2024)"
    )
    _plan_arguments(demo)
    _output_arguments(demo)

    check = commands.add_parser("check", help="periksa berkas masukan (validate input files)")
    check.add_argument(
        "tps_file",
        type=Path,
        metavar="TPS_FILE|SCENARIO.toml",
        help="berkas TPS, atau skenario yang [inputs]-nya menyebut semua berkas",
    )
    check.add_argument("--posts", type=Path, help="berkas pos (posts file)")
    check.add_argument("--scenario", type=Path, help="berkas skenario TOML")
    check.add_argument("--roster", type=Path, help="daftar personel bernama (named roster)")
    check.add_argument(
        "--sites", type=Path, help="lokasi gudang, PPK dan PPS (logistics storage sites)"
    )
    _network_arguments(check)
    _output_arguments(check)

    validate = commands.add_parser(
        "validate",
        help="periksa rencana (validate a plan)",
        usage="tps-planner validate [-h] [--scenario SCENARIO.toml] [--network NETWORK] "
        "[--data-dir DATA_DIR] [--quiet] [--verbose] [SCENARIO.toml] PLAN.json",
        description="Periksa plan.json secara independen terhadap skenarionya: "
        "'validate PLAN.json' memakai scenario.toml di sebelahnya, "
        "'validate SCENARIO.toml PLAN.json' atau --scenario memakai skenario lain.",
    )
    validate.add_argument(
        "files", type=Path, nargs="+", metavar="PLAN.json", help="[SCENARIO.toml] PLAN.json"
    )
    validate.add_argument("--scenario", type=Path, help="berkas skenario TOML")
    _network_arguments(validate)
    _output_arguments(validate)
    return parser


def _output_arguments(parser: argparse.ArgumentParser, on_command: bool = True) -> None:
    """``--quiet`` and ``--verbose``, before or after the command."""
    default: Any = argparse.SUPPRESS if on_command else False
    parser.add_argument(
        "--quiet", action="store_true", default=default, help="tanpa keterangan di layar"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=default,
        help="rincian solver dan traceback galat internal (solver detail, tracebacks)",
    )


def _network_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", type=Path, help="berkas jaringan jalan")
    parser.add_argument(
        "--data-dir", type=Path, help="folder data dasar (default: $TPS_PLANNER_DATA_DIR)"
    )


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The seed, the solvers' search limits and the language of maps and rosters."""
    parser.add_argument("--lang", choices=["id", "en"], default="id", help="bahasa peta dan daftar")
    parser.add_argument("--seed", type=_positive(int, zero=True), help="benih acak (random seed)")
    parser.add_argument(
        "--time-limit",
        type=_positive(float),
        metavar="S",
        help="batas CP-SAT per tahap dan 100 TPS kecamatan, [assignment] time_limit_s "
        "(deterministic units, about seconds)",
    )
    parser.add_argument(
        "--patrol-solutions",
        type=_positive(int),
        metavar="N",
        help="upaya pencarian patroli per Polsek, [patrol] solution_limit",
    )
    parser.add_argument(
        "--patrol-time-limit",
        type=_positive(float),
        metavar="S",
        help="detik per Polsek dengan --wall-clock, [patrol] time_limit_s",
    )
    parser.add_argument(
        "--wall-clock",
        action="store_true",
        help="berhenti menurut waktu jam, bukan upaya deterministik: hasil bisa berbeda "
        "antar-jalan (stop on wall time; runs may differ)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="ganti folder --out seluruhnya walau berisi berkas lain, bukan rencana "
        "(replace --out as a whole even when it holds other files than a plan)",
    )


def _positive(kind: type, zero: bool = False) -> Any:
    """An argparse type: a number above zero (or at least zero)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bukan angka (not a number): {text!r}") from None
        if value < 0 or (value == 0 and not zero):
            raise argparse.ArgumentTypeError(f"harus lebih dari nol (must be positive): {text}")
        return value

    return parse


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from planner.inputs.rules import solver_overrides

    return solver_overrides(
        time_limit_s=args.time_limit,
        patrol_solutions=args.patrol_solutions,
        patrol_time_limit_s=args.patrol_time_limit,
        wall_clock=args.wall_clock,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    progress = Progress(quiet=args.quiet, verbose=args.verbose)
    with stop_on_signals():  # a signal during the run raises Interrupted, once
        return run_command(args, progress)


def run_command(args: argparse.Namespace, progress: Progress) -> int:
    """The command of ``args``; its errors and interruptions as exit codes."""
    try:
        return COMMANDS[args.command](args, progress)
    except InputError as exc:
        print_problems(exc.problems)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        print(stopped_message(signum), file=sys.stderr)
        return EXIT_STOPPED[signum]
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        print(
            f"Galat internal (internal error): {type(exc).__name__}: {printable(str(exc))}\n"
            + ("" if args.verbose else "Jalankan ulang dengan --verbose untuk rincian."),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def stopped_message(signum: int) -> str:
    """The one line saying a signal stopped the run and that nothing is half-written."""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    return (
        f"\nDihentikan oleh {name}: tidak ada berkas setengah jadi "
        f"(stopped by {name}: nothing half-written)"
    )


def print_problems(problems: Sequence[Problem]) -> None:
    """Every problem on stderr, errors first, with a count (control characters escaped)."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    for problem in [*errors, *warnings]:
        print(printable(str(problem)), file=sys.stderr)
    print(f"{len(errors)} galat, {len(warnings)} peringatan (errors, warnings)", file=sys.stderr)


def run_plan_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner plan``: a scenario file to a validated plan and every output."""
    from planner.pipeline import plan_scenario

    with refused_writes(args.out):
        result = plan_scenario(
            args.scenario,
            args.out,
            network=args.network,
            data_dir=args.data_dir,
            seed=args.seed,
            overrides=_overrides(args),
            lang=args.lang,
            progress=progress,
            force=args.force,
        )
    return finish(result, args)


def run_demo_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner demo``: the Kota Malang demo scenario, planned like ``plan``."""
    from planner.demo.run import run_demo

    with refused_writes(args.out):
        result = run_demo(
            args.out,
            network=args.network,
            data_dir=args.data_dir,
            tps=args.tps,
            seed=args.seed,
            election=args.election,
            progress=progress,
            lang=args.lang,
            overrides=_overrides(args),
            force=args.force,
        )
    return finish(result, args)


@contextmanager
def refused_writes(out: Path) -> Iterator[None]:
    """A write refused (no permission, read-only or full disk) as an InputError naming the path."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in REFUSED_WRITES:
            raise
        text_id, text_en = REFUSED_WRITES[exc.errno]
        problem = Problem(
            str(refused_path(exc, out)),
            f"{text_id}; keluaran sebelumnya tidak diubah",
            f"{text_en}; earlier outputs left as they were",
            code="unwritable",
        )
        raise InputError([problem]) from None


def refused_path(exc: OSError, out: Path) -> Path:
    """The path to name: the file given; the folder that holds a staging folder; else ``out``."""
    for name in (exc.filename2, exc.filename):
        if not isinstance(name, str | bytes | os.PathLike):
            continue
        path = Path(os.fsdecode(name))
        if STAGING_MARK in path.name:
            return path.parent
        if STAGING_MARK not in str(path):
            return path
    return out


def finish(result: PlanResult, args: argparse.Namespace) -> int:
    """Say where the outputs are; 1 when TPS are uncovered or rules broken, else 0."""
    if not args.quiet:
        print(f"Keluaran ditulis ke (outputs in) {args.out}")
        shown = ("plan", "map", "map_public", "roster_xlsx", "log")
        for kind, path in result.files.items():
            if args.verbose or kind in shown:
                print(f"{kind:>12}: {path}")
    if result.uncovered:
        print(
            f"{len(result.uncovered)} TPS tanpa kelompok jaga (uncovered TPS): "
            "lihat 'uncovered' di plan.json",
            file=sys.stderr,
        )
    if result.violations:
        print(f"{len(result.violations)} pelanggaran aturan (rule violations)", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_VIOLATIONS


def run_init_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner init``: a commented scenario and example inputs to start from."""
    from planner.demo.starter import write_starter

    files = write_starter(args.folder, force=args.force, data_dir=args.data_dir)
    if not args.quiet:
        for path in files:
            print(f"ditulis (written): {path}")
        scenario = files[0]
        print(
            f"Ubah berkasnya, lalu (edit them, then): tps-planner plan {scenario} "
            f"--out {args.folder / 'hasil'}"
        )
    return EXIT_OK


def run_check_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner check``: validate input files and print what they hold."""
    from planner.check import check_inputs

    report = check_inputs(
        args.tps_file,
        posts_file=args.posts,
        scenario_file=args.scenario,
        network=args.network,
        data_dir=args.data_dir,
        progress=progress,
        roster_file=args.roster,
        sites_file=args.sites,
    )
    print(printable("\n".join(report.lines())))
    if report.warnings:
        print_problems(report.warnings)
    return EXIT_OK


def run_validate_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner validate``: re-check every rule of a plan; 1 when any is broken."""
    from planner.pipeline import SCENARIO_FILE
    from planner.validate import validate_plan_files

    if len(args.files) > 2 or (len(args.files) == 2 and args.scenario):
        raise InputError(
            [
                Problem(
                    "validate",
                    "beri PLAN.json, dengan skenario di sebelahnya atau lewat --scenario",
                    "give PLAN.json, with its scenario beside it or by --scenario",
                )
            ]
        )
    *given, plan = args.files
    scenario = args.scenario or (given[0] if given else plan.parent / SCENARIO_FILE)
    with progress.stage(f"Memeriksa rencana {plan} (validating the plan)"):
        violations = validate_plan_files(
            scenario, plan, network=args.network, data_dir=args.data_dir
        )
    for violation in violations:
        print(printable(str(violation)))
    if violations:
        print(f"{len(violations)} pelanggaran aturan (rule violations)")
        return EXIT_VIOLATIONS
    print("Rencana sah: semua aturan terpenuhi (plan valid: every rule holds)")
    return EXIT_OK


COMMANDS = {
    "init": run_init_command,
    "plan": run_plan_command,
    "demo": run_demo_command,
    "check": run_check_command,
    "validate": run_validate_command,
}


if __name__ == "__main__":
    sys.exit(main())
