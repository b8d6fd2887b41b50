"""Reading map pages in tests: the plan's data block."""

from __future__ import annotations

import json
import re
from typing import Any

from planner.outputs._page import DATA_ELEMENT_ID


def page_data(page: str) -> dict[str, Any]:
    """The plan's data block of a map page."""
    found = re.search(
        rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', page, re.DOTALL
    )
    assert found is not None, "no data block"
    return json.loads(found[1])
