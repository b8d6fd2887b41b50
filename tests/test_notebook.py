"""The worked notebook runs from start to end on the Kota Malang data, so it never rots."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from planner.validate import validate_plan_files
from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "malang_pilkada_2024.ipynb"


def test_the_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1


@pytest.mark.malang
def test_the_notebook_runs_the_whole_flow_on_kota_malang(
    malang_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    out = tmp_path / "hasil"
    parameters.source += (
        f"\nDATA = Path({str(malang_dir)!r})\nOUT = Path({str(out)!r})\n"
        "TIME_LIMIT = 1.0\nPATROL_SOLUTIONS = 30\n"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert "1,188 TPS" in text and "Rencana sah" in text, text
    assert any("<table" in h and "Polri tersedia" in h for h in html), "officers per Polsek"
    assert len(images) == 2, "response-time histogram and patrol timeline"
    assert "leaflet" in html[-1].lower() or "folium" in html[-1].lower(), "the map, inline"
    assert (out / "map.html").is_file() and (out / "duty_roster.xlsx").is_file()
    assert validate_plan_files(out / "skenario" / "scenario.toml", out / "plan.json") == []
