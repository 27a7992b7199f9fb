"""The nurse's desk: who is logged in, which patient, which session, and what to do next.

A plain-Python facade between the screen and the rules: the session panel calls these methods and shows
what they return, so the panel holds no clinical logic and this class can be tested without Qt. On
construction it resumes the open session from the audit log (after a crash or a restart).
"""
from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any, Callable

from console.records.people import PeopleStore
from console.session.config import Config
from console.session.dose import fmt
from console.session.errors import SessionError
from console.session.staff import Clinician, StaffDirectory, StaffError
from console.session.workflow import ClinicalSession, PatientRef
from console.session.bedside import BedsideSnapshot
from console.session.rules.next_step import blocker_line
from console.session.rules.rules_config import RulesConfig, default_rules

#: The actor of events the console records by itself (pump comparisons).
CONSOLE = Clinician("console", "Bedside Console", "system")
#: Who may run a clinical session (biomeds and administrators look after the machine and the accounts).
CLINICAL_ROLES = ("nurse", "physician")
#: Monitor readings older than this are not offered as baseline vitals.
FRESH_VITALS_S = 10 * 60


def clock_text(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M")


def duration_text(seconds: float) -> str:
    """Always h:mm:ss, so '41:00' can never be read as 41 hours."""
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


from console.records.ledger import Ledger


class SessionDesk:
    def __init__(self, database, log, config: Config, *, clock: Callable[[], float] = time.time,
                 rules: RulesConfig | None = None) -> None:
        self.log, self.config, self.clock = log, config, clock
        #: The safety rules' numbers (resources/session_rules.toml, or the clinic's copy).
        self.rules = rules or default_rules()
        self.people = PeopleStore(database)
        self.ledger = Ledger(database, log)
        self.staff = StaffDirectory(self.people, config.clinic)
        self.user: Clinician | None = None
        self.latest: dict[str, tuple[float, float]] = {}
        self.session: ClinicalSession | None = ClinicalSession.resume_open(log, config)
        self.session_listeners: list[Callable[[Any], None]] = []
        #: True when a controllable pump follows the session (the composition root sets it): the screen
        #: then says the console programs the pump, not the nurse
        self.pump_programs_itself = False
        #: The alarms on the bar now (the composition root hands in the alarm engine's `alarms`).
        self.active_alarms: Callable[[], list] = list
        #: Whether the respiratory interlock holds the pump now (the composition root hands in the alarm
        #: engine's `pump_held`); no interlock, no hold.
        self.interlock_holds: Callable[[], bool] = lambda: False
        self._attach()

    def bedside(self) -> BedsideSnapshot:
        """The plain snapshot the session rules judge: active alarms and the latest device values."""
        return BedsideSnapshot.of(self.active_alarms(), self.latest, self.interlock_holds())

    def _attach(self) -> None:
        if self.session is not None:
            self.session.listeners.append(self._relay)
            self.session.bedside = self.bedside
            self.session.rules = self.rules
            self.session.sign_off_checks.append(self._ledger_balances)

    def _ledger_balances(self, session_id: str, delivered_mg: float, now: float) -> str | None:
        """The controlled-substance ledger must balance (drawn = given + wasted) before the session closes."""
        return self.ledger.close_problem(session_id, given_mg=delivered_mg, now=now)

    def _relay(self, event) -> None:
        for listener in list(self.session_listeners):
            listener(event)

    # --- people ---------------------------------------------------------------------------------------
    def login(self, username: str, pin: str) -> Clinician:
        self.user = self.staff.authenticate(username, pin, now=self.clock())
        return self.user

    def lock(self) -> None:
        self.user = None

    def require_user(self) -> Clinician:
        if self.user is None:
            raise StaffError("the screen is locked: log in with your PIN")
        return self.user

    def second_person(self, username: str, pin: str, roles: tuple[str, ...] = ("nurse", "physician")) -> Clinician:
        return self.staff.second_person(username, pin, first=self.require_user(), now=self.clock(), roles=roles)

    def create_staff(self, username: str, name: str, role: str, pin: str) -> Clinician:
        return self.staff.create(username, name, role, pin, by=self.require_user(), now=self.clock())

    def find_patients(self, text: str) -> list[dict[str, Any]]:
        return self.people.find_patients(text) if text.strip() else []

    def create_patient(self, mrn: str, name: str, dob: str, allergies: str) -> dict[str, Any]:
        user = self.require_user()
        mrn, name = mrn.strip(), " ".join(name.split())
        if not mrn or not name:
            raise SessionError("enter the MRN and the full name")
        try:
            born = date.fromisoformat(dob.strip())
        except ValueError:
            raise SessionError("enter the date of birth as YYYY-MM-DD") from None
        if born > datetime.fromtimestamp(self.clock()).date() or born.year < 1900:
            raise SessionError("the date of birth is not plausible; check it")
        if self.people.patient_by_mrn(mrn) is not None:
            raise SessionError(f"MRN {mrn} already exists: search for it instead")
        pid = self.people.add_patient(mrn=mrn, name=name, dob=born.isoformat(), allergies=allergies.strip(),
                                      t=self.clock(), by=user.username)
        return self.people.get_patient(pid)

    def adopt_patient(self, record: dict[str, Any]) -> dict[str, Any]:
        """This chair's row for a patient found on the clinic records server (clinic_reads.patient_record):
        the one already here with that MRN, or a copy made now (with their weights, audited). The same MRN
        with another name or birth date here is refused: one MRN must be one person."""
        user = self.require_user()
        if user.role not in CLINICAL_ROLES:
            raise StaffError(f"a session is run by a nurse or physician; {user.name} is {user.role}")
        mrn = str(record["mrn"]).strip()
        here = self.people.patient_by_mrn(mrn)
        if here is not None:
            if " ".join(str(here["name"]).split()).casefold() != " ".join(str(record["name"]).split()).casefold() \
                    or here["dob"] != record["dob"]:
                raise SessionError(
                    f"MRN {mrn} is {here['name']} (born {here['dob']}) on this chair but {record['name']} "
                    f"(born {record['dob']}) on the clinic records server. Do not start: check the patient's "
                    f"wristband and ask the records office to correct the wrong record")
            return here
        pid = self.people.copy_patient(record, audit=self.log, actor=user.username, t=self.clock())
        return self.people.get_patient(pid)

    # --- the session ------------------------------------------------------------------------------------
    def start_session(self, patient: dict[str, Any]) -> ClinicalSession:
        user = self.require_user()
        if user.role not in CLINICAL_ROLES:
            raise StaffError(f"a session is run by a nurse or physician; {user.name} is {user.role}")
        ref = PatientRef(patient["id"], patient["mrn"], patient["name"], patient["dob"], patient["allergies"])
        self.session = ClinicalSession.open(self.log, self.config, ref, by=self.require_user(), now=self.clock())
        self._attach()
        for event in self.session.events:  # `session.opened` was written before anyone could listen
            self._relay(event)
        return self.session

    def close_view(self) -> None:
        """Forget a closed session so the screen offers a new one."""
        if self.session is not None and self.session.state.closed:
            self.session = None

    def last_weight(self) -> dict[str, Any] | None:
        if self.session is None:
            return None
        return self.people.last_weight(self.session.state.patient["patient_id"])

    def accept_weight(self, weight_kg: float | str, measured_on: date, *, confirm_change: bool = False) -> None:
        """`weight_kg` may be the text as typed: the session reads it (rules/plausible_numbers.py)."""
        s, user = self.session, self.require_user()
        last = self.last_weight()
        previous = last["weight_kg"] if last is not None else None
        s.accept_weight(weight_kg, measured_on, previous_kg=previous, confirm_change=confirm_change, by=user,
                        now=self.clock())
        weight_kg = s.state.weight_kg
        same_record = last is not None and last["measured_on"] == measured_on.isoformat() and abs(
            last["weight_kg"] - weight_kg) < 1e-9
        if not same_record:
            self.people.add_weight(s.state.patient["patient_id"], weight_kg=weight_kg,
                                   measured_on=measured_on.isoformat(), t=self.clock(), by=user.username)

    # --- devices --------------------------------------------------------------------------------------
    def on_measurement(self, m) -> None:
        """Latest monitor values (for baseline vitals) and pump readings (compared with the order)."""
        self.latest[m.metric] = (m.t, m.value)
        if m.metric in ("rate", "volume_infused") and self.session is not None:
            kwargs = {"rate_ml_per_h": m.value} if m.metric == "rate" else {"volume_infused_ml": m.value}
            self.session.pump_reading(now=m.t, by=CONSOLE, **kwargs)

    def monitor_vitals(self) -> dict[str, Any] | None:
        """Blood pressure (and HR, SpO2) from the monitor if a fresh NIBP reading exists."""
        now = self.clock()
        got = {k: self.latest.get(k) for k in ("nibp_sys", "nibp_dia", "hr", "pr", "spo2")}
        if got["nibp_sys"] is None or got["nibp_dia"] is None or now - got["nibp_sys"][0] > FRESH_VITALS_S:
            return None
        hr = got["hr"] or got["pr"]
        return {"systolic": got["nibp_sys"][1], "diastolic": got["nibp_dia"][1], "hr": hr[1] if hr else None,
                "spo2": got["spo2"][1] if got["spo2"] else None, "source": "monitor",
                "measured_t": got["nibp_sys"][0]}

    # --- what the nurse sees -----------------------------------------------------------------------------
    def next_step(self) -> tuple[str, str]:
        """(severity, text): the one thing to do next. Severity is ok, info, warn or bad."""
        now = self.clock()
        if self.user is None:
            if self.staff.needs_first_admin():
                return "info", "First start: create the administrator account"
            return "info", "Log in with your PIN"
        s = self.session
        if s is None and self.user.role not in CLINICAL_ROLES:
            return "info", "Manage the staff accounts below; a nurse or physician logs in to run a session"
        if s is None:
            return "info", "Find the patient (MRN or name) or add a new one"
        st = s.state
        phase = st.phase
        if phase == "patient":
            return "info", "Weigh the patient and enter today's weight in kg"
        if phase == "checklist":
            open_items = s.checklist_open_items()
            failed = [i for i in open_items if i in st.answers]
            hard = [i for i in failed if self.config.checklist_item(i).stop == "hard"]
            if hard:
                return "bad", f"HARD STOP: {self.config.checklist_item(hard[0]).text} — cancel the session"
            unanswered = [i for i in open_items if i not in st.answers]
            if unanswered:
                return "info", f"Checklist: {self.config.checklist_item(unanswered[0]).text}"
            if failed:
                return "warn", f"Physician override needed: {self.config.checklist_item(failed[0]).text}"
            return "ok", "All items done: press Checklist complete"
        if phase == "order":
            return "info", "Choose the protocol and place the order"
        if phase == "double_check":
            return "info", "Second clinician: calculate the pump rate yourself and enter it with your PIN"
        if phase == "infusion":
            held = s.interlock_verdict("resume" if st.started else "start", now)
            if not held.ok:  # the pump is stopped whatever the session says: never "running" in green
                # short (two lines on a 768-line screen): the alarm bar's row says why and carries the restart
                return "bad", ("PUMP HELD BY THE RESPIRATORY INTERLOCK: " +
                               ("pause the infusion" if st.started and not st.paused
                                else "a physician restarts it"))
            if not st.started:
                gate = s.alarm_gate_verdict("start", now)
                if not gate.ok:
                    return "bad", f"Start is blocked: {gate.message}"
                rate, volume = fmt(st.order['rate_ml_per_h'], 1), fmt(st.order['total_ml'], 1)
                if self.pump_programs_itself:
                    return "ok", f"Press Start: the console sets the pump to {rate} mL/h, {volume} mL, " \
                                 f"and reads it back"
                return "ok", f"Set the pump to {rate} mL/h, volume {volume} mL, then press Start"
            if st.pump_mismatch:
                metric = next(iter(st.pump_mismatch))
                return "bad", f"PUMP DIFFERS FROM THE ORDER ({metric.replace('_', ' ')}): check the pump"
            overdue = st.assessment_overdue_seconds(now)
            if overdue > 0:
                return "bad", f"ASSESSMENT OVERDUE by {duration_text(overdue)}: record pain and sedation now"
            if st.paused:
                gate = s.alarm_gate_verdict("resume", now)
                return "warn", "Infusion PAUSED: " + ("resume or stop" if gate.ok else f"resume is blocked: "
                                                                                      f"{gate.message}")
            if st.volume_complete(now):
                return "ok", "Volume complete: press Stop infusion"
            return "ok", f"Infusion running. Next assessment at {clock_text(st.next_assessment_due_t())}"
        if phase == "observation":
            overdue = st.assessment_overdue_seconds(now)
            if overdue > 0:
                return "bad", f"ASSESSMENT OVERDUE by {duration_text(overdue)}: record pain and sedation now"
            left = st.observation_remaining_seconds(now)
            if left > 0:
                return "info", f"Observation: {duration_text(left)} left. " \
                               f"Next assessment at {clock_text(st.next_assessment_due_t())}"
            return "ok", "Observation complete: begin discharge"
        if phase == "discharge":
            verdicts = s.sign_off_verdicts(now)
            line = blocker_line(verdicts, "Before sign-off: ")
            if line is not None:
                return ("bad" if any(v.rule == "discharge_criteria" for v in verdicts) else "info"), line
            return "ok", "Everything is done: sign off to close the session"
        return "ok", "Session closed. Start a new session when the next patient is ready"
