"""Nonin serial data formats 7 and 8 (OEM III module, Xpod, 3150/9560 family): 9600 8N1, binary.

**DF7** streams 75 five-byte frames a second: status, pleth MSB, pleth LSB, a rotating data byte and
a checksum (sum of the first four bytes, mod 256). Status bit 7 is always set; bit 0 (SYNC) marks the
first frame of a 25-frame packet (three packets a second). The data byte of frames 1, 2 and 3 carries
HR MSB (bits 8-7 of the rate in its bits 1-0), HR LSB (bits 6-0) and SpO2.
**DF8** sends four bytes once a second: status 1 (bit 7 set, status bits, HR bits 8-7), HR bits 6-0,
SpO2, status 2. It has no checksum: a frame is byte 1 with bit 7 set and bytes 2-4 with it clear (the
specification's framing, re-synchronised at every byte); a value is reported when two consecutive
frames agree on it (see NoninDf8 for why).

Choices where the public documents leave room (also in the report):
- DF7 reports the *standard-mode* 4-beat averages (frames 1-3), not the "display" variants (SpO2-D,
  HR-D), because the console shows and records values continuously rather than mimicking a display.
- A DF7 frame counts on its own checksum: a bad frame loses only what it carried (HR needs frames 1 and 2
  intact, SpO2 frame 3); the pleth waveform of a packet is sent only when all 25 frames are intact.
  Frames keep their slot in the packet across a damaged frame; a packet with damaged frames is reported
  when the next SYNC frame arrives where the count expects it (noise that adds 5 or 10 bytes would shift
  frames into the wrong slots: then the next SYNC comes late and the packet is dropped); a lost boundary
  re-synchronises byte by byte. Intact packets are reported at once.
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
    """Nonin data format 7: 75 frames/s, 25-frame packets, 16-bit pleth, checksum per frame.

    Each frame carries its own checksum, so each frame is judged on its own: a frame that fails its
    checksum loses only what it carried. Once a SYNC frame has fixed the packet boundary, the decoder
    counts frames by position: a damaged frame (a good frame follows five bytes later) keeps its slot,
    so the frames after it keep their meaning and the HR/SpO2 frames of the packet still count when they
    are intact. Only when the frame boundary itself is lost (bytes dropped or added) does the decoder
    re-synchronise byte by byte and wait for the next SYNC frame.
    """

    name = "nonin-df7"
    title = "Nonin oximeter, data format 7 (OEM III / Xpod)"

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        self._bits = _bits(self._doc, "df7_status_bits")
        self._perfusion = {int(k, 16): StatusBit(int(k, 16), e.text("code"), e.text("text"),
                                                 e.flag("technical"), False)
                           for k, e in self._doc.sections("df7_perfusion")}
        #: the packet being collected: its frames by position (None = damaged), or None when not in sync
        self._packet: list[bytes | None] | None = None
        #: True while the packet boundary is carried by counting from a proven packet
        self._anchored = False
        #: a complete packet with damaged frames, waiting for the next SYNC frame to confirm its boundary
        self._held_packet: list[bytes | None] | None = None

    def connected(self, now: float) -> list[DeviceEvent]:
        self._packet, self._anchored, self._held_packet = None, False, None
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
        frame_ok = self._frame_ok
        while n - i >= DF7_FRAME:
            packet = self._packet
            if not frame_ok(buf, i):
                if packet is not None:
                    # in sync: a damaged frame if the next slot holds a good frame, else the boundary is lost
                    if n - i < 2 * DF7_FRAME:
                        break  # wait for the next frame to tell which
                    if frame_ok(buf, i + DF7_FRAME):
                        self.stats.bad_frame(f"frame {len(packet) + 1} of a packet failed its checksum")
                        self.stats.garbage_bytes += DF7_FRAME
                        packet.append(None)
                        i += DF7_FRAME
                        if not len(packet) - 1 and self._held_packet is not None:
                            self.stats.bad_frame("packet with damaged frames not confirmed: next SYNC damaged")
                            self._held_packet = None
                        if len(packet) == FRAMES_PER_PACKET:
                            events.extend(self._complete(packet, now))
                        continue
                    self.stats.bad_frame("frame boundary lost inside a packet; re-synchronising")
                    if self._anchored and None not in packet:
                        events.extend(self._packet_events(packet, now))
                    self._packet, self._held_packet = None, None
                self.stats.garbage_bytes += 1
                i += 1
                continue
            frame = bytes(buf[i:i + DF7_FRAME])
            i += DF7_FRAME
            self.stats.frames_ok += 1
            if self._held_packet is not None:
                held, self._held_packet = self._held_packet, None
                if frame[0] & 0x01 and packet is not None and not packet:
                    events.extend(self._packet_events(held, now))  # the next SYNC came where it was due
                else:
                    self.stats.bad_frame("packet with damaged frames not confirmed by the next SYNC frame")
            if frame[0] & 0x01:
                if packet:
                    self.stats.bad_frame(f"SYNC frame where frame {len(packet) + 1} was due; re-synchronising")
                if packet is None or packet:
                    self._anchored = False  # a packet found by searching, not where the count put it
                packet = self._packet = [frame]
            elif packet is None:
                continue  # mid-packet after a resync: wait for the next SYNC frame
            elif not packet:
                self.stats.bad_frame("SYNC bit missing on the first frame of a packet; re-synchronising")
                self._packet = None
                continue
            else:
                packet.append(frame)
            if len(packet) == FRAMES_PER_PACKET:
                events.extend(self._complete(packet, now))
        del buf[:i]
        return events

    def _complete(self, packet: list[bytes | None], now: float) -> list[DeviceEvent]:
        """A packet's 25 slots are filled.

        A packet with all 25 frames intact is reported at once. One with damaged slots is held until the
        next SYNC frame arrives intact exactly where the count expects it: random bytes inserted by line
        noise (5 or 10 of them look like damaged frames) would shift the frames after them into the
        wrong slots, and then the next SYNC frame comes late. A SYNC frame made by noise is followed by
        frames of the wrong slots, and the real SYNC frame cuts that packet short before it completes."""
        self._anchored, self._packet = True, []
        if None not in packet:
            return self._packet_events(packet, now)
        self._held_packet = packet
        return []

    def _packet_events(self, frames: list[bytes | None], now: float) -> list[DeviceEvent]:
        """Events of a packet's intact frames (a damaged or missing frame is None or absent)."""
        conditions: dict[str, StatusBit] = {}
        suppressed = False
        for f in frames:
            if f is None:
                continue
            status = f[0]
            for bit in self._bits:
                if status & bit.mask:
                    conditions[bit.code] = bit
                    suppressed |= bit.suppresses
            perf = self._perfusion.get(status & 0x06)
            if perf is not None:
                conditions[perf.code] = perf
        events = self._status.update(now, conditions)
        got = len(frames)
        f0, f1, f2 = (frames[k] if k < got else None for k in range(3))
        hr = ((f0[3] & 0x03) << 7) | (f1[3] & 0x7F) if f0 is not None and f1 is not None else self._missing_hr
        spo2 = f2[3] & 0x7F if f2 is not None else self._missing_spo2
        events.extend(self._values(now, hr, spo2, suppressed))
        if got == FRAMES_PER_PACKET and None not in frames and not conditions.get("sensor_disconnected"):
            pleth = tuple(float((f[1] << 8) | f[2]) for f in frames)  # type: ignore[index]
            events.append(Waveform(now, self.device, "pleth", pleth, PLETH_RATE_HZ))
        return events


class NoninDf8(_NoninBase):
    """Nonin data format 8: four bytes once a second, no checksum.

    Framing is the specification's own: status 1 has bit 7 set, HR LSB, SpO2 and status 2 have it
    clear. The decoder re-synchronises on that at every byte, so noise before a frame (in the same read
    or not) costs only the noise, and a frame is decoded from the first one after connecting.

    DF8 has no checksum: a flipped low bit in the HR or SpO2 byte is a different, plausible number, and
    nothing in the frame can tell. Rule chosen ("the same reading twice"): a value is reported only when
    two consecutive frames (no bad frame between, at most `confirm_gap` s apart) carry the same value for
    that metric, and status changes only when two consecutive frames carry the same status bytes; the
    value is reported at the time of the second frame. So the first frame after connecting or after a bad
    frame, and a changed value, are held a second, not lost: the next frame confirms them. A held frame is
    never reported with its own earlier time stamp: if it was damaged into the value the next frame
    carries, that value was not what the device sent at that moment (the #14 fuzz test found this). Why: with no
    redundancy in a frame, repetition in time is the only check that catches every single-bit error
    (two frames corrupted the same way in a row is vanishingly rare); a tolerance ("within 5 bpm of the
    last value") would pass exactly the small errors a low-bit flip makes. The cost is a value that
    changes every second and never repeats, which a 4-beat average at 1 Hz rarely does.
    """

    name = "nonin-df8"
    title = "Nonin oximeter, data format 8 (1 Hz)"
    #: a pause at least this long (s) between reads means a partial frame in the buffer is stale
    frame_gap = 0.25

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        self._bits1 = _bits(self._doc, "df8_status1_bits")
        self._bits2 = _bits(self._doc, "df8_status2_bits")
        self.confirm_gap = float(self._doc.section("df8_consistency").number("confirm_gap_s"))
        self._last_feed: float | None = None
        #: the previous good frame and when it came, or None after a bad frame / connecting
        self._prev: bytes | None = None
        self._prev_at = 0.0

    def connected(self, now: float) -> list[DeviceEvent]:
        self._last_feed, self._prev = None, None
        return super().connected(now)

    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        buf = self._buf
        if buf and self._last_feed is not None and now - self._last_feed >= self.frame_gap:
            self.stats.garbage_bytes += len(buf)  # a frame never spans a pause
            buf.clear()
        self._last_feed = now
        buf.extend(data)
        events: list[DeviceEvent] = []
        i = 0
        n = len(buf)
        while n - i >= DF8_FRAME:
            s1 = buf[i]
            if not s1 & 0x80:
                self.stats.garbage_bytes += 1
                i += 1
                continue
            if (buf[i + 1] | buf[i + 2] | buf[i + 3]) & 0x80:
                self.stats.bad_frame("a byte after the DF8 status byte has bit 7 set")
                self.stats.garbage_bytes += 1
                self._prev = None
                i += 1
                continue
            frame = bytes(buf[i:i + DF8_FRAME])
            i += DF8_FRAME
            self.stats.frames_ok += 1
            prev = self._prev
            if prev is not None and now - self._prev_at > self.confirm_gap:
                prev = None
            self._prev, self._prev_at = frame, now
            if prev is None:
                continue  # held until the next frame confirms it
            events.extend(self._confirmed(now, prev, frame))
        del buf[:i]
        return events

    def _confirmed(self, now: float, prev: bytes, frame: bytes) -> list[DeviceEvent]:
        s1, hr_lsb, spo2, s2 = frame
        if (prev[0], prev[3]) != (s1, s2):
            self.stats.bad_field("DF8 status bytes differ from the previous frame; held until they repeat")
            return []
        conditions: dict[str, StatusBit] = {}
        suppressed = False
        for bits, byte in ((self._bits1, s1), (self._bits2, s2)):
            for bit in bits:
                if byte & bit.mask:
                    conditions[bit.code] = bit
                    suppressed |= bit.suppresses
        events = self._status.update(now, conditions)
        hr = ((s1 & 0x03) << 7) | hr_lsb
        same_hr = prev[1] == hr_lsb  # status 1 (with HR bits 8-7) already matched
        same_spo2 = prev[2] == spo2
        if not (same_hr and same_spo2):
            self.stats.bad_field("DF8 value differs from the previous frame; held until it repeats")
        missing_hr, missing_spo2 = self._missing_hr, self._missing_spo2
        events.extend(self._values(now, hr if same_hr else missing_hr, spo2 if same_spo2 else missing_spo2,
                                   suppressed))
        return events
