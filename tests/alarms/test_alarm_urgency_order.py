"""The alarm bar's order (console/alarms/alarm.py `urgency`, `bar_order`, `bar_view`), IEC 60601-1-8: the most
urgent first. Higher priority first; within a priority unacknowledged before acknowledged, then a patient
alarm (a vital sign past its limit) before a technical or device one, then the newest; and a technical or
device alarm never takes the first row while a patient alarm of the same or a higher priority is active."""
from __future__ import annotations

import itertools

from console.alarms.alarm import Alarm, bar_order, bar_view

NOW = 1_800_000_000.0
RANK = {"high": 3, "medium": 2, "low": 1}


def alarm(id, priority, started, *, kind="physiological", acked=False, latched=False, text=None):
    return Alarm(id=id, key=f"k{id}", kind=kind, priority=priority, text=text or f"alarm {id}", parameter=None,
                 value=None, limit=None, started=NOW + started, announced=NOW + started,
                 acknowledged_by="nurse Ada" if acked else None, acknowledged_at=NOW + started + 1 if acked else None,
                 condition_active=not latched, latched=latched)


def ids(alarms):
    return [a.id for a in alarms]


def test_within_a_priority_and_acknowledgement_a_patient_alarm_comes_before_a_newer_technical_one():
    spo2 = alarm(1, "high", 0, text="SpO2 84 % below limit 90")
    sensor = alarm(2, "high", 30, kind="technical", text="Oximeter: sensor off")
    link = alarm(3, "high", 40, kind="device", text="Pump: no answer")
    assert ids(bar_order([sensor, link, spo2])) == [1, 3, 2]  # the patient first, then the newest


def test_the_newest_first_among_alarms_of_one_kind():
    assert ids(bar_order([alarm(1, "medium", 0), alarm(2, "medium", 20), alarm(3, "medium", 10)])) == [2, 3, 1]


def test_unacknowledged_before_acknowledged_but_a_technical_alarm_never_first_over_a_patient_alarm():
    """An acknowledged SpO2 alarm and a new, unacknowledged "sensor off" of the same priority: the SpO2
    alarm keeps the first row (the patient), the technical one comes next, before older acknowledged ones."""
    spo2 = alarm(1, "high", 0, acked=True)
    older = alarm(2, "high", -10, acked=True)
    sensor = alarm(3, "high", 30, kind="technical")
    rr = alarm(4, "medium", 50)
    assert ids(bar_order([older, sensor, rr, spo2])) == [1, 3, 2, 4]
    # a patient alarm of a LOWER priority does not hold back a HIGH technical alarm
    assert ids(bar_order([alarm(5, "high", 0, kind="technical"), alarm(6, "medium", 10)])) == [5, 6]
    # nor does a latched one whose condition has cleared (it is history waiting for its acknowledgement):
    # an unacknowledged latched alarm still sorts before acknowledged ones by `urgency`
    cleared = alarm(7, "high", 0, acked=True, latched=True)
    assert ids(bar_order([alarm(8, "high", 10, kind="technical"), cleared])) == [8, 7]


def test_the_first_row_is_never_technical_while_a_patient_alarm_of_its_priority_or_higher_is_active():
    """Every mix of up to four alarms (priority x acknowledged x kind): the rule holds on the bar's first row
    with one row (a 768-line screen) and two, and every alarm is either shown or counted."""
    kinds = [(p, acked, kind) for p in ("high", "medium", "low") for acked in (False, True)
             for kind in ("physiological", "technical", "device")]
    for n in range(1, 5):
        for combo in itertools.combinations(kinds, n):
            alarms = [alarm(i + 1, p, i * 7 % 5, acked=a, kind=k) for i, (p, a, k) in enumerate(combo)]
            for rows in (1, 2):
                view = bar_view(alarms, rows)
                first = view.shown[0]
                patients = [a for a in alarms if a.kind == "physiological" and a.condition_active]
                if first.kind != "physiological":
                    assert not any(RANK[a.priority] >= RANK[first.priority] for a in patients), (combo, rows)
                assert len(view.shown) == min(rows, n) and view.hidden == n - len(view.shown)
                # nothing hidden outranks the first row
                assert all(RANK[h.priority] <= RANK[first.priority] for h in alarms if h not in view.shown)


def test_on_a_one_row_bar_a_technical_alarm_does_not_take_the_row_from_a_patient_alarm():
    """Before: with one row (a 1366x768 screen) the rule that lets a technical alarm keep the last row put
    "sensor off" in the only row over an unacknowledged SpO2 alarm of the same priority."""
    spo2 = alarm(1, "high", 0)
    sensor = alarm(2, "high", -5, kind="technical")
    view = bar_view([spo2, sensor], rows=1)
    assert ids(view.shown) == [1] and view.hidden == 1 and view.hidden_unacknowledged == 1
    # with two rows both are shown, the patient first
    assert ids(bar_view([spo2, sensor], rows=2).shown) == [1, 2]
    # three limit alarms and the sensor: the sensor keeps the last row, never the first
    limits = [alarm(3, "high", 10), alarm(4, "high", 20)]
    assert ids(bar_view([spo2, sensor] + limits, rows=2).shown) == [4, 2]
