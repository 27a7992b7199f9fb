"""Alarm tones: IEC-like bursts generated as WAV, played by a system player, and an honest visual-only
fallback when there is no way to make a sound."""
from __future__ import annotations

import io
import os
import stat
import time
import wave

import numpy as np
import pytest

from console.alarms.alarm import AudioDemand
from console.alarms.alarm_config import load_defaults
import dataclasses

from console.alarms.audio import (AlarmSounder, SubprocessPlayer, burst_pcm, burst_samples, burst_seconds,
                                  pulse_onsets, pulse_samples, wav_bytes, write_sounds)
from alarm_bedside import bedside  # noqa: F401 (a fixture)

CONFIG = load_defaults()


def pulses_in(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, duration) of each sounding stretch, found from the signal itself (5 ms RMS windows)."""
    samples = np.asarray(samples)
    win = int(rate * 0.005)
    n = len(samples) // win
    rms = np.sqrt((samples[: n * win].reshape(n, win) ** 2).mean(axis=1))
    on = rms > 0.05 * rms.max()
    edges = np.flatnonzero(np.diff(on.astype(int)))
    if on[0]:
        edges = np.r_[-1, edges]
    if on[-1]:
        edges = np.r_[edges, n - 1]
    starts, ends = edges[::2] + 1, edges[1::2] + 1
    return [(s * win / rate, (e - s) * win / rate) for s, e in zip(starts, ends)]


def spectrum_at(samples: np.ndarray, rate: int, freq: float, width: float = 15.0) -> float:
    """Peak magnitude of the spectrum within +-width Hz of freq."""
    spectrum = np.abs(np.fft.rfft(samples, n=8 * len(samples)))
    freqs = np.fft.rfftfreq(8 * len(samples), 1 / rate)
    return float(spectrum[(freqs > freq - width) & (freqs < freq + width)].max())


def test_the_high_priority_burst_is_ten_pulses_as_three_two_pause_three_two():
    p, rate = CONFIG.audio["high"], CONFIG.sample_rate
    found = pulses_in(burst_samples(p, rate, CONFIG.harmonics), rate)
    assert len(found) == 10
    for (_, duration) in found:
        assert 0.075 <= duration <= 0.2  # IEC high-priority pulse 75-200 ms
    starts = np.array([s for s, _ in found])
    gaps = np.diff(starts) - p.pulse_ms / 1000
    x = p.pulse_spacing_ms / 1000
    assert gaps[0] == pytest.approx(x, abs=0.015) and gaps[3] == pytest.approx(x, abs=0.015)
    assert gaps[2] == pytest.approx(2 * x + p.pulse_ms / 1000, abs=0.015)
    assert 0.35 <= gaps[4] <= 1.3
    assert starts == pytest.approx(pulse_onsets(p), abs=0.015)


def test_the_medium_priority_burst_is_three_longer_pulses():
    p, rate = CONFIG.audio["medium"], CONFIG.sample_rate
    found = pulses_in(burst_samples(p, rate, CONFIG.harmonics), rate)
    assert len(found) == 3
    assert all(0.125 <= d <= 0.25 for _, d in found)


def test_each_pulse_has_its_fundamental_and_at_least_four_harmonics():
    p, rate = CONFIG.audio["high"], CONFIG.sample_rate
    pulse = pulse_samples(p, rate, CONFIG.harmonics)
    f0 = spectrum_at(pulse, rate, p.fundamental_hz)
    harmonics = [spectrum_at(pulse, rate, p.fundamental_hz * k) for k in range(2, 6)]
    between = [spectrum_at(pulse, rate, p.fundamental_hz * (k + 0.5)) for k in range(1, 5)]
    assert all(h > 0.1 * f0 for h in harmonics)
    assert all(300 <= p.fundamental_hz * k <= 4000 for k in range(2, 6))
    assert max(between) < 0.05 * f0


def test_the_escalated_tone_is_louder():
    p, rate = CONFIG.audio["high"], CONFIG.sample_rate
    normal = np.abs(burst_samples(p, rate, CONFIG.harmonics)).max()
    louder = np.abs(burst_samples(p, rate, CONFIG.harmonics, escalated=True)).max()
    assert louder > normal * 1.3


def test_the_wav_files_are_16_bit_mono_and_hold_the_burst(tmp_path):
    files = write_sounds(CONFIG, tmp_path)
    assert set(files) == {"high", "high_escalated", "medium", "medium_escalated", "probe"}
    with wave.open(str(files["high"])) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, CONFIG.sample_rate)
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32767
    assert len(pulses_in(samples, CONFIG.sample_rate)) == 10
    assert wave.open(io.BytesIO(wav_bytes(np.zeros(10), 8000))).getnframes() == 10


# ---- the tones as numpy made them until 2026-12-03: the console's plain-Python tones must be the same bytes ----
def numpy_pulse(p, sample_rate: int, harmonics: int) -> np.ndarray:
    n = int(round(p.pulse_ms / 1000.0 * sample_rate))
    t = np.arange(n) / sample_rate
    wave_ = np.zeros(n)
    for k in range(1, harmonics + 2):
        wave_ += np.sin(2 * np.pi * p.fundamental_hz * k * t) / k
    ramp = max(1, int(round(n * p.rise_percent / 100.0)))
    envelope = np.ones(n)
    envelope[:ramp] = np.linspace(0.0, 1.0, ramp)
    envelope[-ramp:] = np.linspace(1.0, 0.0, ramp)
    wave_ *= envelope
    return wave_ / np.max(np.abs(wave_))


def numpy_burst(p, sample_rate: int, harmonics: int, *, escalated: bool = False) -> np.ndarray:
    pulse = numpy_pulse(p, sample_rate, harmonics)
    out = np.zeros(int(round(burst_seconds(p) * sample_rate)) + 1)
    for onset in pulse_onsets(p):
        i = int(round(onset * sample_rate))
        out[i:i + len(pulse)] += pulse[:len(out) - i]
    return out * (p.escalated_volume if escalated else p.volume)


def numpy_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def patterns_to_compare():
    """The clinic defaults, and variations that take the other branches: other rates and harmonics, a ramp of
    one sample, a rise over the whole pulse, pulses that overlap (no spacing, or less than none), a loud
    escalation that clips."""
    high, medium = CONFIG.audio["high"], CONFIG.audio["medium"]
    yield high, CONFIG.sample_rate, CONFIG.harmonics
    yield medium, CONFIG.sample_rate, CONFIG.harmonics
    yield high, 44100, 6
    yield medium, 8000, 4
    yield dataclasses.replace(medium, rise_percent=0.1), 16000, 4
    yield dataclasses.replace(high, rise_percent=100), 22050, 4
    yield dataclasses.replace(medium, pulse_spacing_ms=0), 22050, 4
    yield dataclasses.replace(high, pulse_spacing_ms=-60, half_burst_pause_ms=-100), 22050, 4
    yield dataclasses.replace(medium, fundamental_hz=987.7, escalated_volume=1.4), 22050, 5


@pytest.mark.parametrize("case", range(9))
def test_the_tones_are_byte_for_byte_what_numpy_made(case, tmp_path):
    """No numpy before the first frame (tests/ui/test_deferred_plots.py): the tones are made in plain Python,
    with the same arithmetic; every WAV file is the same bytes as the numpy version's."""
    p, rate, harmonics = list(patterns_to_compare())[case]
    assert np.array_equal(np.asarray(pulse_samples(p, rate, harmonics)), numpy_pulse(p, rate, harmonics))
    for escalated in (False, True):
        expected = numpy_wav(numpy_burst(p, rate, harmonics, escalated=escalated), rate)
        assert wav_bytes(burst_samples(p, rate, harmonics, escalated=escalated), rate) == expected
        assert wav_bytes(burst_pcm(p, rate, harmonics, escalated=escalated), rate) == expected
    if case == 0:
        files = write_sounds(CONFIG, tmp_path)
        for name, path in files.items():
            priority, escalated = name.split("_")[0], name.endswith("_escalated")
            expected = (numpy_wav(np.zeros(CONFIG.sample_rate // 20), CONFIG.sample_rate) if name == "probe" else
                        numpy_wav(numpy_burst(CONFIG.audio[priority], CONFIG.sample_rate, CONFIG.harmonics,
                                              escalated=escalated), CONFIG.sample_rate))
            assert path.read_bytes() == expected, name


def fake_player(directory, name: str, body: str) -> str:
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(directory)


def run_until(sounder, demand, predicate, t0=0.0, timeout=15.0):
    deadline, now = time.monotonic() + timeout, t0
    while time.monotonic() < deadline:
        sounder.update(demand, now)
        if predicate():
            return now
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_with_no_player_on_path_the_console_shows_no_audio_as_a_technical_alarm(bedside, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    reports = []

    def on_audio(ok, detail):
        reports.append((ok, detail))
        (bedside.engine.audio_available if ok else lambda now, d="": bedside.engine.audio_unavailable(now, d))(
            bedside.now, *(() if ok else (detail,)))

    sounder = AlarmSounder(CONFIG, SubprocessPlayer(path=str(empty)), on_audio, tmp_path / "sounds")
    sounder.probe()
    assert reports == [(False, "no sound player found: pw-play, paplay or aplay")]
    alarm = bedside.alarm("tech:no_audio")
    assert alarm.text.startswith("No audio device — alarms are visual only") and alarm.priority == "medium"
    sounder.update(AudioDemand("high"), 0.0)
    assert len(reports) == 1  # reported once, not at every burst


def test_a_player_that_cannot_open_a_device_is_reported_with_its_message(tmp_path):
    bin_dir = fake_player(tmp_path / "bin", "aplay",
                          'echo "aplay: main:831: audio open error: No such file or directory" >&2; exit 1')
    reports = []
    sounder = AlarmSounder(CONFIG, SubprocessPlayer(path=bin_dir), lambda ok, d: reports.append((ok, d)),
                           tmp_path / "sounds")
    sounder.probe()
    run_until(sounder, AudioDemand(None), lambda: reports)
    assert reports == [(False, "aplay: aplay: main:831: audio open error: No such file or directory")]


def test_a_working_player_gets_the_high_burst_then_the_next_one_after_the_interval(tmp_path):
    log = tmp_path / "played.log"
    bin_dir = fake_player(tmp_path / "bin", "paplay", f'echo "$1" >> {log}; cp "$1" {tmp_path}/last.wav')
    reports = []
    sounder = AlarmSounder(CONFIG, SubprocessPlayer(path=bin_dir), lambda ok, d: reports.append((ok, d)),
                           tmp_path / "sounds")
    high = CONFIG.audio["high"]
    run_until(sounder, AudioDemand("high"), lambda: reports, t0=0.0)
    assert reports == [(True, "paplay")]
    assert log.read_text().split() == [str(tmp_path / "sounds" / "high.wav")]
    assert (tmp_path / "last.wav").read_bytes() == (tmp_path / "sounds" / "high.wav").read_bytes()
    sounder.update(AudioDemand("high"), 1.0)
    assert len(log.read_text().split()) == 1  # still inside the burst interval
    next_burst = sum(np.diff(pulse_onsets(high))) + high.pulse_ms / 1000 + high.burst_interval
    run_until(sounder, AudioDemand("high"), lambda: len(log.read_text().split()) == 2, t0=next_burst + 0.01)
    run_until(sounder, AudioDemand("high", escalated=True), lambda: len(log.read_text().split()) == 3,
              t0=next_burst + 0.02)
    played = [os.path.basename(p) for p in log.read_text().split()]
    assert played[:2] == ["high.wav", "high.wav"] and played[-1] == "high_escalated.wav"
    sounder.close()
