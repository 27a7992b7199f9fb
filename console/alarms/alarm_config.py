"""The alarm configuration (`resources/alarm_defaults.toml` or a clinic's copy), read once and checked.

Every number a nurse's alarms depend on is data a clinic can change; a typo in it must stop the console
at start with the file and field named, not produce an alarm that never fires. The checks that name
IEC 60601-1-8 ranges keep a clinic from configuring signals the standard does not allow.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import resources
from resources import Doc, ResourceError

PRIORITIES = ("high", "medium", "low")
RANK = {"high": 3, "medium": 2, "low": 1}

#: IEC 60601-1-8 Table 2: flashing frequency ranges of visual alarm signals (Hz); low is steady.
IEC_FLASH_HZ = {"high": (1.4, 2.8), "medium": (0.4, 0.8)}
#: IEC 60601-1-8 Tables 3 and 4, per priority: pulse duration (ms), pulse spacing x (ms), burst interval (s).
IEC_PULSE_MS = {"high": (75, 200), "medium": (125, 250)}
IEC_SPACING_MS = {"high": (50, 125), "medium": (125, 250)}
IEC_BURST_S = {"high": (2.5, 15.0), "medium": (2.5, 30.0)}
IEC_PULSES = {"high": 10, "medium": 3}

DEFAULTS_FILE = "alarm_defaults.toml"
#: A clinic's own alarm configuration, in the data directory: a full copy of the defaults, edited.
CLINIC_FILE = "alarms.toml"


@dataclass(frozen=True)
class LimitSide:
    """One side (low or high) of a parameter's limits: the clinic default and how far a nurse may move it."""

    default: float
    min: float
    max: float
    priority: str
    delay: float


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    unit: str
    metrics: tuple[str, ...]
    low: LimitSide | None
    high: LimitSide | None

    def side(self, which: str) -> LimitSide | None:
        return self.low if which == "low" else self.high


@dataclass(frozen=True)
class TechnicalRule:
    priority: str
    delay: float
    extra: dict


@dataclass(frozen=True)
class InterlockSign:
    name: str
    label: str
    metrics: tuple[str, ...]
    below: float | None
    above: float | None

    def present(self, value: float) -> bool:
        if self.below is not None and value < self.below:
            return True
        return self.above is not None and value > self.above

    def threshold(self) -> str:
        return f"< {self.below:g}" if self.below is not None else f"> {self.above:g}"


@dataclass(frozen=True)
class Interlock:
    enabled: bool
    minimum_signs: int
    sign_seconds: float
    priority: str
    held_priority: str
    resume_roles: tuple[str, ...]
    signs: tuple[InterlockSign, ...]


@dataclass(frozen=True)
class VisualSignal:
    colour: str
    text_colour: str
    flash_hz: float
    duty: float


@dataclass(frozen=True)
class AuditoryPattern:
    priority: str
    fundamental_hz: float
    pulse_ms: float
    rise_percent: float
    pulse_spacing_ms: float
    pulses: int
    half_burst_pause_ms: float
    burst_interval: float
    volume: float
    escalated_volume: float


@dataclass(frozen=True)
class AlarmConfig:
    source: str
    parameters: dict[str, Parameter]
    freshness: dict[str, float]
    technical: dict[str, TechnicalRule]
    audio_pause_seconds: float
    acknowledge_silence_seconds: float
    latching_priorities: tuple[str, ...]
    escalation_seconds: float
    escalation_priorities: tuple[str, ...]
    escalation_command: tuple[str, ...]
    escalation_timeout: float
    interlock: Interlock
    display: dict[str, VisualSignal]
    sample_rate: int
    harmonics: int
    audio_check_seconds: float
    audio: dict[str, AuditoryPattern]

    def parameter_for(self, metric: str) -> Parameter | None:
        for p in self.parameters.values():
            if metric in p.metrics:
                return p
        return None


TECHNICAL_RULES = ("device_silent", "link_lost", "device_status", "pump_alarm", "rate_mismatch", "nibp_missed",
                   "storage_failure", "disk_nearly_full", "no_audio", "pump_not_stopped", "escalation_failed")


def load_defaults() -> AlarmConfig:
    return from_doc(resources.load(DEFAULTS_FILE))


def load_clinic_file(path: Path) -> AlarmConfig:
    doc = resources.load_path(path)
    doc.text("source")
    return from_doc(doc)


def load_for(data_dir: Path | None) -> tuple[AlarmConfig, str]:
    """The configuration in force: the clinic's `alarms.toml` in the data directory if there is one,
    else the shipped defaults; with where it came from."""
    path = resources.clinic_file(data_dir, CLINIC_FILE)
    if path is not None:
        return load_clinic_file(path), str(path)
    return load_defaults(), f"resources/{DEFAULTS_FILE} (shipped defaults)"


def _priority(doc: Doc, key: str) -> str:
    return doc.text(key, choices=PRIORITIES)


def _metric_list(doc: Doc, key: str) -> tuple[str, ...]:
    items = doc.items(key)
    if not items or not all(isinstance(m, str) and m for m in items):
        raise ResourceError(doc.file, doc._path(key), "must be a non-empty list of metric names")
    return tuple(items)


def _side(doc: Doc, key: str) -> LimitSide | None:
    if key not in doc:
        return None
    s = doc.section(key)
    lo, hi = s.number("min"), s.number("max")
    if lo > hi:
        raise ResourceError(s.file, s._path("min"), f"is {lo:g}, above max {hi:g}")
    default = s.number("default", min=lo, max=hi)
    return LimitSide(default, lo, hi, _priority(s, "priority"), s.number("delay_seconds", min=0, max=300))


def _parameter(name: str, doc: Doc) -> Parameter:
    low, high = _side(doc, "low"), _side(doc, "high")
    if low is None and high is None:
        raise ResourceError(doc.file, doc._path("low"), "a parameter needs a low or a high limit")
    if low and high and low.default >= high.default:
        raise ResourceError(doc.file, doc._path("low.default"),
                            f"is {low.default:g}, not below high.default {high.default:g}")
    return Parameter(name, doc.text("label"), doc.text("unit"), _metric_list(doc, "metrics"), low, high)


def _technical(doc: Doc) -> dict[str, TechnicalRule]:
    rules = {}
    for name in TECHNICAL_RULES:
        s = doc.section(name)
        extra = {k: s.raw(k) for k in s.keys() if k not in ("priority", "delay_seconds")}
        rules[name] = TechnicalRule(_priority(s, "priority"), s.number("delay_seconds", 0, min=0, max=600), extra)
    rm = doc.section("rate_mismatch")
    rm.number("tolerance_percent", min=0, max=50)
    rm.number("tolerance_ml_h", min=0, max=100)
    doc.section("nibp_missed").number("grace_seconds", min=0, max=900)
    doc.section("disk_nearly_full").number("free_megabytes_below", min=1)
    doc.section("pump_not_stopped").number("confirm_seconds", min=1, max=120)
    low = doc.section("device_status").items("low_priority_conditions", [])
    if not all(isinstance(c, str) for c in low):
        raise ResourceError(doc.file, "technical.device_status.low_priority_conditions", "must list condition names")
    return rules


def _interlock(doc: Doc) -> Interlock:
    signs = []
    for name, s in doc.sections("signs"):
        below, above = s.number("below", None), s.number("above", None)
        if (below is None) == (above is None):
            raise ResourceError(s.file, s.prefix, "a sign needs exactly one of 'below' or 'above'")
        signs.append(InterlockSign(name, s.text("label"), _metric_list(s, "metrics"), below, above))
    minimum = int(doc.number("minimum_signs", min=2))
    if minimum > len(signs):
        raise ResourceError(doc.file, doc._path("minimum_signs"),
                            f"is {minimum}, but only {len(signs)} signs are listed")
    roles = doc.items("resume_roles")
    if not roles or not all(isinstance(r, str) for r in roles):
        raise ResourceError(doc.file, doc._path("resume_roles"), "must list at least one staff role")
    return Interlock(doc.flag("enabled"), minimum, doc.number("sign_seconds", min=0, max=120),
                     _priority(doc, "priority"), _priority(doc, "held_priority"), tuple(roles), tuple(signs))


def _visual(doc: Doc, priority: str) -> VisualSignal:
    s = doc.section(priority)
    colour, text = s.text("colour"), s.text("text_colour")
    for key, value in (("colour", colour), ("text_colour", text)):
        if not (len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:])):
            raise ResourceError(s.file, s._path(key), f"is {value!r}; write a colour as #rrggbb")
    if priority in IEC_FLASH_HZ:
        lo, hi = IEC_FLASH_HZ[priority]
        hz = s.number("flash_hz", min=lo, max=hi)
        duty = s.number("duty_percent", min=20, max=60) / 100.0  # IEC: duty cycle 20-60 %
    else:
        hz = s.number("flash_hz", max=0)  # low priority is steady
        duty = 1.0
    return VisualSignal(colour, text, hz, duty)


def _pattern(doc: Doc, priority: str) -> AuditoryPattern:
    s = doc.section(priority)
    pulses = int(s.number("pulses"))
    if pulses != IEC_PULSES[priority]:
        raise ResourceError(s.file, s._path("pulses"), f"is {pulses}; IEC 60601-1-8 uses {IEC_PULSES[priority]}")
    return AuditoryPattern(
        priority,
        s.number("fundamental_hz", min=150, max=1000),
        s.number("pulse_ms", min=IEC_PULSE_MS[priority][0], max=IEC_PULSE_MS[priority][1]),
        s.number("rise_percent", min=10, max=20),
        s.number("pulse_spacing_ms", min=IEC_SPACING_MS[priority][0], max=IEC_SPACING_MS[priority][1]),
        pulses,
        s.number("half_burst_pause_ms", 0, min=350 if priority == "high" else 0, max=1300),
        s.number("burst_interval_seconds", min=IEC_BURST_S[priority][0], max=IEC_BURST_S[priority][1]),
        s.number("volume", min=0.05, max=1.0),
        s.number("escalated_volume", min=0.05, max=1.0),
    )


def from_doc(doc: Doc) -> AlarmConfig:
    """Build and check the configuration; raises ResourceError naming the file and field at fault."""
    params = {name: _parameter(name, s) for name, s in doc.sections("parameters")}
    seen: dict[str, str] = {}
    for p in params.values():
        for m in p.metrics:
            if m in seen:
                raise ResourceError(doc.file, f"parameters.{p.name}.metrics", f"{m!r} is already watched by {seen[m]}")
            seen[m] = p.name
    fresh_doc = doc.section("freshness_seconds")
    freshness = {m: fresh_doc.number(m, min=1, max=3600) for m in fresh_doc.keys()}
    states = doc.section("states")
    latching = tuple(states.items("latching_priorities"))
    escalating = tuple(states.items("escalation_priorities"))
    for key, values in (("latching_priorities", latching), ("escalation_priorities", escalating)):
        bad = [v for v in values if v not in PRIORITIES]
        if bad:
            raise ResourceError(doc.file, f"states.{key}", f"has {bad[0]!r}; allowed: {', '.join(PRIORITIES)}")
    escalation = doc.section("escalation")
    command = escalation.items("command")
    if not all(isinstance(part, str) and part for part in command):
        raise ResourceError(doc.file, "escalation.command", "must be a list of words (program and arguments), "
                            "e.g. [\"notify-send\", \"-u\", \"critical\"]")
    display = doc.section("display")
    audio = doc.section("audio")
    return AlarmConfig(
        source=doc.text("source"),
        parameters=params,
        freshness=freshness,
        technical=_technical(doc.section("technical")),
        audio_pause_seconds=states.number("audio_pause_seconds", min=10, max=300),
        acknowledge_silence_seconds=states.number("acknowledge_silence_seconds", min=10, max=600),
        latching_priorities=latching,
        escalation_seconds=states.number("escalation_seconds", min=5, max=600),
        escalation_priorities=escalating,
        escalation_command=tuple(command),
        escalation_timeout=escalation.number("timeout_seconds", min=1, max=120),
        interlock=_interlock(doc.section("interlock")),
        display={p: _visual(display, p) for p in PRIORITIES},
        sample_rate=int(audio.number("sample_rate", min=8000, max=96000)),
        harmonics=int(audio.number("harmonics", min=4, max=12)),
        audio_check_seconds=audio.number("audio_check_seconds", min=0.2, max=30),
        audio={p: _pattern(audio, p) for p in ("high", "medium")},
    )
