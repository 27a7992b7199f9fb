"""Run the benchmarks named on the command line (default: all) and print their figures."""
from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: benchmark modules under benchmarks/, each with main(); `make bench` with no name runs these
ALL = ("skeleton", "drivers", "session", "records", "alarm_latency", "replication", "station", "memory", "cpu", "startup",
       "waves", "noisy_link")
#: run only when named: long, or a deeper look at one figure; `goals` measures again what memory, cpu, startup,
#: drivers and waves measure, in one table
ON_REQUEST = ("masimo_residual", "goals")


def main(argv: list[str]) -> int:
    names = argv or list(ALL)
    for name in names:
        if name not in ALL + ON_REQUEST:
            print(f"benchmarks: no benchmark {name!r}; choose from: {', '.join(ALL + ON_REQUEST)}", file=sys.stderr)
            return 2
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


raise SystemExit(main(sys.argv[1:]))
