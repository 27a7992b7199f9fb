"""Consoles that write real records, and looks at what the clinic server holds."""
from __future__ import annotations

import time

import psycopg

from console.records.audit import AuditLog
from console.records.database import open_database
from console.records.ledger import Ledger
from console.records.people import PeopleStore
from console.records.replication import Replicator, ServerSettings
from console.records.vitals import VitalsRecorder
from device_drivers.events import Measurement


def settings_for(server, dbname, **kw) -> ServerSettings:
    return ServerSettings(host="127.0.0.1", port=server.port, dbname=dbname, user="bedside",
                          passfile=str(server.passfile), sslmode="disable", interval_s=kw.pop("interval_s", 0.2),
                          connect_timeout_s=2, **kw)


class Chair:
    """One console's records: a real database in its own data directory."""

    def __init__(self, data_dir, name: str) -> None:
        self.name = name
        self.db = open_database(data_dir)
        self.audit = AuditLog(self.db)
        self.ledger = Ledger(self.db, self.audit)
        self.people = PeopleStore(self.db)
        self.recorder = VitalsRecorder(self.db, interval=0.05).start()

    def session(self, patient_id: int, mrn: str, name: str, *, t: float, pain_before: int, pain_after: int,
                sid: str | None = None) -> str:
        sid = sid or f"{self.name}-{int(t)}"
        a = self.audit
        a.append("session.opened", {"patient_id": patient_id, "mrn": mrn, "name": name}, session_id=sid,
                 actor="nurse.a", t=t)
        a.append("note", {"text": "checklist done"}, session_id=sid, actor="nurse.a", t=t + 1)
        self.ledger.record_draw(session_id=sid, drug="ketamine", concentration_mg_per_ml=1.0, lot="L7",
                                expiry="2099-01-01", volume_ml=50, actor="nurse.a", t=t + 2)
        a.append("session.discharge_pain", {"baseline_nrs": pain_before, "nrs": pain_after}, session_id=sid,
                 actor="nurse.a", t=t + 3)
        return sid

    def vitals(self, n: int, t0: float) -> None:
        for i in range(n):
            self.recorder.submit(Measurement(t0 + i, "monitor", "spo2", 95.0 + i % 4, "%"))
            self.recorder.submit(Measurement(t0 + i, "monitor", "hr", 70.0 + i % 7, "/min"))
        assert self.recorder.flush()

    def close(self) -> None:
        self.recorder.stop()
        self.db.close()

    def replicator(self, server, dbname, **kw) -> Replicator:
        return Replicator(self.db, settings_for(server, dbname, **kw))

    def count(self, table: str) -> int:
        return self.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def server_rows(server, dbname, sql: str, args: tuple = ()) -> list[tuple]:
    with psycopg.connect(server.dsn(dbname)) as conn:
        return conn.execute(sql, args).fetchall()


def wait_for(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except psycopg.errors.UndefinedTable:  # the replicator has not created the schema yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
