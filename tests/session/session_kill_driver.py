"""A stand-in console process for the SIGKILL test: runs a session on a real database, reporting each step.

`run STAGE`: open a session and drive it to STAGE (checklist, infusion or observation) using real time,
printing one JSON line after each event is durably appended ({"id", "kind", "t", ...}), then keeps
recording (checklist answers, assessments) until it is killed. `report`: a restarted console; resumes the
open session from the log and prints what it knows as one JSON line.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from console.records.audit import AuditLog
from console.records.database import open_database
from console.records.people import PeopleStore
from console.session.config import load_config
from console.session.staff import Clinician
from console.session.workflow import ClinicalSession, PatientRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests/ holds the helpers
from ledger_draws import draw_the_order  # noqa: E402

NINA = Clinician("nina", "Nina Nurse", "nurse")
NOAH = Clinician("noah", "Noah Nurse", "nurse")


def say(**fields) -> None:
    print(json.dumps(fields), flush=True)


def step(session: ClinicalSession, action, *args, **kwargs) -> None:
    action(*args, **kwargs)
    e = session.events[-1]
    say(id=e.id, kind=e.kind, t=e.t, payload=e.payload)


def run(data_dir: Path, stage: str) -> None:
    database = open_database(data_dir)
    log, config, people = AuditLog(database), load_config(), PeopleStore(database)
    pid = people.add_patient(mrn="K-1", name="Kim Kill", dob="1980-01-01", allergies="", t=time.time(), by="nina")
    s = ClinicalSession.open(log, config, PatientRef(pid, "K-1", "Kim Kill", "1980-01-01"), by=NINA, now=time.time())
    say(id=s.events[-1].id, kind=s.events[-1].kind, t=s.events[-1].t, session=s.session_id)
    today = date.today()
    step(s, s.accept_weight, 80.0, today, previous_kg=None, by=NINA, now=time.time())
    items = list(config.checklist)
    if stage == "checklist":
        while True:  # answer items again and again: each answer supersedes the last, all are kept
            for item in [i for i in items if i.kind in ("confirm", "absent")][:6]:
                value = item.kind == "confirm"
                step(s, s.answer, item.id, value=value, by=NINA, now=time.time())
    for item in items:
        if item.kind in ("confirm", "absent"):
            step(s, s.answer, item.id, value=item.kind == "confirm", by=NINA, now=time.time())
        elif item.kind == "npo":
            step(s, s.answer, item.id, last_food_t=time.time() - 9 * 3600, last_clear_fluid_t=time.time() - 3 * 3600,
                 by=NINA, now=time.time())
        elif item.kind == "vitals":
            step(s, s.answer, item.id, systolic=130, diastolic=80, hr=70, spo2=98, by=NINA, now=time.time())
        else:
            step(s, s.answer, item.id, nrs=8, by=NINA, now=time.time())
    step(s, s.complete_checklist, by=NINA, now=time.time())
    step(s, s.place_order, "continuous", amount=0.2, concentration=2.0, duration_min=240, by=NINA,
         now=time.time())
    step(s, s.double_check, s.state.order["rate_ml_per_h"], checker=NOAH, now=time.time())
    draw_the_order(s, NINA, time.time())  # the ledger's event is not the session's: no step() line for it
    step(s, s.start, by=NINA, now=time.time())
    time.sleep(0.3)
    step(s, s.titrate, 0.3, "pain still 8/10", by=NINA, now=time.time())
    time.sleep(0.2)
    if stage == "observation":
        step(s, s.stop, "patient request", by=NINA, now=time.time())
    n = 0
    while True:
        n += 1
        step(s, s.assess, nrs=n % 11, sedation_score=0, note=f"round {n}", by=NINA, now=time.time())


def report(data_dir: Path) -> None:
    database = open_database(data_dir)
    s = ClinicalSession.resume_open(AuditLog(database), load_config())
    now = time.time()
    if s is None:
        say(session=None)
        return
    st = s.state
    say(session=s.session_id, now=now, phase=st.phase, event_ids=[e.id for e in s.events],
        answers={k: a.answer for k, a in st.answers.items()}, running=st.running,
        infusion_seconds=st.infusion_seconds(now), delivered_mg=st.delivered_mg(now),
        observation_remaining=st.observation_remaining_seconds(now), assessments=len(st.assessments))


if __name__ == "__main__":
    command, data = sys.argv[1], Path(sys.argv[2])
    if command == "run":
        run(data, sys.argv[3])
    else:
        report(data)
