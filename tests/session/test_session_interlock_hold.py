"""The session refuses start, resume and a faster rate while the respiratory interlock holds the pump.

A tester paused the session after the interlock had stopped the pump, pressed Resume before the physician
released the hold, and the session accepted it: the console sent the pump `start` to a depressed patient.
A real alarm engine (with its real interlock) is fed real measurements, as the hub feeds it at the bedside;
the desk sees the hold the way console/app.py wires it (desk.interlock_holds = engine.pump_held).
"""
from __future__ import annotations

import pytest

from console.alarms.alarm_config import load_defaults
from console.alarms.engine import AlarmEngine
from console.alarms.interlock import KEY
from console.session import event_kinds as ek
from console.session.desk import SessionDesk
from console.session.errors import HardStop
from console.session.rules.interlock_hold import HELD
from device_drivers.events import Measurement
from test_session_bedside_rules import ready_to_start

HELD_WORDS = "the interlock holds the pump until a physician releases it"


class Bed:
    def __init__(self, desk: SessionDesk, clock) -> None:
        self.desk, self.clock = desk, clock
        self.pump_commands: list[tuple[str, str]] = []
        self.engine = AlarmEngine(load_defaults(), pump_intent=lambda cmd, why: self.pump_commands.append((cmd, why)))
        self.engine.set_pump("pump", "controllable")
        desk.active_alarms = self.engine.alarms
        desk.interlock_holds = lambda: self.engine.pump_held

    def second(self, **vitals: float) -> None:
        t = self.clock.advance(seconds=1)
        for metric, value in vitals.items():
            device = "pump" if metric == "rate" else "monitor"
            m = Measurement(t, device, metric, value, "")
            self.engine.on_measurement(m, t)
            self.desk.on_measurement(m)
        self.engine.tick(t)

    def depress(self) -> None:
        for _ in range(12):
            self.second(spo2=86, rr=6)
        assert self.engine.pump_held and ("stop", self.pump_commands[0][1]) == self.pump_commands[0]
        self.second(rate=0.0)  # the pump reads back stopped

    def recover(self) -> None:
        for _ in range(6):
            self.second(spo2=97, rr=14)


@pytest.fixture
def bed(database, log, config, clock, staff):
    desk = SessionDesk(database, log, config, clock=clock)
    desk.login("nina", "4711")
    return Bed(desk, clock)


def test_the_rule_names_itself_in_words():
    assert HELD == HELD_WORDS


def test_resume_is_refused_while_the_interlock_holds_even_with_a_physician_override(bed):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    s.start(by=nina, now=bed.clock())
    bed.depress()
    s.pause("respiratory interlock", by=nina, now=bed.clock())
    with pytest.raises(HardStop, match="cannot resume the infusion: " + HELD_WORDS):
        s.resume(by=nina, now=bed.clock())
    # the signs have gone but the hold stays until the physician releases it on the interlock
    bed.recover()
    assert bed.engine.pump_held and KEY in [a.key for a in bed.engine.alarms()]
    phil = bed.desk.second_person("phil", "6933", roles=("physician",))
    with pytest.raises(HardStop, match="interlock holds the pump"):
        s.resume(by=nina, now=bed.clock(), physician=phil, reason="looks fine")  # an alarm override is not a release
    assert s.state.paused and s.events[-1].kind == ek.INFUSION_PAUSED
    severity, text = bed.desk.next_step()
    assert severity == "bad" and "HELD BY THE RESPIRATORY INTERLOCK" in text and "running" not in text.lower()
    # the physician releases the hold with their PIN: now the nurse may resume
    bed.engine.resume_after_interlock(phil, bed.clock(), "SpO2 97 on 2 L O2, RR 14, rousable")
    assert not bed.engine.pump_held and s.interlock_verdict("resume", bed.clock()).ok
    s.resume(by=nina, now=bed.clock())
    assert not s.state.paused and s.events[-1].kind == ek.INFUSION_RESUMED


def test_a_raise_is_refused_while_the_interlock_holds_but_a_pause_a_lower_rate_and_a_stop_are_not(bed):
    ready_to_start(bed)
    s, nina = bed.desk.session, bed.desk.user
    s.start(by=nina, now=bed.clock())
    bed.depress()
    bed.recover()  # no alarm gate left in the way: only the hold
    severity, text = bed.desk.next_step()
    assert severity == "bad" and "HELD BY THE RESPIRATORY INTERLOCK" in text  # not "Infusion running" in green
    with pytest.raises(HardStop, match="cannot raise the rate: " + HELD_WORDS):
        s.titrate(0.9, "pain 8/10", by=nina, now=bed.clock())
    s.titrate(0.5, "after the interlock", by=nina, now=bed.clock())
    s.pause("respiratory interlock", by=nina, now=bed.clock())
    s.stop("respiratory interlock", by=nina, now=bed.clock())
    assert s.state.phase == "observation"


def test_start_is_refused_while_the_interlock_holds(bed):
    ready_to_start(bed)
    bed.depress()  # a depressed patient before the start (a sedative given elsewhere)
    s, nina = bed.desk.session, bed.desk.user
    with pytest.raises(HardStop, match="cannot start the infusion: " + HELD_WORDS):
        s.start(by=nina, now=bed.clock())
    assert not s.state.started
    assert bed.desk.next_step()[0] == "bad"


def test_without_an_interlock_nothing_holds(database, log, config, clock, staff):
    desk = SessionDesk(database, log, config, clock=clock)
    desk.login("nina", "4711")
    assert desk.bedside().interlock_holds is False
