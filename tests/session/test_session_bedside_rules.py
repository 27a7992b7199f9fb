"""The session core sees the patient: no start, resume, faster rate or sign-off over a high alarm or outside
the discharge criteria without a physician's PIN and reason; discharge-score items a device measures agree
with the monitor. A real alarm engine is fed real measurements, the way the hub feeds it at the bedside."""
from __future__ import annotations

from datetime import date

import pytest

import resources
from console.alarms.alarm_config import load_defaults
from console.alarms.engine import AlarmEngine
from console.session import event_kinds as ek
from console.session.desk import SessionDesk
from console.session.errors import HardStop, NeedsReason, SessionError
from console.session.rules.rules_config import default_rules
from console.session.rules.verdict import NeedsOverride
from device_drivers.events import Measurement
from session_helpers import answer_all_passing


class Bed:
    """A desk and an alarm engine fed the same measurements (what console/app.py wires together)."""

    def __init__(self, desk: SessionDesk, clock) -> None:
        self.desk, self.clock = desk, clock
        self.engine = AlarmEngine(load_defaults())
        desk.active_alarms = self.engine.alarms

    def measure(self, metric: str, value: float, unit: str = "", seconds: float = 1, times: int = 1) -> None:
        """`times` readings, `seconds` apart (a 1 Hz oximeter), each to the engine and to the desk."""
        for _ in range(times):
            t = self.clock.advance(seconds=seconds)
            m = Measurement(t, "oximeter", metric, value, unit)
            self.engine.on_measurement(m, t)
            self.desk.on_measurement(m)
            self.engine.tick(t)

    def desaturate(self, spo2: float = 86) -> None:
        self.measure("spo2", spo2, "%", times=12)  # past the 10 s delay: the high alarm is on the bar
        assert any(a.priority == "high" and a.parameter == "spo2" for a in self.engine.alarms())


@pytest.fixture
def bed(database, log, config, clock, staff):
    desk = SessionDesk(database, log, config, clock=clock)
    desk.login("nina", "4711")
    return Bed(desk, clock)


def ready_to_start(bed: Bed) -> None:
    desk, clock = bed.desk, bed.clock
    desk.start_session(desk.create_patient("M-1", "Pat Example", "1970-03-14", ""))
    desk.accept_weight(70.0, date.fromtimestamp(clock()))
    answer_all_passing(desk.session, desk.user, clock)
    desk.session.complete_checklist(by=desk.user, now=clock())
    desk.session.place_order("single_40min", by=desk.user, now=clock())
    desk.session.double_check(52.5, checker=desk.second_person("noah", "5822"), now=clock())
    desk.ledger.record_draw(session_id=desk.session.session_id, drug="ketamine", concentration_mg_per_ml=1.0,
                            lot="KX-1", expiry="2099-01-01", volume_ml=35, actor="nina", t=clock())


def at_discharge(bed: Bed) -> None:
    """Infusion given in full, observation over, every discharge step done: only the patient can block."""
    desk, clock = bed.desk, bed.clock
    ready_to_start(bed)
    s, nina = desk.session, desk.user
    s.start(by=nina, now=clock())
    clock.advance(minutes=41)
    s.stop("complete", by=nina, now=clock())
    clock.advance(minutes=31)
    s.begin_discharge(by=nina, now=clock())
    s.discharge_pain(3, by=nina, now=clock())
    s.discharge_score("padss", {"vital_signs": 2, "ambulation": 2, "nausea": 2, "pain": 2, "iv_site": 2},
                      by=nina, now=clock())
    s.confirm_escort("Sam", by=nina, now=clock())
    s.acknowledge_instructions(by=nina, now=clock())


def test_the_infusion_cannot_start_at_spo2_86_with_a_high_desaturation_alarm(bed, staff):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    bed.desaturate(86)
    with pytest.raises(NeedsOverride, match="cannot start the infusion.*SpO2 86"):
        s.start(by=nina, now=bed.clock())
    assert not s.state.started
    severity, text = bed.desk.next_step()
    assert severity == "bad" and text.startswith("Start is blocked") and "SpO2 86" in text
    noah = bed.desk.second_person("noah", "5822")
    with pytest.raises(HardStop, match="physician"):
        s.start(by=nina, now=bed.clock(), physician=noah, reason="sensor on a cold finger")
    phil = bed.desk.second_person("phil", "6933", roles=("physician",))
    with pytest.raises(NeedsReason):
        s.start(by=nina, now=bed.clock(), physician=phil, reason=" ")
    assert not s.state.started
    s.start(by=nina, now=bed.clock(), physician=phil, reason="probe on a cold finger; ear probe reads 96")
    override, started = s.events[-2:]
    assert (override.kind, started.kind) == (ek.ALARM_GATE_OVERRIDDEN, ek.INFUSION_STARTED)
    assert override.payload["physician"] == "phil" and override.payload["action"] == "start"
    assert "SpO2 86" in override.payload["alarms"][0]
    assert set(override.payload) == set(ek.KINDS[ek.ALARM_GATE_OVERRIDDEN].fields)


def test_a_cleared_or_medium_alarm_does_not_hold_the_start(bed):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    bed.desaturate(86)
    bed.measure("spo2", 97, "%", times=3)  # recovered: the alarm stays latched until acknowledged, but is over
    bed.measure("pr", 125, "bpm", times=12)  # a medium heart-rate alarm
    assert {a.priority for a in bed.engine.alarms()} == {"high", "medium"}
    assert s.alarm_gate_verdict("start", bed.clock()).ok
    s.start(by=nina, now=bed.clock())
    assert s.state.running


def test_resuming_and_raising_the_rate_wait_for_the_alarm_lowering_and_pausing_never_do(bed):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    s.start(by=nina, now=bed.clock())
    bed.desaturate(85)
    with pytest.raises(NeedsOverride, match="cannot raise the rate"):
        s.titrate(0.9, "pain 8/10", by=nina, now=bed.clock())
    s.titrate(0.5, "desaturation", by=nina, now=bed.clock())
    s.pause("desaturation", by=nina, now=bed.clock())
    with pytest.raises(NeedsOverride, match="cannot resume"):
        s.resume(by=nina, now=bed.clock())
    assert "resume is blocked" in bed.desk.next_step()[1]
    assert s.state.paused and s.state.rate_ml_per_h == 35.0
    phil = bed.desk.second_person("phil", "6933", roles=("physician",))
    s.resume(by=nina, now=bed.clock(), physician=phil, reason="airway repositioned, SpO2 rising")
    assert s.events[-2].kind == ek.ALARM_GATE_OVERRIDDEN and s.events[-2].payload["action"] == "resume"


def test_sign_off_at_spo2_85_with_a_high_alarm_needs_a_physician(bed):
    at_discharge(bed)
    s, nina = bed.desk.session, bed.desk.user
    assert bed.desk.next_step()[1].startswith("Everything is done")
    bed.desaturate(85)
    severity, text = bed.desk.next_step()
    assert severity == "bad" and text.startswith("Before sign-off: high-priority alarm active: SpO2 85")
    with pytest.raises(NeedsOverride, match="SpO2 85 % is below the discharge minimum 92 %.*physician"):
        s.sign_off(by=nina, now=bed.clock())
    assert not s.state.closed
    phil = bed.desk.second_person("phil", "6933", roles=("physician",))
    s.sign_off(by=nina, now=bed.clock(), physician=phil, reason="admitted to the ward on oxygen, not home")
    override, signed = s.events[-2:]
    assert (override.kind, signed.kind) == (ek.DISCHARGE_CRITERIA_OVERRIDDEN, ek.SIGNED_OFF)
    assert len(override.payload["problems"]) == 2 and override.payload["physician"] == "phil"
    assert set(override.payload) == set(ek.KINDS[ek.DISCHARGE_CRITERIA_OVERRIDDEN].fields)


def test_a_live_vital_outside_the_discharge_criteria_blocks_sign_off_without_any_alarm(bed):
    at_discharge(bed)
    bed.measure("pr", 116, "bpm", times=3)  # below the 120 alarm limit, above the 110 discharge maximum
    assert bed.engine.alarms() == []
    with pytest.raises(NeedsOverride, match="Pulse rate 116 bpm is above the discharge maximum 110"):
        bed.desk.session.sign_off(by=bed.desk.user, now=bed.clock())
    bed.clock.advance(seconds=11)  # older than its freshness limit: it no longer speaks for the patient
    bed.desk.session.sign_off(by=bed.desk.user, now=bed.clock())
    assert bed.desk.session.state.closed


def test_steps_still_to_do_are_not_overridable_and_come_first_on_the_next_line(bed):
    at_discharge(bed)
    s = bed.desk.session
    s.discharge_score("padss", {"vital_signs": 2, "ambulation": 2, "nausea": 2, "pain": 1, "iv_site": 1},
                      by=bed.desk.user, now=bed.clock())
    bed.desaturate(85)
    text = bed.desk.next_step()[1]
    assert "below the minimum" in text.split(";")[0] and "(and 2 more)" in text
    phil = bed.desk.second_person("phil", "6933", roles=("physician",))
    with pytest.raises(HardStop, match="below the minimum"):
        s.sign_off(by=bed.desk.user, now=bed.clock(), physician=phil, reason="stable")


def test_the_aldrete_spo2_item_comes_from_the_monitor_and_a_contradiction_is_refused(bed):
    at_discharge(bed)
    s, nina = bed.desk.session, bed.desk.user
    bed.measure("spo2", 85, "%", times=2)
    assert s.measured_scores("aldrete", bed.clock()) == {"spo2": (0, 85.0)}
    typed = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
    with pytest.raises(HardStop, match="needs SpO2 above 92, but the monitor shows SpO2 85 now"):
        s.discharge_score("aldrete", typed, by=nina, now=bed.clock())
    bed.measure("spo2", 91, "%")
    assert s.measured_scores("aldrete", bed.clock()) == {"spo2": (1, 91.0)}
    bed.measure("spo2", 97, "%")
    assert s.measured_scores("aldrete", bed.clock()) == {"spo2": (2, 97.0)}
    assert s.discharge_score("aldrete", {**typed, "spo2": 1}, by=nina, now=bed.clock())  # on oxygen: allowed
    bed.clock.advance(seconds=11)
    assert s.measured_scores("aldrete", bed.clock()) == {}  # stale: not offered, not compared


def test_an_assessment_with_no_sedation_level_chosen_is_refused(bed):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    s.start(by=nina, now=bed.clock())
    with pytest.raises(SessionError, match="choose the RASS sedation level"):
        s.assess(nrs=4, sedation_scale="rass", by=nina, now=bed.clock())
    with pytest.raises(SessionError, match="pain score"):
        s.assess(nrs=None, sedation_scale="rass", sedation_score=0, by=nina, now=bed.clock())
    assert s.state.assessments == []


def test_on_a_first_start_the_next_line_asks_for_the_administrator(database, log, config, clock):
    desk = SessionDesk(database, log, config, clock=clock)
    assert desk.next_step()[1] == "First start: create the administrator account"


def test_the_rule_numbers_are_data_with_a_source_and_name_real_score_items(config):
    rules = default_rules()
    assert "Aldrete" in rules.source and resources.load("session_rules.toml").text("source")
    for m in rules.measured_items:
        _, items = config.scales.discharge[m.scale]
        item = next(i for i in items if i.id == m.item)
        assert {b.score for b in m.bands} == {c.score for c in item.choices}


def test_a_clinic_changes_the_discharge_numbers_in_its_data_directory_and_a_typo_is_refused(
        database, log, config, clock, staff, tmp_path):
    from console.session.rules.rules_config import rules_for
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    assert rules_for(clinic) is default_rules()
    (clinic / "session_rules.toml").write_text("[discharge.vitals.spo2]\nmin = 94\n")
    stricter = rules_for(clinic)
    assert next(r for r in stricter.discharge_vitals if r.metric == "spo2").min == 94
    desk = SessionDesk(database, log, config, clock=clock, rules=stricter)
    desk.login("nina", "4711")
    bed = Bed(desk, clock)
    at_discharge(bed)
    bed.measure("spo2", 93, "%")
    with pytest.raises(NeedsOverride, match="SpO2 93 % is below the discharge minimum 94 %"):
        desk.session.sign_off(by=desk.user, now=clock())
    (clinic / "session_rules.toml").write_text("[discharge.vitals.spo2]\nminimum = 94\n")
    with pytest.raises(resources.ResourceError, match="discharge.vitals.spo2.minimum"):
        rules_for(clinic)


def test_the_aldrete_circulation_item_follows_the_live_blood_pressure_against_the_baseline(bed):
    at_discharge(bed)
    s, nina = bed.desk.session, bed.desk.user
    base = s.state.baseline_vitals["systolic"]
    bed.measure("nibp_sys", base * 1.3, "mmHg")  # 30 % above the baseline: 20-49 % scores 1
    assert s.measured_scores("aldrete", bed.clock())["circulation"] == (1, pytest.approx(base * 1.3))
    typed = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
    with pytest.raises(HardStop, match="30 % from the baseline"):
        s.discharge_score("aldrete", typed, by=nina, now=bed.clock())
    bed.measure("nibp_sys", base * 1.1, "mmHg")
    assert s.discharge_score("aldrete", typed, by=nina, now=bed.clock())
