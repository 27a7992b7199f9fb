"""Schema migrations: applied in order, atomically, and safe from every earlier version with data in it."""
from __future__ import annotations

import sqlite3

import pytest

from console.records import migrations
from console.records.audit import AuditLog, verify_chain
from console.records.database import FILE_NAME, open_database
from console.records.ledger import Ledger
from console.records.migrations import Migration, discover, latest_version, migrate
from console.records.vitals import VitalsRecorder, read_vitals
from console.records.waves import WaveRecorder, read_wave
from device_drivers.events import Measurement, Waveform



def database_at(data_dir, version):
    """A database file whose schema stops at `version`, as an older program left it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / FILE_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn, target=version)
    return conn


def add_data(conn, version):
    """Rows an installation at `version` would hold (core tables exist from version 1)."""
    if version < 1:
        return
    conn.execute("INSERT INTO metrics(name, unit) VALUES ('spo2', '%')")
    conn.execute("INSERT INTO sources(name) VALUES ('monitor')")
    conn.executemany("INSERT INTO vitals(t, metric_id, source_id, value) VALUES (?, 1, 1, ?)",
                     [(1000.0 + i, 95.0 + i % 3) for i in range(60)])


def test_migrations_are_numbered_uniquely_and_in_order():
    found = discover()
    assert found[0].version == 1 and found[0].name == "m0001_core"
    assert [m.version for m in found] == sorted({m.version for m in found})
    assert latest_version() == found[-1].version


@pytest.mark.parametrize("start", [0, *[m.version for m in discover()[:-1]]])
def test_an_installation_at_an_earlier_version_keeps_its_records_after_upgrading(tmp_path, start):
    data_dir = tmp_path / f"from_v{start}"
    conn = database_at(data_dir, start)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == start
    add_data(conn, start)
    conn.close()
    if start >= 1:  # events written by the program as it was at that version
        old = _open_without_migrating(data_dir)
        log = AuditLog(old)
        for i in range(5):
            log.append("rate_changed", {"rate_ml_h": 10 + i}, session_id="S1", t=2000.0 + i)
        if start >= 4:  # the ledger exists from version 4 on
            Ledger(old, log).record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                                         expiry="2099-01-01", volume_ml=100, actor="nurse.a", t=2010.0)
        old.close()

    db = open_database(data_dir)
    assert db.schema_version == latest_version()
    if start >= 1:
        t, v = read_vitals(db, "spo2")
        assert len(t) == 60 and v[:3].tolist() == [95.0, 96.0, 97.0]
        report = verify_chain(db)
        assert report.ok and report.count == (6 if start >= 4 else 5)
        if start >= 4:
            assert [d.lot for d in Ledger(db).draws("S1")] == ["L1"]
    AuditLog(db).append("after_upgrade", {})
    assert verify_chain(db).ok
    waves = WaveRecorder(db)  # waves (version 6) are recorded into an upgraded installation
    waves.submit(Waveform(3001.0, "monitor", "pleth", tuple(float(i) for i in range(125)), 125.0))
    waves.stop()
    t, v = read_wave(db, "pleth", 2999.0, 3002.0)
    assert v.tolist() == [float(i) for i in range(125)] and t[0] == 3000.0
    if start >= 1:
        assert read_vitals(db, "spo2")[0].size == 60  # the shared sources table still serves both
    db.close()


def _open_without_migrating(data_dir):
    from console.records.database import Database, _raw_connect
    path = data_dir / FILE_NAME
    return Database(path, _raw_connect(path))


def test_a_failing_migration_leaves_the_database_at_the_version_before_it(data_dir, monkeypatch):
    conn = database_at(data_dir, None)
    newest = latest_version()

    def broken(c):
        c.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrations, "discover", lambda: [*discover(), Migration(99, "m0099_broken", broken)])
    with pytest.raises(RuntimeError, match="disk full"):
        migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newest
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='half_done'").fetchone() is None
    conn.close()


def test_upgrading_an_installation_with_recorded_vitals_through_the_recorder(data_dir):
    db = open_database(data_dir)
    recorder = VitalsRecorder(db)
    recorder.submit(Measurement(5.0, "monitor", "hr", 70.0, "bpm"))
    recorder.stop()
    db.close()
    again = open_database(data_dir)
    assert read_vitals(again, "hr")[1].tolist() == [70.0]
    again.close()
