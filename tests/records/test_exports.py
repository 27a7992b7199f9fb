"""A finished session leaves the machine as a PDF report, a CSV and a FHIR Bundle others can use."""
from __future__ import annotations

from pdf_reader import pdf_text, render_pages

import csv
import io
import json
import re
from datetime import datetime

import pytest

from console import cli
from console.records.audit import AuditLog
from console.records.demo_session import CHECKER, NURSE, PHYSICIAN, DemoPatient, write_demo_session
from console.records.session_record import load_session

T0 = datetime(2026, 11, 20, 9, 0).timestamp()
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$")



@pytest.fixture
def finished_session(database):
    write_demo_session(database, "S-42", T0, patient=DemoPatient(name="Maria Keller", weight_kg=80.0),
                       infusion_min=40, observation_min=60)
    return load_session(AuditLog(database), "S-42")


def export(data_dir, tmp_path, fmt, name):
    out = tmp_path / name
    code = cli.main(["export", "--data-dir", str(data_dir), "--session", "S-42", "--format", fmt,
                     "--out", str(out)])
    assert code == 0
    return out


def test_the_pdf_report_carries_the_key_fields_of_the_session(finished_session, data_dir, tmp_path, capsys):
    pdf = export(data_dir, tmp_path, "pdf", "report.pdf")
    assert "wrote" in capsys.readouterr().out
    text = pdf_text(pdf)
    record = finished_session
    for expected in ["Maria Keller", "MRN-004217", "1971-03-14", "penicillin", "80 kg",
                     "Ketamine 1 mg/mL", "0.50 mg/kg/h", f"{record.recorded_delivered_mg:.1f} mg",
                     f"{record.recorded_delivered_mg / 80.0:.2f} mg/kg", CHECKER, PHYSICIAN,
                     "titrated", "paused", "resumed", "pain still 6/10",
                     "SpO2 low 89 %", f"{NURSE} at", "dizziness", "3 / 24", "low aspiration", "FAILED",
                     "ALDRETE", "Pain before", "7 / 10", "3 / 10", "Thomas Keller", "lot KX24-0917",
                     "ledger balanced", "signed the discharge", "independently double-checked the rate",
                     "Heart rate", "Oxygen saturation", "Blood pressure", "Infusion rate"]:
        assert expected in text, expected
    last = record.all_events()[-1]
    assert last.hash[:16] in text


def test_every_pdf_page_renders_to_an_image(finished_session, data_dir, tmp_path):
    pdf = export(data_dir, tmp_path, "pdf", "report.pdf")
    pages = render_pages(pdf)
    assert len(pages) >= 2
    for page in pages:  # each page has real ink on it: text and charts, not a blank sheet
        ink = (page.sum(axis=2) < 600).mean()
        assert page.shape[0] > 400 and 0.005 < ink < 0.6


def test_the_csv_has_one_row_per_sample_and_event_with_offset_times(finished_session, data_dir, tmp_path,
                                                                     database):
    path = export(data_dir, tmp_path, "csv", "session.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    events = [r for r in rows if r["type"] == "event"]
    vitals = [r for r in rows if r["type"] == "vital"]
    record = finished_session
    in_window = database.conn.execute("SELECT COUNT(*) FROM vitals WHERE t BETWEEN ? AND ?",
                                      (record.opened_t, record.end_t)).fetchone()[0]
    assert len(events) == len(record.all_events()) and len(vitals) == in_window
    assert all(ISO_WITH_OFFSET.match(r["time"]) for r in rows)
    epochs = [float(r["epoch_s"]) for r in rows]
    assert epochs == sorted(epochs)
    opened = events[0]
    assert opened["name"] == "session.opened" and json.loads(opened["detail"])["mrn"] == "MRN-004217"
    spo2 = next(r for r in vitals if r["name"] == "spo2")
    assert spo2["unit"] == "%" and spo2["source"] == "monitor" and 85 <= float(spo2["value"]) <= 100


def test_the_fhir_bundle_validates_and_codes_vitals_and_pain_with_loinc(finished_session, data_dir, tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    path = export(data_dir, tmp_path, "fhir", "bundle.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)
    resources = [e.resource for e in bundle.entry]
    kinds = {r.__resource_type__ for r in resources}
    assert {"Patient", "Encounter", "MedicationAdministration", "Observation"} <= kinds
    patient = next(r for r in resources if r.__resource_type__ == "Patient")
    assert patient.identifier[0].value == "MRN-004217" and str(patient.birthDate) == "1971-03-14"
    encounter = next(r for r in resources if r.__resource_type__ == "Encounter")
    assert encounter.status == "finished"
    codes = {c.code for r in resources if r.__resource_type__ == "Observation" for c in r.code.coding}
    codes |= {c.code for r in resources if r.__resource_type__ == "Observation" for comp in (r.component or [])
              for c in comp.code.coding}
    assert {"59408-5", "2708-6", "8867-4", "9279-1", "8480-6", "8462-4", "8310-5", "72514-3"} <= codes
    given = sum(float(r.dosage.dose.value) for r in resources if r.__resource_type__ == "MedicationAdministration")
    assert given == pytest.approx(finished_session.recorded_delivered_mg, abs=0.01)
    pains = [r.valueInteger for r in resources if r.__resource_type__ == "Observation"
             and r.code.coding[0].code == "72514-3"]
    assert pains[0] == 7 and pains[-1] == 3


def test_exporting_twice_gives_the_same_bundle(finished_session, data_dir, tmp_path):
    first = export(data_dir, tmp_path, "fhir", "a.json").read_text()
    second = export(data_dir, tmp_path, "fhir", "b.json").read_text()
    assert first == second


def test_an_unknown_session_is_a_clear_one_line_error(finished_session, data_dir, tmp_path, capsys):
    code = cli.main(["export", "--data-dir", str(data_dir), "--session", "S-nope", "--format", "csv",
                     "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code != 0 and "no session 'S-nope'" in err and "S-42" in err
    assert not (tmp_path / "x.csv").exists()


def test_export_into_a_missing_folder_says_so(finished_session, data_dir, tmp_path, capsys):
    code = cli.main(["export", "--data-dir", str(data_dir), "--session", "S-42", "--format", "pdf",
                     "--out", str(tmp_path / "no" / "such" / "r.pdf")])
    assert code != 0 and "does not exist" in capsys.readouterr().err


def test_a_running_session_exports_every_sample_recorded_so_far(database, data_dir, tmp_path):
    from console.records.vitals import bulk_insert
    import numpy as np
    audit = AuditLog(database)
    audit.append("session.opened", {"mrn": "MRN-9", "name": "Ann Lee", "dob": "1980-01-01"}, session_id="S-run",
                 t=T0, actor=NURSE)
    t = np.arange(T0, T0 + 600)
    bulk_insert(database, "monitor", "spo2", "%", t, np.full(t.size, 96.0))
    assert cli.main(["export", "--data-dir", str(data_dir), "--session", "S-run", "--format", "csv",
                     "--out", str(tmp_path / "run.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "run.csv").read_text())))
    assert sum(r["type"] == "vital" for r in rows) == 600
    assert cli.main(["export", "--data-dir", str(data_dir), "--session", "S-run", "--format", "pdf",
                     "--out", str(tmp_path / "run.pdf")]) == 0
    text = pdf_text(tmp_path / "run.pdf")
    assert "OPEN (in progress)" in text and "Ann Lee" in text


def test_the_pdf_counts_only_real_rate_changes_not_the_start_and_stop(finished_session, data_dir, tmp_path):
    """Issue 10 item 8: the infusion's start and stop were counted as "Rate changes" (5 instead of 3)."""
    record = finished_session
    whats = [c.what for c in record.rate_changes]
    assert whats[0] == "started" and whats[-1] == "stopped"
    real = [w for w in whats if w not in ("started", "stopped")]
    assert real == ["titrated", "paused", "resumed"]
    text = pdf_text(export(data_dir, tmp_path, "pdf", "report.pdf"))
    line = next(l for l in text.splitlines() if "Rate changes" in l and any(ch.isdigit() for ch in l))
    assert re.search(r"Rate changes\s*3\b", line), line
