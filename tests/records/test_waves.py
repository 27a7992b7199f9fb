"""Stored waveforms: exact round trip, the recorder's batching and crash budget, and the size of a session."""
from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pytest

from console.records.database import FILE_NAME, open_database
import zlib

from console.records.waves import (CODEC, CODEC_V1, WaveRecorder, decode_block, encode_block, read_wave,
                                   read_wave_runs, runs_for_plot, stored_waves)
from device_drivers.events import Waveform
from device_drivers.intellivue import IntelliVue
from device_drivers.nonin import NoninDf7
from device_drivers.simulators.intellivue import IntelliVueSimulator
from device_drivers.simulators.nonin import NoninSimulator
from tests.device_drivers.golden import of_type
from tests.device_drivers.test_intellivue_session import converse
from tests.device_drivers.test_nonin_simulator import run as run_nonin

T0 = 1000.0


@pytest.fixture(scope="module")
def simulator_waves():
    """60 s of the waves the real drivers decode from the simulated monitor (pleth 125 Hz, ECG 500 Hz) and
    the simulated Nonin DF7 (pleth 75 Hz): every wave the demo bed emits."""
    codec, monitor = IntelliVue(), IntelliVueSimulator()
    codec.connected(T0)
    events = of_type(converse(codec, monitor, T0, T0 + 60.0), Waveform)
    oximeter = [dataclasses.replace(w, device="oximeter")
                for w in of_type(run_nonin(NoninSimulator(), NoninDf7(), 60.0, start=T0), Waveform)]
    waves = sorted(events + oximeter, key=lambda w: w.t)
    assert {(w.device, w.wave, w.rate_hz) for w in waves} >= {("intellivue", "pleth", 125.0),
                                                              ("intellivue", "ecg", 500.0)} or \
        {w.wave for w in waves} >= {"pleth", "ecg"}
    return waves


def record_all(db, waves, **kw):
    recorder = WaveRecorder(db, **kw)
    for w in waves:
        recorder.submit(w)
    assert recorder.flush()
    recorder.stop()
    return recorder


def concat(waves, device, wave):
    return np.array([s for w in waves if w.device == device and w.wave == wave for s in w.samples])


def test_encoding_is_exact_for_values_on_the_drivers_lattice():
    raw = np.random.default_rng(1).integers(0, 4096, 1000)
    values = -1.0 + raw * (2.0 / 4095)  # IntelliVue ECG: 12-bit samples scaled to -1..1 mV
    scale, offset, data = encode_block(values)
    assert np.array_equal(decode_block(scale, offset, data), values) or \
        np.max(np.abs(decode_block(scale, offset, data) - values)) < 1e-12
    nonin = np.array([0.0, 65535.0, 1.0, 40000.0, 65535.0, 0.0])  # full 16-bit range: deltas wrap in int16
    assert decode_block(*encode_block(nonin)).tolist() == nonin.tolist()


def test_values_on_no_lattice_come_back_within_the_int16_quantisation():
    values = np.random.default_rng(2).normal(0, 1, 2000)
    back = decode_block(*encode_block(values))
    step = (values.max() - values.min()) / 65535
    assert np.max(np.abs(back - values)) <= step / 2 + 1e-12
    assert not np.array_equal(back, values)  # this test would notice if it were vacuous


def test_each_block_keeps_the_predictor_that_packs_it_smallest():
    rng = np.random.default_rng(4)
    t = np.arange(1500) / 500
    smooth = np.rint(2048 + 1500 * np.sin(2 * np.pi * 1.2 * t))  # differences are small: a difference wins
    noisy = np.rint(2048 + rng.normal(0, 4, 1500))  # differencing doubles the noise: the samples win
    for values, predictor in ((smooth, 2), (noisy, 0)):
        scale, offset, data = encode_block(values)
        assert data[0] == predictor
        assert decode_block(scale, offset, data).tolist() == values.tolist()


def test_blocks_of_the_first_format_stay_readable(database):
    """A block as schema 6 first wrote it (first differences, no predictor byte, codec CODEC_V1), read back
    through the same query the review and the exports use."""
    values = np.array([10.0, 12.0, 11.0, 65535.0, 0.0, 7.0])
    q = (values - 32768).astype(np.int16)
    deltas = np.diff(q, prepend=np.int16(0)).astype("<i2")
    old = zlib.compress(deltas.view(np.uint8).reshape(-1, 2).T.tobytes())
    assert decode_block(1.0, 32768.0, old, CODEC_V1).tolist() == values.tolist()
    with database.write() as conn:
        conn.execute("INSERT INTO sources(name) VALUES ('old')")
        conn.execute("INSERT INTO wave_blocks(source_id, wave, t0, rate_hz, n, scale, offset, codec, data) "
                     "VALUES ((SELECT id FROM sources WHERE name = 'old'), 'pleth', ?, 2.0, 6, 1.0, 32768.0, ?, ?)",
                     (T0, CODEC_V1, old))
    t, v = read_wave(database, "pleth", T0, T0 + 10)
    assert v.tolist() == values.tolist() and t.tolist() == [T0 + k / 2 for k in range(6)]
    assert CODEC != CODEC_V1
    with pytest.raises(ValueError, match="unknown codec"):
        decode_block(1.0, 0.0, old, "lz4-something")


def test_recorded_simulator_waves_read_back_exactly(database, simulator_waves):
    record_all(database, simulator_waves)
    found = {(s.source, s.wave): s for s in stored_waves(database)}
    assert set(found) == {(w.device, w.wave) for w in simulator_waves}
    for (device, wave), info in found.items():
        t, v = read_wave(database, wave, T0 - 1, T0 + 100, source=device)
        expected = concat(simulator_waves, device, wave)
        assert len(v) == len(expected) == info.samples
        assert np.max(np.abs(v - expected)) < 1e-9
        steps = np.diff(t)
        # in time order, except where a block re-anchors on the arrival times (the simulated monitor's
        # 0.256-s packets polled every 0.05 s drift off the nominal rate): a step back of less than gap_s
        assert np.all(steps > -0.5) and np.count_nonzero(steps <= 0) <= 3
        assert abs(t[-1] - (T0 + 60.0)) < 0.5  # the last sample is stored at its arrival time, no drift


def test_a_time_range_returns_only_the_samples_inside_it(database, simulator_waves):
    record_all(database, simulator_waves)
    source = next(w.device for w in simulator_waves if w.wave == "ecg")
    t, v = read_wave(database, "ecg", T0 + 20.0, T0 + 30.0, source=source)
    assert t.min() >= T0 + 20.0 and t.max() <= T0 + 30.0
    assert abs(len(t) - 10 * 500) <= 500  # 10 s at 500 Hz, within one packet of arrival jitter


def test_at_most_one_second_is_at_risk_the_open_block_is_on_disk(data_dir):
    db = open_database(data_dir)
    recorder = WaveRecorder(db, block_s=4.0, flush_s=0.2).start()
    for k in range(5):  # 1.25 s of a 4-s block: not full, so only the flush of the open block saves it
        recorder.submit(Waveform(T0 + (k + 1) * 0.25, "monitor", "pleth", tuple(float(i) for i in range(32)), 128.0))
    import time
    time.sleep(0.6)  # more than the flush interval; no flush() call, no stop()
    other = sqlite3.connect(data_dir / FILE_NAME)  # what a crash would leave: what another process sees
    n = other.execute("SELECT SUM(n) FROM wave_blocks").fetchone()[0]
    other.close()
    assert n == 160
    recorder.stop()
    db.close()


def test_a_gap_starts_a_new_block_at_the_right_time(database):
    recorder = WaveRecorder(database, block_s=2.0)
    recorder.submit(Waveform(T0 + 1.0, "monitor", "pleth", (1.0,) * 125, 125.0))  # stamped at arrival
    recorder.submit(Waveform(T0 + 11.0, "monitor", "pleth", (2.0,) * 125, 125.0))
    recorder.stop()
    t, v = read_wave(database, "pleth", 0, T0 + 100)
    assert t[0] == T0 and t[125] == T0 + 10.0 and v[124] == 1.0 and v[125] == 2.0


def test_a_four_hour_session_of_simulator_waves_fits_in_10_mb(tmp_path, simulator_waves):
    """The simulator's 60 s, repeated to 4 h (each copy 61 s after the last: a short gap a minute, which costs
    a block boundary per wave, the pessimistic side), through the real recorder into a real file."""
    db = open_database(tmp_path / "data")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the empty schema is in the file, not counted below
    before = (tmp_path / "data" / FILE_NAME).stat().st_size
    recorder = WaveRecorder(db)
    hours = 4
    for rep in range(hours * 60):
        for w in simulator_waves:
            recorder.add(dataclasses.replace(w, t=w.t + rep * 61.0))
        recorder._write(db.conn)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blobs, blocks = db.conn.execute("SELECT SUM(LENGTH(data)), COUNT(*) FROM wave_blocks").fetchone()
    print(f"\n{blocks} blocks, {blobs / 1e6:.2f} MB compressed samples")
    db.close()
    size = (tmp_path / "data" / FILE_NAME).stat().st_size - before
    mb = size / 1e6
    print(f"\n4 h of simulator waves ({sorted({(w.device, w.wave, w.rate_hz) for w in simulator_waves})}): "
          f"{mb:.2f} MB")
    assert 0.01 < mb <= 10.0


def test_a_four_hour_session_of_noisy_waves_fits_in_10_mb(tmp_path):
    """The simulator's waves are noise-free; a patient's are not. 12-bit ECG at 500 Hz and pleth at 125 Hz
    with a few counts of noise are a harder case for the compressor, measured on 10 min and scaled: the
    measure of `make bench BENCH=waves` (benchmarks/waves.py), through the real WaveRecorder on a real file,
    the empty schema checkpointed out of the figure before the waves come."""
    from benchmarks.waves import noisy_4h_mb
    figures = noisy_4h_mb(tmp_path, minutes=10)
    print(f"\n4 h of noisy ECG 500 Hz + pleth 125 Hz (scaled from {figures['minutes']} min): {figures['mb']:.2f} MB")
    # Noise is entropy no lossless coder removes (4 counts of Gaussian noise: ~4.05 bits a sample, 4.6 MB in
    # 4 h): the blocks keep the samples undifferenced when that packs smaller (measured 8.1 MB; first differences alone, the first format, 10.0 MB)
    assert 1.0 < figures["mb"] <= 10.0


def test_a_refused_write_keeps_the_blocks_and_reports_and_they_arrive_later(database):
    """A real SQLite refusal (a trigger aborting the insert, as a full disk would), not a mock."""
    problems = []
    database.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON wave_blocks "
                          "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    recorder = WaveRecorder(database, flush_s=0.1, on_error=problems.append)
    recorder.submit(Waveform(T0 + 1.0, "monitor", "ecg", tuple(float(i % 50) for i in range(500)), 500.0))
    assert not recorder.flush()
    assert problems and "disk full" in problems[0] and "held for retry" in problems[0]
    database.conn.execute("DROP TRIGGER refuse")
    assert recorder.flush()
    recorder.stop()
    t, v = read_wave(database, "ecg", 0, T0 + 10)
    assert v.tolist() == [float(i % 50) for i in range(500)] and t[0] == T0


def test_a_stored_run_of_blocks_reads_back_as_one_continuous_series(database, simulator_waves):
    record_all(database, simulator_waves)  # 60 s of ECG in 3-s blocks (records.toml block_s)
    source = next(w.device for w in simulator_waves if w.wave == "ecg")
    blocks = [b for b in stored_waves(database) if b.wave == "ecg" and b.source == source][0].blocks
    assert blocks >= 15
    runs = read_wave_runs(database, "ecg", 0, T0 + 100, source=source)
    assert len(runs) == 1
    t, v = runs[0]
    assert np.allclose(np.diff(t), 1 / 500, atol=1e-6)  # no step in time at any block boundary
    assert np.max(np.abs(v - concat(simulator_waves, source, "ecg"))) < 1e-9
    pt, pv = runs_for_plot(runs)
    assert np.isfinite(pv).all() and len(pt) == len(t)


def test_a_real_gap_stays_a_gap_and_a_short_one_is_joined(database):
    recorder = WaveRecorder(database, block_s=1.0)
    for k in range(4):  # 4 s of samples, then 5 s without, then 2 s
        recorder.submit(Waveform(T0 + 1.0 + k, "monitor", "pleth", (float(k),) * 125, 125.0))
    for k in range(2):
        recorder.submit(Waveform(T0 + 10.0 + k, "monitor", "pleth", (9.0,) * 125, 125.0))
    recorder.submit(Waveform(T0 + 12.6, "monitor", "pleth", (7.0,) * 75, 125.0))  # 0.6 s later: a short loss
    recorder.stop()
    runs = read_wave_runs(database, "pleth", 0, T0 + 100, join_s=1.0)
    assert [(r[0][0], round(r[0][-1] - r[0][0], 3), len(r[0])) for r in runs] == [
        (T0, 3.992, 500), (T0 + 9.0, 3.592, 325)]
    t, v = runs_for_plot(runs)
    gap = np.nonzero(np.isnan(v))[0]
    assert len(gap) == 1 and T0 + 4 < t[gap[0]] < T0 + 9  # drawn as a gap, not a line across it
    assert len(read_wave_runs(database, "pleth", 0, T0 + 100, join_s=0.5)) == 3  # the setting decides
    assert len(read_wave_runs(database, "pleth", T0 + 10.5, T0 + 11.5)) == 1  # a window inside one run


def test_join_s_is_a_records_setting():
    from console.records.records_config import records_config
    assert records_config().wave_join_s == 1.0


def test_the_simulated_ecg_and_pleth_are_continuous_across_packets():
    """The simulator used to restart its beat phase at each packet when the rate changed (t0 * hr / 60 of
    an epoch time): a step in the stored waves. Every packet boundary must look like the inside of a packet."""
    codec, monitor = IntelliVue(), IntelliVueSimulator()
    codec.connected(1_800_000_000.0)
    events = of_type(converse(codec, monitor, 1_800_000_000.0, 1_800_000_120.0), Waveform)
    for wave in ("ecg", "pleth"):
        packets = [np.array(w.samples) for w in events if w.wave == wave]
        assert len(packets) > 300
        inside = max(float(np.abs(np.diff(p)).max()) for p in packets)  # the beat's steepest normal slope
        joins = np.array([abs(b[0] - a[-1]) for a, b in zip(packets, packets[1:])])
        assert joins.max() <= inside, f"{wave}: step of {joins.max():.3f} at a packet boundary (slope {inside:.3f})"
