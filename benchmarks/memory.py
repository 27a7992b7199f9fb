"""Memory over a 72-hour continuous infusion, in accelerated simulated time, through the console's real parts.

What runs: the real composition (`build_console`: main window offscreen with its tiles, trend plot and wave
strip, session panel, records panel, alarm engine with its bar and history, vitals recorder and wave recorder
on their own threads writing a real SQLite file) with no serial links: this loop plays the links' part and
posts decoded events into the DeviceHub at their real rates in simulated time. Per simulated second:
monitor HR, SpO2, RR, EtCO2, temperature and the oximeter's SpO2/PR/PI; NIBP every 5 min (the alarm
engine's NIBP cycle); ECG 500 Hz and pleth 125 Hz in 1.024-s packets (four IntelliVue packets), noisy 12-bit
lattice values. A desaturation every 3 h raises a high-priority SpO2 alarm, which latches; the nurse
acknowledges it 20 s after the desaturation ends (until 2026-12-02 16:25 nobody did: one alarm all 72 h). The session core is
in a 72-h continuous infusion: an assessment every 15 min, a pump reading every minute.

Simulated time: `time.time` is replaced by the simulated clock for the run (the window's refresh, the trend
window, the audit times) and the alarm controller and session get it as their clock; the loop calls what
Qt's timers would call, less often than they do, to keep a 72-h run under an hour on a busy machine
(alarm tick each packet, window refresh every 2 s, the wave redraw every 10 s, the session panel every
30 s) and lets Qt process events (paint the 1920x1080 window) every 5 simulated minutes. The recorders'
threads flush on real time, i.e. in bigger batches than at the bedside.

RSS is read from /proc/self/status (VmRSS) after each simulated hour. `BENCH_MEMORY_HOURS=N` runs N hours;
`BENCH_MEMORY_TRACE=1` adds tracemalloc snapshots (hour 2 vs the end) and prints the biggest growths.
"""
from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

HOURS = int(os.environ.get("BENCH_MEMORY_HOURS", "72"))
WARM_UP_H = 2
PACKET_S = 1.024  # four of the IntelliVue's 0.256-s wave packets in one, to keep the run short
WAVES = (("ecg", 500.0), ("pleth", 125.0))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class SimClock:
    def __init__(self, t0: float) -> None:
        self.now = t0

    def __call__(self) -> float:
        return self.now


def wave_packets(rng) -> dict[str, list[tuple[float, ...]]]:
    """A minute of packets per wave (ECG spike and pleth pulse at 72/min, 4 counts of noise), replayed."""
    out = {}
    for wave, rate in WAVES:
        n = int(round(rate * PACKET_S))
        tt = np.arange(int(60 / PACKET_S) * n) / rate
        phase = (tt * 1.2) % 1.0
        shape = (np.exp(-((phase - 0.2) ** 2) / 0.0002) if wave == "ecg"
                 else np.sin(np.pi * np.clip(phase / 0.6, 0, 1)) ** 2)
        raw = np.clip(np.rint(2048 + 1200 * shape + rng.normal(0, 4, len(tt))), 0, 4095)
        values = raw * (2.0 / 4095) - 1.0
        out[wave] = [tuple(values[i:i + n].tolist()) for i in range(0, len(values), n)]
    return out


def start_infusion(console, clock: SimClock, hours: int = HOURS):
    from tests.checklist_answers import answer_all_passing
    desk = console.session_panel.desk
    desk.login("nurse", "2468")
    desk.start_session(desk.create_patient("MRN-720072", "Seventy Two", "1970-01-01", "none known"))
    desk.accept_weight(80.0, date.fromtimestamp(clock()))
    answer_all_passing(desk.session, desk.user, desk.clock)
    desk.session.complete_checklist(by=desk.user, now=clock())
    desk.session.place_order("continuous", amount=0.1, concentration=2.0, duration_min=HOURS * 60,
                             soft_reason="multi-day", by=desk.user, now=clock())
    rate = desk.session.state.order["rate_ml_per_h"]
    desk.session.double_check(rate, checker=desk.second_person("nurse2", "8642"), now=clock())
    desk.ledger.record_draw(session_id=desk.session.session_id, drug="ketamine", concentration_mg_per_ml=2.0,
                            lot="MEM-72", expiry="2099-12-31", volume_ml=500, actor="nurse", t=clock())
    desk.session.start(by=desk.user, now=clock())
    return desk.user  # the desk signs her out after inactivity; her later entries carry her name


def run(hours: int = HOURS, *, trace: bool = False, out=print) -> dict:
    """The run; prints its curve through `out` as it goes and returns its figures: the curve [(hour, RSS MB,
    wall s)], the RSS at the end of the warm-up and at the end, growth after warm-up (MB), the peak after
    warm-up, wall and CPU seconds, what was stored."""
    from PySide6.QtWidgets import QApplication

    from console.app import build_console
    from device_drivers.events import Measurement, Waveform

    if trace:
        import tracemalloc
        tracemalloc.start(12)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    real_time = time.time
    clock = SimClock(real_time())
    time.time = clock  # the simulated clock for everything that asks time.time() (window, trend, audit)
    try:
        console = build_console(str(workdir / "data"), [], demo=True, with_sound=False, session_clock=clock)
        console.alarms.controller.clock = clock
        console.alarms.controller.timer.stop()  # ticked by this loop, in simulated time
        window = console.window
        window.timer.stop()
        window.setGeometry(0, 0, 1920, 1080)
        window.show()
        panel = console.session_panel
        panel.timer.stop()
        nurse = start_infusion(console, clock, hours)
        rng = np.random.default_rng(72)
        packets = wave_packets(rng)
        per_minute = len(packets["ecg"])
        hub, desk = console.hub, panel.desk
        app.processEvents()
        gc.collect()
        curve = [(0, rss_mb(), 0.0)]
        out(f"memory: {hours} h continuous infusion, simulated; RSS at start {curve[0][1]:.1f} MB", flush=True)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        t_start = clock.now
        k = 0
        next_second = t_start + 1.0
        snapshot = None
        for hour in range(1, hours + 1):
            end = t_start + hour * 3600
            while clock.now < end:
                k += 1
                clock.now = t_start + k * PACKET_S
                for wave, rate in WAVES:
                    hub.post(Waveform(clock.now, "monitor", wave, packets[wave][k % per_minute], rate))
                console.alarms.controller.tick()
                while next_second <= clock.now:
                    s = int(next_second - t_start)
                    next_second += 1.0
                    desat = (s % 10800) in range(1800, 1890)  # 90 s under the limit every 3 h
                    spo2 = 84.0 if desat else 97.0 + (s % 3)
                    now = clock.now
                    for device, metric, value, unit in (
                            ("monitor", "hr", 72.0 + s % 5, "bpm"), ("monitor", "spo2", spo2, "%"),
                            ("monitor", "rr", 14.0 + s % 2, "/min"), ("monitor", "etco2", 38.0, "mmHg"),
                            ("monitor", "temp", 36.8, "°C"), ("oximeter", "spo2", spo2, "%"),
                            ("oximeter", "pr", 72.0 + s % 5, "bpm"), ("oximeter", "pi", 3.1, "%")):
                        hub.post(Measurement(now, device, metric, value, unit))
                    if s % 300 == 0:
                        for metric, value in (("nibp_sys", 124.0), ("nibp_dia", 78.0), ("nibp_mean", 93.0)):
                            hub.post(Measurement(now, "monitor", metric, value, "mmHg"))
                    if s % 2 == 0:
                        window.refresh()  # tiles; the trend redraws every TREND_EVERY-th refresh
                    if s % 10 == 0:
                        window.waves.redraw()
                    if s % 60 == 0:
                        desk.session.pump_reading(now=now, rate_ml_per_h=desk.session.state.rate_ml_per_h,
                                                  by=nurse)
                    if s % 10800 == 2000:  # the nurse acknowledges the latched desaturation alarm after it
                        console.alarms.controller.acknowledge_all()
                    if s % 900 == 0:
                        desk.session.assess(nrs=4, sedation_score=0, by=nurse, now=now)
                    if s % 30 == 0:
                        panel.refresh()
                    if s % 300 == 0:
                        app.processEvents()
            app.processEvents()
            console.recorder.flush(60)
            console.wave_recorder.flush(60)
            gc.collect()
            curve.append((hour, rss_mb(), time.perf_counter() - wall0))
            out(f"  hour {hour:3d}: RSS {curve[-1][1]:7.1f} MB  ({curve[-1][2]:.0f} s wall)", flush=True)
            if trace and hour == WARM_UP_H:
                snapshot = tracemalloc.take_snapshot()
        cpu = time.process_time() - cpu0
        warm = next(r for h, r, _ in curve if h == min(WARM_UP_H, hours))
        peak_after = max(r for h, r, _ in curve if h >= min(WARM_UP_H, hours))
        rows = console.database.conn.execute("SELECT COUNT(*) FROM vitals").fetchone()[0]
        blocks, samples = console.database.conn.execute("SELECT COUNT(*), SUM(n) FROM wave_blocks").fetchone()
        alarms = console.database.conn.execute(
            "SELECT COUNT(*) FROM events WHERE kind = 'alarm_start'").fetchone()[0]
        out(f"memory: {hours} h simulated in {curve[-1][2]:.0f} s wall, {cpu:.0f} s process CPU; "
            f"stored {rows} vital rows, {blocks} wave blocks ({samples} samples), {alarms} alarms started, "
            f"{len(desk.session.events)} session events")
        out(f"memory: RSS hour {WARM_UP_H} {warm:.1f} MB -> hour {hours} {curve[-1][1]:.1f} MB: growth after "
            f"warm-up {curve[-1][1] - warm:+.1f} MB (peak after warm-up {peak_after:.1f} MB; goal <= 20 MB)")
        if trace and snapshot is not None:
            top = tracemalloc.take_snapshot().compare_to(snapshot, "traceback")
            out("tracemalloc: biggest growths since the warm-up")
            for stat in top[:12]:
                out(f"  {stat.size_diff / 1e6:+.2f} MB in {stat.count_diff:+d} blocks at "
                    f"{' <- '.join(str(f) for f in stat.traceback.format()[-2:][::-1])}")
        console.stop()
        return {"hours": hours, "curve": curve, "warm_up_h": min(WARM_UP_H, hours), "warm_mb": warm,
                "end_mb": curve[-1][1], "growth_mb": curve[-1][1] - warm, "peak_after_mb": peak_after,
                "wall_s": curve[-1][2], "cpu_s": cpu, "vital_rows": rows, "wave_blocks": blocks,
                "wave_samples": samples, "alarms": alarms, "session_events": len(desk.session.events)}
    finally:
        time.time = real_time
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    run(HOURS, trace=os.environ.get("BENCH_MEMORY_TRACE") == "1")


if __name__ == "__main__":
    main()
