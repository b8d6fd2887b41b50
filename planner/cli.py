"""The ``tps-planner`` command line: a thin shell over the library.

Exit codes: 0 done, 1 plan infeasible or violations found, 2 bad input,
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from planner import __version__
from planner._errors import InputError, Problem
from planner.progress import Progress

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tps-planner",
        description="Perencanaan pengamanan TPS Kota Malang (election security planning).",
    )
    parser.add_argument("--version", action="version", version=f"tps-planner {__version__}")
    parser.add_argument("--quiet", action="store_true", help="tanpa keterangan proses")
    parser.add_argument("--verbose", action="store_true", help="tampilkan traceback galat internal")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="skenario demo Kota Malang (Kota Malang demo)")
    demo.add_argument("--out", required=True, type=Path, help="folder keluaran")
    _network_arguments(demo)
    demo.add_argument("--tps", type=int, help="jumlah TPS (default: jumlah pemilu)")
    demo.add_argument("--seed", type=int, help="benih acak (random seed)")
    demo.add_argument(
        "--election", choices=["pilkada2024", "pemilu2024"], help="pemilu (default pilkada2024)"
    )
    demo.add_argument("--lang", choices=["id", "en"], default="id", help="bahasa peta dan daftar")

    check = commands.add_parser("check", help="periksa berkas masukan (validate input files)")
    check.add_argument("tps_file", type=Path, metavar="TPS_FILE")
    check.add_argument("--posts", type=Path, help="berkas pos (posts file)")
    check.add_argument("--scenario", type=Path, help="berkas skenario TOML")
    check.add_argument("--roster", type=Path, help="daftar personel bernama (named roster)")
    _network_arguments(check)

    validate = commands.add_parser("validate", help="periksa rencana (validate a plan)")
    validate.add_argument("scenario", type=Path, metavar="SCENARIO", help="skenario TOML")
    validate.add_argument("plan", type=Path, metavar="PLAN.json")
    return parser


def _network_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", type=Path, help="berkas jaringan jalan")
    parser.add_argument(
        "--data-dir", type=Path, help="folder data dasar (default: $TPS_PLANNER_DATA_DIR)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    progress = Progress(quiet=args.quiet)
    try:
        return COMMANDS[args.command](args, progress)
    except InputError as exc:
        print_problems(exc.problems)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("\nDihentikan (interrupted); tidak ada berkas setengah jadi.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.verbose:
            raise
        print(
            f"Galat internal (internal error): {type(exc).__name__}: {exc}\n"
            "Jalankan ulang dengan --verbose untuk rincian.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def print_problems(problems: Sequence[Problem]) -> None:
    """Every problem on stderr, errors first, with a count."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    for problem in [*errors, *warnings]:
        print(problem, file=sys.stderr)
    print(f"{len(errors)} galat, {len(warnings)} peringatan (errors, warnings)", file=sys.stderr)


def run_demo_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner demo``."""
    from planner.demo import run_demo

    result = run_demo(
        args.out,
        network=args.network,
        data_dir=args.data_dir,
        tps=args.tps,
        seed=args.seed,
        election=args.election,
        progress=progress,
        lang=args.lang,
    )
    if result.scenario.warnings:
        print_problems(result.scenario.warnings)
    for kind, path in result.files.items():
        print(f"{kind:>10}: {path}")
    for violation in result.violations:
        print(violation)
    uncovered = result.plan["uncovered"] if result.plan else []
    if uncovered:
        print(f"{len(uncovered)} TPS tanpa kelompok jaga (uncovered TPS): lihat plan.json")
    return EXIT_VIOLATIONS if result.violations or uncovered else EXIT_OK


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
    )
    print("\n".join(report.lines()))
    if report.warnings:
        print_problems(report.warnings)
    return EXIT_OK


def run_validate_command(args: argparse.Namespace, progress: Progress) -> int:
    """``tps-planner validate``: re-check every rule of a plan; 1 when any is broken."""
    from planner.validate import validate_plan_files

    with progress.stage("Memeriksa rencana (validating the plan)"):
        violations = validate_plan_files(args.scenario, args.plan)
    for violation in violations:
        print(violation)
    if violations:
        print(f"{len(violations)} pelanggaran aturan (rule violations)")
        return EXIT_VIOLATIONS
    print("Rencana sah: semua aturan terpenuhi (plan valid: every rule holds)")
    return EXIT_OK


COMMANDS = {
    "demo": run_demo_command,
    "check": run_check_command,
    "validate": run_validate_command,
}


if __name__ == "__main__":
    sys.exit(main())
