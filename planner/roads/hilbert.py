"""Order points along a Hilbert curve: points near each other get near positions."""

from __future__ import annotations

import numpy as np


def hilbert_index(x: np.ndarray, y: np.ndarray, order: int = 16) -> np.ndarray:
    """Position of each point along a Hilbert curve over the points' bounding box."""
    side = 2**order
    span_x = max(float(np.ptp(x)), 1e-12)
    span_y = max(float(np.ptp(y)), 1e-12)
    xi = np.clip(((x - x.min()) / span_x * (side - 1)).astype(np.int64), 0, side - 1)
    yi = np.clip(((y - y.min()) / span_y * (side - 1)).astype(np.int64), 0, side - 1)
    d = np.zeros(len(x), dtype=np.int64)
    s = side // 2
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        d += s * s * ((3 * rx) ^ ry)
        flip = ~ry
        xi = np.where(flip & rx, side - 1 - xi, xi)
        yi = np.where(flip & rx, side - 1 - yi, yi)
        xi, yi = np.where(flip, yi, xi), np.where(flip, xi, yi)
        s //= 2
    return d
