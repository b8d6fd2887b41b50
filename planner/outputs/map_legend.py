"""The map's colours and its legend: a symbol, a colour and a meaning for every layer shown."""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from typing import Any

from planner.outputs.map_text import text

RISK_COLOURS = {
    "kurang_rawan": "#2e7d32",
    "rawan": "#f9a825",
    "sangat_rawan": "#c62828",
    "khusus": "#6a1b9a",
}

UNCOVERED_COLOUR = "#9e9e9e"

MISSED_COLOUR = "#ff6d00"

UNPATROLLED_COLOUR = "#d50000"

ROUTE_PALETTE = (
    "#1565c0",
    "#d81b60",
    "#00838f",
    "#ef6c00",
    "#5e35b1",
    "#43a047",
    "#6d4c41",
    "#9e9d24",
    "#00acc1",
    "#8e24aa",
    "#f4511e",
    "#283593",
)
"""Patrol route colours; a Polsek with more vehicles gets evenly spaced hues instead."""

LOGISTICS_PALETTE = ("#004d40", "#00796b", "#4db6ac", "#4e342e", "#795548", "#a1887f")
"""One colour per logistics leg (:data:`planner.inputs.rules.LEGS`): teal out, brown back, none a
risk colour."""

RESERVE_COLOUR = "#0d47a1"

GROUP_COLOUR = "#37474f"


def route_colours(count: int) -> list[str]:
    """``count`` colours, all different: the palette, else evenly spaced hues."""
    if count <= len(ROUTE_PALETTE):
        return list(ROUTE_PALETTE[:count])
    shades = (colorsys.hls_to_rgb(n / count, 0.36 + 0.1 * (n % 2), 0.75) for n in range(count))
    return ["#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgb)) for rgb in shades]


def legend(data: Mapping[str, Any], lang: str) -> list[list[str]]:
    """The legend: a symbol, its colour and its meaning for every layer the page has."""
    t = text(lang)
    items = [["dot", r["colour"], r["label"]] for r in data["risks"]]
    if "groups" in data:
        items += [
            ["ring", RISK_COLOURS["kurang_rawan"], t["legend_anchor"]],
            ["uncov", UNCOVERED_COLOUR, t["legend_uncovered"]],
            ["line", GROUP_COLOUR, t["legend_group"]],
        ]
    patrols = data.get("patrols")
    if patrols and patrols["shifts"]:
        items.append(["route", ROUTE_PALETTE[0], t["legend_route"]])
    if patrols and patrols["missed"] is not None:
        items += [
            ["missed", MISSED_COLOUR, t["legend_missed"]],
            ["nopatrol", UNPATROLLED_COLOUR, t["legend_unpatrolled"]],
        ]
    logistics = data.get("logistics")
    if logistics and logistics["layers"]:
        items.append(["escort", LOGISTICS_PALETTE[0], t["legend_logistics"]])
    if logistics:
        items.append(["site", "#6d4c41", t["legend_sites"]])
    items += [
        ["reserve", RESERVE_COLOUR, t["legend_reserve"]],
        ["post", "#0d2a6b", t["legend_post"]],
    ]
    return items
