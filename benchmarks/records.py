"""Records figures: database size per hour of session, export time for a 4-hour session, and start-up time
with a year of sessions in the database.

Size: one hour of 6 numerics at 1 Hz written through the real VitalsRecorder (batched commits), plus one
session's audit events; the file is checkpointed so its size is what sits on disk. Exports: a synthetic
4-hour session (3 h infusion + 1 h observation, 1 Hz vitals) exported as PDF, CSV and FHIR, each timed.
Start-up: 1,500 synthetic sessions (about a year of a busy clinic's chairs) with their audit events; then
open + quick integrity check + migration check + loading the patient list, timed cold in a fresh process
state. Vitals for every session would make a multi-GB file, so by default vitals are written for
`VITALS_SESSIONS` of them at 1 Hz and the quick-check time is also reported per GB, to extrapolate to a
full year (run with BENCH_FULL_YEAR=1 to build it all).
Every session of the year has its waves (ECG 500 Hz, pleth 125 Hz, oximeter pleth 75 Hz, real encoded blocks):
~10 million blocks, an ~8 GB file that takes 1-2 min to build on 2 cores (21 min on a machine at load 10-17;
BENCH_YEAR_DIR=DIR keeps it for the next run). Then `./bedside run` on it is timed to the main window's first
paint, warm and (as root) cold. Generating the synthetic year uses no journal and synchronous=OFF for speed (it
is built beside its directory and moved in when complete); the timed steps use the normal settings.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from console.records.audit import AuditLog, verify_chain
from console.records.database import FILE_NAME, open_database
from console.records.demo_session import DemoPatient, write_demo_session, write_demo_vitals
from console.records.exports import export_session
from console.records.history import patients
from console.records.vitals import VitalsRecorder
from device_drivers.events import Measurement

SESSIONS_PER_YEAR = 1500
#: the demo bed's waves (source, wave, rate): what every synthetic session stores from start to sign-off
YEAR_WAVES = (("monitor", "ecg", 500.0), ("monitor", "pleth", 125.0), ("oximeter", "pleth", 75.0))
ROOT = Path(__file__).resolve().parents[1]
VITALS_SESSIONS = 150
#: a bed's day: a session slot every two hours from 08:00, and at least this long between one session's
#: sign-off and the next one's start (the chair cleaned, the next patient seated)
SLOT_S = 7200.0
TURNOVER_S = 600.0
METRICS = (("hr", "bpm"), ("pr", "bpm"), ("spo2", "%"), ("rr", "/min"), ("pi", "%"), ("etco2", "mmHg"))


def _file_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6


def _checkpoint(db) -> None:
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def size_per_hour(workdir: Path) -> None:
    db = open_database(workdir / "size")
    _checkpoint(db)
    empty = _file_mb(db.path)
    recorder = VitalsRecorder(db).start()
    rng = np.random.default_rng(3)
    t0 = datetime(2026, 11, 2, 9).timestamp()
    started = time.perf_counter()
    for s in range(3600):
        for metric, unit in METRICS:
            recorder.submit(Measurement(t0 + s, "monitor", metric, float(rng.integers(10, 100)), unit))
    submitted = time.perf_counter() - started
    recorder.flush()
    written = time.perf_counter() - started
    recorder.stop()
    _checkpoint(db)
    vitals_mb = _file_mb(db.path) - empty
    write_demo_session(db, "size-events", t0, vitals=False)
    _checkpoint(db)
    events_kb = (_file_mb(db.path) - empty - vitals_mb) * 1000
    rows = 3600 * len(METRICS)
    print(f"database size: 1 h of {len(METRICS)} numerics at 1 Hz = {rows} rows = {vitals_mb:.2f} MB "
          f"({vitals_mb * 1e6 / rows:.0f} bytes/sample incl. index); one session's audit events "
          f"({len(AuditLog(db).events(session_id='size-events'))}) + ledger ~ {events_kb:.0f} kB")
    print(f"vitals recorder: {rows} samples submitted in {submitted * 1000:.0f} ms "
          f"({submitted / rows * 1e6:.1f} us each, GUI-thread cost), all committed after {written:.2f} s "
          f"in {recorder.batches} batches")
    db.close()


def export_times(workdir: Path) -> None:
    db = open_database(workdir / "export")
    t0 = datetime(2026, 11, 3, 8).timestamp()
    write_demo_session(db, "S-4h", t0, infusion_min=180, observation_min=60, vitals=True)
    samples = db.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
    for fmt in ("pdf", "csv", "fhir"):
        started = time.perf_counter()
        path, what = export_session(db, "S-4h", fmt, workdir / f"s4h.{fmt}")
        took = time.perf_counter() - started
        print(f"export 4-hour session ({samples} vital samples) as {fmt}: {took:.2f} s, "
              f"{path.stat().st_size / 1e6:.2f} MB, {what}")
    db.close()


def wave_block_pool(blocks_per_wave: int = 40) -> dict[tuple[str, str, float], list[tuple]]:
    """Real encoded 3-s blocks (`encode_block`, the recorder's codec) of the simulated monitor's ECG and pleth
    shapes on their 12-bit lattice with 2 counts of noise, at heart rates 60-100: a year's blocks cycle through
    them, so the row count and the blob sizes are a real year's while building takes minutes, not hours."""
    from console.records.waves import CODEC, encode_block
    from device_drivers.simulators.intellivue import IntelliVueSimulator as Sim
    from console.records.records_config import records_config
    block_s = records_config().wave_block_s
    rng = np.random.default_rng(11)
    pool = {}
    for source, wave, rate in YEAR_WAVES:
        shape = np.vectorize(Sim._ecg if wave == "ecg" else Sim._pleth)
        n = int(round(block_s * rate))
        rows = []
        for b in range(blocks_per_wave):
            hr = 60 + 40 * b / blocks_per_wave
            tt = b * block_s + np.arange(n) / rate
            raw = np.clip(np.rint(shape((tt * hr / 60) % 1.0) + rng.normal(0, 2, n)), 0, 4095)
            scale, offset, data = encode_block(raw * (2.0 / 4095) - 1.0 if wave == "ecg" else raw / 4095)
            rows.append((n, scale, offset, CODEC, data))
        pool[(source, wave, rate)] = rows
    return pool


def write_year_waves(db, t0: float, t1: float, pool) -> int:
    """Blocks covering [t0, t1] for each of the bed's waves, as the wave recorder lays them out."""
    from console.records.records_config import records_config
    block_s = records_config().wave_block_s
    count = 0
    with db.write() as conn:
        for (source, wave, rate), rows in pool.items():
            conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (source,))
            source_id = conn.execute("SELECT id FROM sources WHERE name = ?", (source,)).fetchone()[0]
            starts = np.arange(t0, t1, block_s)
            conn.executemany(
                "INSERT INTO wave_blocks(source_id, wave, t0, rate_hz, n, scale, offset, codec, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((source_id, wave, float(t), rate, *rows[i % len(rows)]) for i, t in enumerate(starts)))
            count += len(starts)
    return count


def session_starts(sessions: int):
    """Start times of the year's sessions: six a day at one bed, on 250 clinic days spread over the year.
    A bed has one session at a time: each starts on its two-hour slot of the day (08:00, 10:00, ...) or
    TURNOVER_S after the previous session's sign-off, whichever is later (until 2026-12-03 the slots were
    1.5 h apart and each ~1.9-h session overlapped the next one at the same bed by ~20 min)."""
    start = datetime(2025, 11, 1, 8).timestamp()
    for n in range(sessions):
        day, slot = divmod(n, 6)
        yield start + day * 86400 * 365 / (SESSIONS_PER_YEAR / 6) + slot * SLOT_S


def build_year(data: Path, *, full: bool, sessions: int = SESSIONS_PER_YEAR, quiet: bool = False) -> dict:
    """Build the synthetic year (or its first `sessions` sessions) in `data`; returns its figures.

    Built in a directory beside `data` and moved into it when complete: a build that was stopped is never
    taken for a year by the next run (which reuses a BENCH_YEAR_DIR that holds the file). The build itself
    has no journal (each byte written once, not to the WAL and again to the file: 1.95 GB written instead of
    3.65 GB for 300 sessions) and no fsync; the finished file is in WAL mode as the console leaves it."""
    building = data.parent / f".{data.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    figures = _build_year(building, full=full, sessions=sessions, quiet=quiet)
    data.mkdir(parents=True, exist_ok=True)
    for part in building.glob(FILE_NAME + "*"):
        os.replace(part, data / part.name)
    shutil.rmtree(building, ignore_errors=True)
    return figures


def _build_year(data: Path, *, full: bool, sessions: int, quiet: bool) -> dict:
    db = open_database(data)
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA journal_mode = OFF")
    rng = np.random.default_rng(5)
    built = time.perf_counter()
    with_vitals = SESSIONS_PER_YEAR if full else VITALS_SESSIONS
    pool = wave_block_pool()
    wave_blocks, wave_s = 0, 0.0
    last_end = 0.0
    for n, planned in enumerate(session_starts(sessions)):
        t = max(planned, last_end + TURNOVER_S)
        patient = DemoPatient(patient_id=int(rng.integers(1, 260)), mrn=f"MRN-{n % 260:05d}",
                              name=f"Patient {n % 260}", weight_kg=float(rng.integers(50, 110)))
        end = write_demo_session(db, f"Y{n:05d}", t, patient=patient, vitals=False, seed=n,
                                 pain_before=int(rng.integers(5, 10)), pain_after=int(rng.integers(1, 6)))
        if n % (SESSIONS_PER_YEAR // with_vitals) == 0:
            write_demo_vitals(db, t, end, rng)
        wave_blocks += write_year_waves(db, t, end, pool)
        wave_s += end - t
        last_end = end
    events = db.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    samples = db.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
    wave_mb = (db.conn.execute("SELECT SUM(LENGTH(data)) FROM wave_blocks").fetchone()[0] or 0) / 1e6
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.close()
    size_mb = _file_mb(data / FILE_NAME)
    figures = {"sessions": sessions, "events": events, "vital_samples": samples, "with_vitals": with_vitals,
               "wave_blocks": wave_blocks, "wave_hours": wave_s / 3600, "wave_mb": wave_mb,
               "wave_mb_per_4h": wave_mb / (wave_s / 3600) * 4 if wave_s else 0.0, "size_mb": size_mb,
               "seconds": time.perf_counter() - built}
    if not quiet:
        print(f"synthetic year: {sessions} sessions, {events} events, {samples} vital samples "
              f"({with_vitals} sessions with 1 Hz vitals), {wave_blocks} wave blocks of {len(YEAR_WAVES)} waves "
              f"over {figures['wave_hours']:.0f} h of sessions ({wave_mb:.0f} MB of compressed samples, "
              f"{figures['wave_mb_per_4h']:.1f} MB per 4 h), {size_mb:.0f} MB, built in {figures['seconds']:.0f} s")
    return figures


def startup_with_a_year(workdir: Path) -> None:
    full = os.environ.get("BENCH_FULL_YEAR") == "1"
    kept = os.environ.get("BENCH_YEAR_DIR")  # build once into this directory and keep it (re-runs reuse it)
    data = Path(kept) if kept else workdir / "year"
    if not (data / FILE_NAME).exists():
        build_year(data, full=full)
    size_mb = _file_mb(data / FILE_NAME)
    with_vitals = SESSIONS_PER_YEAR if full else VITALS_SESSIONS
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        db = open_database(data)
        opened = time.perf_counter()
        people = patients(db)
        sessions = AuditLog(db).session_ids()
        loaded = time.perf_counter()
        db.close()
        timings.append((opened - started, loaded - opened))
    best_open = min(t[0] for t in timings)
    best_load = min(t[1] for t in timings)
    print(f"start-up: open + quick_check + migrate {best_open:.2f} s, load {len(people)} patients and "
          f"{len(sessions)} sessions {best_load:.2f} s (best of 3, warm file cache)")
    deferred = []
    for _ in range(3):
        started = time.perf_counter()
        db = open_database(data, defer_vitals_check=True)
        deferred.append(time.perf_counter() - started)
        db.close()
    print(f"start-up with the vitals check deferred to the background: open + check of clinical tables + "
          f"migrate {min(deferred):.2f} s")
    db = open_database(data, readonly=True)
    started = time.perf_counter()
    db.conn.execute("PRAGMA quick_check").fetchall()
    qc = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_chain(db)
    chain_s = time.perf_counter() - started
    db.close()
    print(f"quick_check alone {qc:.2f} s = {qc / (size_mb / 1000):.1f} s per GB; verify-records chain walk "
          f"{report.count} events in {chain_s:.2f} s")
    if not full:  # the vitals of the other sessions at the 32 bytes per sample measured above
        db = open_database(data, readonly=True)
        samples = db.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
        db.close()
        year_mb = size_mb + samples * 32e-6 * (SESSIONS_PER_YEAR / with_vitals - 1)
        print(f"extrapolated full year with vitals for every session: ~{year_mb / 1000:.1f} GB, complete quick_check "
              f"~{qc / size_mb * year_mb:.0f} s (linear in file size; in the background at start-up)")


def first_frame(data: Path, runs: int = 3) -> list[tuple[float, float]]:
    """(wall s, process CPU s) from starting `./bedside run --data-dir DATA` to the main window's first painted
    frame (BEDSIDE_CONSOLE_FIRST_FRAME: the console prints time.monotonic() and its CPU time then, and quits).
    Python may write its bytecode cache, as an installed console has it (the first run writes it)."""
    env = dict(os.environ, BEDSIDE_CONSOLE_FIRST_FRAME="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for _ in range(runs):
        started = time.monotonic()
        out = subprocess.run([str(ROOT / "bedside"), "run", "--data-dir", str(data)], env=env, capture_output=True,
                             text=True, timeout=120)
        stamps = [line.split()[1:3] for line in out.stdout.splitlines() if line.startswith("first-frame ")]
        if not stamps:
            raise RuntimeError(f"no first frame reported (exit {out.returncode}): {out.stderr[-2000:]}")
        times.append((float(stamps[0][0]) - started, float(stamps[0][1])))
    return times


def can_drop_caches() -> bool:
    """Whether this process may empty the kernel's file cache (root on Linux): the cold start-up runs."""
    return os.access("/proc/sys/vm/drop_caches", os.W_OK)


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def startup_to_first_frame(workdir: Path) -> None:
    """The nurse's start-up: the process, imports, the year's database opened and checked, the window painted.
    The bed has a manual pump configured (no serial link to wait for); the display is the one in $DISPLAY, or
    Qt's offscreen platform when none."""
    kept = os.environ.get("BENCH_YEAR_DIR")
    data = Path(kept) if kept else workdir / "year"
    if not (data / "devices.toml").exists():
        subprocess.run([str(ROOT / "bedside"), "--data-dir", str(data), "devices", "set", "pump", "--driver",
                        "manual"], check=True, capture_output=True)
    first_frame(data, 1)  # the venv and the file into the page cache, the bytecode cache written
    warm = first_frame(data, 5)
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
    load = os.getloadavg()[0]
    wall, cpu = [w for w, _ in warm], [c for _, c in warm]
    print(f"start-up to first frame, `./bedside run` with a year ({_file_mb(data / FILE_NAME):.0f} MB incl. waves), "
          f"{platform}, warm file cache: wall best {min(wall):.2f} s, median {statistics.median(wall):.2f} s; "
          f"process CPU best {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s, of {len(warm)} runs "
          f"(load average {load:.1f} on {os.cpu_count()} cores; goal <= 1.5 s)")
    cold = []
    for _ in range(3):
        if not drop_caches():
            break
        cold += first_frame(data, 1)
    if cold:
        print(f"start-up to first frame, cold file cache (drop_caches before each): wall best "
              f"{min(w for w, _ in cold):.2f} s, median {statistics.median(w for w, _ in cold):.2f} s of {len(cold)}")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-records-"))
    try:
        size_per_hour(workdir)
        export_times(workdir)
        startup_with_a_year(workdir)
        startup_to_first_frame(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
