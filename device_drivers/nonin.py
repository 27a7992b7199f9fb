"""Nonin serial data formats 7 and 8 (OEM III module, Xpod, 3150/9560 family): 9600 8N1, binary.

**DF7** streams 75 five-byte frames a second: status, pleth MSB, pleth LSB, a rotating data byte and
a checksum (sum of the first four bytes, mod 256). Status bit 7 is always set; bit 0 (SYNC) marks the
first frame of a 25-frame packet (three packets a second). The data byte of frames 1, 2 and 3 carries
HR MSB (bits 8-7 of the rate in its bits 1-0), HR LSB (bits 6-0) and SpO2.
**DF8** sends four bytes once a second: status 1 (bit 7 set, status bits, HR bits 8-7), HR bits 6-0,
SpO2, status 2. It has no checksum: a frame needs byte 1 with bit 7 set and bytes 2-4 with it clear (the
specification's framing) *and* must sit on a frame boundary (after a pause, or right after the previous
frame); values start from the second such frame in a row (see NoninDf8).

Choices where the public documents leave room (also in the report):
- DF7 reports the *standard-mode* 4-beat averages (frames 1-3), not the "display" variants (SpO2-D,
  HR-D), because the console shows and records values continuously rather than mimicking a display.
- A DF7 packet yields values only if all 25 frames arrived in order with good checksums; one bad frame
  discards the whole packet (values and status), and the decoder re-synchronises byte by byte.
- Missing-value codes (HR 511, SpO2 127) and status bits that make a value untrustworthy ("suppresses"
  in resources/devices/nonin.toml: sensor disconnected, out of track, sensor alarm) mean "no value".
  Artefact and perfusion grades are reported as device states *alongside* the values, as Nonin intends.
- The pleth goes to the live waveform as 16-bit samples at 75 Hz (one Waveform per packet).
- Status changes are reported once per change (DeviceStatus active True/False), not every frame.
- The codecs only listen: they never send the format-select command (`02 70 02 02 <fmt> 03`), because on
  some modules the format is stored and other equipment may rely on it. The biomed selects the format
  (the simulator answers the command, so it can be tried), and `devices detect` tells DF7 from DF8.
"""
from __future__ import annotations

from dataclasses import dataclass

from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceEvent, DeviceStatus, Measurement, Waveform
from resources import Doc, ResourceError, load

FRAMES_PER_PACKET = 25
DF7_FRAME = 5
DF8_FRAME = 4
PLETH_RATE_HZ = 75.0


@dataclass(frozen=True)
class StatusBit:
    mask: int
    code: str
    text: str
    technical: bool
    suppresses: bool


def _bits(doc: Doc, key: str) -> list[StatusBit]:
    out = []
    for mask_text, entry in doc.sections(key):
        try:
            mask = int(mask_text, 16)
        except ValueError:
            raise ResourceError(doc.file, f"{key}.{mask_text}", "must be a hexadecimal bit mask like 0x40") from None
        out.append(StatusBit(mask, entry.text("code"), entry.text("text"), entry.flag("technical"),
                             entry.flag("suppresses", False)))
    return out


class _StatusTracker:
    """Turns a set of active conditions into change events, so a nurse sees one event per change."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.active: dict[str, StatusBit] = {}

    def update(self, now: float, conditions: dict[str, StatusBit]) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        for code, bit in conditions.items():
            if code not in self.active:
                events.append(DeviceStatus(now, self.device, code, bit.text, True, bit.technical))
        for code, bit in self.active.items():
            if code not in conditions:
                events.append(DeviceStatus(now, self.device, code, bit.text, False, bit.technical))
        self.active = dict(conditions)
        return events


class _NoninBase(Codec):
    role = "oximeter"
    link = LinkSettings(9600, 8, "N", 1)
    metrics = ("spo2", "pr")

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        doc = load("devices/nonin.toml")
        self._missing_hr = int(doc.section("missing").number("hr"))
        self._missing_spo2 = int(doc.section("missing").number("spo2"))
        self._doc = doc
        self._status = _StatusTracker(self.device)
        self._buf = bytearray()

    def connected(self, now: float) -> list[DeviceEvent]:
        self._buf.clear()
        return []

    def _values(self, now: float, hr: int, spo2: int, suppressed: bool) -> list[DeviceEvent]:
        if suppressed:
            return []
        out: list[DeviceEvent] = []
        if hr != self._missing_hr and 0 < hr <= 400:
            out.append(Measurement(now, self.device, "pr", float(hr), "bpm"))
        elif hr != self._missing_hr:
            self.stats.bad_field(f"pulse rate {hr} out of range")
        if spo2 != self._missing_spo2 and 0 < spo2 <= 100:
            out.append(Measurement(now, self.device, "spo2", float(spo2), "%"))
        elif spo2 != self._missing_spo2:
            self.stats.bad_field(f"SpO2 {spo2} out of range")
        return out


class NoninDf7(_NoninBase):
    """Nonin data format 7: 75 frames/s, 25-frame packets, 16-bit pleth, checksum per frame."""

    name = "nonin-df7"
    title = "Nonin oximeter, data format 7 (OEM III / Xpod)"

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        self._bits = _bits(self._doc, "df7_status_bits")
        self._perfusion = {int(k, 16): StatusBit(int(k, 16), e.text("code"), e.text("text"),
                                                 e.flag("technical"), False)
                           for k, e in self._doc.sections("df7_perfusion")}
        self._packet: list[bytes] = []

    def connected(self, now: float) -> list[DeviceEvent]:
        self._packet.clear()
        return super().connected(now)

    @staticmethod
    def _frame_ok(buf: bytearray, i: int) -> bool:
        return buf[i] & 0x80 != 0 and (buf[i] + buf[i + 1] + buf[i + 2] + buf[i + 3]) & 0xFF == buf[i + 4]

    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        buf = self._buf
        buf.extend(data)
        events: list[DeviceEvent] = []
        i = 0
        n = len(buf)
        while n - i >= DF7_FRAME:
            if not self._frame_ok(buf, i):
                if self._packet:
                    self.stats.bad_frame("checksum or start bit wrong inside a packet; packet dropped")
                    self._packet.clear()
                self.stats.garbage_bytes += 1
                i += 1
                continue
            frame = bytes(buf[i:i + DF7_FRAME])
            i += DF7_FRAME
            self.stats.frames_ok += 1
            sync = frame[0] & 0x01
            if sync:
                if self._packet:
                    self.stats.bad_frame(f"packet cut short after {len(self._packet)} frames")
                self._packet = [frame]
            elif self._packet:
                self._packet.append(frame)
            else:
                continue  # mid-packet after a resync: wait for the next SYNC frame
            if len(self._packet) == FRAMES_PER_PACKET:
                events.extend(self._packet_events(self._packet, now))
                self._packet = []
        del buf[:i]
        return events

    def _packet_events(self, frames: list[bytes], now: float) -> list[DeviceEvent]:
        conditions: dict[str, StatusBit] = {}
        suppressed = False
        for f in frames:
            status = f[0]
            for bit in self._bits:
                if status & bit.mask:
                    conditions[bit.code] = bit
                    suppressed |= bit.suppresses
            perf = self._perfusion.get(status & 0x06)
            if perf is not None:
                conditions[perf.code] = perf
        events = self._status.update(now, conditions)
        hr = ((frames[0][3] & 0x03) << 7) | (frames[1][3] & 0x7F)
        spo2 = frames[2][3] & 0x7F
        events.extend(self._values(now, hr, spo2, suppressed))
        pleth = tuple(float((f[1] << 8) | f[2]) for f in frames)
        if not conditions.get("sensor_disconnected"):
            events.append(Waveform(now, self.device, "pleth", pleth, PLETH_RATE_HZ))
        return events


class NoninDf8(_NoninBase):
    """Nonin data format 8: four bytes once a second, no checksum.

    Without a checksum, bit-7 framing alone would let a DF7 stream (or noise) pass for DF8 now and then,
    so a frame must also sit on a frame boundary: right after a pause in the line (DF8 sends 4 bytes,
    then nothing for a second) or right after the previous good frame. Values are reported only once two
    frames in a row were found on boundaries, so the first frame after connecting (or after garbage)
    establishes sync and values start with the next one, a second later.
    """

    name = "nonin-df8"
    title = "Nonin oximeter, data format 8 (1 Hz)"
    #: a pause at least this long (s) between reads puts the next byte on a frame boundary
    frame_gap = 0.25

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        self._bits1 = _bits(self._doc, "df8_status1_bits")
        self._bits2 = _bits(self._doc, "df8_status2_bits")
        self._last_feed: float | None = None
        self._aligned: int | None = None
        self._in_row = 0

    def connected(self, now: float) -> list[DeviceEvent]:
        self._last_feed, self._aligned, self._in_row = None, None, 0
        return super().connected(now)

    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        buf = self._buf
        if self._last_feed is None or now - self._last_feed >= self.frame_gap:
            if buf:
                self.stats.garbage_bytes += len(buf)  # a frame never spans a pause
                buf.clear()
            self._aligned = 0
        self._last_feed = now
        buf.extend(data)
        events: list[DeviceEvent] = []
        i = 0
        n = len(buf)
        while n - i >= DF8_FRAME:
            s1, hr_lsb, spo2, s2 = buf[i], buf[i + 1], buf[i + 2], buf[i + 3]
            shaped = bool(s1 & 0x80) and not (hr_lsb | spo2 | s2) & 0x80
            if not shaped or self._aligned != i:
                if self._aligned == i:
                    self.stats.bad_frame("bytes at a frame boundary are not a DF8 frame")
                    self._aligned, self._in_row = None, 0
                elif shaped:
                    self.stats.bad_frame("DF8-shaped bytes in the middle of a stream, not on a frame boundary")
                self.stats.garbage_bytes += 1
                i += 1
                continue
            i += DF8_FRAME
            self._aligned = i
            self._in_row += 1
            self.stats.frames_ok += 1
            if self._in_row < 2:
                continue  # sync established; report from the next frame on
            conditions: dict[str, StatusBit] = {}
            suppressed = False
            for bits, byte in ((self._bits1, s1), (self._bits2, s2)):
                for bit in bits:
                    if byte & bit.mask:
                        conditions[bit.code] = bit
                        suppressed |= bit.suppresses
            events.extend(self._status.update(now, conditions))
            hr = ((s1 & 0x03) << 7) | hr_lsb
            events.extend(self._values(now, hr, spo2, suppressed))
        del buf[:i]
        if self._aligned is not None:
            self._aligned -= i
        return events
