"""Start-up to the first frame (issue #14): `./bedside run` from its start to the main window's first paint, and
to its trend's first paint (the plots are built just after the first frame), on an empty data directory and on a
year of records with waves. Builds nothing big: the year is the one `make bench BENCH=records` built and kept
(BENCH_YEAR_DIR=DIR); without it only the empty directory is timed.

Each run is a new process started by this benchmark, which reads time.monotonic() before starting it; the
console prints time.monotonic() and its own process CPU time (time.process_time(), all threads) at its first
frame and when the plots have painted (BEDSIDE_CONSOLE_FIRST_FRAME), then quits. The bed has a manual pump
configured (no serial link to wait for). The screen: a real X server, $DISPLAY if set, else a new Xvfb
1920x1080 (real xcb rendering); BENCH_STARTUP_OFFSCREEN=1 uses Qt's offscreen platform instead. Warm file
cache: one run first (the bytecode cache written, the files read), then BENCH_STARTUP_RUNS (5) timed runs;
cold (as root): drop_caches before each of 3 runs. BENCH_CONSOLE_ROOT=DIR times another checkout's
`./bedside`. BENCH_BEFORE_ROOT=DIR compares: the runs alternate between that checkout (before, e.g. an export of
main with a link to this venv) and this one (after), warm then cold, so both see the same load
(BENCH_STARTUP_COLD_RUNS, 3, cold runs each).

    BENCH_YEAR_DIR=/tmp/memstart-year make bench BENCH=startup
    BENCH_BEFORE_ROOT=/tmp/main-export BENCH_YEAR_DIR=/tmp/year make bench BENCH=startup
"""
from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.records import drop_caches

ROOT = Path(os.environ.get("BENCH_CONSOLE_ROOT") or Path(__file__).resolve().parents[1])
GOAL_S = 1.5


def first_frame(data: Path, runs: int = 3, env: dict | None = None, root: Path = ROOT) -> list[dict]:
    """Per run: wall and CPU seconds from the start to the first frame ("first-frame") and, when the console
    reports it, to the plots' first paint ("plots-ready"); `root`: the checkout whose `./bedside` runs."""
    env = dict(env or os.environ, BEDSIDE_CONSOLE_FIRST_FRAME="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed console has its bytecode cache
    results = []
    for _ in range(runs):
        started = time.monotonic()
        out = subprocess.run([str(root / "bedside"), "run", "--data-dir", str(data)], env=env, cwd=root,
                             capture_output=True, text=True, timeout=180)
        stamps = {line.split()[0]: (float(line.split()[1]) - started, float(line.split()[2]))
                  for line in out.stdout.splitlines() if line.startswith(("first-frame ", "plots-ready "))}
        if "first-frame" not in stamps:
            raise RuntimeError(f"no first frame reported (exit {out.returncode}): {out.stderr[-2000:]}")
        results.append(stamps)
    return results


def manual_pump(data: Path) -> None:
    if not (data / "devices.toml").exists():
        subprocess.run([str(ROOT / "bedside"), "--data-dir", str(data), "devices", "set", "pump", "--driver",
                        "manual"], check=True, capture_output=True, cwd=ROOT)


def summary(results: list[dict], key: str) -> str:
    rows = [r[key] for r in results if key in r]
    if not rows:
        return f"{key}: not reported"
    wall, cpu = [w for w, _ in rows], [c for _, c in rows]
    return (f"{key}: wall best {min(wall):.2f} s, median {statistics.median(wall):.2f} s; process CPU best "
            f"{min(cpu):.2f} s, median {statistics.median(cpu):.2f} s")


def time_start_up(label: str, data: Path, env: dict, runs: int, *, cold: bool = True, out=print) -> dict:
    """Warm (and, as root, cold) runs on `data`, printed through `out`; returns the figures: load average
    (highest seen), the warm runs' first-frame wall seconds (median, best) and CPU, the cold runs' if any."""
    manual_pump(data)
    first_frame(data, 1, env)  # warm: the venv, the bytecode cache and the file's first pages
    load = os.getloadavg()[0]
    warm = first_frame(data, runs, env)
    load = max(load, os.getloadavg()[0])
    median = statistics.median(r["first-frame"][0] for r in warm)
    verdict = "met" if median <= GOAL_S else "NOT met"
    out(f"{label}, warm file cache, {runs} runs (load average up to {load:.1f} on {os.cpu_count()} cores):\n"
        f"  {summary(warm, 'first-frame')} (goal <= {GOAL_S} s wall: {verdict} at this load)\n"
        f"  {summary(warm, 'plots-ready')}", flush=True)
    cold_runs = []
    for _ in range(3 if cold else 0):
        if not drop_caches():
            break
        cold_runs += first_frame(data, 1, env)
    if cold_runs:
        out(f"{label}, cold file cache (drop_caches before each), {len(cold_runs)} runs:\n"
            f"  {summary(cold_runs, 'first-frame')}\n  {summary(cold_runs, 'plots-ready')}", flush=True)
    figures = {"label": label, "runs": runs, "load": load, "median_s": median,
               "best_s": min(r["first-frame"][0] for r in warm),
               "cpu_median_s": statistics.median(r["first-frame"][1] for r in warm)}
    if cold_runs:
        figures["cold_median_s"] = statistics.median(r["first-frame"][0] for r in cold_runs)
        figures["cold_runs"] = len(cold_runs)
    return figures


def compare(label: str, data: Path, env: dict, runs: int, before: Path) -> None:
    """Before and after alternately (ABBA...), warm then cold, on the same data directory."""
    roots = {"before": before, "after": ROOT}
    manual_pump(data)
    for root in roots.values():
        first_frame(data, 1, env, root)  # warm-up of each
    results: dict = {(name, cache): [] for name in roots for cache in ("warm", "cold")}
    loads = [os.getloadavg()[0]]
    cold_runs = int(os.environ.get("BENCH_STARTUP_COLD_RUNS", "3"))
    for cache, count in (("warm", runs), ("cold", cold_runs)):
        for i in range(count):
            for name in (list(roots) if i % 2 == 0 else list(roots)[::-1]):
                if cache == "cold" and not drop_caches():
                    break
                results[name, cache] += first_frame(data, 1, env, roots[name])
                loads.append(os.getloadavg()[0])
    print(f"{label}: before = {before}, after = {ROOT}, runs alternating (load average {min(loads):.1f}-"
          f"{max(loads):.1f} on {os.cpu_count()} cores)", flush=True)
    for (name, cache), rows in results.items():
        if rows:
            print(f"  {cache} {name:6s} {len(rows)} runs: {summary(rows, 'first-frame')}\n"
                  f"  {'':{len(cache) + 7}} {len(rows)} runs: {summary(rows, 'plots-ready')}", flush=True)


def year_dir() -> Path | None:
    """The year of records at BENCH_YEAR_DIR, if it is set and holds a database; else None."""
    year = os.environ.get("BENCH_YEAR_DIR")
    if year and (Path(year) / "bedside-console.sqlite").exists():
        return Path(year)
    return None


def run(runs: int = 5, *, empty: bool = True, year: Path | None = None, cold: bool = True, out=print,
        before: Path | None = None) -> dict:
    """Start-up on an empty data directory (if `empty`) and on `year` (if given), on Xvfb or $DISPLAY
    (BENCH_STARTUP_OFFSCREEN=1: Qt offscreen). Returns {"screen", "empty": figures, "year": figures}.
    `before`: another checkout, compared with this one run for run (`compare`; prints only)."""
    from benchmarks.cpu import start_x

    procs: list = []
    result: dict = {}
    try:
        if os.environ.get("BENCH_STARTUP_OFFSCREEN") == "1":
            env, screen = dict(os.environ, QT_QPA_PLATFORM="offscreen"), "Qt offscreen"
        else:
            display, screen = start_x(procs)
            env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        result["screen"] = screen
        out(f"`{ROOT}/bedside run` to the first frame; screen: {screen}", flush=True)
        if before is not None:  # before/after alternately: printed, no figures returned
            if empty:
                with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
                    compare("empty data directory", Path(tmp), env, runs, before)
            if year is not None:
                size_gb = (year / "bedside-console.sqlite").stat().st_size / 1e9
                compare(f"a year of records with waves ({size_gb:.1f} GB, {year})", year, env, runs, before)
            return result
        if empty:
            with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
                result["empty"] = time_start_up("empty data directory", Path(tmp), env, runs, cold=cold, out=out)
        if year is not None:
            size_gb = (year / "bedside-console.sqlite").stat().st_size / 1e9
            result["year"] = time_start_up(f"a year of records with waves ({size_gb:.1f} GB, {year})", year, env,
                                           runs, cold=cold, out=out)
            result["year"]["size_gb"] = size_gb
        return result
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    year = year_dir()
    before = os.environ.get("BENCH_BEFORE_ROOT")
    run(int(os.environ.get("BENCH_STARTUP_RUNS", "5")), year=year, before=Path(before) if before else None)
    if year is None:
        print("no year of records timed: build one with `BENCH_YEAR_DIR=DIR make bench BENCH=records` "
              "(1-2 min, ~8 GB), then `BENCH_YEAR_DIR=DIR make bench BENCH=startup`")


if __name__ == "__main__":
    main()
