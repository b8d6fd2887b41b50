"""Progress lines for long runs, stamped with WIB clock time."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TextIO

WIB = timezone(timedelta(hours=7), "WIB")


def now_wib() -> datetime:
    """The current time in WIB (UTC+7)."""
    return datetime.now(WIB)


class Progress:
    """Prints what the planner is doing and how long each stage took."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet

    def info(self, text: str) -> None:
        """One line, stamped with the WIB time."""
        if not self.quiet:
            print(f"[{now_wib():%H:%M:%S} WIB] {text}", file=self.stream, flush=True)

    @contextmanager
    def stage(self, text: str) -> Iterator[None]:
        """Announce a stage, then report its duration when it ends."""
        self.info(f"{text} ...")
        start = time.perf_counter()
        yield
        self.info(f"  selesai ({time.perf_counter() - start:.1f} s)")


SILENT = Progress(quiet=True)
