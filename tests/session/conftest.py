"""Fixtures for the session tests: clinic data, a clock that only moves when told, staff, a log."""
from __future__ import annotations

from pathlib import Path

import pytest

from console.records.audit import AuditLog
from console.records.database import open_database
from console.records.people import PeopleStore
from console.session.config import load_config
from console.session.staff import Clinician, StaffDirectory
from console.session.workflow import ClinicalSession, PatientRef
from session_helpers import Clock, answer_all_passing, today
from ledger_draws import draw_the_order


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def database(tmp_path: Path):
    db = open_database(tmp_path / "data")
    yield db
    db.close()


@pytest.fixture
def store(database):
    return PeopleStore(database)


@pytest.fixture
def staff(store, config, clock):
    directory = StaffDirectory(store, config.clinic)
    admin = directory.create_first_admin("admin", "Ada Admin", "2580", now=clock())
    directory.create("nina", "Nina Nurse", "nurse", "4711", by=admin, now=clock())
    directory.create("noah", "Noah Nurse", "nurse", "5822", by=admin, now=clock())
    directory.create("phil", "Dr Phil Physician", "physician", "6933", by=admin, now=clock())
    return directory


@pytest.fixture
def people():
    """Already-authenticated people (the PIN path is tested in test_session_staff.py)."""
    return {"nina": Clinician("nina", "Nina Nurse", "nurse"), "noah": Clinician("noah", "Noah Nurse", "nurse"),
            "phil": Clinician("phil", "Dr Phil Physician", "physician"),
            "bob": Clinician("bob", "Bob Biomed", "biomed")}


@pytest.fixture
def log(database):
    """The real hash-chained audit log on SQLite: what the session writes is what a restart reads."""
    return AuditLog(database)


@pytest.fixture
def patient(store, clock):
    pid = store.add_patient(mrn="MRN-0042", name="Pat Example", dob="1970-03-14", allergies="penicillin",
                            t=clock(), by="nina")
    return PatientRef(pid, "MRN-0042", "Pat Example", "1970-03-14", "penicillin")


@pytest.fixture
def session_at_order(log, config, people, patient, clock):
    nina = people["nina"]
    s = ClinicalSession.open(log, config, patient, by=nina, now=clock())
    s.accept_weight(70.0, today(clock), previous_kg=71.0, by=nina, now=clock())
    answer_all_passing(s, nina, clock)
    s.complete_checklist(by=nina, now=clock())
    return s


@pytest.fixture
def running_session(session_at_order, people, clock):
    s = session_at_order
    s.place_order("single_40min", by=people["nina"], now=clock())
    s.double_check(52.5, checker=people["noah"], now=clock())
    draw_the_order(s, people["nina"], clock())
    s.start(by=people["nina"], now=clock())
    return s
