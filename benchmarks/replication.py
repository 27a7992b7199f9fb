"""Clinic records server figures, against a real PostgreSQL 15 started on a loopback port (as in the tests).

Lag: 12 chairs in one process, each with its real VitalsRecorder writing 6 numerics at 1 Hz and its own
Replicator thread with the default settings (interval 2 s); a poller reads each console's newest vitals
time on the server every 0.1 s. A sample's lag = first poll that sees it − its time. BENCH_LAG_S sets the
run length (default 60 s).
Catch-up: one chair holding 8 h of 1 Hz vitals (6 numerics) and 8 sessions' events written while
offline, then the replicator's first pass timed: rows/s.
Size: server bytes per vitals row and per event (tables + indexes, after VACUUM), times a chair-year of
250 days × 8 h of monitoring at 6 numerics/s and 8 sessions/day × ~40 events.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psycopg

from console.records.database import open_database
from console.records.replication import Replicator
from console.records.vitals import VitalsRecorder
from device_drivers.events import Measurement
from tests.records.pg_server import PgServer
from tests.records.replication_helpers import Chair, settings_for

METRICS = ("hr", "pr", "spo2", "rr", "pi", "etco2")
CHAIRS = 12


def lag(server: PgServer, root: Path, seconds: float) -> None:
    dbname = server.new_database()
    chairs = [Chair(root / f"lag{i}", f"c{i}") for i in range(CHAIRS)]
    reps = [Replicator(c.db, settings_for(server, dbname, interval_s=2.0)).start() for c in chairs]
    submitted: list[list[float]] = [[] for _ in chairs]
    polls: list[tuple[float, dict[int, float]]] = []
    stop = threading.Event()

    def writer(i: int) -> None:
        next_t = time.time()
        while not stop.is_set():
            t = time.time()
            for m in METRICS:
                chairs[i].recorder.submit(Measurement(t, "monitor", m, 90.0, "%"))
            submitted[i].append(t)
            next_t += 1.0
            time.sleep(max(0.0, next_t - time.time()))

    def poller() -> None:
        with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
            while not stop.is_set():
                try:
                    rows = conn.execute("SELECT c.console_id, max(v.t) FROM vitals v JOIN consoles c "
                                        "ON c.num = v.console_num GROUP BY c.console_id").fetchall()
                except psycopg.errors.UndefinedTable:
                    rows = []
                polls.append((time.time(), dict(rows)))
                time.sleep(0.1)

    ids = [r.console_id for r in reps]
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(CHAIRS)] + [threading.Thread(target=poller)]
    for th in threads:
        th.start()
    time.sleep(seconds)
    stop.set()
    for th in threads:
        th.join()
    lags = []
    for i, cid in enumerate(ids):
        for t in submitted[i][:-5]:  # the last few may still be in flight when the run stops
            seen = next((pt for pt, maxes in polls if maxes.get(cid, 0) >= t), None)
            if seen is not None:
                lags.append(seen - t)
    a = np.array(lags)
    print(f"replication lag, {CHAIRS} chairs x {len(METRICS)} numerics at 1 Hz, {seconds:.0f} s, interval 2 s: "
          f"n={len(a)} p50={np.percentile(a, 50):.2f} s p99={np.percentile(a, 99):.2f} s max={a.max():.2f} s")
    for r in reps:
        r.stop()
    for c in chairs:
        c.close()


def catch_up(server: PgServer, root: Path) -> tuple[str, int]:
    dbname = server.new_database()
    chair = Chair(root / "offline", "offline")
    hours = 8
    t0 = time.time() - hours * 3600
    conn = sqlite3.connect(chair.db.path)
    conn.execute("PRAGMA synchronous=OFF")
    for m in METRICS:
        conn.execute("INSERT OR IGNORE INTO metrics(name, unit) VALUES (?, '%')", (m,))
    conn.execute("INSERT OR IGNORE INTO sources(name) VALUES ('monitor')")
    rows = [(t0 + s, mid, 90.0 + (s % 7)) for s in range(hours * 3600) for mid in range(1, len(METRICS) + 1)]
    conn.executemany("INSERT INTO vitals(t, metric_id, source_id, value) VALUES (?, ?, 1, ?)", rows)
    conn.commit()
    conn.close()
    for s in range(8):
        chair.session(s + 1, f"MRN-{s}", "P", t=t0 + s * 3600, pain_before=7, pain_after=3)
        for k in range(36):
            chair.audit.append("vitals.checked", {"k": k}, session_id=f"offline-{int(t0 + s * 3600)}",
                               t=t0 + s * 3600 + 10 + k)
    total = sum(chair.count(t) for t in ("vitals", "events", "ledger_draws", "metrics", "sources", "patients"))
    backlog_cost(chair)
    rep = Replicator(chair.db, settings_for(server, dbname))
    start = time.perf_counter()
    sent = rep.sync_once()
    took = time.perf_counter() - start
    rep.stop()
    print(f"catch-up after {hours} h offline: {sum(sent.values())} rows ({total} expected) in {took:.1f} s = "
          f"{sum(sent.values()) / took:,.0f} rows/s")
    events = chair.count("events")
    chair.close()
    return dbname, events


def backlog_cost(chair: Chair) -> None:
    """What the status chip's figures cost the replicator's thread, with 8 h of rows waiting (the worst case:
    it is counted once per attempt, every <= 30 s while offline, every `interval_s` while online)."""
    from console.records.replication import pending_backlog
    conn = chair.db.connect()
    pending_backlog(conn)  # warm the page cache, as the replicator's repeated calls do
    runs = 5
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(runs):
        n, oldest = pending_backlog(conn)
    cpu, wall = (time.process_time() - cpu0) / runs, (time.perf_counter() - wall0) / runs
    conn.close()
    print(f"backlog count for the status chip, {n:,} rows waiting: {cpu * 1000:.0f} ms CPU "
          f"({wall * 1000:.0f} ms wall) per count, on the replicator's thread")


def size(server: PgServer, dbname: str, events: int) -> None:
    with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        vit_bytes, vit_rows = conn.execute("SELECT pg_total_relation_size('vitals'), count(*) FROM vitals").fetchone()
        ev_bytes = conn.execute("SELECT pg_total_relation_size('events')").fetchone()[0]
    per_vital, per_event = vit_bytes / vit_rows, ev_bytes / events
    year_vitals = 250 * 8 * 3600 * len(METRICS)
    year_events = 250 * 8 * 40
    gb = (year_vitals * per_vital + year_events * per_event) / 1e9
    print(f"server size: {per_vital:.0f} B per vitals row, {per_event:.0f} B per event (tables + indexes); "
          f"a chair-year (250 d x 8 h x 6 numerics/s, 8 sessions/d) = {gb:.1f} GB")


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-replication-"))
    server = PgServer().init().start()
    try:
        dbname, events = catch_up(server, root)
        size(server, dbname, events)
        lag(server, root, float(os.environ.get("BENCH_LAG_S", "60")))
    finally:
        server.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
