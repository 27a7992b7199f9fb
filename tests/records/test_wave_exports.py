"""The stored waves in the exports: the PDF's alarm recall strips, and where CSV/FHIR say the waves are."""
from __future__ import annotations

from pdf_reader import pdf_text, render_pages

from datetime import datetime

import numpy as np
import pytest

from console.records.audit import AuditLog
from console.records.demo_session import DemoPatient, write_demo_session
from console.records.export_pdf import write_report
from console.records.session_record import load_session
from console.records.waves import WaveRecorder, read_wave
from device_drivers.events import Waveform
from device_drivers.intellivue import IntelliVue
from device_drivers.simulators.intellivue import IntelliVueSimulator
from tests.device_drivers.golden import of_type
from tests.device_drivers.test_intellivue_session import converse

T0 = datetime(2026, 11, 20, 9, 0).timestamp()


@pytest.fixture
def session_with_high_alarm_and_waves(database):
    write_demo_session(database, "S-7", T0, patient=DemoPatient(name="Maria Keller", weight_kg=80.0),
                       infusion_min=40, observation_min=60, alarm_priority="high")
    record = load_session(AuditLog(database), "S-7")
    onset = record.alarms[0].started
    codec, monitor = IntelliVue(), IntelliVueSimulator()  # the simulated monitor's real ECG and pleth
    codec.connected(onset - 15)
    recorder = WaveRecorder(database)
    for w in of_type(converse(codec, monitor, onset - 15, onset + 10), Waveform):
        recorder.submit(w)
    recorder.stop()
    return record, onset


def test_the_pdf_shows_a_strip_of_each_stored_wave_around_a_high_priority_alarm(
        session_with_high_alarm_and_waves, database, tmp_path):
    record, onset = session_with_high_alarm_and_waves
    pdf = tmp_path / "report.pdf"
    write_report(database, "S-7", pdf)
    text = pdf_text(pdf)
    assert "Alarm recall" in text
    assert "monitor ecg (500 Hz)" in text and "monitor pleth (125 Hz)" in text
    pages = render_pages(pdf, scale=1.0)
    green = [(p[..., 1] > 110) & (p[..., 0] < 80) & (p[..., 2] < 110) for p in pages]  # the ECG line's colour
    with_ecg = [n for n, g in enumerate(green) if g.sum() > 200]
    assert with_ecg, "no ECG trace drawn"
    page = pages[with_ecg[0]]
    from PySide6.QtGui import QImage  # the page as a PNG to look at (no Pillow here)
    rgb = np.ascontiguousarray(page)
    QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format_BGR888).save(  # pdfium renders BGR
        str(tmp_path / "recall_page.png"))
    cols = np.nonzero(green[with_ecg[0]].any(axis=0))[0]
    assert cols.max() - cols.min() > page.shape[1] * 0.6  # the trace spans the strip, not a dot
    t, v = read_wave(database, "ecg", onset - 6, onset + 4)
    assert 4000 < len(t) <= 5000 + 200


def test_no_strip_section_when_no_alarm_is_high_priority(database, tmp_path):
    write_demo_session(database, "S-8", T0, infusion_min=40, observation_min=60)
    pdf = tmp_path / "report.pdf"
    write_report(database, "S-8", pdf)
    assert "Alarm recall" not in pdf_text(pdf)


def test_csv_and_fhir_name_the_stored_waves_and_the_waves_export_carries_every_sample(
        session_with_high_alarm_and_waves, database, data_dir, tmp_path):
    import csv
    import json
    from fhir.resources.R4B.bundle import Bundle
    from console import cli
    from console.records.waves import stored_waves

    record, onset = session_with_high_alarm_and_waves
    stored = {(w.source, w.wave): w for w in stored_waves(database)}
    assert set(stored) == {("monitor", "ecg"), ("monitor", "pleth")}

    def export(fmt, name):
        out = tmp_path / name
        assert cli.main(["export", "--data-dir", str(data_dir), "--session", "S-7", "--format", fmt,
                         "--out", str(out)]) == 0
        return out

    rows = list(csv.DictReader(export("csv", "s.csv").open()))
    waves = [r for r in rows if r["type"] == "waves"]
    assert {(r["source"], r["name"]) for r in waves} == set(stored)
    for r in waves:
        detail = json.loads(r["detail"])
        assert int(r["value"]) == stored[(r["source"], r["name"])].samples
        assert detail["export_with"] == "bedside-console export --session S-7 --format waves"

    data = json.loads(export("fhir", "s.json").read_text())
    Bundle.model_validate(data)
    encounter = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Encounter")
    named = {tuple(x["valueString"] for x in ext["extension"] if x["url"] in ("source", "wave"))
             for ext in encounter["extension"]}
    assert named == set(stored)

    samples = list(csv.DictReader(export("waves", "s.waves.csv").open()))
    assert len(samples) == sum(w.samples for w in stored.values())
    ecg = [float(r["value"]) for r in samples if r["wave"] == "ecg"]
    t, v = read_wave(database, "ecg", 0, 2e10)
    assert ecg == v.tolist()  # repr round trip: exactly what is stored
