"""Masimo Radical-7 / Rad-8 / Root serial output, "ASCII 1" mode: one text line a second at 9600 8N1.

    12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=03.50% SPCO=--.-% SPMET=--.-% DESAT=-- ...
        ... PIDELTA=+-- PVI=--- ALARM=0000 EXC=000800<CR><LF>

ASCII 1 has no checksum, so this codec is strict instead. A line is good when it has a valid date and
time, every field it knows parses exactly, and every value lies in the plausible range from
resources/devices/masimo_ascii.toml; anything else is a bad line, counted in `stats`, and its ALARM and
EXC bits are not used. Values are judged field by field (#14). Choices where the manuals are silent:

- No checksum also means a flipped bit in a digit (SPO2=098 read as 099) is a plausible number that no
  check inside the line can catch. Rule chosen, "the same reading twice", field by field: a value (SpO2,
  pulse rate, PI) is reported only when its `KEY=value` text parses exactly, lies in its range, and is
  byte for byte the same text as that field in the last line where the field was readable (at most
  `confirm_gap_s` earlier, resources/devices/masimo_ascii.toml: one line between whose field was damaged
  or lost is skipped; a readable different value, dashes included, never is), whatever happened to the
  other fields of either line. A value nothing confirmed when it came (first line, a changed value) is
  held: when the next line repeats it, it is reported at the time of that line, so a steady reading is
  never lost and a changed one comes a second late (never with the earlier line's time: that line may
  have been damaged into the next line's value). Why: only repetition catches every single-bit error; a
  tolerance would pass exactly the small errors (±1, ±2, ±4, ±8) a flipped low bit makes.
  Two more rules, both in the resource file with their reasons (#14):
  * steady step (pulse rate only): the device's averaged pulse moves by a beat every second or two, so
    two lines seldom agree while it rises or falls. Three consecutive lines that move by exactly one
    step twice in the same direction (71, 72, 73) report the middle value, a line late: a single
    flipped bit cannot turn a steady value into that pattern. 72, 73, 72 is never reported.
  * jump: a value further from the last value reported (within `jump_memory_s`) than `[consistency.jump]`,
    plus `[consistency.jump_rate_per_s]` for each second since that report, needs a third line. Two
    lines with the same bit of the same digit flipped (SPO2=098 read as 090 twice, BPM=075 as 035) make
    such jumps; an averaged reading does not, and a real fast change still comes, a line later.
  A value that changes every line by more than a step and never repeats is not reported (the "new on
  every line" rows in docs/benchmarks.md show the price). PI prints two decimals whose hundredths
  change on nearly every line (so it was seldom confirmed and the console's PI went stale for 30 s at a
  time): it is confirmed at the one decimal the console shows, the text cut after it
  (resources/devices/masimo_ascii.toml [consistency.confirm_decimals]); the unconfirmed hundredths digit
  is dropped, never rounded in.
- Why field by field and not line by line: on a noisy line (1 % of bytes damaged) four lines in five of
  ~150 bytes carry some damage, and a whole-line rule reported almost nothing. What field by field
  cannot catch is the same as what the whole-line rule could not: the same bit of the same digit
  flipped in two lines running (SPO2=098 read as 090 twice). Field by field only reports more values,
  with the same chance per reported value of being such a double error (measured: about 2 in 100,000
  reported values at 2 % damaged bytes, where the whole-line rule reported 30 times fewer values;
  docs/benchmarks.md). Damage that could make a different field look valid is refused: two lines run
  together by a damaged line feed are split before the second line's date and time, where a field name
  comes back at the place the first line's layout puts it; when they do not fit that layout, a field
  whose name appears twice counts for neither line; a token with a
  non-printable byte is dropped, the last field of a line is never a reading (a line cut short may end
  in a cut number), and a single flipped bit cannot turn one ASCII 1 field name into another.
- A piece of noise with a line feed in it (no date and time and no ASCII 1 field name) is not one of
  the device's lines: it is counted as a bad line, and the previous line stays the one to compare with.
- Dashes (`---`, `--.-`) mean "no value", and so does 0 for SpO2, pulse rate and PI: the Rad-8 prints
  zeros while searching, and a 0 % saturation is not a reading.
- A line longer than 512 bytes without a line feed is noise (a real line is ~150 bytes): it is discarded.
- Unknown `KEY=value` fields (newer firmware adds some) are ignored, not errors, so a firmware update
  does not silence the device; a known field that does not parse makes the line bad (and is no value).
- ALARM and EXC bits are reported as `DeviceAlarm` / `DeviceStatus` only when they change, so a steady
  state is one event, not one a second.
"""
from __future__ import annotations

import re
from typing import ClassVar

import resources
from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceAlarm, DeviceEvent, DeviceStatus, Measurement

MAX_LINE = 512

_DATE = re.compile(rb"^(\d\d)/(\d\d)/(\d\d)$")
_TIME = re.compile(rb"^(\d\d):(\d\d):(\d\d)$")
_NUMBER = re.compile(rb"^[+]?\d+(\.\d+)?$")
_NO_VALUE = re.compile(rb"^[+-]?-+(\.-+)?$")
_HEX = re.compile(rb"^[0-9A-Fa-f]+$")

#: ASCII 1 field -> (metric, unit suffix it carries or None). Fields not here are informational.
_FIELDS = {b"SPO2": ("spo2", b"%"), b"BPM": ("pr", None), b"PI": ("pi", b"%"),
           b"SPCO": ("spco", b"%"), b"SPMET": ("spmet", b"%"), b"PVI": ("pvi", None)}
_REPORTED = ("spo2", "pr", "pi")  # what the console shows; the others are parsed only to validate the line
#: every field name of an ASCII 1 line
_KNOWN_KEYS = (*_FIELDS, b"SN", b"DESAT", b"PIDELTA", b"ALARM", b"EXC")
_ZERO_MEANS_NONE = {"spo2", "pr", "pi"}
_KNOWN_KEY_SET = frozenset(_KNOWN_KEYS)
_TOKEN = re.compile(rb"\S+")
#: shorter than this, a line cannot hold two of the device's lines (a full line is ~150 bytes)
_TWO_LINES_MIN = 200


class _BitTable:
    """One hex bit-field's meanings, loaded from the resource file."""

    def __init__(self, doc: resources.Doc, key: str) -> None:
        self.bits: dict[int, resources.Doc] = {}
        for name, entry in doc.sections(key):
            try:
                self.bits[int(name, 16)] = entry
            except ValueError:
                raise resources.ResourceError(doc.file, f"{key}.{name}", "must be a hex bit like \"0x0004\"") from None


class MasimoAscii(Codec):
    name: ClassVar[str] = "masimo-ascii"
    title: ClassVar[str] = "Masimo Radical-7 / Rad-8 / Root (ASCII 1 serial output)"
    role: ClassVar[str] = "oximeter"
    link: ClassVar[LinkSettings] = LinkSettings(9600, 8, "N", 1)
    metrics: ClassVar[tuple[str, ...]] = _REPORTED

    _table: ClassVar[resources.Doc | None] = None

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        table = self._load_table()
        self._alarm_bits = _BitTable(table, "alarm_bits")
        self._exc_bits = _BitTable(table, "exception_bits")
        self._ranges = {m: table.section("ranges").section(m) for m in (f[0] for f in _FIELDS.values())}
        self._units = {m: r.text("unit") for m, r in self._ranges.items()}
        self._limits = {m: (r.number("min"), r.number("max")) for m, r in self._ranges.items()}
        self._buffer = bytearray()
        self._discarding = False
        self._alarm_word: int | None = None
        self._exc_word: int | None = None
        consistency = table.section("consistency")
        self.confirm_gap = float(consistency.number("confirm_gap_s"))
        self.consecutive_gap = float(consistency.number("consecutive_gap_s"))
        self.jump_memory = float(consistency.number("jump_memory_s"))
        #: metric -> decimals it is confirmed (and reported) at, where fewer than the line prints
        self._confirm_decimals = self._per_metric(consistency, "confirm_decimals", int)
        #: metric -> the one step by which three lines running may move (steady step rule)
        self._steady_step = self._per_metric(consistency, "steady_step", float)
        #: metric -> a change from the last reported value larger than this needs three lines
        self._jump = self._per_metric(consistency, "jump", float)
        #: metric -> how much further the jump may be per second since the last report (a real change goes on)
        self._jump_rate = self._per_metric(consistency, "jump_rate_per_s", float)
        #: metric -> its last two readable fields, oldest first: (value text, value or None, arrival time)
        self._seen: dict[str, list[tuple[bytes, float | None, float]]] = {}
        #: metric -> (last reported value, its time), for the jump rule
        self._reported: dict[str, tuple[float, float]] = {}

    @staticmethod
    def _per_metric(consistency: resources.Doc, key: str, kind: type) -> dict:
        section = consistency.section(key)
        named = set(section.keys())
        return {m: kind(section.number(m)) for m in _REPORTED if m in named}

    @classmethod
    def _load_table(cls) -> resources.Doc:
        if cls._table is None:
            cls._table = resources.load("devices/masimo_ascii.toml")
        return cls._table

    def connected(self, now: float) -> list[DeviceEvent]:
        self._buffer.clear()
        self._discarding = False
        self._seen = {}
        self._reported = {}
        return []

    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        events: list[DeviceEvent] = []
        self._buffer.extend(data)
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE:
                    self.stats.garbage_bytes += len(self._buffer)
                    self.stats.bad_frame(f"{len(self._buffer)} bytes without a line end")
                    self._buffer.clear()
                    self._discarding = True
                break
            line = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            if self._discarding:  # the tail of an over-long line: its start is already gone
                self._discarding = False
                self.stats.garbage_bytes += len(line) + 1
                continue
            for part in self._split_run_together(line):
                events.extend(self._line(part.strip(b"\r \t\x00"), now))
        return events

    def _split_run_together(self, line: bytes) -> list[bytes]:
        """A damaged line feed runs two lines into one: split it before the second line's date and time,
        found where a field name comes back, at the place the layout of the first line puts it. Anything
        that does not fit that layout stays one line (its repeated fields then count for neither)."""
        if len(line) < _TWO_LINES_MIN:
            return [line]
        tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(line)]
        first: dict[bytes, int] = {}
        for i, (_, token) in enumerate(tokens):
            key, eq, _ = token.partition(b"=")
            if not eq or key not in _KNOWN_KEY_SET:
                continue
            if key not in first:
                first[key] = i
                continue
            start = i - first[key]  # the second line's date, if both lines have the same layout
            if start > first[key] and start + 1 < len(tokens) and _TIME.match(tokens[start + 1][1]):
                self.stats.bad_frame("two lines ran together (a damaged line feed): split in two")
                end = tokens[start - 1][0] + len(tokens[start - 1][1])  # the whitespace between goes
                return [line[:end], line[tokens[start][0]:]]
            return [line]
        return [line]

    def _line(self, line: bytes, now: float) -> list[DeviceEvent]:
        if not line:
            return []
        tokens = line.split()
        fields, error = self._fields(line, tokens)
        parsed = self._parse(line, tokens, fields, error)
        events = self._confirmed(now, tokens, fields, parsed)
        if isinstance(parsed, str):
            self.stats.garbage_bytes += len(line)
            self.stats.bad_frame(parsed)
            return events
        self.stats.frames_ok += 1
        events.extend(self._bit_changes(now, parsed[1], parsed[2]))
        return events

    @staticmethod
    def _fields(line: bytes, tokens: list[bytes]) -> tuple[dict[bytes, bytes], str]:
        """The line's `KEY=value` fields, and the first reason (if any) the line as a whole is bad.

        A field whose key appears twice (two lines run together when a line feed was damaged) is left
        out; so is a token with a non-printable byte, which is damage."""
        error = ""
        damaged = any(b < 0x20 or b > 0x7E for b in line)
        if damaged:
            error = "non-printable bytes in line (noise, or wrong baud rate?)"
        fields: dict[bytes, bytes] = {}
        twice: set[bytes] = set()
        for i, part in enumerate(tokens):
            if damaged and any(b < 0x20 or b > 0x7E for b in part):
                continue
            key, eq, value = part.partition(b"=")
            if not eq or not key.isalnum():
                if i >= 2:  # the first two are the date and time
                    error = error or f"malformed field {part[:20]!r}"
                continue
            if key in fields:
                error = error or f"field {key.decode('latin-1')} appears twice"
                twice.add(key)
            fields[key] = value
        for key in twice:
            del fields[key]
        return fields, error

    def _confirmed(self, now: float, tokens: list[bytes], fields: dict[bytes, bytes],
                   parsed: tuple[dict[str, float | None], int, int] | str) -> list[DeviceEvent]:
        """The values this line and the previous one agree on, field by field (see the module docstring:
        "the same reading twice"), reported at the time of this line."""
        current: dict[str, tuple[bytes, float | None]] = {}
        last = tokens[-1] if tokens else b""
        for key, (metric, suffix) in _FIELDS.items():
            raw = fields.get(key)
            if metric not in _REPORTED or raw is None or last == key + b"=" + raw:
                continue  # the line's last field may be cut short: it is never a reading
            value = self._value(metric, raw, suffix)
            if isinstance(value, str):  # counted by _parse
                continue
            # a readable "no value" (dashes, zero) is kept: a later line is not compared across it
            current[metric] = (raw, None) if value is None else self._at_confirmed_precision(metric, raw, value)
        if not current and isinstance(parsed, str) and not self._looks_like_a_line(tokens, fields):
            return []  # noise with a line feed in it: not one of the device's lines, the previous one stands
        events: list[DeviceEvent] = []
        for metric, (raw, value) in current.items():
            reported = self._judge(metric, raw, value, now)
            if reported is not None:
                self._reported[metric] = (reported, now)
                events.append(Measurement(now, self.device, metric, reported, self._units[metric]))
        return events

    def _judge(self, metric: str, raw: bytes, value: float | None, now: float) -> float | None:
        """The value to report for this line's readable field, if the lines before it confirm one (see the
        module docstring), and this field remembered as the latest readable one."""
        seen = self._seen.setdefault(metric, [])
        prev = seen[-1] if seen and now - seen[-1][2] <= self.confirm_gap else None
        older = seen[-2] if prev is not None and len(seen) > 1 and prev[2] - seen[-2][2] <= self.confirm_gap else None
        seen.append((raw, value, now))
        del seen[:-2]
        if value is None or prev is None:
            return None
        if prev[0] == raw:  # the same reading twice
            if self._jumped(metric, value, now) and not (older is not None and older[0] == raw):
                self.stats.bad_field(f"{metric} {value:g} is a jump from {self._reported[metric][0]:g}; "
                                     "held for a third line")
                return None
            return value
        step = self._steady_step.get(metric)
        if step is not None and older is not None and prev[1] is not None and older[1] is not None \
                and now - prev[2] <= self.consecutive_gap and prev[2] - older[2] <= self.consecutive_gap:
            rise, then = prev[1] - older[1], value - prev[1]
            if abs(abs(rise) - step) < 1e-9 and abs(rise - then) < 1e-9 and not self._jumped(metric, prev[1], now):
                return prev[1]  # three lines running one step apart: the middle one is the device's value
        self.stats.bad_field(f"{metric} {value:g} differs from the previous line's; held until it repeats")
        return None

    def _jumped(self, metric: str, value: float, now: float) -> bool:
        """Whether `value` is further from the last reported value (if recent) than the jump rule allows."""
        jump = self._jump.get(metric)
        last = self._reported.get(metric)
        if jump is None or last is None or now - last[1] > self.jump_memory:
            return False
        allowed = jump + self._jump_rate.get(metric, 0.0) * max(0.0, now - last[1] - 1.0)
        return abs(value - last[0]) > allowed + 1e-9

    def _at_confirmed_precision(self, metric: str, raw: bytes, value: float) -> tuple[bytes, float]:
        """(the text two lines must share, the value reported). PI prints two decimals and its hundredths
        change on nearly every line; it is confirmed at the decimals the console shows (resources:
        [consistency.confirm_decimals]): the text cut after them ("01.54%" -> "01.5"), reported as that
        number. Only digits that two lines agree on are reported; an unconfirmed digit is dropped, never
        rounded in (rounding would let an unchecked hundredths digit change the tenths)."""
        decimals = self._confirm_decimals.get(metric)
        if decimals is None:
            return raw, value
        text = raw.rstrip(b"%")
        point = text.find(b".")
        if point < 0:
            return text, value
        cut = text[: point + 1 + decimals] if decimals else text[:point]
        return cut, float(cut)

    @staticmethod
    def _looks_like_a_line(tokens: list[bytes], fields: dict[bytes, bytes]) -> bool:
        """A date and time, or any ASCII 1 field name: what is left of one of the device's lines."""
        return (len(tokens) >= 2 and bool(_DATE.match(tokens[0])) and bool(_TIME.match(tokens[1]))) \
            or any(key in fields for key in _KNOWN_KEYS)

    def _parse(self, line: bytes, tokens: list[bytes], fields: dict[bytes, bytes],
               error: str) -> tuple[dict[str, float | None], int, int] | str:
        """The line's values and bit words, or a string saying why the whole line is rejected."""
        if error.startswith("non-printable"):
            return error
        parts = tokens
        if len(parts) < 3 or not _DATE.match(parts[0]) or not _TIME.match(parts[1]):
            return "line does not start with a date and time"
        month, day = int(parts[0][:2]), int(parts[0][3:5])
        hh, mm, ss = int(parts[1][:2]), int(parts[1][3:5]), int(parts[1][6:8])
        if not (1 <= month <= 12 and 1 <= day <= 31 and hh < 24 and mm < 60 and ss < 60):
            return f"impossible date or time {parts[0].decode()} {parts[1].decode()}"
        if error:
            return error
        for needed in (b"SPO2", b"BPM", b"ALARM", b"EXC"):
            if needed not in fields:
                return f"field {needed.decode()} missing"
        values: dict[str, float | None] = {}
        for key, (metric, suffix) in _FIELDS.items():
            if key not in fields:
                continue
            value = self._value(metric, fields[key], suffix)
            if isinstance(value, str):
                self.stats.bad_field(value)
                return value
            values[metric] = value
        words = []
        for key, width in ((b"ALARM", 4), (b"EXC", 6)):
            raw = fields[key]
            if not _HEX.match(raw) or len(raw) > 8:
                self.stats.bad_field(f"{key.decode()}={raw[:12]!r} is not hexadecimal")
                return f"{key.decode()} is not a hex bit field"
            words.append(int(raw, 16))
        return values, words[0], words[1]

    def _value(self, metric: str, raw: bytes, suffix: bytes | None) -> float | None | str:
        if suffix is not None and raw.endswith(suffix):
            raw = raw[: -len(suffix)]
        if _NO_VALUE.match(raw):
            return None
        if not _NUMBER.match(raw):
            return f"{metric}: {raw[:12]!r} is not a number"
        value = float(raw)
        if value == 0 and metric in _ZERO_MEANS_NONE:
            return None
        low, high = self._limits[metric]
        if not low <= value <= high:
            return f"{metric}: {value:g} outside the plausible {low:g}–{high:g}"
        return value

    def _bit_changes(self, now: float, alarm_word: int, exc_word: int) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        old_alarm = self._alarm_word if self._alarm_word is not None else 0
        for bit, entry in self._alarm_bits.bits.items():
            if (alarm_word ^ old_alarm) & bit:
                events.append(DeviceAlarm(now, self.device, entry.text("code"), entry.text("text"),
                                          entry.text("priority", choices=("high", "medium", "low")),
                                          bool(alarm_word & bit)))
        old_exc = self._exc_word if self._exc_word is not None else 0
        for bit, entry in self._exc_bits.bits.items():
            if (exc_word ^ old_exc) & bit:
                events.append(DeviceStatus(now, self.device, entry.text("code"), entry.text("text"),
                                           bool(exc_word & bit), entry.flag("technical")))
        self._alarm_word, self._exc_word = alarm_word, exc_word
        return events
