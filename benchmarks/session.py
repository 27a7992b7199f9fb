"""The session's costs: how long one durable event takes, how long a restart takes to replay a 72-hour
continuous infusion, and how long one PIN check takes (scrypt is slow on purpose).

Append: a real database in a temp directory (WAL, synchronous=FULL), one session event per call, as the
panel does it. Replay: a 72-h session with an assessment every 15 min, a titration every 4 h and a pump
reading pair every minute that flips agreement every hour; `ClinicalSession.resume_open` from a fresh
connection, as after a SIGKILL. PIN: StaffDirectory.authenticate with the production scrypt parameters.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.stats import percentiles_ms
from console.records.audit import AuditLog
from console.records.ledger import Ledger
from console.records.database import open_database
from console.records.people import PeopleStore
from console.session.config import load_config
from console.session.staff import Clinician, StaffDirectory
from console.session.workflow import ClinicalSession, PatientRef

NINA, NOAH = Clinician("nina", "Nina", "nurse"), Clinician("noah", "Noah", "nurse")


def build_long_session(data: Path) -> tuple[int, float]:
    db = open_database(data)
    log, config = AuditLog(db), load_config()
    t0 = time.time() - 80 * 3600
    s = ClinicalSession.open(log, config, PatientRef(1, "B-1", "Bench Mark", "1970-01-01"), by=NINA, now=t0)
    s.accept_weight(80, date.fromtimestamp(t0), previous_kg=None, by=NINA, now=t0)
    for item in config.checklist:
        kw = {"confirm": {"value": True}, "absent": {"value": False},
              "npo": {"last_food_t": t0 - 9 * 3600, "last_clear_fluid_t": t0 - 3 * 3600},
              "vitals": {"systolic": 120, "diastolic": 80}, "pain": {"nrs": 7}}[item.kind]
        s.answer(item.id, by=NINA, now=t0, **kw)
    s.complete_checklist(by=NINA, now=t0)
    s.place_order("continuous", amount=0.1, concentration=2.0, duration_min=72 * 60, soft_reason="multi-day",
                  by=NINA, now=t0)
    s.double_check(s.state.order["rate_ml_per_h"], checker=NOAH, now=t0)
    Ledger(db, log).record_draw(session_id=s.session_id, drug="ketamine", concentration_mg_per_ml=2.0, lot="B-1",
                                expiry="2099-12-31", volume_ml=300, actor="nina", t=t0)  # drawn before the start
    s.start(by=NINA, now=t0)
    latencies = []
    for minute in range(1, 72 * 60):
        t = t0 + minute * 60
        if minute % 15 == 0:
            start = time.perf_counter()
            s.assess(nrs=5, sedation_score=0, by=NINA, now=t)
            latencies.append(time.perf_counter() - start)
        if minute % 240 == 0:
            s.titrate(0.1 + (minute // 240) % 3 * 0.1, "response", by=NINA, now=t)
        rate = s.state.rate_ml_per_h + (5.0 if (minute // 60) % 2 else 0.0)
        s.pump_reading(now=t, rate_ml_per_h=rate, by=NINA)
    s.stop("72 h complete", by=NINA, now=t0 + 72 * 3600)
    count = len(s.events)
    print(f"session event append (durable, synchronous=FULL): {percentiles_ms(latencies)}")
    db.close()
    return count, s.state.delivered_mg(t0 + 72 * 3600)


def replay(data: Path, count: int, mg: float) -> None:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        db = open_database(data)
        s = ClinicalSession.resume_open(AuditLog(db), load_config())
        best = min(best, time.perf_counter() - start)
        assert s is not None and abs(s.state.delivered_mg(time.time()) - mg) < 1e-6
        db.close()
    print(f"restart replay of a 72-h continuous session: {count} events, open + fold in {best * 1000:.0f} ms "
          f"(best of 3), {mg:.1f} mg recomputed from the rate history")


def pin_check(data: Path) -> None:
    db = open_database(data)
    staff = StaffDirectory(PeopleStore(db), load_config().clinic)
    staff.create_first_admin("admin", "Ada", "2580", now=time.time())
    times = []
    for _ in range(10):
        start = time.perf_counter()
        staff.authenticate("admin", "2580", now=time.time())
        times.append(time.perf_counter() - start)
    print(f"PIN check (scrypt n=2^14 r=8 p=1): {percentiles_ms(times)}")
    db.close()


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-session-"))
    try:
        count, mg = build_long_session(tmp / "long")
        replay(tmp / "long", count, mg)
        pin_check(tmp / "pins")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
