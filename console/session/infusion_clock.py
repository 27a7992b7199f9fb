"""How much drug has gone in and for how long, from the recorded rate history alone.

A rate history is a list of piecewise-constant segments (start, end or None while running, mL/h). The
pump is programmed with the order's volume to be infused, so it stops there: delivered volume is capped at
that volume, and a session the nurse forgot to stop does not show more drug than the bag gave.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    start_t: float
    end_t: float | None
    rate_ml_per_h: float

    def seconds(self, now: float) -> float:
        end = now if self.end_t is None else min(self.end_t, now)
        return max(0.0, end - self.start_t)


def running_seconds(segments: list[Segment], now: float) -> float:
    return sum(s.seconds(now) for s in segments)


def delivered_ml(segments: list[Segment], now: float, cap_ml: float | None = None) -> float:
    total = sum(s.rate_ml_per_h * s.seconds(now) / 3600.0 for s in segments)
    return min(total, cap_ml) if cap_ml is not None else total


def seconds_until_volume(segments: list[Segment], now: float, volume_ml: float) -> float | None:
    """Seconds of running at the current rate until `volume_ml` has gone in (None when not running)."""
    if not segments or segments[-1].end_t is not None or segments[-1].rate_ml_per_h <= 0:
        return None
    left = volume_ml - delivered_ml(segments, now)
    return max(0.0, left / segments[-1].rate_ml_per_h * 3600.0)
