"""A Philips IntelliVue monitor's side of the Data Export session, so the demo and tests run the real
association, MDS create, extended polls for numerics, alarms and waves, keep-alive and release.

Scenarios: `normal`; `desaturation` (SpO2 falls to 85 % from 20 s, the monitor's SpO2 alarm sounds);
`nibp_missing` (the NIBP numeric is NaN: no measurement yet); `demo_mode` (the monitor flags its values
as demo data, which the console must not record as the patient's); `refuse` (association refused).
"""
from __future__ import annotations

import math
import struct

from device_drivers import intellivue_wire as w
from device_drivers.codec import CodecStats
from device_drivers.simulators.base import DeviceModel

WAVE_BLOCK_S = 0.256
PLETH_HZ, ECG_HZ = 125, 500
# unit codes
BPM, PERCENT, MMHG, RESP_MIN, DEGC = 0x0AA0, 0x0220, 0x0F20, 0x0AE0, 0x17A0
DEMO_DATA = 0x0400


class IntelliVueSimulator(DeviceModel):
    driver = "intellivue"
    scenarios = ("normal", "desaturation", "nibp_missing", "demo_mode", "refuse")

    def __init__(self, scenario: str = "normal", start: float = 0.0) -> None:
        super().__init__(scenario, start)
        self.stats = CodecStats()
        self._deframer = w.Deframer(self.stats)
        self.session = "idle"
        self._wave: tuple[int, int, float] | None = None  # (invoke id, poll number, until)
        self._wave_next = 0.0
        self._wave_seq = 0
        self._wave_t = 0.0
        #: beat phase at the end of the last wave packet, and that time (see _beat_phase)
        self._phase = 0.0
        self._phase_t: float | None = None
        self.requests: list[str] = []  # what the host asked for, in order (tests read it)

    # ---- physiology -------------------------------------------------------------------------------
    def _elapsed(self, now: float) -> float:
        if not self.start:
            self.start = now
        return now - self.start

    def vitals(self, now: float) -> dict[str, float | None]:
        t = self._elapsed(now)
        hr = 74 + 3 * math.sin(t / 15)
        spo2 = 97.0
        if self.scenario == "desaturation" and t > 20:
            spo2 = max(85.0, 97 - (t - 20) * 0.6)
        nibp = None if self.scenario == "nibp_missing" else (124.0, 78.0, 93.0)
        return {"hr": round(hr), "spo2": round(spo2), "pr": round(hr) + 1, "nibp": nibp, "rr": 14.0,
                "etco2": 38.0, "temp": 36.8}

    # ---- host messages ----------------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> bytes:
        out = bytearray()
        for user in self._deframer.feed(data):
            try:
                out += self._message(user, now)
            except (w.Malformed, struct.error, IndexError, ValueError):
                self.stats.bad_frame("host message not understood")  # a monitor ignores what it cannot parse
        return bytes(out)

    def _message(self, user: bytes, now: float) -> bytes:
        if not user:
            return b""
        kind = user[0]
        if kind == w.CN_SPDU:
            self.requests.append("associate")
            if self.scenario == "refuse":
                return w.frame(bytes.fromhex("0C 03 C1 01 00"))
            self.session = "associated"
            self._wave = None
            return w.frame(self._association_result()) + w.frame(self._mds_create_event(now))
        if kind == w.FN_SPDU:
            self.requests.append("release")
            self.session = "idle"
            self._wave = None
            return w.frame(w.RELEASE_RESPONSE)
        if kind != w.DATA_SPDU or self.session == "idle":
            return b""
        op = w.parse_data(user)
        if op.ro_type == w.RORS and op.command == w.CMD_CONFIRMED_EVENT_REPORT:
            self.requests.append("mds_create_result")
            self.session = "ready"
            return b""
        if op.ro_type != w.ROIV or op.command != w.CMD_CONFIRMED_ACTION:
            return b""
        body = op.body
        body.take(6)
        body.u32()
        action, length = body.u16(), body.u16()
        req = body.sub(length)
        poll_number, _, code, group = req.u16(), req.u16(), req.u16(), req.u16()
        period = None
        if action == w.NOM_ACT_POLL_MDIB_DATA_EXT and req.left() >= 4:
            for aid, value in w.parse_attribute_list(req):
                if aid == w.NOM_ATTR_TIME_PD_POLL:
                    period = struct.unpack_from(">I", value)[0] / w.RELATIVE_TIME_PER_S
        rel = round(self._elapsed(now) * w.RELATIVE_TIME_PER_S) & 0xFFFFFFFF
        if action == w.NOM_ACT_POLL_MDIB_DATA:
            self.requests.append("keepalive")
            return w.frame(w.rors(op.invoke_id, w.CMD_CONFIRMED_ACTION,
                                  w.poll_result_body(action, poll_number, code, group, rel, [])))
        if code == w.NOM_MOC_VMO_METRIC_NU:
            self.requests.append("numerics")
            objects = self._numeric_objects(now)
        elif code == w.NOM_MOC_VMO_AL_MON:
            self.requests.append("alarms")
            objects = self._alarm_objects(now)
        elif code == w.NOM_MOC_VMO_METRIC_SA_RT:
            self.requests.append("waves")
            if period:
                if self._wave is None:
                    self._wave_next = now
                    self._wave_t = now
                self._wave = (op.invoke_id, poll_number, now + period)
                return b""
            objects = self._wave_objects(now - WAVE_BLOCK_S, WAVE_BLOCK_S)
        else:
            objects = []
        return w.frame(w.rors(op.invoke_id, w.CMD_CONFIRMED_ACTION,
                              w.poll_result_body(action, poll_number, code, group, rel, objects)))

    def tick(self, now: float) -> bytes:
        if self._wave is None or self.session != "ready":
            return b""
        invoke, poll_number, until = self._wave
        out = bytearray()
        if now - self._wave_next > 2.0:  # a long stall: skip the backlog
            self._wave_next = self._wave_t = now
        while self._wave_next <= now and self._wave_next < until:
            self._wave_seq += 1
            rel = round(self._elapsed(self._wave_next) * w.RELATIVE_TIME_PER_S) & 0xFFFFFFFF
            body = w.poll_result_body(w.NOM_ACT_POLL_MDIB_DATA_EXT, poll_number, w.NOM_MOC_VMO_METRIC_SA_RT, 0,
                                      rel, self._wave_objects(self._wave_t, WAVE_BLOCK_S), self._wave_seq)
            out += w.frame(w.rorls(2 if self._wave_seq > 1 else 1, self._wave_seq & 0xFF, invoke,
                                   w.CMD_CONFIRMED_ACTION, body))
            self._wave_t += WAVE_BLOCK_S
            self._wave_next += WAVE_BLOCK_S
        if now >= until:
            self._wave = None
        return bytes(out)

    # ---- messages the monitor builds --------------------------------------------------------------
    @staticmethod
    def _association_result() -> bytes:
        info = w.user_info()
        body = bytes.fromhex("05 08 13 01 00 16 01 02 80 00 14 02 00 02") + b"\xC1" + bytes([len(info) + 2]) \
            + b"\x81" + bytes([len(info)]) + info
        return bytes([w.AC_SPDU, len(body)]) + body

    def _mds_create_event(self, now: float) -> bytes:
        attrs = w.attribute_list([(w.NOM_ATTR_SYS_ID, bytes.fromhex("00 09 FB 12 34 56"))])
        arg = w.MDS_OBJECT + struct.pack(">IHH", 0, w.NOM_NOTI_MDS_CREAT, 6 + len(attrs)) + w.MDS_OBJECT + attrs
        return w.roiv(1, w.CMD_CONFIRMED_EVENT_REPORT, arg)

    def _numeric_objects(self, now: float) -> list[tuple[int, list[tuple[int, bytes]]]]:
        v = self.vitals(now)
        state = DEMO_DATA if self.scenario == "demo_mode" else 0

        def nu(physio: int, unit: int, value: float | None, decimals: int = 0) -> bytes:
            return struct.pack(">HHHI", physio, state, unit, w.encode_float_type(value, decimals))

        objects = [
            (0x0101, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x4182, BPM, v["hr"]))]),
            (0x0102, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x4BB8, PERCENT, v["spo2"]))]),
            (0x0103, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x4822, BPM, v["pr"]))]),
            (0x0105, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x500A, RESP_MIN, v["rr"]))]),
            (0x0106, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x50B0, MMHG, v["etco2"]))]),
            (0x0107, [(w.NOM_ATTR_NU_VAL_OBS, nu(0x4B48, DEGC, v["temp"], 1))]),
        ]
        nibp = v["nibp"] or (None, None, None)
        parts = b"".join(nu(pid, MMHG, val) for pid, val in zip((0x4A05, 0x4A06, 0x4A07), nibp))
        objects.append((0x0104, [(w.NOM_ATTR_NU_CMPD_VAL_OBS, struct.pack(">HH", 3, len(parts)) + parts)]))
        return objects

    def _alarm_objects(self, now: float) -> list[tuple[int, list[tuple[int, bytes]]]]:
        entries = b""
        count = 0
        if self.scenario == "desaturation" and self.vitals(now)["spo2"] < 90:
            text = "**Desat".encode("utf-16-be")
            info = struct.pack(">HH", 1, len(text)) + text + struct.pack(">HH", 0, 0)
            entries += struct.pack(">HHHH", 0x4BB8, 0x0C02, 0x0400, 0x0008) + struct.pack(">HHH", 6, 0, 0x0102)
            entries += struct.pack(">HH", w.STR_ALMON_INFO, len(info)) + info
            count = 1
        p_list = struct.pack(">HH", count, len(entries)) + entries
        t_list = struct.pack(">HH", 0, 0)
        return [(0x0001, [(w.NOM_ATTR_AL_MON_P_AL_LIST, p_list), (w.NOM_ATTR_AL_MON_T_AL_LIST, t_list)])]

    def _beat_phase(self, t0: float, hr: float) -> float:
        """The cardiac cycle's phase (0-1) at `t0`, carried on from where the last packet ended.

        The phase advances at the heart rate of the time it covers. Computing it as `t0 * hr / 60` instead
        jumped by a random fraction of a beat whenever the rate changed between packets (t0 is an epoch
        time of ~1.8e9 s): a step in the stored and reviewed waves (issue #14)."""
        if self._phase_t is None:
            return 0.0
        return (self._phase + (t0 - self._phase_t) * hr / 60) % 1.0

    def _wave_objects(self, t0: float, span: float) -> list[tuple[int, list[tuple[int, bytes]]]]:
        hr = self.vitals(t0)["hr"] or 60
        phase0 = self._beat_phase(t0, hr)
        self._phase, self._phase_t = (phase0 + span * hr / 60) % 1.0, t0 + span
        objects = []
        for handle, physio, hz, shape in ((0x0201, 0x4BB4, PLETH_HZ, self._pleth), (0x0202, 0x0102, ECG_HZ, self._ecg)):
            n = round(span * hz)
            samples = [max(0, min(4095, round(shape((phase0 + i / hz * hr / 60) % 1.0)))) for i in range(n)]
            array = struct.pack(f">{n}H", *samples)
            scale = struct.pack(">IIHH", w.encode_float_type(-1.0 if physio == 0x0102 else 0.0, 2),
                                w.encode_float_type(1.0, 2), 0, 4095)
            objects.append((handle, [
                (w.NOM_ATTR_SA_SPECN, struct.pack(">HBBH", n, 16, 12, 0)),
                (w.NOM_ATTR_SCALE_SPECN_I16, scale),
                (w.NOM_ATTR_TIME_PD_SAMP, struct.pack(">I", round(w.RELATIVE_TIME_PER_S / hz))),
                (w.NOM_ATTR_SA_VAL_OBS, struct.pack(">HHH", physio, 0, len(array)) + array),
            ]))
        return objects

    @staticmethod
    def _pleth(phase: float) -> float:
        return 800 + 2600 * math.exp(-((phase - 0.3) ** 2) / 0.012) + 700 * math.exp(-((phase - 0.55) ** 2) / 0.01)

    @staticmethod
    def _ecg(phase: float) -> float:
        return 2048 + 1500 * math.exp(-((phase - 0.2) ** 2) / 0.00008) - 250 * math.exp(-((phase - 0.22) ** 2) / 0.0002) \
            + 200 * math.exp(-((phase - 0.45) ** 2) / 0.003)
