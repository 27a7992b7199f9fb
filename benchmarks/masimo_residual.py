"""What the Masimo ASCII 1 rules let through: false values over many simulated hours (issue #14).

ASCII 1 has no checksum; device_drivers/masimo_ascii.py reports a value only when lines agree on it. The
same bit of the same digit flipped in two lines can still agree. This runs the line-fidelity harness
(device_drivers/simulators/fidelity.py, simulated time, seeded) for MASIMO_RESIDUAL_HOURS (default 200)
hours per row, one hour per seed from 100, and prints every false value with what the device sent in the
seconds before it, then a line per row. Takes ~2-3 min of CPU per 200 h row; not in the default `make bench`.

    make bench BENCH=masimo_residual
"""
from __future__ import annotations

import collections
import os

ROWS = (("1 % bytes damaged, device default", {"byte_error": 0.01, "bursts": 0.1}),
        ("2 % bytes damaged, device default", {"byte_error": 0.02, "bursts": 0.1}),
        ("2 % damaged, pulse rate new every line", {"byte_error": 0.02, "bursts": 0.1, "every_line": "pr"}))


def run(hours: int) -> list[tuple[str, int, int, dict[str, int]]]:
    """Per row: (name, values reported, false values, false values per metric)."""
    from device_drivers.simulators.fidelity import T0, measure_masimo
    out = []
    for name, options in ROWS:
        reported = false = 0
        per_metric: collections.Counter[str] = collections.Counter()
        for seed in range(100, 100 + hours):
            result = measure_masimo(3600, seed=seed, **options)
            reported += len(result.reported)
            for m in result.false_values:
                false += 1
                per_metric[m.metric] += 1
                sent = [r.value for r in result.readings if r.metric == m.metric and m.t - 3 <= r.t <= m.t]
                print(f"   false: seed {seed}, {m.metric} {m.value:g} at {m.t - T0:.0f} s; sent before it {sent}",
                      flush=True)
        out.append((name, reported, false, dict(per_metric)))
        print(f"{name}: {hours} h, {reported:,} values reported, {false} false {dict(per_metric)}", flush=True)
    return out


def main() -> None:
    run(int(os.environ.get("MASIMO_RESIDUAL_HOURS", 200)))


if __name__ == "__main__":
    main()
