"""Small helpers for reporting benchmark figures."""
from __future__ import annotations

import numpy as np


def percentiles_ms(seconds: list[float]) -> str:
    a = np.array(seconds) * 1000
    return (f"n={len(a)} p50={np.percentile(a, 50):.2f} ms p90={np.percentile(a, 90):.2f} ms "
            f"p99={np.percentile(a, 99):.2f} ms max={a.max():.2f} ms")
