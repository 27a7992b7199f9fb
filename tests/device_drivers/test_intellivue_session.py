"""The IntelliVue session against the simulated monitor: association, MDS create, polls, keep-alive, release."""
from __future__ import annotations

from device_drivers.events import DeviceAlarm, DeviceStatus, Waveform
from device_drivers.intellivue import IntelliVue
from device_drivers.simulators.intellivue import IntelliVueSimulator
from tests.device_drivers.golden import of_type, values


def converse(codec, monitor, t0, t1, step=0.05, line=lambda data: data):
    """Run codec and monitor from t0 to t1; `line` is what the cable does to the monitor's bytes."""
    events, t = [], t0
    while t < t1:
        events += codec.poll(t)
        out = codec.take_output()
        while out:
            reply = monitor.receive(out, t)
            out = b""
            if reply:
                events += codec.feed(line(reply), t)
                out = codec.take_output()
        tick = monitor.tick(t)
        if tick:
            events += codec.feed(line(tick), t)
        t += step
    return events


def damaged(data: bytes) -> bytes:
    """Every frame in `data` with one bit flipped in its content (header and length intact), as a noisy
    cable delivers a long frame: its FCS no longer matches."""
    frames = data.split(b"\xc1")
    out = []
    for frame in frames[:-1]:
        i = len(frame) // 2 + 4
        while frame[i] in (0x7C, 0x7D, 0xC0, 0xC1) or frame[i - 1] == 0x7D:  # keep escapes and frame bytes
            i += 1
        out.append(frame[:i] + bytes((frame[i] ^ 0x01,)) + frame[i + 1:])
    return b"\xc1".join(out + frames[-1:])


def start(scenario="normal"):
    codec, monitor = IntelliVue(), IntelliVueSimulator(scenario)
    codec.connected(1000.0)
    return codec, monitor


def test_session_associates_confirms_mds_create_and_polls_numerics():
    codec, monitor = start()
    events = converse(codec, monitor, 1000.0, 1003.0)
    assert monitor.requests[:3] == ["associate", "mds_create_result", "numerics"]
    got = values(events)
    assert {"hr", "spo2", "pr", "nibp_sys", "nibp_dia", "nibp_mean", "rr", "etco2", "temp"} <= set(got)
    assert got["temp"] == 36.8 and got["nibp_sys"] == 124.0
    assert codec.stats.frames_bad == 0


def test_pleth_and_ecg_waves_stream_with_their_sample_rates():
    codec, monitor = start()
    events = converse(codec, monitor, 1000.0, 1003.0)
    waves = of_type(events, Waveform)
    rates = {w.wave: w.rate_hz for w in waves}
    assert rates == {"pleth": 125.0, "ecg": 500.0}
    ecg = [s for w in waves if w.wave == "ecg" for s in w.samples]
    assert -1.0 <= min(ecg) < max(ecg) <= 1.0
    assert monitor.requests.count("waves") == 1  # one timed poll streams for its whole period


def test_wave_poll_is_renewed_before_its_period_runs_out():
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1000.0 + codec.wave_period * 1.5, step=0.1)
    assert monitor.requests.count("waves") >= 2


def test_keepalive_is_sent_when_nothing_else_is():
    codec, monitor = start()
    codec.poll_interval = 60.0
    codec.waves_enabled = False
    converse(codec, monitor, 1000.0, 1000.0 + codec.keepalive_interval + 1, step=0.1)
    assert "keepalive" in monitor.requests


def test_monitor_alarm_is_raised_and_cleared_with_its_own_text():
    codec, monitor = start("desaturation")
    events = converse(codec, monitor, 1000.0, 1045.0, step=0.2)
    alarms = of_type(events, DeviceAlarm)
    assert alarms[0].active and alarms[0].text == "**Desat" and alarms[0].priority == "high"


def test_nan_nibp_is_no_value():
    codec, monitor = start("nibp_missing")
    events = converse(codec, monitor, 1000.0, 1002.0)
    assert {"nibp_sys", "nibp_dia", "nibp_mean"}.isdisjoint(values(events)) and "hr" in values(events)


def test_demo_mode_is_never_recorded_as_the_patient():
    codec, monitor = start("demo_mode")
    events = converse(codec, monitor, 1000.0, 1002.0)
    assert values(events) == {}
    assert "monitor_demo_data" in [s.condition for s in of_type(events, DeviceStatus)]


def test_refused_association_is_reported_and_retried():
    codec, monitor = start("refuse")
    events = converse(codec, monitor, 1000.0, 1012.0, step=0.2)
    assert [s.condition for s in of_type(events, DeviceStatus)] == ["association_refused"]
    assert monitor.requests.count("associate") >= 2


def test_release_is_sent_on_close():
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1001.0)
    codec.closing(1001.0)
    monitor.receive(codec.take_output(), 1001.0)
    assert monitor.requests[-1] == "release" and monitor.session == "idle"


def test_a_silent_monitor_is_associated_again():
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1002.0)
    codec.poll(1000.0 + 2 + codec.association_timeout + 0.5)
    assert codec.session == "associating"
    assert b"\x0d\xec" in codec.take_output()


def test_a_monitor_whose_frames_arrive_damaged_keeps_its_association():
    """#14: on a noisy line most long frames arrive with a wrong FCS; the monitor is still answering, so
    the session is kept and the next intact frame is reported without a new association."""
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1002.0)
    bad_before = codec.stats.frames_bad
    events = converse(codec, monitor, 1002.0, 1002.0 + 2.5 * codec.association_timeout, line=damaged)
    assert values(events) == {} and codec.stats.frames_bad > bad_before + 20
    assert codec.session == "polling" and monitor.requests.count("associate") == 1
    events = converse(codec, monitor, 1027.0, 1029.0)
    assert values(events)["spo2"] == 97.0 and monitor.requests.count("associate") == 1


def test_only_damaged_frames_for_too_long_restart_the_association():
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1002.0)
    deadline = 1002.0 + codec.undecodable_timeout  # the last intact frame came just before 1002
    converse(codec, monitor, 1002.0, deadline - 0.5, line=damaged)
    assert monitor.requests.count("associate") == 1
    converse(codec, monitor, deadline - 0.5, deadline + 0.5, line=damaged)
    assert monitor.requests.count("associate") == 2


def test_a_monitor_that_falls_silent_after_damaged_frames_is_associated_again():
    codec, monitor = start()
    converse(codec, monitor, 1000.0, 1002.0)
    converse(codec, monitor, 1002.0, 1008.0, line=damaged)  # last intact frame at ~1002
    codec.poll(1008.0 + codec.association_timeout - 0.5)
    assert codec.session == "polling"  # damaged frames came until 1008: the monitor was answering
    codec.poll(1008.0 + codec.association_timeout + 0.5)
    assert codec.session == "associating" and "silent" in codec.stats.last_error
