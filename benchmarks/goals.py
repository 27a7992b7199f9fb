"""Issue #14's goals in one benchmark run: every figure the issue sets a goal for, measured now, in one table
(goal, figure, met / NOT met) with the machine it was measured on.

    make bench BENCH=goals                                  # everything: 6 min on 2 cores at load 3
    BENCH_GOALS_ONLY=drivers,waves make bench BENCH=goals    # a subset

Parts (in this order; each prints its wall time):

- drivers: per driver, the share of good readings reported on a clean and on a noisy line (1 % of bytes with
  a flipped bit, bursts of line noise) and the false values (device_drivers/simulators/fidelity.py, as
  `make bench BENCH=drivers`); Masimo ASCII 1 also per metric, with the device's default 8-s averaging.
  Goal: share >= 0.9 and 0 false values.
- fuzz: the fuzz test's runs (tests/device_drivers/test_line_fidelity.py): every driver at 0.1, 0.5, 1 and
  2 % of bytes bit-flipped, bursts of noise, two seeds each. Goal: 0 false values (and some readings
  reported at <= 0.5 %, or the run proves nothing).
- waves: MB per 4-hour session, the demo's waves and the noisy stand-in (benchmarks/waves.py). Goal <= 10.
- start-up: `./bedside run` to the first frame with the year of records at BENCH_YEAR_DIR, warm file cache,
  median of the runs (benchmarks/startup.py; nothing is built: without a year the row says "not measured").
  Goal <= 1.5 s. The empty data directory is timed too, for reference.
- cpu: the console process's CPU in % of one core on Xvfb with monitor + oximeter + pump simulators in their
  own processes (benchmarks/cpu.py). Goal <= 10 %.
- memory: RSS growth after the 2-h warm-up over a 72-h accelerated continuous infusion (benchmarks/memory.py,
  the long part: 4 min at load 3, 9 min on 2026-12-02). Goal <= 20 MB.

Settings (environment): BENCH_GOALS_ONLY=part,part; BENCH_GOALS_OUT=FILE (default docs/bench-goals-latest.md);
BENCH_GOALS_FIDELITY_S (simulated s per driver and line, 300; Masimo per metric at least 1,800 as the test), BENCH_GOALS_FUZZ_S (120, as the test),
BENCH_GOALS_STARTUP_RUNS (5), BENCH_GOALS_CPU_S (60) and BENCH_GOALS_CPU_WARMUP (20),
BENCH_GOALS_MEMORY_HOURS (72; fewer is a short run, reported as not measured at the goal's length);
BENCH_YEAR_DIR=DIR (the year for start-up). Shorter settings are for trying the benchmark, not for the goal.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("drivers", "fuzz", "waves", "startup", "cpu", "memory")

#: issue #14's goals (the numbers are the issue's)
SHARE_MIN = 0.9
WAVES_MB_MAX = 10.0
STARTUP_S_MAX = 1.5
YEAR_SESSIONS = 1500
CPU_PCT_MAX = 10.0
MEMORY_GROWTH_MB_MAX = 20.0
MEMORY_HOURS = 72
FUZZ_BYTE_ERRORS = (0.001, 0.005, 0.01, 0.02)
FUZZ_SEEDS = (1, 2)

MET, NOT_MET, NOT_MEASURED, INFO = "met", "NOT met", "not measured", "for reference"


@dataclass
class Row:
    part: str
    goal: str
    figure: str
    status: str  # MET, NOT_MET, NOT_MEASURED or INFO

    @classmethod
    def judged(cls, part: str, goal: str, figure: str, ok: bool) -> "Row":
        return cls(part, goal, figure, MET if ok else NOT_MET)


def _env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"benchmarks goals: {name}={raw!r} is not a number") from None
    if value <= 0:
        raise SystemExit(f"benchmarks goals: {name}={raw!r} must be more than 0")
    return value


def selected_parts(only: str | None) -> list[str]:
    """The parts BENCH_GOALS_ONLY names (comma-separated), in the benchmark's order; all when unset."""
    if not only:
        return list(PARTS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARTS]
    if unknown or not names:
        raise SystemExit(f"benchmarks goals: BENCH_GOALS_ONLY={only!r}: no part "
                         f"{', '.join(map(repr, unknown)) or 'named'}; choose from: {', '.join(PARTS)}")
    return [p for p in PARTS if p in names]


# ---- the parts: each returns its rows ------------------------------------------------------------------------

def fidelity_rows(rows: list[tuple[str, float, int, float, int]]) -> list[Row]:
    """From benchmarks.drivers.fidelity's (driver, clean share, clean false, noisy share, noisy false)."""
    out = []
    for name, c_share, c_false, n_share, n_false in rows:
        for line, share, false in (("clean", c_share, c_false), ("noisy", n_share, n_false)):
            out.append(Row.judged("drivers", f"{name}, {line} line: share of good readings >= {SHARE_MIN}, "
                                  "0 false values", f"{share:.3f}, {false} false",
                                  share >= SHARE_MIN and false == 0))
    return out


def masimo_rows(rows: list[tuple[str, str, dict[str, tuple[int, int]], int]], case: str) -> list[Row]:
    """From benchmarks.drivers.masimo_fidelity's rows: the per-metric rows of `case`."""
    out = []
    for row_case, line, shares, false in rows:
        if row_case != case:
            continue
        for metric in sorted(shares, key=lambda m: ("spo2", "pr", "pi").index(m) if m in ("spo2", "pr", "pi") else 9):
            reported, good = shares[metric]
            share = reported / good if good else 0.0
            out.append(Row.judged("drivers", f"masimo-ascii {metric}, {line} line ({case}): share >= {SHARE_MIN}, "
                                  "0 false values", f"{reported}/{good} = {share:.3f}, {false} false",
                                  good > 0 and share >= SHARE_MIN and false == 0))
    return out


def drivers_part(seconds: float) -> list[Row]:
    from benchmarks.drivers import MASIMO_CASES, MASIMO_SECONDS, fidelity, masimo_fidelity
    rows = fidelity_rows(fidelity(seconds))
    default_case = MASIMO_CASES[0][0]
    # per metric over 30 simulated minutes, as the test: pulse rate's share moves with the seed over 5 min
    return rows + masimo_rows(masimo_fidelity(max(seconds, MASIMO_SECONDS)), default_case)


def fuzz_rows(runs: dict[str, list[tuple[float, int, int, int]]]) -> list[Row]:
    """From {driver: [(byte error, seed, reported, false values)]}: one row per driver."""
    out = []
    for name, results in runs.items():
        false = sum(f for _, _, _, f in results)
        reported = sum(r for _, _, r, _ in results)
        silent = [f"{e:.1%} seed {s}" for e, s, r, _ in results if e <= 0.005 and r == 0]
        rates = sorted({e for e, _, _, _ in results})
        span = f"{rates[0]:.1%}-{rates[-1]:.1%}" if rates else "no"
        figure = f"{false} false of {reported} reported in {len(results)} runs"
        if silent:
            figure += f"; nothing reported at {', '.join(silent)}"
        out.append(Row.judged("fuzz", f"{name}, {span} of bytes bit-flipped: 0 false values", figure,
                              bool(results) and false == 0 and not silent))
    return out


def fuzz_part(seconds: float) -> list[Row]:
    from device_drivers.simulators.fidelity import DRIVERS, measure
    runs: dict[str, list[tuple[float, int, int, int]]] = {}
    for name in sorted(DRIVERS):
        for byte_error in FUZZ_BYTE_ERRORS:
            for seed in FUZZ_SEEDS:
                r = measure(name, seconds, byte_error=byte_error, bursts=0.1, seed=seed)
                runs.setdefault(name, []).append((byte_error, seed, len(r.reported), len(r.false_values)))
    return fuzz_rows(runs)


def waves_rows(figures: dict) -> list[Row]:
    demo, noisy = figures["demo"], figures["noisy"]
    return [Row.judged("waves", f"the demo's waves ({len(demo['waves'])}), MB per 4-hour session <= {WAVES_MB_MAX:g}",
                       f"{demo['mb']:.2f} MB", demo["mb"] <= WAVES_MB_MAX),
            Row.judged("waves", f"noisy 12-bit ECG + pleth, MB per 4-hour session <= {WAVES_MB_MAX:g}",
                       f"{noisy['mb']:.2f} MB (from {noisy['minutes']} min)", noisy["mb"] <= WAVES_MB_MAX)]


def waves_part() -> list[Row]:
    from benchmarks.waves import run
    return waves_rows(run())


def startup_rows(figures: dict, year_note: str | None) -> list[Row]:
    goal = (f"first frame with a year of records ({YEAR_SESSIONS:,} sessions with waves) <= {STARTUP_S_MAX:g} s "
            "(median, warm)")
    out = []
    if "year" in figures:
        y = figures["year"]
        figure = (f"{y['median_s']:.2f} s (best {y['best_s']:.2f} s, CPU {y['cpu_median_s']:.2f} s; "
                  f"{y.get('sessions', '?')} sessions, {y['size_gb']:.1f} GB; load {y['load']:.1f})")
        if y.get("sessions", 0) < YEAR_SESSIONS:
            out.append(Row("start-up", goal, figure + "; fewer sessions than a year", NOT_MEASURED))
        else:
            out.append(Row.judged("start-up", goal, figure, y["median_s"] <= STARTUP_S_MAX))
            if "cold_median_s" in y:  # the first start after a boot: nothing of Python, Qt or the file cached
                out.append(Row.judged("start-up", goal.replace("(median, warm)", "(median, cold file cache: "
                                                               "drop_caches before each)"),
                                      f"{y['cold_median_s']:.2f} s ({y['cold_runs']} runs)",
                                      y["cold_median_s"] <= STARTUP_S_MAX))
    else:
        out.append(Row("start-up", goal, year_note or "no year of records", NOT_MEASURED))
    if "empty" in figures:
        e = figures["empty"]
        out.append(Row("start-up", "first frame, empty data directory", f"{e['median_s']:.2f} s (best "
                       f"{e['best_s']:.2f} s, CPU {e['cpu_median_s']:.2f} s; load {e['load']:.1f})", INFO))
    return out


def startup_part(runs: int) -> list[Row]:
    from benchmarks import startup
    year = startup.year_dir()
    note = None
    if year is None:
        where = os.environ.get("BENCH_YEAR_DIR")
        note = (f"BENCH_YEAR_DIR={where} holds no database" if where else "BENCH_YEAR_DIR not set") + \
            " (build one: BENCH_YEAR_DIR=DIR make bench BENCH=records)"
    from benchmarks.records import can_drop_caches
    figures = startup.run(runs, year=year, cold=can_drop_caches(), out=_indented)
    if year is not None:
        figures["year"]["sessions"] = year_sessions(year / "bedside-console.sqlite")
    return startup_rows(figures, note)


def year_sessions(path: Path) -> int:
    """How many sessions the year's file holds (read only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(DISTINCT session_id) FROM events WHERE session_id IS NOT NULL").fetchone()[0]
    finally:
        conn.close()


#: the CPU scenarios (benchmarks/cpu.py SCENARIOS) and how one is run
CPU = (("quiet", "alarm", "nurse"), lambda name, seconds, warmup: cpu_module().run_scenario(name, seconds, warmup))


def cpu_module():
    from benchmarks import cpu
    return cpu


def cpu_rows(results: dict[str, dict]) -> list[Row]:
    out = []
    for name, r in results.items():
        sims = ", ".join(f"{d} {pct:.1f} %" for d, pct in r.get("sims", {}).values())
        out.append(Row.judged("cpu", f"console process ({name}) <= {CPU_PCT_MAX:g} % of one core",
                              f"{r['console_pct']:.1f} % over {r['wall']:.0f} s (GUI thread "
                              f"{r.get('gui_pct', float('nan')):.1f} %; simulators apart: {sims or 'n/a'})",
                              r["console_pct"] <= CPU_PCT_MAX))
    return out


def cpu_part(seconds: float, warmup: float) -> list[Row]:
    names, run_one = CPU
    return cpu_rows({name: run_one(name, seconds, warmup) for name in names})


def memory_rows(figures: dict) -> list[Row]:
    goal = (f"RSS growth after the {figures['warm_up_h']}-h warm-up over a {MEMORY_HOURS}-h infusion "
            f"<= {MEMORY_GROWTH_MB_MAX:g} MB")
    figure = (f"{figures['growth_mb']:+.1f} MB ({figures['warm_mb']:.1f} -> {figures['end_mb']:.1f} MB, peak "
              f"{figures['peak_after_mb']:.1f}; {figures['hours']} h simulated in {figures['wall_s']:.0f} s)")
    if figures["hours"] < MEMORY_HOURS:
        return [Row("memory", goal, figure + f"; a short run of {figures['hours']} h", NOT_MEASURED)]
    return [Row.judged("memory", goal, figure, figures["growth_mb"] <= MEMORY_GROWTH_MB_MAX)]


def memory_part(hours: int) -> list[Row]:
    from benchmarks.memory import run
    curve_every = max(1, hours // 12)
    figures = run(hours, out=lambda text, **_: _indented(text) if _memory_line_wanted(text, curve_every) else None)
    return memory_rows(figures)


def _memory_line_wanted(text: str, every: int) -> bool:
    """The memory run's hourly curve, thinned to about 12 lines."""
    if text.lstrip().startswith("hour "):
        return int(text.split()[1].rstrip(":")) % every == 0
    return True


def _indented(text: str, **_) -> None:
    print("\n".join("  " + line for line in str(text).splitlines()), flush=True)


# ---- the machine and the table -----------------------------------------------------------------------------

def machine(load_start: tuple[float, ...], load_end: tuple[float, ...], commit: str | None = None) -> dict[str, str]:
    """The machine and the code measured (`commit`: as read at the start of the run)."""
    commit = commit or source_commit()
    try:
        from PySide6 import __version__ as pyside
        from PySide6.QtCore import qVersion
        qt = f"PySide6 {pyside}, Qt {qVersion()}"
    except ImportError:
        qt = "PySide6 not importable"
    return {"cores": str(os.cpu_count()), "load at start": " ".join(f"{x:.2f}" for x in load_start),
            "load at end": " ".join(f"{x:.2f}" for x in load_end),
            "Python": sys.version.split()[0], "Qt": qt, "commit": commit}


def source_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    return commit


def table(rows: list[Row], info: dict[str, str], timings: dict[str, float], started: datetime) -> str:
    """The run as Markdown: the machine, the table, the time of each part, and the count of goals met."""
    judged = [r for r in rows if r.status in (MET, NOT_MET)]
    met = sum(r.status == MET for r in judged)
    unmeasured = sum(r.status == NOT_MEASURED for r in rows)
    lines = [f"# Issue #14 goals: one benchmark run ({started:%Y-%m-%d %H:%M} UTC)", "",
             "Written by `make bench BENCH=goals` (benchmarks/goals.py); every figure below is from this one run.",
             "", "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".", "",
             "| part | goal | figure | verdict |", "|---|---|---|---|"]
    for r in rows:
        cells = [c.replace("|", "/") for c in (r.part, r.goal, r.figure)]
        lines.append(f"| {cells[0]} | {cells[1]} | {cells[2]} | {'**NOT met**' if r.status == NOT_MET else r.status} |")
    lines += ["", f"Goals met: {met} of {len(judged)} measured" +
              (f"; {unmeasured} not measured" if unmeasured else "") + ".",
              "Time per part: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + "."]
    return "\n".join(lines) + "\n"


def run(parts: list[str]) -> tuple[list[Row], dict[str, float]]:
    rows: list[Row] = []
    timings: dict[str, float] = {}
    settings = {
        "drivers": lambda: drivers_part(_env("BENCH_GOALS_FIDELITY_S", 300)),
        "fuzz": lambda: fuzz_part(_env("BENCH_GOALS_FUZZ_S", 120)),
        "waves": waves_part,
        "startup": lambda: startup_part(int(_env("BENCH_GOALS_STARTUP_RUNS", 5))),
        "cpu": lambda: cpu_part(_env("BENCH_GOALS_CPU_S", 60), _env("BENCH_GOALS_CPU_WARMUP", 20)),
        "memory": lambda: memory_part(int(_env("BENCH_GOALS_MEMORY_HOURS", MEMORY_HOURS))),
    }
    for part in parts:
        print(f"-- {part} (load average {os.getloadavg()[0]:.2f})", flush=True)
        start = time.perf_counter()
        part_rows = settings[part]()
        timings[part] = time.perf_counter() - start
        for r in part_rows:
            print(f"  {r.status:<13} {r.goal}: {r.figure}", flush=True)
        print(f"   {part}: {timings[part]:.0f} s", flush=True)
        rows += part_rows
    return rows, timings


def main() -> None:
    parts = selected_parts(os.environ.get("BENCH_GOALS_ONLY"))
    out = Path(os.environ.get("BENCH_GOALS_OUT") or ROOT / "docs" / "bench-goals-latest.md")
    started = datetime.now(timezone.utc)
    load_start, commit = os.getloadavg(), source_commit()
    rows, timings = run(parts)
    text = table(rows, machine(load_start, os.getloadavg(), commit), timings, started)
    print()
    print(text, end="")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"(written to {out})")


if __name__ == "__main__":
    main()
