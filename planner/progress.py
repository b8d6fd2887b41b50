"""Progress lines for long runs, stamped with WIB clock time, on the console and in a log file.

A :class:`Progress` prints ``info`` lines unless quiet, ``detail`` lines (solver
statistics) only when verbose, and writes both to the log file it was given with
:meth:`Progress.logging_to`. Library functions take a :class:`Report` callable
(``Progress.report`` or anything with its signature), so they never print.

Lines may carry text from the input files (names, ids, notes): control characters
in them are shown escaped (:func:`printable`), so no input can move the cursor,
clear the screen, colour the terminal or split a log line.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol, TextIO

WIB = timezone(timedelta(hours=7), "WIB")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
"""C0 and C1 control characters (newline apart), DEL and the Unicode line separators."""


def printable(text: str) -> str:
    """``text`` with every control character but newline shown as Python escapes it.

    ESC becomes the four characters ``\\x1b``, a tab ``\\t``, a line separator
    ``\\u2028``: for the console and the log, where an escape sequence from an input
    file would otherwise act on the terminal or split the line.
    """
    return CONTROL_CHARACTERS.sub(lambda match: ascii(match[0])[1:-1], text)


def now_wib() -> datetime:
    """The current time in WIB (UTC+7)."""
    return datetime.now(WIB)


class Report(Protocol):
    """Where a long computation says what it is doing; ``detail`` lines are for --verbose."""

    def __call__(self, text: str, *, detail: bool = False) -> None: ...


def no_report(text: str, *, detail: bool = False) -> None:
    """A :class:`Report` that says nothing."""


class Throttle:
    """True at most once per ``every_s`` seconds (for solver callbacks that fire often)."""

    def __init__(self, every_s: float = 2.0):
        self.every_s = every_s
        self.last = time.monotonic()

    def due(self) -> bool:
        """Whether enough time has passed since the last time this returned True."""
        now = time.monotonic()
        if now - self.last < self.every_s:
            return False
        self.last = now
        return True


class Progress:
    """Prints what the planner is doing and how long each stage took, and logs it."""

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        verbose: bool = False,
        log: TextIO | None = None,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.verbose = verbose
        self.log = log
        self._lock = threading.Lock()

    def _emit(self, text: str, console: bool) -> None:
        line = f"[{now_wib():%H:%M:%S} WIB] {printable(text)}"
        with self._lock:
            if console:
                print(line, file=self.stream, flush=True)
            if self.log is not None:
                self.log.write(line + "\n")
                self.log.flush()

    def info(self, text: str) -> None:
        """One line, stamped with the WIB time: on the console unless quiet, and in the log."""
        self._emit(text, console=not self.quiet)

    def detail(self, text: str) -> None:
        """A detail line (solver statistics): on the console only when verbose."""
        self._emit(text, console=self.verbose and not self.quiet)

    def report(self, text: str, *, detail: bool = False) -> None:
        """The :class:`Report` form of :meth:`info` and :meth:`detail`."""
        if detail:
            self.detail(text)
        else:
            self.info(text)

    def table(self, lines: Iterable[str], stream: TextIO | None = None) -> None:
        """Lines without time stamps (a summary table): to ``stream`` unless quiet, and the log."""
        lines = [printable(line) for line in lines]
        with self._lock:
            if not self.quiet:
                print("\n".join(lines), file=stream or sys.stdout, flush=True)
            if self.log is not None:
                self.log.write("\n".join(lines) + "\n")
                self.log.flush()

    @contextmanager
    def stage(self, text: str) -> Iterator[None]:
        """Announce a stage, then report its duration when it ends."""
        self.info(f"{text} ...")
        start = time.perf_counter()
        yield
        self.info(f"  selesai ({time.perf_counter() - start:.1f} s)")

    @contextmanager
    def logging_to(self, path: str | Path) -> Iterator[Progress]:
        """A copy of this progress that also writes every line to the log file ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as log:
            yield Progress(self.stream, self.quiet, self.verbose, log)


SILENT = Progress(quiet=True)
