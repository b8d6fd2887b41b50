"""One generation time per run, and files that carry no other: the same inputs, same bytes.

Outputs say when they were made (the maps' panels, the rosters' titles,
``summary.json``), and the libraries that write them add times of their own:
openpyxl dates the workbook's properties and every zip entry at the moment it saves,
GDAL dates each GeoPackage table. Here all of them get one time,
:func:`generation_time`: ``$SOURCE_DATE_EPOCH`` when it is set (the
reproducible-builds convention, seconds since 1970-01-01 UTC), else the clock.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import pyogrio
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from planner.errors import InputError, Problem
from planner.progress import WIB, now_wib

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
GDAL_DATE_OPTION = "OGR_CURRENT_DATE"
"""GDAL's configuration option for the time it writes into a GeoPackage."""
ZIP_EPOCH = datetime(1980, 1, 1)
"""The earliest date a zip entry can hold."""
ZIP_ENTRY_MODE = 0o600 << 16
"""Permissions recorded for every zip entry (as :meth:`ZipFile.writestr` records them)."""


def generation_time() -> datetime:
    """When the outputs say they were made, in WIB: ``$SOURCE_DATE_EPOCH`` if set, else now."""
    value = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not value:
        return now_wib()
    try:
        if not value.isdigit():
            raise ValueError(value)
        return datetime.fromtimestamp(int(value), WIB)
    except (ValueError, OverflowError, OSError):
        raise InputError(
            [
                Problem(
                    SOURCE_DATE_EPOCH,
                    f"harus bilangan bulat detik sejak 1970-01-01 UTC, bukan {value!r}",
                    f"must be whole seconds since 1970-01-01 UTC, not {value!r}",
                )
            ]
        ) from None


def save_workbook(workbook: Workbook, path: str | Path, generated: datetime) -> None:
    """Save ``workbook`` dated ``generated`` throughout: document properties and zip entries."""
    workbook.properties.created = _utc(generated)
    workbook.properties.modified = _utc(generated)
    saved = io.BytesIO()
    ExcelWriter(workbook, ZipFile(saved, "w", ZIP_DEFLATED, allowZip64=True)).save()
    stamp = max(generated.replace(tzinfo=None), ZIP_EPOCH).timetuple()[:6]
    with ZipFile(saved) as source, ZipFile(path, "w", ZIP_DEFLATED) as target:
        for name in source.namelist():
            entry = ZipInfo(name, date_time=stamp)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = ZIP_ENTRY_MODE
            target.writestr(entry, source.read(name))


@contextmanager
def gdal_dated(generated: datetime) -> Iterator[None]:
    """GDAL writes ``generated`` as the time of every GeoPackage table made in the block."""
    previous = pyogrio.get_gdal_config_option(GDAL_DATE_OPTION)
    stamp = f"{_utc(generated):%Y-%m-%dT%H:%M:%S}.000Z"
    pyogrio.set_gdal_config_options({GDAL_DATE_OPTION: stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({GDAL_DATE_OPTION: previous})


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC without a time zone, as openpyxl and GDAL take it."""
    return moment.astimezone(UTC).replace(tzinfo=None)
