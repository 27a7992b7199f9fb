"""New Era NE-1000-family syringe pumps (NE-300/500/1000/1600...), RS-232, 19200 8N1 by default.

Basic mode: the host sends `[address]COMMAND[data]<CR>`; the pump answers `<STX>nn<status>[data]<ETX>`
where nn is its address, status a prompt (I infusing, W withdrawing, S stopped, P paused, T pause phase,
U user wait, X purging) or an alarm `A?` + type (R reset, S stalled, T safe-mode time-out, E program
error, O phase out of range), and data a value or a command error (`?`, `?NA`, `?OOR`, `?COM`, `?IGN`).
Safe mode wraps both directions as `<STX><length><data><CRC-16 hi><CRC-16 lo><ETX>` (length counts the
bytes that follow STX including itself; CRC-16/XMODEM over data) and lets the pump send alarms unasked.

The codec polls DIS (volume infused, status) and RAT (rate) once a second and, every fifth cycle, VOL
(volume to be infused) and DIR (direction: a pump set to withdraw is reported as a technical state). Commands from the console (`set_rate`, `set_vtbi`, `set_diameter`, `start`, `stop`) are
queued, sent between polls, and each is **read back**: the rate, volume or diameter is queried again and
compared, and run/stop are checked against the status prompt. The outcome is a `PumpCommandResult`; a
refusal, a missing answer or a differing read-back is also a high-priority `DeviceAlarm`
(`command_failed`), because the drug would not be going in as the nurse ordered.

Choices where the manual leaves room (also in the report):
- Commands carry no address (the manual's address is optional; a lone pump answers as address 00).
  Set `address` for a pump on a network.
- Numbers are sent with at most 4 significant digits (the pump's own display limit) and the read-back is
  compared with that rounded value, so 12.3456 mL/h is sent as 12.35 and must read back as 12.35.
- Rates are always sent with units MH (mL/h), and a volume to be infused is sent after `VOLML` (units
  mL) as part of the same command; the codec changes nothing on the pump unless the console commands it
  (so `detect` and a read-only session never alter a pump). Replies in other units (MM/UH/UM, UL) are
  converted.
- STP on a running pump pauses it (P); the console accepts P or S as "stopped" for the read-back.
- The `rate` metric is the rate going into the patient: the programmed rate while the pump infuses,
  0 mL/h otherwise (RAT answers the programmed rate even when stopped); `state` tells why.
- A reply that does not arrive within `reply_timeout` (1 s; the pump answers in milliseconds) counts
  as a framing error; a command whose reply never comes is reported as failed, never assumed done.
- Safe mode (`ne1000-safe`) assumes the biomed has put the pump in safe mode (SAF command, stored in
  the pump); the codec does not switch modes by itself.
"""
from __future__ import annotations

import binascii
import functools
import math
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceAlarm, DeviceEvent, DeviceStatus, Measurement
from device_drivers.pump import PUMP_STATES, STATE_UNIT, PumpCommandResult, PumpControl
from resources import load

STX, ETX, CR = 0x02, 0x03, 0x0D
_RATE = re.compile(r"(\d+\.?\d*|\.\d+)(MH|MM|UH|UM)")
_VOLUME = re.compile(r"(\d+\.?\d*|\.\d+)(ML|UL)")
_NUMBER = re.compile(r"\d+\.?\d*|\.\d+")
_DISPENSED = re.compile(r"I(\d+\.?\d*)W(\d+\.?\d*)(ML|UL)")


def crc16_xmodem(data: bytes) -> int:
    """CRC-16/XMODEM (CCITT polynomial 0x1021, initial 0, not reflected), as New Era's safe mode uses.

    binascii.crc_hqx is exactly this CRC, table-driven in C: a bit-by-bit Python loop cost more than
    the rest of decoding a reply."""
    return binascii.crc_hqx(data, 0)


def safe_packet(payload: bytes) -> bytes:
    crc = crc16_xmodem(payload)
    return bytes([STX, len(payload) + 4]) + payload + bytes([crc >> 8, crc & 0xFF, ETX])


def basic_command(text: str, address: int | None = None) -> bytes:
    prefix = "" if address is None else str(address)
    return f"{prefix}{text}\r".encode("ascii")


def format_number(value: float) -> str:
    """At most 4 significant digits, as the pump accepts and displays them."""
    if value >= 1000:
        return f"{value:.0f}"
    for decimals, limit in ((1, 100), (2, 10), (3, 0)):
        if value >= limit:
            text = f"{value:.{decimals}f}"
            return text
    return f"{value:.3f}"


@dataclass(frozen=True, slots=True)
class Reply:
    address: int
    prompt: str            # status letter, or "A" for an alarm
    alarm: str | None      # alarm type letter when prompt == "A"
    error: str | None      # "?", "NA", "OOR", "COM", "IGN" or None
    data: str


#: address (2 digits) · prompt letter, or "A?" and the alarm type · then "?" and an error code ("?" alone
#: or "??" is the plain error "?"), or data
_REPLY = re.compile(r"([0-9]{2})(?:A\?(.)|([IWSPTUX]))(?:\?(\?|NA|OOR|COM|IGN|)|(?!\?)(.*))", re.DOTALL)


@functools.lru_cache(maxsize=256)
def parse_reply(text: str) -> Reply | None:
    """Parse the text between STX and ETX (basic) or the data of a safe packet. None if malformed.

    One compiled pattern checks the whole reply in C. A pump repeats itself (the same prompt and rate
    every second), so recent results are kept: a Reply is immutable, and building one costs more than
    the rest of parsing."""
    m = _REPLY.fullmatch(text)
    if m is None:
        return None
    address, alarm, prompt, error, data = m.groups()
    if error is not None:
        return Reply(int(address), prompt or "A", alarm, error or "?", "")
    return Reply(int(address), prompt or "A", alarm, None, data)


class ReplyFramer:
    """Splits the pump's byte stream into reply texts, in basic or safe framing; counts what it drops.

    Walks the buffer by position and trims it once per read (not once per reply): a pump reply is a
    dozen bytes, so the per-reply Python work is the decoder's whole cost."""

    def __init__(self, safe: bool, stats) -> None:
        self.safe, self.stats = safe, stats
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[str]:
        buf = self.buf
        buf += data
        stats = self.stats
        out: list[str] = []
        pos, n = 0, len(buf)
        while pos < n:
            start = buf.find(STX, pos)
            if start < 0:
                stats.garbage_bytes += n - pos
                pos = n
                break
            stats.garbage_bytes += start - pos
            pos = start
            if self.safe:
                if n - start < 2:
                    break
                length = buf[start + 1]
                if length < 4:
                    stats.bad_frame("safe-mode length byte too small")
                    pos = start + 1
                    continue
                end = start + length + 1
                if n < end:
                    break
                payload = bytes(buf[start + 2:end - 3])
                if buf[end - 1] != ETX or crc16_xmodem(payload) != (buf[end - 3] << 8 | buf[end - 2]):
                    stats.bad_frame("safe-mode packet with bad CRC or end byte")
                    pos = start + 1
                    continue
                pos = end
                out.append(payload.decode("ascii", "replace"))
            else:
                end = buf.find(ETX, start + 1)
                if end < 0:
                    if n - start > 256:
                        stats.bad_frame("reply without ETX")
                        pos = n
                    break
                nested = buf.find(STX, start + 1, end)
                if nested >= 0:
                    stats.bad_frame("reply cut short by a new STX")
                    pos = nested
                    continue
                pos = end + 1
                out.append(buf[start + 1:end].decode("ascii", "replace"))
        del buf[:pos]
        return out


@dataclass
class _Request:
    text: str
    handler: Callable[[Reply | None, float], list[DeviceEvent]]
    sent_at: float = 0.0


@dataclass
class _Command:
    """One console command and its verification steps."""
    name: str
    requested: str
    steps: list[_Request] = field(default_factory=list)


class Ne1000(Codec):
    name = "ne1000"
    title = "New Era NE-1000 family syringe pump (basic mode)"
    role = "pump"
    link = LinkSettings(19200, 8, "N", 1)
    metrics = ("rate", "volume_infused", "state")
    control = PumpControl.CONTROLLABLE
    safe_mode = False
    address: int | None = None
    poll_interval = 1.0
    reply_timeout = 1.0
    vtbi_every = 5  # poll VOL every Nth cycle

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        doc = load("devices/ne1000.toml")
        self._prompts = {k: doc.section("prompts").text(k) for k in doc.section("prompts").keys()}
        self._alarms = {k: (e.text("code"), e.text("text"), e.text("priority", choices=("high", "medium", "low")))
                        for k, e in doc.sections("alarms")}
        self._errors = {k: doc.section("errors").text(k) for k in doc.section("errors").keys()}
        self._rate_units = {k: doc.section("rate_units").number(k) for k in doc.section("rate_units").keys()}
        self._vol_units = {k: doc.section("volume_units").number(k) for k in doc.section("volume_units").keys()}
        self._framer = ReplyFramer(self.safe_mode, self.stats)
        self._intents: deque[_Command] = deque()
        self._lock = threading.Lock()
        self._queue: deque[_Request] = deque()      # polls
        self._commands: deque[_Request] = deque()   # console commands and their read-backs, sent first
        self._pending: _Request | None = None
        self._next_poll = 0.0
        self._cycle = 0
        self._alarm: str | None = None
        self.state: str | None = None
        self.rate: float | None = None
        self.vtbi: float | None = None
        self.diameter: float | None = None
        self.direction: str | None = None
        self._failed_alarm = False
        self._first_reply: Reply | None = None
        limits = doc.section("consistency")
        self._max_rate = float(limits.number("max_rate_ml_h"))
        #: the last volume infused reported, and a rejected one that a consistent next volume would confirm
        self._volume: tuple[float, float] | None = None
        self._volume_candidate: tuple[float, float] | None = None
        #: basic mode: the previous reply's (prompt, alarm), which the next must repeat to count
        self._status_seen: tuple[str, str | None] | None = None

    # ---- console side (any thread) ----------------------------------------------------------------
    @staticmethod
    def _checked(value: float, what: str) -> str:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value < 10000):
            raise ValueError(f"{what} {value!r} is not a number the pump can take (0 to 9999)")
        return format_number(value)

    def set_rate(self, ml_per_h: float) -> None:
        text = self._checked(ml_per_h, "rate")
        self._intend(_Command("set_rate", text, [
            _Request(f"RAT{text}MH", self._expect_accepted),
            _Request("RAT", lambda r, now: self._check_value(r, now, "set_rate", text, self._parse_rate))]))

    def set_vtbi(self, ml: float) -> None:
        text = self._checked(ml, "volume")
        self._intend(_Command("set_vtbi", text, [
            _Request("VOLML", self._expect_accepted),
            _Request(f"VOL{text}", self._expect_accepted),
            _Request("VOL", lambda r, now: self._check_value(r, now, "set_vtbi", text, self._parse_volume))]))

    def set_diameter(self, mm: float) -> None:
        text = self._checked(mm, "diameter")
        self._intend(_Command("set_diameter", text, [
            _Request(f"DIA{text}", self._expect_accepted),
            _Request("DIA", lambda r, now: self._check_value(r, now, "set_diameter", text, self._parse_plain))]))

    def start(self) -> None:
        self._intend(_Command("start", "infusing", [
            _Request("RUN", self._expect_accepted),
            _Request("DIS", lambda r, now: self._check_state(r, now, "start", ("infusing",)))]))

    def stop(self) -> None:
        self._intend(_Command("stop", "stopped", [
            _Request("STP", self._expect_accepted),
            _Request("DIS", lambda r, now: self._check_state(r, now, "stop", ("stopped", "paused")))]))

    def _intend(self, command: _Command) -> None:
        with self._lock:
            self._intents.append(command)

    # ---- transport side -------------------------------------------------------------------------
    def connected(self, now: float) -> list[DeviceEvent]:
        self._framer.buf.clear()
        self._first_reply, self._status_seen = None, None
        self._queue.clear()
        self._commands.clear()
        self._pending = None
        self._next_poll = now
        return []

    def poll(self, now: float) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        if self._pending is not None and now - self._pending.sent_at > self.reply_timeout:
            request, self._pending = self._pending, None
            self.stats.bad_frame(f"no reply to {request.text} within {self.reply_timeout:g} s")
            events += request.handler(None, now)
        with self._lock:
            while self._intents:
                command = self._intents.popleft()
                self._queue_command(command)
        if self._pending is None and not self._queue and not self._commands and now >= self._next_poll:
            self._cycle += 1
            self._next_poll = now + self.poll_interval
            polls = [("DIS", self._on_dis), ("RAT", self._on_rat)]
            if self._cycle % self.vtbi_every == 1:
                polls += [("VOL", self._on_vol), ("DIR", self._on_dir)]
            for text, handler in polls:
                if self.safe_mode:
                    self._queue.append(_Request(text, handler))
                else:  # no checksum: ask twice, believe the answer only if both agree
                    self._queue.append(_Request(text, self._remember))
                    self._queue.append(_Request(text, functools.partial(self._if_same, text, handler)))
        self._send_next(now)
        return events

    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        events: list[DeviceEvent] = []
        for text in self._framer.feed(data):
            reply = parse_reply(text)
            if reply is None:
                self.stats.bad_frame(f"reply not understood: {text!r}")
                continue
            self.stats.frames_ok += 1
            events += self._status(reply, now)
            if self._pending is not None:
                request, self._pending = self._pending, None
                events += request.handler(reply, now)
                self._send_next(now)
        return events

    # ---- internals ------------------------------------------------------------------------------
    def _queue_command(self, command: _Command) -> None:
        """Queue a command's steps (sent before any poll); a failed step drops the rest of that command."""
        steps = list(command.steps)
        wrapped: list[_Request] = []

        def wrap(step: _Request, last: bool) -> _Request:
            def handler(reply: Reply | None, now: float) -> list[DeviceEvent]:
                if last:
                    return step.handler(reply, now)
                problem = step.handler(reply, now)
                if not problem:
                    return []
                for later in wrapped[wrapped.index(request) + 1:]:
                    if later in self._commands:
                        self._commands.remove(later)
                return self._command_failed(now, command.name, command.requested, "", problem[0])
            request = _Request(step.text, handler)
            return request

        wrapped.extend(wrap(s, i == len(steps) - 1) for i, s in enumerate(steps))
        self._commands.extend(wrapped)

    def _send_next(self, now: float) -> None:
        if self._pending is not None or not (self._commands or self._queue):
            return
        request = self._commands.popleft() if self._commands else self._queue.popleft()
        if self._framer.buf:
            # whatever is still buffered is not the answer to this request: noise, or a reply that came
            # too late (a stale value must never be taken for the answer to a newer question)
            self.stats.garbage_bytes += len(self._framer.buf)
            self._framer.buf.clear()
        request.sent_at = now
        self._pending = request
        if self.safe_mode:
            prefix = "" if self.address is None else str(self.address)
            self.send(safe_packet(f"{prefix}{request.text}".encode("ascii")))
        else:
            self.send(basic_command(request.text, self.address))

    def _status(self, reply: Reply, now: float) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        alarm = reply.alarm if reply.prompt == "A" else None
        if not self.safe_mode:  # no checksum: a prompt or alarm counts when two replies in a row agree
            key, before, self._status_seen = (reply.prompt, alarm), self._status_seen, (reply.prompt, alarm)
            if key != before:
                if before is not None:
                    self.stats.bad_field(f"status {reply.prompt}{alarm or ''} differs from the previous "
                                         "reply's; held until it repeats")
                return events
        if alarm != self._alarm:
            if self._alarm is not None:
                code, text, priority = self._alarms.get(self._alarm, (f"alarm_{self._alarm}", "Pump alarm", "high"))
                events.append(DeviceAlarm(now, self.device, code, text, priority, False))
            if alarm is not None:
                code, text, priority = self._alarms.get(alarm, (f"alarm_{alarm}", f"Pump alarm {alarm}", "high"))
                events.append(DeviceAlarm(now, self.device, code, text, priority, True))
            self._alarm = alarm
        self.state = "alarm" if alarm else self._prompts.get(reply.prompt, "stopped")
        return events

    def _state_measurement(self, now: float) -> Measurement:
        return Measurement(now, self.device, "state", float(PUMP_STATES[self.state or "stopped"]), STATE_UNIT)

    def _rate_measurement(self, now: float) -> Measurement:
        """The rate going into the patient: the programmed rate while infusing, else 0. The pump answers
        RAT with its programmed rate even when stopped or paused, and the alarm interlock must see a
        stopped pump as 0 mL/h."""
        delivering = self.state == "infusing"
        return Measurement(now, self.device, "rate", (self.rate or 0.0) if delivering else 0.0, "mL/h")

    def _parse_rate(self, data: str) -> float | None:
        m = _RATE.fullmatch(data)
        return float(m.group(1)) * self._rate_units[m.group(2)] if m else None

    def _parse_volume(self, data: str) -> float | None:
        m = _VOLUME.fullmatch(data)
        return float(m.group(1)) * self._vol_units[m.group(2)] if m else None

    @staticmethod
    def _parse_plain(data: str) -> float | None:
        m = _NUMBER.fullmatch(data)
        return float(data) if m else None

    def _remember(self, reply: Reply | None, now: float) -> list[DeviceEvent]:
        self._first_reply = reply
        return []

    def _if_same(self, text: str, handler: Callable[[Reply | None, float], list[DeviceEvent]],
                 reply: Reply | None, now: float) -> list[DeviceEvent]:
        """Basic mode: the second of two identical polls; its reply counts only if it equals the first."""
        first, self._first_reply = self._first_reply, None
        if reply is None or first is None:
            return []
        if reply != first:
            self.stats.bad_frame(f"two {text} replies in a row differ ({first.data!r}, {reply.data!r}): "
                                 "no checksum in basic mode, so neither is believed")
            return []
        return handler(reply, now)

    def _on_dis(self, reply: Reply | None, now: float) -> list[DeviceEvent]:
        if reply is None:
            return []
        events: list[DeviceEvent] = [self._state_measurement(now)]
        if reply.error:
            self.stats.bad_field(f"DIS answered {self._errors.get(reply.error, reply.error)}")
            return events
        m = _DISPENSED.fullmatch(reply.data)
        if not m:
            self.stats.bad_field(f"DIS reply not understood: {reply.data!r}")
            return events
        infused = float(m.group(1)) * self._vol_units[m.group(3)]
        why = self._implausible_volume(infused, now)
        if why:
            self.stats.bad_frame(why)
            return events
        events.append(Measurement(now, self.device, "volume_infused", infused, "mL"))
        return events

    def _implausible_volume(self, infused: float, now: float) -> str:
        """Why a volume infused cannot follow the last one reported, or "". A volume never decreases and
        never grows faster than the pump's top rate allows (nor at all while the pump is stopped), give or
        take the last digit shown (limits in resources/devices/ne1000.toml). A volume that breaks the rule
        is not reported; it is kept as a candidate, and if the next volume is consistent with *it* the
        total was really reset (cleared on the pump, power cycle) and reporting resumes from there."""
        last, candidate = self._volume, self._volume_candidate
        if last is None or self._volume_follows(last, infused, now):
            self._volume, self._volume_candidate = (infused, now), None
            return ""
        if candidate is not None and self._volume_follows(candidate, infused, now):
            self._volume, self._volume_candidate = (infused, now), None
            return ""
        self._volume_candidate = (infused, now)
        (before, before_at) = last
        if infused < before:
            return f"volume infused went down from {before:g} to {infused:g} mL"
        return f"volume infused grew {infused - before:g} mL in {now - before_at:.1f} s, faster than the pump can"

    def _volume_follows(self, earlier: tuple[float, float], infused: float, now: float) -> bool:
        before, before_at = earlier
        rate = self._max_rate if self.state in (None, "infusing", "purging", "alarm") else 0.0
        # one unit of the last digit the pump shows (4 significant digits), so rounding is not an error
        slack = 0.001 if infused < 10 else 0.01 if infused < 100 else 0.1 if infused < 1000 else 1.0
        return before - slack <= infused <= before + rate * max(0.0, now - before_at) / 3600.0 + slack

    def _on_rat(self, reply: Reply | None, now: float) -> list[DeviceEvent]:
        if reply is None or reply.error:
            return []
        rate = self._parse_rate(reply.data)
        if rate is None:
            self.stats.bad_field(f"RAT reply not understood: {reply.data!r}")
            return []
        self.rate = rate
        return [self._rate_measurement(now)]

    def _on_vol(self, reply: Reply | None, now: float) -> list[DeviceEvent]:
        if reply is not None and not reply.error:
            self.vtbi = self._parse_volume(reply.data)
        return []

    def _on_dir(self, reply: Reply | None, now: float) -> list[DeviceEvent]:
        """A syringe pump set to withdraw would pull blood back into the line: a technical condition."""
        if reply is None or reply.error or reply.data not in ("INF", "WDR", "REV"):
            return []
        withdrawing = reply.data != "INF"
        events: list[DeviceEvent] = []
        if withdrawing != (self.direction not in (None, "INF")):
            events.append(DeviceStatus(now, self.device, "direction_withdraw",
                                       "Pump is set to WITHDRAW, not infuse", withdrawing, True))
        self.direction = reply.data
        return events

    def _expect_accepted(self, reply: Reply | None, now: float) -> list[str]:
        """A step's check: [] when the pump accepted the command, else [why]."""
        if reply is None:
            return ["the pump did not answer"]
        if reply.error:
            return [f"the pump refused it: {self._errors.get(reply.error, reply.error)}"]
        return []

    def _check_value(self, reply: Reply | None, now: float, command: str, requested: str,
                     parse: Callable[[str], float | None]) -> list[DeviceEvent]:
        if reply is None or reply.error:
            why = "the pump did not answer the read-back" if reply is None else \
                f"the read-back was refused: {self._errors.get(reply.error, reply.error)}"
            return self._command_failed(now, command, requested, "", why)
        value = parse(reply.data)
        if value is None or format_number(value) != requested:
            return self._command_failed(now, command, requested, reply.data,
                                        f"the pump reads back {reply.data!r}, not {requested}")
        events = self._command_ok(now, command, requested, reply.data)
        if command == "set_rate":
            self.rate = value
            events.append(self._rate_measurement(now))
        elif command == "set_vtbi":
            self.vtbi = value
        else:
            self.diameter = value
        return events

    def _check_state(self, reply: Reply | None, now: float, command: str, wanted: tuple[str, ...]) -> list[DeviceEvent]:
        if reply is None:
            return self._command_failed(now, command, wanted[0], "", "the pump did not answer the read-back")
        events = self._on_dis(reply, now) if self.safe_mode else []
        if self.state not in wanted:
            return events + self._command_failed(now, command, wanted[0], self.state or "",
                                                 f"the pump is {self.state}, not {' or '.join(wanted)}")
        return events + self._command_ok(now, command, wanted[0], self.state)

    def _command_ok(self, now: float, command: str, requested: str, readback: str) -> list[DeviceEvent]:
        events: list[DeviceEvent] = [PumpCommandResult(now, self.device, command, requested, readback, True)]
        if self._failed_alarm:
            self._failed_alarm = False
            events.append(DeviceAlarm(now, self.device, "command_failed",
                                      f"Pump confirmed {command.replace('_', ' ')} {requested}", "high", False))
        return events

    def _command_failed(self, now: float, command: str, requested: str, readback: str, why: str) -> list[DeviceEvent]:
        self._failed_alarm = True
        return [PumpCommandResult(now, self.device, command, requested, readback, False, why),
                DeviceAlarm(now, self.device, "command_failed",
                            f"Pump did not confirm {command.replace('_', ' ')} {requested}: {why}", "high", True)]


class Ne1000Safe(Ne1000):
    name = "ne1000-safe"
    title = "New Era NE-1000 family syringe pump (safe mode, CRC-16)"
    safe_mode = True
