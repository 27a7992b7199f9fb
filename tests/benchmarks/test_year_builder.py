"""The synthetic year (benchmarks/records.py build_year) on 10 sessions: its shape (rows, wave blocks and their
sizes) and one session at a time at the bed, in a real SQLite file."""
from __future__ import annotations

import math
from collections import defaultdict

import pytest

from benchmarks.records import (SLOT_S, TURNOVER_S, VITALS_SESSIONS, SESSIONS_PER_YEAR, YEAR_WAVES, build_year,
                                wave_block_pool)
from console.records.database import open_database
from console.records.records_config import records_config

SESSIONS = 10


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    data = tmp_path_factory.mktemp("year")
    figures = build_year(data, full=False, sessions=SESSIONS, quiet=True)
    db = open_database(data, readonly=True)
    yield figures, db
    db.close()


def spans(db):
    """(session id, start, sign-off, events) per session: a session starts 1 s before its first event (the
    demo story's first mark), which is where its vitals and waves begin."""
    rows = db.conn.execute("SELECT session_id, MIN(t), MAX(t), COUNT(*) FROM events WHERE session_id IS NOT NULL "
                           "GROUP BY session_id ORDER BY MIN(t)").fetchall()
    return [(sid, t0 - 1.0, t1, n) for sid, t0, t1, n in rows]


def test_ten_sessions_with_their_events_and_vitals_for_one_in_ten(year):
    figures, db = year
    sessions = spans(db)
    assert [s[0] for s in sessions] == [f"Y{n:05d}" for n in range(SESSIONS)]
    assert {n for *_, n in sessions} == {35}  # every session's story: 35 events (ledger included)
    assert figures["events"] == db.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 35 * SESSIONS
    every = SESSIONS_PER_YEAR // VITALS_SESSIONS
    t0, t1 = sessions[0][1], sessions[0][2]
    lo, hi, count = db.conn.execute("SELECT MIN(t), MAX(t), COUNT(*) FROM vitals").fetchone()
    assert every == 10 and count == figures["vital_samples"] > 0  # session 0 only
    assert t0 <= lo and hi < t1


def test_a_bed_has_one_session_at_a_time_six_a_day(year):
    _, db = year
    sessions = spans(db)
    for (_, _, end, _), (_, start, _, _) in zip(sessions, sessions[1:]):
        assert start >= end + TURNOVER_S
    day_one = sessions[:6]
    assert all(start - day_one[0][1] >= k * SLOT_S - 1e-6 for k, (_, start, _, _) in enumerate(day_one))
    assert sessions[6][1] - sessions[0][1] > 86400  # the seventh session is on the next clinic day


def test_every_session_has_every_wave_in_blocks_that_do_not_overlap(year):
    figures, db = year
    block_s = records_config().wave_block_s
    sources = dict(db.conn.execute("SELECT id, name FROM sources").fetchall())
    blocks = defaultdict(list)
    for source_id, wave, t0, rate, n in db.conn.execute(
            "SELECT source_id, wave, t0, rate_hz, n FROM wave_blocks ORDER BY t0"):
        blocks[(sources[source_id], wave, rate)].append((t0, n))
    assert set(blocks) == set(YEAR_WAVES)
    expected = sum(math.ceil((end - start) / block_s) for _, start, end, _ in spans(db))
    for key, rows in blocks.items():
        assert len(rows) == expected, key
        assert all(b[0] - a[0] >= block_s - 1e-6 for a, b in zip(rows, rows[1:])), key
        assert {n for _, n in rows} == {int(round(block_s * key[2]))}
    assert figures["wave_blocks"] == expected * len(YEAR_WAVES)
    for _, start, end, _ in spans(db):  # each session's waves cover it from start to sign-off
        assert db.conn.execute("SELECT MIN(t0), MAX(t0) FROM wave_blocks WHERE t0 >= ? AND t0 <= ?",
                               (start, end)).fetchone() == (start, start + (math.ceil((end - start) / block_s) - 1)
                                                             * block_s)


def test_blob_sizes_are_the_real_encoded_blocks_cycled(year):
    figures, db = year
    pool = wave_block_pool()
    pool_sizes = {len(row[4]) for rows in pool.values() for row in rows}
    stored = {size for (size,) in db.conn.execute("SELECT DISTINCT LENGTH(data) FROM wave_blocks")}
    assert stored <= pool_sizes and len(stored) > 10
    total = db.conn.execute("SELECT SUM(LENGTH(data)) FROM wave_blocks").fetchone()[0]
    assert figures["wave_mb"] == pytest.approx(total / 1e6)
    assert 5.0 < figures["wave_mb_per_4h"] < 12.0  # the year's measured 9.1 MB per 4 h of its blocks


def test_the_year_is_moved_into_place_complete_and_in_wal_mode(year, tmp_path):
    figures, db = year
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    data = db.path.parent
    assert not [p.name for p in data.parent.iterdir() if ".building" in p.name]  # nothing left beside it
    name = db.path.name  # (the -wal and -shm files are this test's open connection's)
    assert {p.name for p in data.iterdir()} <= {name, name + "-wal", name + "-shm"}
    assert figures["size_mb"] > 0 and db.path.stat().st_size == pytest.approx(figures["size_mb"] * 1e6, rel=0.01)
