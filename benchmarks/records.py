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
Generating the synthetic year uses synchronous=OFF for speed; the timed steps use the normal settings.
"""
from __future__ import annotations

import os
import shutil
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
VITALS_SESSIONS = 150
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


def startup_with_a_year(workdir: Path) -> None:
    full = os.environ.get("BENCH_FULL_YEAR") == "1"
    data = workdir / "year"
    db = open_database(data)
    db.conn.execute("PRAGMA synchronous = OFF")
    rng = np.random.default_rng(5)
    start = datetime(2025, 11, 1, 8).timestamp()
    built = time.perf_counter()
    with_vitals = SESSIONS_PER_YEAR if full else VITALS_SESSIONS
    for n in range(SESSIONS_PER_YEAR):
        day, chair = divmod(n, 6)
        t = start + day * 86400 * 365 / (SESSIONS_PER_YEAR / 6) + chair * 5400
        patient = DemoPatient(patient_id=int(rng.integers(1, 260)), mrn=f"MRN-{n % 260:05d}",
                              name=f"Patient {n % 260}", weight_kg=float(rng.integers(50, 110)))
        end = write_demo_session(db, f"Y{n:05d}", t, patient=patient, vitals=False, seed=n,
                                 pain_before=int(rng.integers(5, 10)), pain_after=int(rng.integers(1, 6)))
        if n % (SESSIONS_PER_YEAR // with_vitals) == 0:
            write_demo_vitals(db, t, end, rng)
    events = db.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    samples = db.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
    _checkpoint(db)
    db.close()
    size_mb = _file_mb(data / FILE_NAME)
    print(f"synthetic year: {SESSIONS_PER_YEAR} sessions, {events} events, {samples} vital samples "
          f"({with_vitals} sessions with 1 Hz vitals), {size_mb:.0f} MB, built in {time.perf_counter() - built:.0f} s")
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
    if not full:
        year_mb = size_mb * SESSIONS_PER_YEAR / with_vitals
        print(f"extrapolated full year with vitals for every session: ~{year_mb / 1000:.1f} GB, quick_check "
              f"~{qc / size_mb * year_mb:.0f} s at start-up (linear in file size)")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-records-"))
    try:
        size_per_hour(workdir)
        export_times(workdir)
        startup_with_a_year(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
