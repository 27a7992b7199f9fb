"""Stored waveforms per 4-hour session (issue #14: <= 10 MB), the measure of tests/records/test_waves.py.

Two cases, each through the real WaveRecorder into a real SQLite file; the figure is the file after a WAL
checkpoint minus the empty database (itself checkpointed first, so its schema is not counted):

- the demo bed's waves: 60 s of what the real IntelliVue and Nonin DF7 drivers decode from their simulators
  (ECG 500 Hz, pleth 125 Hz, oximeter pleth 75 Hz), repeated to 4 h, each copy 61 s after the last (a gap a
  minute: a block boundary per wave, the pessimistic side);
- a noisy stand-in for a patient: 12-bit ECG 500 Hz and pleth 125 Hz with 4 counts of Gaussian noise (the
  hard case for a lossless coder), written once a second as the recorder does, measured on
  `minutes` and scaled to 4 h.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np

T0 = 1000.0


def _empty(data: Path):
    from console.records.database import FILE_NAME, open_database
    db = open_database(data)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, (data / FILE_NAME).stat().st_size


def _size_after(db, data: Path) -> int:
    from console.records.database import FILE_NAME
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return (data / FILE_NAME).stat().st_size


def demo_waves(seconds: float = 60.0) -> list:
    """`seconds` of every wave the demo bed emits, as its real drivers decode them from the simulators."""
    from device_drivers.events import Waveform
    from device_drivers.intellivue import IntelliVue
    from device_drivers.nonin import NoninDf7
    from device_drivers.simulators.intellivue import IntelliVueSimulator
    from device_drivers.simulators.nonin import NoninSimulator

    codec, monitor = IntelliVue(), IntelliVueSimulator()
    codec.connected(T0)
    events, t = [], T0
    while t < T0 + seconds:
        events += codec.poll(t)
        out = codec.take_output()
        while out:
            events += codec.feed(monitor.receive(out, t), t)
            out = codec.take_output()
        events += codec.feed(monitor.tick(t), t)
        t += 0.05
    oximeter, nonin, t = NoninSimulator(), NoninDf7(), T0
    while t < T0 + seconds:
        events += [dataclasses.replace(e, device="oximeter") for e in nonin.feed(oximeter.tick(t), t)
                   if isinstance(e, Waveform)]
        t += 0.05
    return sorted((e for e in events if isinstance(e, Waveform)), key=lambda w: w.t)


def demo_4h_mb(workdir: Path) -> dict:
    from console.records.waves import WaveRecorder
    waves = demo_waves()
    data = workdir / "demo"
    db, before = _empty(data)
    recorder = WaveRecorder(db)
    for rep in range(4 * 60):
        for w in waves:
            recorder.add(dataclasses.replace(w, t=w.t + rep * 61.0))
        recorder._write(db.conn)
    blobs, blocks = db.conn.execute("SELECT SUM(LENGTH(data)), COUNT(*) FROM wave_blocks").fetchone()
    size = _size_after(db, data) - before
    return {"mb": size / 1e6, "blob_mb": blobs / 1e6, "blocks": blocks,
            "waves": sorted({(w.device, w.wave, w.rate_hz) for w in waves})}


def noisy_4h_mb(workdir: Path, minutes: int = 10) -> dict:
    from console.records.waves import WaveRecorder
    from device_drivers.events import Waveform
    rng = np.random.default_rng(3)
    data = workdir / "noisy"
    db, before = _empty(data)
    recorder = WaveRecorder(db)
    for second in range(minutes * 60):
        for wave, rate in (("ecg", 500), ("pleth", 125)):
            tt = second + np.arange(rate) / rate
            raw = 2048 + 1200 * np.exp(-((tt % 1.0 - 0.2) ** 2) / 0.0001) + rng.normal(0, 4, rate)
            values = np.clip(np.rint(raw), 0, 4095) * (2.0 / 4095) - 1.0
            recorder.add(Waveform(T0 + second, "monitor", wave, tuple(values.tolist()), float(rate)))
        recorder._write(db.conn)  # once a second, as the recorder's flush_s does (the open block rewritten)
    recorder._write(db.conn)
    size = _size_after(db, data) - before
    return {"mb": size / 1e6 * (240 / minutes), "minutes": minutes}


def run(minutes: int = 10) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-waves-"))
    try:
        return {"demo": demo_4h_mb(workdir), "noisy": noisy_4h_mb(workdir, minutes)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    r = run()
    demo, noisy = r["demo"], r["noisy"]
    print(f"4 h of the demo's waves ({', '.join(f'{d} {w} {h:g} Hz' for d, w, h in demo['waves'])}): "
          f"{demo['mb']:.2f} MB ({demo['blob_mb']:.2f} MB of compressed samples, {demo['blocks']} blocks)")
    print(f"4 h of noisy ECG 500 Hz + pleth 125 Hz (4 counts of noise, scaled from {noisy['minutes']} min): "
          f"{noisy['mb']:.2f} MB (goal <= 10 MB per 4-hour session)")


if __name__ == "__main__":
    main()
