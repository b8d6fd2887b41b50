"""Named exceptions and the input problems they carry."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as a person would look for it.

    ``row`` counts as a spreadsheet does (the header is row 1, the first record
    row 2); for GeoJSON/GeoPackage it is the feature number (1-based) and
    ``row_label`` says so. ``sheet`` names the workbook sheet of an XLSX file.
    ``text_id`` is Bahasa Indonesia, ``text_en`` English.
    """

    file: str
    text_id: str
    text_en: str
    row: int | None = None
    column: str | None = None
    severity: Severity = "error"
    code: str = "invalid"
    row_label: Literal["baris", "fitur", "baris TOML"] = "baris"
    sheet: str | None = None

    def location(self) -> str:
        """Where the problem is: file, sheet, row and column."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"lembar '{self.sheet}'")
        if self.row is not None:
            parts.append(f"{self.row_label} {self.row}")
        if self.column is not None:
            parts.append(f"kolom '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        tag = "GALAT" if self.severity == "error" else "PERINGATAN"
        return f"[{tag}] {self.location()}: {self.text_id} ({self.text_en})"


class InputError(ValueError):
    """Input files hold one or more errors; ``problems`` lists every one found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{len(errors)} galat pada masukan (input errors)"
        super().__init__("\n".join([head, *map(str, self.problems)]))


class NetworkSourceError(InputError):
    """No road network could be loaded from any configured source."""


@dataclass
class ProblemLog:
    """Collects problems for one file so that all of them are reported in one pass."""

    file: str
    row_label: Literal["baris", "fitur", "baris TOML"] = "baris"
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None

    def add(
        self,
        text_id: str,
        text_en: str,
        *,
        row: int | None = None,
        column: str | None = None,
        severity: Severity = "error",
        code: str = "invalid",
    ) -> None:
        """Record one problem."""
        self.problems.append(
            Problem(
                self.file, text_id, text_en, row, column, severity, code, self.row_label, self.sheet
            )
        )

    @property
    def has_errors(self) -> bool:
        """Whether any recorded problem is an error (not just a warning)."""
        return any(p.severity == "error" for p in self.problems)

    def raise_if_errors(self) -> None:
        """Raise :class:`InputError` with every problem if any is an error."""
        if self.has_errors:
            raise InputError(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are warnings only."""
        return [p for p in self.problems if p.severity == "warning"]


def did_you_mean(
    word: str, known: Iterable[str], listed: bool = True, key: Callable[[str], str] = str
) -> tuple[str, str]:
    """``; maksud Anda 'x'?`` and ``; did you mean 'x'?`` for the known name closest to ``word``
    (compared by ``key``); without one, the known names listed (or nothing)."""
    by_key = {key(name): name for name in known}
    close = difflib.get_close_matches(key(word), list(by_key), n=1)
    if close:
        name = by_key[close[0]]
        return f"; maksud Anda '{name}'?", f"; did you mean '{name}'?"
    if listed and by_key:
        names = ", ".join(sorted(by_key.values()))
        return f"; yang dikenal: {names}", f"; known: {names}"
    return "", ""
