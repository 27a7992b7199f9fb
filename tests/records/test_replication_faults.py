"""The network cut mid-session and the server SIGKILLed mid-replication: no loss, no duplicate, the bed
never waits."""
from __future__ import annotations

import time

import pytest

from console.records.replication import confirmed_watermarks, verify_server_chains
from tests.records.replication_helpers import Chair, server_rows, settings_for, wait_for
from tests.records.tcp_cut import CableCut
from console.records.replication import Replicator


def server_matches_local(server, dbname, chair) -> bool:
    counts = server_rows(server, dbname, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM vitals), "
                                         "(SELECT count(*) FROM ledger_draws)")[0]
    return counts == (chair.count("events"), chair.count("vitals"), chair.count("ledger_draws"))


def assert_exact_copy(server, dbname, chair):
    local = chair.db.conn.execute("SELECT id, hash FROM events ORDER BY id").fetchall()
    remote = server_rows(server, dbname, "SELECT id, hash FROM events ORDER BY id")
    assert remote == local  # every event, once, same content
    lv = chair.db.conn.execute("SELECT rowid, t, value FROM vitals ORDER BY rowid").fetchall()
    rv = server_rows(server, dbname, "SELECT rowid, t, value FROM vitals ORDER BY rowid")
    assert rv == lv
    assert all(r.ok for r in verify_server_chains(server.dsn(dbname)))
    wm = confirmed_watermarks(chair.db)
    assert wm["events"] == local[-1][0] and wm["vitals"] == lv[-1][0]


def bed_writes(chair, t0: float, seconds: int, append_times: list[float]) -> None:
    """A session going on: events and 1 Hz vitals (compressed in time), timing every audit append."""
    for i in range(seconds):
        start = time.perf_counter()
        chair.audit.append("vitals.checked", {"i": i}, session_id="S", actor="nurse.a", t=t0 + i)
        append_times.append(time.perf_counter() - start)
        for j, metric in enumerate(("spo2", "hr", "rr", "etco2")):
            from device_drivers.events import Measurement
            chair.recorder.submit(Measurement(t0 + i, "monitor", metric, 90.0 + j + i % 5, "%"))
        time.sleep(0.01)


def test_network_cut_mid_session_and_restored(tmp_path, clinic_server):
    server, dbname = clinic_server
    cable = CableCut(server.port)
    chair = Chair(tmp_path / "a", "a")
    settings = settings_for(server, dbname, batch_rows=40)
    settings = type(settings)(**{**settings.__dict__, "port": cable.port})
    rep = Replicator(chair.db, settings).start()
    appends: list[float] = []
    try:
        chair.session(1, "MRN-5", "P", t=1000.0, pain_before=8, pain_after=4)
        bed_writes(chair, 1010.0, 60, appends)
        wait_for(lambda: rep.status.online, what="the first shipment")
        for round_ in range(3):  # cut while the replicator is busy, keep the session going, restore
            cable.cut()
            bed_writes(chair, 2000.0 + 100 * round_, 60, appends)
            wait_for(lambda: not rep.status.online, what="the replicator to notice the cut")
            assert "offline: this chair's records only" in rep.status.summary()
            cable.restore()
            bed_writes(chair, 2050.0 + 100 * round_, 20, appends)
            wait_for(lambda: rep.status.online, timeout=40, what="reconnection after the cut")
        assert chair.recorder.flush()
        wait_for(lambda: server_matches_local(server, dbname, chair), timeout=60,
                 what=f"catch-up after the cut ({rep.status})")
        wait_for(lambda: confirmed_watermarks(chair.db).get("vitals") == chair.count("vitals"), what="watermark")
        assert_exact_copy(server, dbname, chair)
        assert cable.connections >= 4  # it really reconnected after each cut
        assert max(appends) < 0.5, f"the bed waited {max(appends):.2f} s for an audit append"
    finally:
        rep.stop()
        cable.close()
        chair.close()


def test_server_killed_with_sigkill_mid_replication(tmp_path, clinic_server):
    server, dbname = clinic_server
    chair = Chair(tmp_path / "a", "a")
    # a backlog large enough that the kill lands while batches are being shipped
    chair.session(1, "MRN-6", "P", t=1000.0, pain_before=8, pain_after=4)
    chair.vitals(20000, 10_000.0)
    rep = Replicator(chair.db, settings_for(server, dbname, batch_rows=500)).start()
    appends: list[float] = []
    try:
        wait_for(lambda: server_rows(server, dbname, "SELECT count(*) FROM vitals")[0][0] > 2000,
                 what="replication under way")
        server.kill9()
        bed_writes(chair, 50_000.0, 40, appends)
        wait_for(lambda: not rep.status.online, what="the replicator to notice")
        server.start()
        bed_writes(chair, 60_000.0, 10, appends)
        assert chair.recorder.flush()
        wait_for(lambda: server_matches_local(server, dbname, chair), timeout=90, what="catch-up after the kill")
        wait_for(lambda: confirmed_watermarks(chair.db).get("vitals") == chair.count("vitals"), what="watermark")
        assert_exact_copy(server, dbname, chair)
        assert max(appends) < 0.5
    finally:
        rep.stop()
        chair.close()
        if server.proc.poll() is not None:
            server.start()
