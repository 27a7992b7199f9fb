"""Two sources of one vital sign (monitor and oximeter SpO2) and the alarm delay (issue 10 item 10).

The engine used to keep one latest value per metric: the oximeter's 93 % replaced the monitor's 85 %
every other sample, cleared the condition and restarted its delay, so the alarm came only once both were
low for the whole delay. These run the engine on a fake clock, one sample per source per second.
"""
from __future__ import annotations

from console.alarms.alarm_config import load_defaults
from console.alarms.engine import AlarmEngine
from device_drivers.events import Measurement

CONFIG = load_defaults()
DELAY = CONFIG.parameters["spo2"].low.delay
FRESH = CONFIG.freshness["spo2"]


def run(engine, t0, seconds, **by_device):
    """Feed each device's SpO2 every second from t0 (half a second apart), ticking every quarter second;
    returns the times the SpO2 low alarm was seen on the board."""
    seen = []
    steps = int(seconds * 4)
    for i in range(steps):
        now = t0 + i / 4
        for n, (device, value) in enumerate(by_device.items()):
            if value is not None and i % 4 == 2 * n:
                engine.on_event(Measurement(now, device, "spo2", value, "%"), now)
        engine.tick(now)
        if any(a.key == "limit:spo2:low" and a.condition_active for a in engine.alarms()):
            seen.append(now)
    return seen


def starts(records):
    return [p for k, p, _ in records if k == "alarm_start" and p["key"] == "limit:spo2:low"]


def test_a_low_monitor_and_a_normal_oximeter_alarm_after_exactly_the_delay():
    records = []
    engine = AlarmEngine(CONFIG, lambda k, p, a: records.append((k, p, a)))
    run(engine, 0.0, 5, monitor=97, oximeter=93)
    run(engine, 5.0, DELAY + 3, monitor=85, oximeter=93)  # the monitor's first low sample at t = 5.0
    [start] = starts(records)
    assert start["t"] - 5.0 == DELAY and start["condition_since"] == 5.0
    assert start["value"] == 85 and start["device"] == "monitor"


def test_the_condition_holds_until_every_fresh_source_is_back_within_the_limit():
    records = []
    engine = AlarmEngine(CONFIG, lambda k, p, a: records.append((k, p, a)))
    run(engine, 0.0, DELAY + 2, monitor=85, oximeter=88)
    assert len(starts(records)) == 1
    seen = run(engine, DELAY + 2, 3, monitor=85, oximeter=95)  # one source recovers: still low on the other
    assert len(seen) == 12
    run(engine, DELAY + 5, 3, monitor=96, oximeter=95)
    ended = [p for k, p, _ in records if k in ("alarm_end", "alarm_change") and p["key"] == "limit:spo2:low"]
    assert ended, "the alarm ends (or latches) once both sources are back within the limit"


def test_a_source_that_went_silent_stops_holding_the_condition_after_its_freshness():
    records = []
    engine = AlarmEngine(CONFIG, lambda k, p, a: records.append((k, p, a)))
    run(engine, 0.0, DELAY + 2, monitor=85, oximeter=95)
    assert starts(records)
    seen = run(engine, DELAY + 2, FRESH + 3, monitor=None, oximeter=95)  # the monitor's cable is pulled
    assert seen and seen[-1] < DELAY + 2 + FRESH + 1  # the oximeter alone decides once the 85 is stale


def test_the_interlock_sees_a_low_spo2_on_one_source_while_the_other_is_normal():
    engine = AlarmEngine(CONFIG)
    engine.set_pump(None, "manual")
    for i in range(40):
        for device, spo2 in (("monitor", 84), ("oximeter", 95)):
            engine.on_event(Measurement(float(i), device, "spo2", spo2, "%"), i + (0.5 if device == "oximeter" else 0))
        engine.on_event(Measurement(float(i), "monitor", "rr", 5, "/min"), float(i))
        engine.tick(i + 0.75)
    assert engine.pump_held
