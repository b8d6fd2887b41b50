"""Reading rules files: TOML read with its errors located, and typed, logged access to the
dotted keys of a rules dictionary (TOML values)."""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from typing import Any

from planner.errors import InputError, Problem, ProblemLog, did_you_mean

AUTO = "auto"
"""A fleet size left to the solver."""
_DAY_TIME = re.compile(r"H(?:([+-])(\d{1,2}))?\s+(\d{1,2}:\d{2})")


def _day_seconds(text: Any) -> int | None:
    """Seconds from voting-day 00:00 of ``"H-4 08:00"`` (``"H 20:00"``, ``"H+1 06:00"``)."""
    match = _DAY_TIME.fullmatch(str(text).strip())
    if match is None:
        return None
    sign, days, clock = match.groups()
    try:
        of_day = time.fromisoformat(clock.zfill(5))
    except ValueError:
        return None
    offset = int(days or 0) * (-1 if sign == "-" else 1)
    return offset * 86_400 + of_day.hour * 3600 + of_day.minute * 60


_TOML_NAME = r"""(?:[\w-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[\w-]+|"[^"]*"|'[^']*'))*"""
_TOML_HEADER = re.compile(rf"\s*\[\[?\s*({_TOML_NAME})\s*\]\]?\s*(?:#.*)?")
_TOML_KEY = re.compile(rf"\s*({_TOML_NAME})\s*=")
_TOML_PART = re.compile(r""""([^"]*)"|'([^']*)'|([\w-]+)""")


def _dotted(text: str) -> str:
    """A TOML key or table name as plain dotted parts: ``a."b c"`` -> ``a.b c``."""
    return ".".join("".join(part) for part in _TOML_PART.findall(text))


def key_line(lines: Sequence[str], dotted: str) -> int | None:
    """The line (from 1) of a TOML file that writes ``dotted``, a table under it or, for a key
    of an inline table, its parent; ``None`` if none does."""
    paths: list[tuple[int, str]] = []
    table = ""
    for number, line in enumerate(lines, start=1):
        header = _TOML_HEADER.fullmatch(line)
        key = None if header else _TOML_KEY.match(line)
        if header:
            table = _dotted(header.group(1))
            paths.append((number, table))
        elif key:
            paths.append((number, ".".join(filter(None, (table, _dotted(key.group(1)))))))
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        wanted = ".".join(parts[:end])
        for number, path in paths:
            if path == wanted or path.startswith(f"{wanted}."):
                return number
    return None


def unknown_keys(
    raw: Mapping[str, Any],
    known: Mapping[str, Any],
    log: ProblemLog,
    open_tables: Collection[str] = (),
    prefix: str = "",
) -> None:
    """Log every key of ``raw`` that ``known`` lacks, with the closest known key.

    Tables in ``open_tables`` (dotted) hold keys of the user's own and are not looked into.
    """
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if dotted in open_tables:
            continue
        if key not in known:
            hint_id, hint_en = did_you_mean(
                dotted, [f"{prefix}{k}" for k in known], key=lambda name: name.split(".")[-1]
            )
            log.add(
                f"kunci '{dotted}' tidak dikenal{hint_id}",
                f"unknown key '{dotted}'{hint_en}",
                column=dotted,
                code="unknown_key",
            )
        elif isinstance(value, Mapping) and isinstance(known[key], Mapping):
            unknown_keys(value, known[key], log, open_tables, f"{dotted}.")


def is_number(value: Any) -> bool:
    """A TOML int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class RulesReader:
    """Typed access to dotted keys of a TOML dictionary, logging what is wrong."""

    def __init__(self, raw: Mapping[str, Any], log: ProblemLog):
        self.raw = raw
        self.log = log

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def _missing(self, dotted: str) -> None:
        self.log.add(
            f"kunci '{dotted}' tidak ada", f"key '{dotted}' is missing", column=dotted, code="key"
        )

    def number(self, dotted: str, positive: bool = False) -> float:
        value = self.get(dotted)
        if value is None:
            self._missing(dotted)
            return 1.0
        if not is_number(value) or (positive and value <= 0):
            self.log.add(
                f"'{dotted}' harus angka{' positif' if positive else ''}, bukan {value!r}",
                f"'{dotted}' must be a{' positive' if positive else ''} number, not {value!r}",
                column=dotted,
                code="key",
            )
            return 1.0
        return float(value)

    def integer(self, dotted: str, minimum: int) -> int:
        value = self.get(dotted)
        if value is None:
            self._missing(dotted)
            return minimum
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.log.add(
                f"'{dotted}' harus bilangan bulat >= {minimum}, bukan {value!r}",
                f"'{dotted}' must be a whole number >= {minimum}, not {value!r}",
                column=dotted,
                code="key",
            )
            return minimum
        return value

    def fleet_size(self, dotted: str) -> int | None:
        """A whole number >= 0, or ``"auto"`` (``None``: sized by the solver)."""
        return None if self.get(dotted) == AUTO else self.integer(dotted, 0)

    def choice(self, dotted: str, allowed: tuple[str, ...]) -> str:
        value = self.get(dotted)
        if value not in allowed:
            self.log.add(
                f"'{dotted}' harus salah satu dari {', '.join(allowed)}, bukan {value!r}",
                f"'{dotted}' must be one of {', '.join(allowed)}, not {value!r}",
                column=dotted,
                code="key",
            )
            return allowed[0]
        return str(value)

    def counts(self, dotted: str) -> dict[str, int]:
        """A table of names to whole numbers >= 0 (empty when absent)."""
        table = self.get(dotted, {})
        if not isinstance(table, Mapping):
            self.log.add(
                f"'{dotted}' harus tabel nama = angka",
                f"'{dotted}' must be a table of name = number",
                column=dotted,
                code="key",
            )
            return {}
        return {str(k): self.integer(f"{dotted}.{k}", 0) for k in table}

    def date(self, dotted: str) -> str:
        """An ISO date ``YYYY-MM-DD``, kept as text."""
        value = self.get(dotted)
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            self.log.add(
                f"'{dotted}' harus tanggal TTTT-BB-HH, bukan {value!r}",
                f"'{dotted}' must be a date YYYY-MM-DD, not {value!r}",
                column=dotted,
                code="key",
            )
            return "2000-01-01"

    def windows(self, dotted: str) -> tuple[tuple[int, int], ...]:
        """Sorted, disjoint ``["H-1 07:00", "H-1 18:00"]`` windows in seconds from H 00:00."""
        value = self.get(dotted)
        out: list[tuple[int, int]] = []
        for window in value if isinstance(value, list) else []:
            pair = window if isinstance(window, list) and len(window) == 2 else [None, None]
            first, last = _day_seconds(pair[0]), _day_seconds(pair[1])
            if first is None or last is None or first >= last:
                out = []
                break
            out.append((first, last))
        if out and all(a[1] <= b[0] for a, b in itertools.pairwise(out)):
            return tuple(out)
        self.log.add(
            f"'{dotted}' harus daftar jendela waktu berurutan seperti "
            f'[["H-1 07:00", "H-1 18:00"]], bukan {value!r}',
            f"'{dotted}' must be a list of ordered windows like "
            f'[["H-1 07:00", "H-1 18:00"]], not {value!r}',
            column=dotted,
            code="key",
        )
        return ()

    def day_clock(self, dotted: str) -> int | None:
        """A clock time ``HH:MM`` from 00:00 to 24:00 as seconds after midnight (None: bad)."""
        value = self.get(dotted)
        text = value.isoformat(timespec="minutes") if isinstance(value, time) else str(value)
        if text == "24:00":
            return 86_400
        try:
            clock = time.fromisoformat(text)
        except ValueError:
            self.log.add(
                f"'{dotted}' harus jam JJ:MM (00:00-24:00), bukan {value!r}",
                f"'{dotted}' must be a clock time HH:MM (00:00-24:00), not {value!r}",
                column=dotted,
                code="key",
            )
            return None
        return clock.hour * 3600 + clock.minute * 60

    def clock(self, dotted: str) -> time:
        value = self.get(dotted)
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            self.log.add(
                f"'{dotted}' harus jam JJ:MM, bukan {value!r}",
                f"'{dotted}' must be a clock time HH:MM, not {value!r}",
                column=dotted,
                code="key",
            )
            return time(0, 0)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into an :class:`InputError` with the line."""
    path = Path(path)
    log = ProblemLog(str(path), row_label="baris TOML")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        log.add("berkas tidak ditemukan", "file not found", code="missing_file")
        raise InputError(log.problems) from None
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        log.add(
            f"TOML tidak sah: {exc}",
            f"invalid TOML: {exc}",
            row=int(match.group(1)) if match else None,
            code="toml_syntax",
        )
        raise InputError(log.problems) from None


def located(problems: Iterable[Problem], source: str | Path) -> list[Problem]:
    """The problems, those of the TOML file ``source`` with the line that writes their key."""
    path = Path(source)
    lines = path.read_text("utf-8-sig", errors="replace").splitlines() if path.is_file() else []
    return [
        replace(p, row=key_line(lines, p.column))
        if lines and p.file == str(source) and p.row is None and p.column
        else p
        for p in problems
    ]
