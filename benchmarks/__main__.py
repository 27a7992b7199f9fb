"""Run the benchmarks named on the command line (default: all) and print their figures."""
from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: benchmark modules under benchmarks/, each with main()
ALL = ("skeleton", "drivers", "session", "records", "alarm_latency", "replication", "station", "memory", "cpu", "startup",
       "noisy_link")


def main(argv: list[str]) -> int:
    names = argv or list(ALL)
    for name in names:
        if name not in ALL:
            print(f"benchmarks: no benchmark {name!r}; choose from: {', '.join(ALL)}", file=sys.stderr)
            return 2
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


raise SystemExit(main(sys.argv[1:]))
