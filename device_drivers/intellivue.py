"""Philips IntelliVue MP/MX patient monitors through the MIB/RS232 Data Export port (115200 8N1).

The session, as the Data Export programming guide describes it: the host sends an association request;
the monitor answers with an association result (accept or refuse) and then an MDS create event, which
the host must confirm. From then on the host polls: an extended poll for numerics and one for the alarm
monitor every `poll_interval` (1 s), and a timed extended poll for real-time waves (the monitor then
streams linked results for `wave_period` seconds and the host renews it before it runs out). A single
poll of the MDS every `keepalive_interval` (5 s, half the silence that restarts the session) keeps the association alive when nothing else is sent. When
the link is closed on purpose the host sends a release request. Bytes on the wire: intellivue_wire.py.

Numerics are mapped from physiological identifiers to the console's metrics by
resources/devices/intellivue.toml (data, so a new monitor release needs no program change). A value is
withheld when its FLOAT-Type is a special value (NaN, +/-INF, not-at-this-resolution), when its
MeasurementState says invalid/questionable/unavailable/calibrating/test/demo, or when its unit cannot be
converted to the metric's unit. Demo or test data additionally raise a device state.

Choices where the public documents leave room (also in the report):
- The association result is recognised by its session PDU (accept 0E / refuse 0C); the monitor's
  MDSEUserInfoStd inside it is not parsed, since the console's own poll profile is conservative
  (minimum poll period 312.5 ms, MTU 2500/1000 bytes) and polls at 1 s.
- Measurement times are the console's receive time, not the monitor's relative/absolute time stamps:
  the monitor's clock is often wrong, and the console's records share one clock.
- The association is restarted when the monitor is silent for `association_timeout` (10 s) while associated,
  when it aborts, refuses (after `retry_after`), or releases; the transport's own watchdog reopens the port
  on longer silence (`alive_at` tells it of damaged frames too: transport.LinkWatch). Silent means no frame
  at all: a frame with a Data Export header and the right length whose FCS is wrong was sent by the monitor
  and damaged on the line (Deframer.damaged), so the monitor is still answering this association. On a noisy
  line (1-2 % of bytes with a bit error) most frames of a few hundred bytes arrive damaged, and 10 s without
  one intact frame happen by chance; restarting then would only lose the intact frames that follow while the
  association is set up again. A monitor that dropped the association stops answering polls and streaming
  waves, so it falls silent and is still caught after 10 s. So that no state the damaged frames hide lasts
  for ever, the association is restarted anyway after `undecodable_timeout` (30 s) without an intact frame.
- Alarms: the technical and physiological alarm lists of the alarm monitor object are compared poll by
  poll; each alarm (source, code) present is an active DeviceAlarm, one that disappears is cleared. The
  text is the monitor's own string (StrAlMonInfo) when it sends one.
- Waves are scaled with the monitor's ScaleRangeSpec16 when it sends one (else raw sample values), with
  the sample period from NOM_ATTR_TIME_PD_SAMP; the sample array's significant bits are masked.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Callable

from device_drivers import intellivue_wire as w
from device_drivers.codec import Codec, LinkSettings
from device_drivers.events import DeviceAlarm, DeviceEvent, DeviceStatus, Measurement, Waveform
from resources import ResourceError, load


_SA_OBS = struct.Struct(">HHH")     # SaObsValue head: physio id, state, array length
_SA_SPEC = struct.Struct(">HBBH")   # SaSpec: array size, sample size, significant bits, flags
_SCALE16 = struct.Struct(">IIHH")   # ScaleRangeSpec16: lower/upper absolute (FLOAT-Type), lower/upper scaled
_U32 = struct.Struct(">I")
_LIST_HEAD = struct.Struct(">HH")   # count, length of a list inside an attribute value


@dataclass(frozen=True)
class _Unit:
    unit: str
    factor: float
    offset: float


@dataclass
class _WaveSpec:
    """What the monitor said about one wave object: sample period, significant bits, scale.

    The monitor repeats these attributes with every block (four blocks a second per wave), so each is
    parsed only when its bytes differ from the last ones seen, and the value of every possible sample
    is computed once per change (`values`)."""
    period_s: float | None = None
    rate_hz: float = 0.0
    significant_bits: int = 16
    scale: tuple[float, float, int, int] | None = None
    seen: dict[int, bytes] = field(default_factory=dict)
    _table: list[float] | None = None

    def update(self, aid: int, value: bytes) -> None:
        """Take a spec attribute of a wave block (others are ignored)."""
        if aid == w.NOM_ATTR_SA_SPECN:
            _size, _sample_bits, significant, _flags = _SA_SPEC.unpack_from(value)
            self.significant_bits = significant or 16
        elif aid == w.NOM_ATTR_SCALE_SPECN_I16:
            lo_raw, hi_raw, lo, hi = _SCALE16.unpack_from(value)
            lo_abs, hi_abs = w.float_type(lo_raw), w.float_type(hi_raw)
            self.scale = (lo_abs, hi_abs, lo, hi) if None not in (lo_abs, hi_abs) and hi != lo else None
        elif aid == w.NOM_ATTR_TIME_PD_SAMP:
            self.period_s = _U32.unpack_from(value)[0] / w.RELATIVE_TIME_PER_S or None
            self.rate_hz = round(1.0 / self.period_s, 3) if self.period_s else 0.0
        else:
            return
        self.seen[aid] = value
        self._table = None

    def values(self, data: bytes, offset: int, count: int) -> tuple[float, ...]:
        """`count` big-endian 16-bit samples at data[offset:] as scaled values.

        Only the significant bits of a sample count, scaled by the ScaleRangeSpec16 when there is one.
        The value of every possible sample is computed into a table of 2**bits entries once per change of
        the spec; a block is then one unpack and one lookup per sample. Plain Python, not numpy: numpy's import
        (0.14 s) came with the monitor's first wave, before the console's first frame (docs/benchmarks.md,
        "Cold start"); a block of 32 / 128 samples takes 3 / 9 us here against 1.2 / 4.3 us with numpy, some
        30 us a second more for ECG and pleth."""
        if self._table is None:
            k, base = 1.0, 0.0
            if self.scale:
                lo_abs, hi_abs, lo, hi = self.scale
                k = (hi_abs - lo_abs) / (hi - lo)
                base = lo_abs - lo * k
            bits = min(self.significant_bits, 16)  # samples are 16-bit: higher bits mask nothing
            self._table = [base + i * k for i in range(1 << bits)]
        table, mask = self._table, len(self._table) - 1
        return tuple([table[s & mask] for s in struct.unpack_from(f">{count}H", data, offset)])


class _WaveLayout:
    """Where the samples lie in a wave reply, and what they are, for replies laid out the same way.

    A monitor streams a wave reply every 256 ms whose bytes, apart from the samples themselves, repeat
    exactly: the same objects, the same spec attributes, the same lengths. Everything in a reply that is
    not a sample (every header, count, length, state and spec attribute of its poll info list) is kept
    here as the byte strings between the sample arrays. A later poll info list of the same size whose
    bytes outside the sample arrays are identical parses, byte for byte, to the same structure and the
    same wave specs, so its samples are read at the recorded offsets with the recorded specs and no
    length, count or attribute is walked again. Any difference (a state flag, a new scale, another
    length) and the reply is read in full, which records a new layout."""

    __slots__ = ("size", "constant", "arrays")

    def __init__(self, data: bytes, pos: int, end: int, samples: list[tuple[int, int]],
                 arrays: list[tuple[int, int, str, _WaveSpec]]) -> None:
        self.size = end - pos
        self.constant: list[tuple[int, bytes]] = []  # (offset in the poll info list, bytes that must be there)
        at = pos
        for start, stop in samples:
            if start > at:
                self.constant.append((at - pos, data[at:start]))
            at = stop
        if end > at:
            self.constant.append((at - pos, data[at:end]))
        self.arrays = [(offset - pos, count, wave, spec) for offset, count, wave, spec in arrays]

    def fits(self, data: bytes, pos: int, end: int) -> bool:
        """The poll info list data[pos:end] has exactly the recorded bytes outside its sample arrays."""
        if end - pos != self.size:
            return False
        for offset, expected in self.constant:
            if not data.startswith(expected, pos + offset):
                return False
        return True

    def waveforms(self, data: bytes, pos: int, now: float, device: str) -> list[DeviceEvent]:
        return [Waveform(now, device, wave, spec.values(data, pos + offset, count), spec.rate_hz)
                for offset, count, wave, spec in self.arrays]


def _hex_key(doc, key: str, section: str) -> int:
    try:
        return int(key, 16)
    except ValueError:
        raise ResourceError(doc.file, f"{section}.{key}", "must be a hexadecimal code like 0x4BB8") from None


class IntelliVue(Codec):
    name = "intellivue"
    title = "Philips IntelliVue MP/MX (MIB/RS232 Data Export)"
    role = "monitor"
    link = LinkSettings(115200, 8, "N", 1)
    metrics = ("hr", "spo2", "pr", "nibp_sys", "nibp_dia", "nibp_mean", "rr", "etco2", "temp")

    poll_interval = 1.0
    wave_period = 10.0
    keepalive_interval = 5.0
    association_timeout = 10.0
    #: no intact frame for this long restarts the association even while damaged frames arrive
    undecodable_timeout = 30.0
    retry_after = 5.0
    waves_enabled = True

    def __init__(self, device: str | None = None) -> None:
        super().__init__(device)
        doc = load("devices/intellivue.toml")
        metric_units = doc.section("metric_units")
        self._metric_unit = {m: metric_units.text(m) for m in metric_units.keys()}
        self._numerics: dict[int, str] = {}
        for key, entry in doc.sections("numerics"):
            metric = entry.text("metric", choices=tuple(self._metric_unit))
            self._numerics[_hex_key(doc, key, "numerics")] = metric
        self._units = {_hex_key(doc, k, "unit_codes"): _Unit(e.text("unit"), e.number("factor"), e.number("offset"))
                       for k, e in doc.sections("unit_codes")}
        #: (metric, unit code) -> conversion, for the unit codes that convert to the metric's unit: one
        #: lookup per value instead of two and a comparison (a numerics reply carries a dozen values)
        self._conversions = {(metric, code): unit for metric, metric_unit in self._metric_unit.items()
                             for code, unit in self._units.items() if unit.unit == metric_unit}
        self._waves = {_hex_key(doc, k, "waves"): e.text("wave") for k, e in doc.sections("waves")}
        self._state_bits = [(_hex_key(doc, k, "measurement_state"), e.text("code"), e.text("text"),
                             e.flag("status", False)) for k, e in doc.sections("measurement_state")]
        self._state_mask = 0
        for mask, *_ in self._state_bits:
            self._state_mask |= mask
        self._state_texts = {code: text for _m, code, text, status in self._state_bits if status}
        self._alert_types = {_hex_key(doc, k, "alert_types"): (e.text("priority", choices=("high", "medium", "low")),
                                                                e.flag("technical"))
                             for k, e in doc.sections("alert_types")}
        self._deframer = w.Deframer(self.stats)
        #: NuObsValue bytes -> what they mean (see _numeric)
        self._decoded: dict[bytes, tuple] = {}
        self._refused = False
        self.session = "idle"
        self._reset_session(0.0)

    def _reset_session(self, now: float) -> None:
        self.session = "idle"
        self._invoke = 0
        self._sent: dict[int, tuple[str, float]] = {}
        self._next_poll = now
        self._wave_renew = now
        self._last_sent = now
        self._last_heard = now
        #: when the last frame damaged on the line (header and length right, FCS wrong) arrived
        self._last_damaged = now
        self._retry_at = now
        self._wave_specs: dict[int, _WaveSpec] = {}
        self._wave_layout: _WaveLayout | None = None
        self._alarms: dict[tuple[int, int], DeviceAlarm] = {}
        #: the poll info list the alarms in `_alarms` were read from
        self._alarms_info = b""
        self._states: set[str] = set()
        #: the last numerics poll info list and what it said (see _numerics_from)
        self._numerics_info = b""
        self._numerics_reading: tuple[list, set[str], list[str]] = ([], set(), [])
        #: request kind -> latency (s) from the poll request to its decoded reply, for benchmarks
        self.last_latency: dict[str, float] = {}

    # ---- session ---------------------------------------------------------------------------------
    def connected(self, now: float) -> list[DeviceEvent]:
        self._deframer.reset()
        self._reset_session(now)
        self._associate(now)
        return []

    def _associate(self, now: float) -> None:
        self.session = "associating"
        self._last_heard = now
        self._emit(w.association_request(), now)

    def closing(self, now: float) -> None:
        if self.session in ("associated", "polling"):
            self._emit(w.RELEASE_REQUEST, now)
            self.session = "releasing"

    def _emit(self, user_data: bytes, now: float) -> None:
        self._last_sent = now
        self.send(w.frame(user_data))

    def _request(self, kind: str, message_for: Callable[[int], bytes], now: float) -> None:
        self._invoke = (self._invoke + 1) & 0xFFFF
        self._sent[self._invoke] = (kind, now)
        if len(self._sent) > 64:
            self._sent.pop(next(iter(self._sent)))
        self._emit(message_for(self._invoke), now)

    def poll(self, now: float) -> list[DeviceEvent]:
        if self.session in ("associating", "associated") and now - self._last_heard > self.retry_after:
            self._associate(now)  # no answer: ask again
        elif self.session == "waiting" and now >= self._retry_at:
            self._associate(now)
        elif self.session == "polling":
            unheard = now - self._last_heard
            if unheard > self.association_timeout:
                if now - self._last_damaged > self.association_timeout:
                    why = f"monitor silent for {self.association_timeout:g} s"
                elif unheard > self.undecodable_timeout:
                    why = f"only damaged frames for {self.undecodable_timeout:g} s (noisy cable?)"
                else:
                    why = ""  # damaged frames arrive: the monitor answers, the line spoils them
                if why:
                    self.stats.bad_frame(f"{why}: associating again")
                    self._associate(now)
                    return self._drop_alarms(now)
            if now >= self._next_poll:
                self._next_poll = now + self.poll_interval
                self._request("numerics", lambda i: w.ext_poll_request(i, i, w.NOM_MOC_VMO_METRIC_NU), now)
                self._request("alarms", lambda i: w.ext_poll_request(i, i, w.NOM_MOC_VMO_AL_MON,
                                                                     w.NOM_ATTR_GRP_AL_MON), now)
            if self.waves_enabled and now >= self._wave_renew:
                self._wave_renew = now + self.wave_period * 0.8
                self._request("waves", lambda i: w.ext_poll_request(i, i, w.NOM_MOC_VMO_METRIC_SA_RT,
                                                                    period_s=self.wave_period), now)
            if now - self._last_sent >= self.keepalive_interval:
                self._request("keepalive", lambda i: w.single_poll_request(i, i, w.NOM_MOC_VMS_MDS,
                                                                           w.NOM_ATTR_GRP_SYS_PROD), now)
        return []

    # ---- receiving -------------------------------------------------------------------------------
    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        self.stats.note_bytes(data)
        events: list[DeviceEvent] = []
        damaged = self._deframer.damaged
        for user in self._deframer.feed(data):
            self._last_heard = self.alive_at = now
            try:
                events += self._message(user, now)
            except (w.Malformed, struct.error, IndexError, ValueError) as exc:
                self.stats.frames_ok -= 1
                self.stats.bad_frame(f"message structure broken: {exc}")
        if self._deframer.damaged != damaged:
            self._last_damaged = now
            self.alive_at = now  # the monitor is answering; the transport does not reopen the port
        return events

    def _message(self, user: bytes, now: float) -> list[DeviceEvent]:
        if not user:
            raise w.Malformed("empty message")
        kind = user[0]
        if kind == w.DATA_SPDU:  # all but a handful of a session's messages
            return self._data(user, now)
        if kind == w.AC_SPDU:
            self.session = "associated"
            return []
        if kind == w.RF_SPDU:
            self.session, self._retry_at = "waiting", now + self.retry_after
            if self._refused:
                return []
            self._refused = True
            return [DeviceStatus(now, self.device, "association_refused",
                                 "Monitor refused the Data Export association (check its MIB port is set to "
                                 "Data Export)", True, True)]
        if kind == w.AB_SPDU:
            self.session, self._retry_at = "waiting", now + 1.0
            return self._drop_alarms(now)
        if kind == w.FN_SPDU:
            self._emit(w.RELEASE_RESPONSE, now)
            self.session, self._retry_at = "waiting", now + 1.0
            return self._drop_alarms(now)
        if kind == w.DN_SPDU:
            self.session = "idle"
            return []
        raise w.Malformed(f"unknown session message {kind:#04x}")

    def _data(self, user: bytes, now: float) -> list[DeviceEvent]:
        op = w.parse_data(user)
        if op.ro_type == w.ROIV and op.command == w.CMD_CONFIRMED_EVENT_REPORT:
            return self._event_report(op, now)
        if op.ro_type in (w.RORS, w.RORLS) and op.command == w.CMD_CONFIRMED_ACTION:
            return self._poll_result(op, now)
        if op.ro_type == w.ROER:
            self.stats.bad_field(f"monitor answered request {op.invoke_id} with error {op.error}")
        return []

    def _event_report(self, op: w.Operation, now: float) -> list[DeviceEvent]:
        managed = op.body.take(6)
        event_time, event_type = op.body.u32(), op.body.u16()
        if event_type != w.NOM_NOTI_MDS_CREAT:
            return []
        self._emit(w.mds_create_result(op.invoke_id, managed, event_time), now)
        events: list[DeviceEvent] = []
        if self._refused:
            self._refused = False
            events.append(DeviceStatus(now, self.device, "association_refused",
                                       "Monitor accepted the Data Export association", False, True))
        self.session = "polling"
        self._next_poll = now
        self._wave_renew = now
        return events

    def _poll_result(self, op: w.Operation, now: float) -> list[DeviceEvent]:
        head = w.parse_poll_head(op.body)
        if head is None:
            return []
        action, _number, obj_code, _group, pos, end = head
        data = op.body.data
        if obj_code == w.NOM_MOC_VMO_METRIC_SA_RT and action == w.NOM_ACT_POLL_MDIB_DATA_EXT:
            layout = self._wave_layout
            if layout is not None and layout.fits(data, pos, end):
                events = layout.waveforms(data, pos, now, self.device)
            else:
                events = self._waves_from(data, pos, end, now)
            self._note_latency(op.invoke_id, now)
            return events
        if action != w.NOM_ACT_POLL_MDIB_DATA_EXT:
            w.parse_poll_info(data, pos, end)  # checked like every reply, though nothing in it is used
            return []
        info = data[pos:end]
        if obj_code == w.NOM_MOC_VMO_METRIC_NU:
            events = self._numerics_from(info, data, pos, end, now)
        elif obj_code == w.NOM_MOC_VMO_AL_MON:
            if info == self._alarms_info:  # the same lists as last time: no alarm came or went
                events = []
            else:
                events = self._alarms_from(w.parse_poll_info(data, pos, end), now)
                self._alarms_info = info
        else:
            w.parse_poll_info(data, pos, end)
            events = []
        self._note_latency(op.invoke_id, now)
        return events

    def _note_latency(self, invoke_id: int, now: float) -> None:
        sent = self._sent.get(invoke_id)
        if sent is not None:
            self.last_latency[sent[0]] = now - sent[1]

    # ---- numerics --------------------------------------------------------------------------------
    def _numerics_from(self, info: bytes, data: bytes, pos: int, end: int, now: float) -> list[DeviceEvent]:
        """Measurements and device-state changes of a numerics reply whose poll info list is
        `info` = data[pos:end].

        What the list says (values, flagged states, refused units) depends on its bytes alone; a monitor
        whose values did not change since the last poll sends the same bytes, and then that reading is
        used again, without walking the list (the events are new: they carry this reply's time)."""
        if info == self._numerics_info:
            measured, flagged, problems = self._numerics_reading
        else:
            measured, flagged, problems = self._read_numerics(w.parse_poll_info(data, pos, end))
            self._numerics_info, self._numerics_reading = info, (measured, flagged, problems)
        for problem in problems:
            self.stats.bad_field(problem)
        device = self.device
        return self._state_changes(flagged, now) + [Measurement(now, device, *m) for m in measured]

    def _read_numerics(self, objects: list[w.ObservationPoll]) -> tuple[list, set[str], list[str]]:
        measured: list[tuple[str, float, str]] = []
        flagged: set[str] = set()
        problems: list[str] = []
        size = w.NU_OBS.size
        for _handle, attributes in objects:
            for aid, value in attributes:
                if aid == w.NOM_ATTR_NU_VAL_OBS:
                    self._numeric(value if len(value) == size else value[:size], measured, flagged, problems)
                elif aid == w.NOM_ATTR_NU_CMPD_VAL_OBS:
                    count, length = _LIST_HEAD.unpack_from(value)
                    if 4 + length > len(value) or count * size > length:
                        raise w.Malformed(f"compound numeric of {count} values longer than its attribute")
                    for i in range(4, 4 + count * size, size):
                        self._numeric(value[i:i + size], measured, flagged, problems)
        return measured, flagged, problems

    def _numeric(self, obs: bytes, measured: list, flagged: set[str], problems: list[str]) -> None:
        """One NuObsValue: (metric, value, unit) appended to `measured`, or why not.

        What a NuObsValue means depends on its 10 bytes alone, and a monitor sends the same bytes again
        and again (a heart rate of 74 for many seconds), so the meaning is kept per byte string
        (`_decoded`, bounded): a repeat costs one dictionary lookup instead of the field-by-field decode.
        """
        decoded = self._decoded.get(obs)
        if decoded is None:
            decoded = self._decode_numeric(obs)
            if len(self._decoded) >= self.DECODED_NUMERICS:
                self._decoded.clear()
            self._decoded[obs] = decoded
        value, flags, problem = decoded
        if value is not None:
            measured.append(value)
        elif flags:
            flagged.update(flags)
        elif problem:
            problems.append(problem)

    #: how many distinct NuObsValues `_numeric` remembers (a dozen metrics with slowly changing values)
    DECODED_NUMERICS = 1024

    def _decode_numeric(self, obs: bytes) -> tuple[tuple[str, float, str] | None, tuple[str, ...], str]:
        """(metric, value, unit) of a NuObsValue, or the device states it flags, or the problem with it."""
        physio, state, unit_code, raw = w.NU_OBS.unpack(obs)
        metric = self._numerics.get(physio)
        if metric is None:
            return None, (), ""
        if state & self._state_mask:
            return None, tuple(code for mask, code, _text, status in self._state_bits if state & mask and status), ""
        number = w.float_type(raw)
        if number is None:
            return None, (), ""
        unit = self._conversions.get((metric, unit_code))
        if unit is None:
            return None, (), (f"{metric}: unit code {unit_code:#06x} cannot be converted to "
                              f"{self._metric_unit[metric]}")
        return (metric, round(number * unit.factor + unit.offset, 2), unit.unit), (), ""

    def _state_changes(self, flagged: set[str], now: float) -> list[DeviceEvent]:
        if flagged == self._states:  # nearly always: no state came or went since the last numerics
            return []
        texts = self._state_texts
        events: list[DeviceEvent] = []
        for code in flagged - self._states:
            events.append(DeviceStatus(now, self.device, code, texts[code], True, True))
        for code in self._states - flagged:
            events.append(DeviceStatus(now, self.device, code, texts[code], False, True))
        self._states = set(flagged)
        return events

    # ---- waves -----------------------------------------------------------------------------------
    def _waves_from(self, data: bytes, pos: int, end: int, now: float) -> list[DeviceEvent]:
        """Waveforms of the wave reply whose poll info list is data[pos:end], read in full; its layout
        is kept for the next replies (see _WaveLayout)."""
        self._wave_layout = None  # the wave specs may change below: the old layout no longer holds
        events: list[DeviceEvent] = []
        samples: list[tuple[int, int]] = []  # (start, stop) of every sample array's samples
        arrays: list[tuple[int, int, str, _WaveSpec]] = []  # (offset of samples, count, wave, spec)
        for handle, attributes in w.parse_poll_info(data, pos, end, w.attribute_spans):
            spec = self._wave_specs.get(handle)
            if spec is None:
                spec = self._wave_specs[handle] = _WaveSpec()
            found: list[tuple[int, int, int]] = []  # (physio id, offset of samples, sample count)
            for aid, start, stop in attributes:
                if aid == w.NOM_ATTR_SA_VAL_OBS:
                    if start + _SA_OBS.size > stop:
                        raise w.Malformed("sample array attribute shorter than its header")
                    physio, state, length = _SA_OBS.unpack_from(data, start)
                    samples.append((start + _SA_OBS.size, stop))
                    if not state & 0xE000:  # invalid / questionable / unavailable
                        if _SA_OBS.size + length > stop - start:
                            raise w.Malformed(f"sample array of {length} bytes longer than its attribute")
                        found.append((physio, start + _SA_OBS.size, length // 2))
                else:
                    value = data[start:stop]
                    if spec.seen.get(aid) != value:
                        spec.update(aid, value)
            for physio, offset, count in found:
                wave = self._waves.get(physio)
                if wave is None or not spec.period_s:
                    continue
                arrays.append((offset, count, wave, spec))
                events.append(Waveform(now, self.device, wave, spec.values(data, offset, count), spec.rate_hz))
        self._wave_layout = _WaveLayout(data, pos, end, samples, arrays)
        return events

    # ---- alarms ----------------------------------------------------------------------------------
    def _alarms_from(self, objects: list[w.ObservationPoll], now: float) -> list[DeviceEvent]:
        current: dict[tuple[int, int], DeviceAlarm] = {}
        for _handle, attributes in objects:
            for aid, value in attributes:
                if aid not in (w.NOM_ATTR_AL_MON_P_AL_LIST, w.NOM_ATTR_AL_MON_T_AL_LIST):
                    continue
                r = w.Reader(value)
                count, length = r.u16(), r.u16()
                entries = r.sub(length)
                for _ in range(count):
                    source, code, al_type, _ = entries.u16(), entries.u16(), entries.u16(), entries.u16()
                    entries.take(6)
                    info_id, info_len = entries.u16(), entries.u16()
                    info = entries.sub(info_len)
                    if al_type == 0:
                        continue
                    priority, technical = self._alert_types.get(al_type, ("medium", al_type < 0x100))
                    text = self._alarm_text(info_id, info) or (
                        f"Monitor {'technical' if technical else 'patient'} alarm {source:#06x}/{code:#06x}")
                    key = (source, code)
                    current[key] = DeviceAlarm(now, self.device, f"{source:04x}:{code:04x}", text, priority, True)
        events: list[DeviceEvent] = [a for k, a in current.items() if k not in self._alarms]
        for key, alarm in self._alarms.items():
            if key not in current:
                events.append(DeviceAlarm(now, self.device, alarm.code, alarm.text, alarm.priority, False))
        self._alarms = current
        return events

    @staticmethod
    def _alarm_text(info_id: int, info: w.Reader) -> str:
        if info_id != w.STR_ALMON_INFO or info.left() < 4:
            return ""
        info.u16()  # alarm instance number
        length = info.u16()
        raw = info.take(min(length, info.left()))
        return raw.decode("utf-16-be", "replace").replace("\x00", "").strip()

    def _drop_alarms(self, now: float) -> list[DeviceEvent]:
        """The association ended: the monitor's alarms can no longer be seen, so they are cleared here and
        the link state (silent/reconnecting) tells the alarm engine the monitor is not being watched."""
        events: list[DeviceEvent] = [DeviceAlarm(now, self.device, a.code, a.text, a.priority, False)
                                     for a in self._alarms.values()]
        self._alarms = {}
        self._alarms_info = b""
        return events
