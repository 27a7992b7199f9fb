"""Alarm sounds without QtMultimedia: IEC 60601-1-8 burst patterns as WAV, played by the system's player.

PySide6-Essentials has no QtMultimedia, and a bedside PC may have PipeWire, PulseAudio, bare ALSA or no
sound at all. So the tones are generated here from the configuration (plain Python), written as WAV files, and
played by whichever of `pw-play`, `paplay` or `aplay` exists, in a child process so the GUI never waits.
When there is no player, or the player cannot open a device, the console says so with a visible technical
alarm ("no audio device — alarms are visual only"): a silent alarm system must never look like a quiet
patient.
"""
from __future__ import annotations

import io
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from pathlib import Path
from typing import Callable, Iterable, Sequence

from console.alarms.alarm import AudioDemand
from console.alarms.alarm_config import AlarmConfig, AuditoryPattern

#: Players tried in order, with the arguments that make them quiet on stdout.
PLAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (("pw-play", ()), ("paplay", ()), ("aplay", ("-q",)))


# ---- the tones ------------------------------------------------------------------------------------------
def pulse_gaps(p: AuditoryPattern) -> list[float]:
    """Seconds of silence between consecutive pulses of one burst (IEC 60601-1-8 Table 3).

    High priority: x, x, 2x+td, x, pause, x, x, 2x+td, x (10 pulses as 3+2, 3+2); medium: x, x (3 pulses).
    """
    x, td = p.pulse_spacing_ms / 1000.0, p.pulse_ms / 1000.0
    if p.pulses == 10:
        half = [x, x, 2 * x + td, x]
        return half + [p.half_burst_pause_ms / 1000.0] + half
    return [x] * (p.pulses - 1)


def pulse_onsets(p: AuditoryPattern) -> list[float]:
    """Start time of each pulse within the burst, in seconds."""
    td = p.pulse_ms / 1000.0
    onsets, t = [0.0], 0.0
    for gap in pulse_gaps(p):
        t += td + gap
        onsets.append(t)
    return onsets


def burst_seconds(p: AuditoryPattern) -> float:
    return pulse_onsets(p)[-1] + p.pulse_ms / 1000.0


def _linspace(start: float, stop: float, num: int) -> list[float]:
    """numpy.linspace(start, stop, num) as floats, step for step (the same arithmetic, so the same bits)."""
    div, delta = num - 1, stop - start
    if div > 0:
        step = delta / div
        values = [i / div * delta for i in range(num)] if step == 0 else [i * step for i in range(num)]
    else:
        values = [i * delta for i in range(num)]
    values = [v + start for v in values]
    if num > 1:
        values[-1] = stop
    return values


def pulse_samples(p: AuditoryPattern, sample_rate: int, harmonics: int) -> list[float]:
    """One pulse: the fundamental plus `harmonics` harmonics (IEC asks for at least 4 in 300-4000 Hz),
    with linear rise and fall over `rise_percent` of the pulse so it does not click.

    Plain Python, no numpy: the sounds are made at start-up, and importing numpy there cost the first frame
    0.14 s (more from a cold file cache; docs/benchmarks.md, "Cold start"). The arithmetic is the former
    numpy version's, operation for operation, so the WAV files are byte for byte the same
    (tests/alarms/test_alarm_audio.py compares them)."""
    n = int(round(p.pulse_ms / 1000.0 * sample_rate))
    t = [i / sample_rate for i in range(n)]
    wave_ = [0.0] * n
    for k in range(1, harmonics + 2):
        omega = 2 * math.pi * p.fundamental_hz * k
        wave_ = [w + math.sin(omega * ti) / k for w, ti in zip(wave_, t)]
    ramp = max(1, int(round(n * p.rise_percent / 100.0)))
    envelope = [1.0] * n
    envelope[:ramp] = _linspace(0.0, 1.0, ramp)
    envelope[-ramp:] = _linspace(1.0, 0.0, ramp)
    wave_ = [w * e for w, e in zip(wave_, envelope)]
    peak = max(abs(w) for w in wave_)
    return [w / peak for w in wave_]


def _pulse_starts(p: AuditoryPattern, sample_rate: int) -> tuple[int, list[int]]:
    """The burst's length in samples and the sample where each pulse starts."""
    return (int(round(burst_seconds(p) * sample_rate)) + 1,
            [int(round(onset * sample_rate)) for onset in pulse_onsets(p)])


def burst_samples(p: AuditoryPattern, sample_rate: int, harmonics: int, *, escalated: bool = False) -> list[float]:
    """The whole burst as floats in [-1, 1], at the pattern's (or escalated) volume."""
    pulse = pulse_samples(p, sample_rate, harmonics)
    length, starts = _pulse_starts(p, sample_rate)
    out = [0.0] * length
    for i in starts:
        end = min(length, i + len(pulse))
        out[i:end] = [o + v for o, v in zip(out[i:end], pulse)]
    volume = p.escalated_volume if escalated else p.volume
    return [o * volume for o in out]


def pcm16(samples: Iterable[float]) -> bytes:
    """Floats clipped to [-1, 1] as 16-bit little-endian PCM (x 32767, truncated towards zero)."""
    pcm = array("h", [int(min(max(x, -1.0), 1.0) * 32767) for x in samples])
    if sys.byteorder != "little":
        pcm.byteswap()
    return pcm.tobytes()


def burst_pcm(p: AuditoryPattern, sample_rate: int, harmonics: int, *, escalated: bool = False) -> bytes:
    """`pcm16(burst_samples(...))`, made faster: between the pulses the burst is silence, and pulses that do
    not overlap are the same pulse at the same volume, converted once."""
    pulse = pulse_samples(p, sample_rate, harmonics)
    length, starts = _pulse_starts(p, sample_rate)
    if any(b < a + len(pulse) for a, b in zip(starts, starts[1:])):  # overlapping pulses add up: the long way
        return pcm16(burst_samples(p, sample_rate, harmonics, escalated=escalated))
    volume = p.escalated_volume if escalated else p.volume
    sounding = pcm16((0.0 + v) * volume for v in pulse)  # as the long way: added to silence, then scaled
    parts, at = [], 0
    for i in starts:
        i = min(i, length)
        parts.append(bytes(2 * (i - at)))
        parts.append(sounding[: 2 * max(0, min(len(pulse), length - i))])
        at = min(length, i + len(pulse))
    parts.append(bytes(2 * (length - at)))
    return b"".join(parts)


def wav_bytes(samples: Iterable[float] | bytes, sample_rate: int) -> bytes:
    """16-bit mono PCM WAV, which every Linux player reads; `samples` as floats, or as `pcm16` bytes."""
    pcm = samples if isinstance(samples, bytes) else pcm16(samples)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return buf.getvalue()


def write_sounds(config: AlarmConfig, directory: Path) -> dict[str, Path]:
    """high, high_escalated, medium, medium_escalated and a short silent `probe`, as WAV files."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for priority, pattern in config.audio.items():
        for escalated in (False, True):
            name = f"{priority}_escalated" if escalated else priority
            path = directory / f"{name}.wav"
            path.write_bytes(wav_bytes(burst_pcm(pattern, config.sample_rate, config.harmonics,
                                                 escalated=escalated), config.sample_rate))
            files[name] = path
    probe = directory / "probe.wav"
    probe.write_bytes(wav_bytes(bytes(2 * (config.sample_rate // 20)), config.sample_rate))
    files["probe"] = probe
    return files


# ---- the player ---------------------------------------------------------------------------------------
def find_player(path: str | None = None, players: Sequence[tuple[str, tuple[str, ...]]] = PLAYERS) -> list[str] | None:
    """The first sound player on PATH (or on `path`), as argv without the file."""
    for name, args in players:
        found = shutil.which(name, path=path)
        if found:
            return [found, *args]
    return None


class SubprocessPlayer:
    """Plays one WAV at a time in a child process; reports a player that could not play."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._proc: subprocess.Popen | None = None
        self._name = ""

    def play(self, wav: Path) -> str | None:
        """Start playing; returns why it cannot (no player, cannot start), or None when started."""
        self.stop()
        argv = find_player(self.path)
        if argv is None:
            return "no sound player found: pw-play, paplay or aplay"
        try:
            self._proc = subprocess.Popen([*argv, str(wav)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, close_fds=True)
        except OSError as exc:
            return f"{Path(argv[0]).name}: {exc.strerror or exc}"
        self._name = Path(argv[0]).name
        return None

    def poll(self) -> tuple[bool, str] | None:
        """None while playing or idle; (ok, detail) once the last play has finished."""
        if self._proc is None or self._proc.poll() is None:
            return None
        proc, self._proc = self._proc, None
        err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode == 0:
            return True, self._name
        first = err.splitlines()[0] if err else f"exit status {proc.returncode}"
        return False, f"{self._name}: {first}"

    @property
    def playing(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(1.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None


# ---- what to sound when -------------------------------------------------------------------------------
class AlarmSounder:
    """Turns the engine's audio demand into bursts: one burst, the burst interval, the next; a higher
    priority cuts in at once. Reports whether sound works through `on_audio(ok, detail)`."""

    def __init__(self, config: AlarmConfig, player: SubprocessPlayer, on_audio: Callable[[bool, str], None],
                 directory: Path | None = None) -> None:
        self.config = config
        self.player = player
        self.on_audio = on_audio
        self._tmp = None if directory else tempfile.TemporaryDirectory(prefix="bedside-sounds-")
        self.files = write_sounds(config, directory or Path(self._tmp.name))
        self._current: str | None = None
        self._next_burst = 0.0
        self.working: bool | None = None  # unknown until a play has finished or failed

    def _report(self, ok: bool, detail: str) -> None:
        if ok != self.working:
            self.working = ok
            self.on_audio(ok, detail)

    def probe(self) -> None:
        """Play a short silence at start, so a missing audio device shows before the first alarm does."""
        why = self.player.play(self.files["probe"])
        if why:
            self._report(False, why)

    def update(self, demand: AudioDemand, now: float) -> None:
        done = self.player.poll()
        if done is not None:
            self._report(*done)
        if demand.priority is None:
            if self._current is not None:
                self.player.stop()
                self._current = None
            return
        name = f"{demand.priority}_escalated" if demand.escalated else demand.priority
        if name == self._current and now < self._next_burst:
            return
        pattern = self.config.audio[demand.priority]
        self._current = name
        self._next_burst = now + burst_seconds(pattern) + pattern.burst_interval
        why = self.player.play(self.files[name])
        if why:
            self._report(False, why)

    def close(self) -> None:
        self.player.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
