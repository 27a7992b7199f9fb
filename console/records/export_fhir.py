"""A session as a FHIR R4 Bundle: Patient, Encounter, MedicationAdministration and Observations.

What a hospital record system or registry imports. Vitals are coded with LOINC (and the vital-signs
category) so a receiving system files them without a mapping table; at 1 Hz a session has tens of
thousands of samples, so each vital is exported as the median of each interval (records.toml
`[fhir] vitals_interval_s`, one minute by default) and the Observation says so. Every rate segment of the
infusion is one MedicationAdministration with its rate and the mg it gave. Resource ids are stable
(UUID5 from the installation and session), so exporting twice gives the same Bundle.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from console.records.audit import AuditLog
from console.records.database import Database
from console.records.session_record import SessionRecord, load_session
from console.records.vitals import read_vitals
from device_drivers.events import iso_time

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
MRN_SYSTEM = "urn:bedside-console:mrn"

#: metric -> (LOINC codes [(code, display)], UCUM unit, unit text). SpO2 carries both the pulse-oximetry
#: code and the general oxygen-saturation code, as the FHIR vital-signs profile asks.
VITAL_CODES: dict[str, tuple[list[tuple[str, str]], str, str]] = {
    "spo2": ([("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
              ("2708-6", "Oxygen saturation in Arterial blood")], "%", "%"),
    "hr": ([("8867-4", "Heart rate")], "/min", "beats/minute"),
    "pr": ([("8867-4", "Heart rate")], "/min", "beats/minute"),
    "rr": ([("9279-1", "Respiratory rate")], "/min", "breaths/minute"),
    "temp": ([("8310-5", "Body temperature")], "Cel", "°C"),
    "etco2": ([("19889-5", "Carbon dioxide/Gas.total.at end expiration in Exhaled gas")], "mm[Hg]", "mmHg"),
}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_SYSTOLIC = ("8480-6", "Systolic blood pressure")
BP_DIASTOLIC = ("8462-4", "Diastolic blood pressure")
PAIN = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
KETAMINE = ("6130", "ketamine")


class FhirIds:
    def __init__(self, namespace: str) -> None:
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, f"bedside-console:{namespace}")

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(self.ns, name))


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": round(float(value), 3), "unit": unit, "system": UCUM, "code": code}


def _vital_category() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}]


def _interval_medians(t: np.ndarray, v: np.ndarray, interval: float) -> list[tuple[float, float]]:
    if t.size == 0:
        return []
    bins = np.floor((t - t[0]) / interval).astype(int)
    edges = np.flatnonzero(np.diff(bins)) + 1
    return [(float(ts[0]), float(np.median(vs))) for ts, vs in zip(np.split(t, edges), np.split(v, edges))]


def build_bundle(database: Database, session_id: str, *, vitals_interval_s: float = 60.0) -> dict[str, Any]:
    record = load_session(AuditLog(database), session_id)
    ids = FhirIds(f"{database.get_meta('installation_id')}:{session_id}")
    patient_ref = f"urn:uuid:{ids('patient')}"
    encounter_ref = f"urn:uuid:{ids('encounter')}"
    entries: list[dict[str, Any]] = [
        _entry(patient_ref, _patient(record, ids("patient"))),
        _entry(encounter_ref, _encounter(record, ids("encounter"), patient_ref)),
    ]
    waves = _stored_waves_extension(database, record)
    if waves:
        entries[1]["resource"]["extension"] = waves
    for n, resource in enumerate(_administrations(record, patient_ref, encounter_ref)):
        rid = ids(f"medadmin-{n}")
        entries.append(_entry(f"urn:uuid:{rid}", {**resource, "id": rid}))
    for key, resource in _observations(database, record, patient_ref, encounter_ref, vitals_interval_s):
        rid = ids(key)
        entries.append(_entry(f"urn:uuid:{rid}", {**resource, "id": rid}))
    return {"resourceType": "Bundle", "id": ids("bundle"), "type": "collection",
            "timestamp": iso_time(record.end_t or record.events[-1].t), "entry": entries}


#: where this chair's stored waves are (a local extension: FHIR has no standard pointer to them)
WAVES_EXTENSION = "urn:bedside-console:fhir:StructureDefinition:stored-waves"


def _stored_waves_extension(database: Database, record: SessionRecord) -> list[dict[str, Any]]:
    """One extension per stored wave on the Encounter: which wave, its rate, its span, how to get it.

    The samples themselves are not put in the bundle (a 4-hour ECG as SampledData is ~100 MB of text an EHR
    would not take); `export --format waves` writes them."""
    from console.records.waves import HOW_TO_EXPORT, stored_waves
    start, end = record.vitals_window()
    out = []
    for w in stored_waves(database, start, end):
        out.append({"url": WAVES_EXTENSION, "extension": [
            {"url": "source", "valueString": w.source},
            {"url": "wave", "valueString": w.wave},
            {"url": "rateHz", "valueDecimal": w.rate_hz},
            {"url": "samples", "valueInteger": int(w.samples)},
            {"url": "period", "valuePeriod": {"start": iso_time(w.first_t), "end": iso_time(w.last_t)}},
            {"url": "exportWith", "valueString": HOW_TO_EXPORT.format(session=record.session_id)},
        ]})
    return out


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _patient(record: SessionRecord, rid: str) -> dict[str, Any]:
    p = record.patient
    resource: dict[str, Any] = {"resourceType": "Patient", "id": rid}
    if p.get("mrn"):
        resource["identifier"] = [{"use": "usual", "system": MRN_SYSTEM, "value": str(p["mrn"])}]
    if p.get("name"):
        parts = str(p["name"]).split()
        resource["name"] = [{"text": str(p["name"]), "family": parts[-1], "given": parts[:-1] or None}]
        if not parts[:-1]:
            del resource["name"][0]["given"]
    if p.get("dob"):
        resource["birthDate"] = str(p["dob"])
    return resource


def _encounter(record: SessionRecord, rid: str, patient_ref: str) -> dict[str, Any]:
    period = {"start": iso_time(record.opened_t or record.events[0].t)}
    if record.closed_t is not None:
        period["end"] = iso_time(record.closed_t)
    status = {"open": "in-progress", "signed_off": "finished", "cancelled": "cancelled"}[record.status]
    return {"resourceType": "Encounter", "id": rid, "status": status,
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [{"text": "IV ketamine infusion for chronic pain"}],
            "subject": {"reference": patient_ref}, "period": period,
            "identifier": [{"system": "urn:bedside-console:session", "value": record.session_id}]}


def _administrations(record: SessionRecord, patient_ref: str, encounter_ref: str) -> list[dict[str, Any]]:
    conc = record.concentration_mg_per_ml
    if conc is None:
        return []
    out = []
    running_to = record.infusion_stop or record.end_t
    for segment in record.segments(until=running_to):
        end = segment.end if segment.end is not None else running_to
        mg = segment.rate_ml_per_h * (end - segment.start) / 3600.0 * conc
        weight = record.weight_kg
        resource = {
            "resourceType": "MedicationAdministration",
            "status": "completed" if segment.end is not None else "in-progress",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": KETAMINE[0],
                                                      "display": KETAMINE[1]}],
                                          "text": f"{record.drug_label} ({conc:g} mg/mL)"},
            "subject": {"reference": patient_ref}, "context": {"reference": encounter_ref},
            "effectivePeriod": {"start": iso_time(segment.start), "end": iso_time(end)},
            "dosage": {"route": {"coding": [{"system": SNOMED, "code": "47625008",
                                             "display": "Intravenous route"}]},
                       "dose": _quantity(mg, "mg", "mg"),
                       "rateQuantity": _quantity(segment.rate_ml_per_h, "mL/h", "mL/h")},
        }
        if weight:
            resource["dosage"]["text"] = (f"{segment.rate_ml_per_h:g} mL/h = "
                                          f"{segment.rate_ml_per_h * conc / weight:.2f} mg/kg/h for "
                                          f"{weight:g} kg")
        out.append(resource)
    return out


def _observations(database: Database, record: SessionRecord, patient_ref: str, encounter_ref: str,
                  interval: float) -> list[tuple[str, dict[str, Any]]]:
    start, end = record.vitals_window()
    base = {"resourceType": "Observation", "status": "final", "subject": {"reference": patient_ref},
            "encounter": {"reference": encounter_ref}}
    note = [{"text": f"median of the samples in each {interval:g} s interval (device rate 1 Hz)"}]
    out: list[tuple[str, dict[str, Any]]] = []
    have_hr = read_vitals(database, "hr", since=start, until=end)[0].size > 0
    for metric, (codes, ucum, unit_text) in VITAL_CODES.items():
        if metric == "pr" and have_hr:  # the same LOINC code; the monitor's ECG rate is the one to file
            continue
        t, v = read_vitals(database, metric, since=start, until=end)
        for n, (ts, value) in enumerate(_interval_medians(t, v, interval)):
            out.append((f"{metric}-{n}", {
                **base, "category": _vital_category(),
                "code": {"coding": [{"system": LOINC, "code": c, "display": d} for c, d in codes],
                         "text": metric},
                "effectiveDateTime": iso_time(ts), "valueQuantity": _quantity(value, unit_text, ucum),
                "note": note}))
    ts_sys, sys_ = read_vitals(database, "nibp_sys", since=start, until=end)
    ts_dia, dia = read_vitals(database, "nibp_dia", since=start, until=end)
    diastolic = dict(zip(ts_dia.tolist(), dia.tolist()))
    for n, (ts, value) in enumerate(zip(ts_sys.tolist(), sys_.tolist())):
        components = [{"code": {"coding": [{"system": LOINC, "code": BP_SYSTOLIC[0], "display": BP_SYSTOLIC[1]}]},
                       "valueQuantity": _quantity(value, "mmHg", "mm[Hg]")}]
        if ts in diastolic:
            components.append({"code": {"coding": [{"system": LOINC, "code": BP_DIASTOLIC[0],
                                                    "display": BP_DIASTOLIC[1]}]},
                               "valueQuantity": _quantity(diastolic[ts], "mmHg", "mm[Hg]")})
        out.append((f"bp-{n}", {**base, "category": _vital_category(),
                                "code": {"coding": [{"system": LOINC, "code": BP_PANEL[0], "display": BP_PANEL[1]}],
                                         "text": "blood pressure (non-invasive)"},
                                "effectiveDateTime": iso_time(ts), "component": components}))
    for n, (ts, nrs, what) in enumerate(pain_scores(record)):
        out.append((f"pain-{n}", {**base, "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey",
                                                                     "display": "Survey"}]}],
                                  "code": {"coding": [{"system": LOINC, "code": PAIN[0], "display": PAIN[1]}],
                                           "text": f"pain NRS ({what})"},
                                  "effectiveDateTime": iso_time(ts), "valueInteger": int(nrs)}))
    return out


def pain_scores(record: SessionRecord) -> list[tuple[float, int, str]]:
    """Every pain score of the session: baseline, assessments, at discharge."""
    scores = []
    for answer in record.checklist.values():
        if answer.get("kind") == "pain" and (answer.get("answer") or {}).get("nrs") is not None:
            scores.append((answer["t"], int(answer["answer"]["nrs"]), "baseline"))
    for a in record.assessments:
        if a.get("nrs") is not None:
            scores.append((a["t"], int(a["nrs"]), "assessment"))
    if record.discharge_pain and record.discharge_pain.get("nrs") is not None:
        scores.append((record.discharge_pain["t"], int(record.discharge_pain["nrs"]), "discharge"))
    return sorted(scores)


def export_fhir(database: Database, session_id: str, path: Path, *, vitals_interval_s: float = 60.0) -> int:
    bundle = build_bundle(database, session_id, vitals_interval_s=vitals_interval_s)
    Path(path).write_text(json.dumps(bundle, indent=1, ensure_ascii=False), encoding="utf-8")
    return len(bundle["entry"])
