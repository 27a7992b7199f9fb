"""Technical alarms: the console cannot see, cannot trust, or cannot keep what it should.

A missing value is not a normal value: a silent oximeter must not look like a calm patient. These rules
turn device silence, sensor and link problems, pump faults, a pump that does not run as ordered, a missed
blood pressure cycle and the console's own storage and audio failures into technical alarms, which the
board lists beside physiological ones with their own priority.
"""
from __future__ import annotations

from datetime import datetime

from device_drivers.events import DeviceAlarm, DeviceStatus, LinkState, Measurement

from console.alarms.alarm import Condition
from console.alarms.alarm_board import AlarmBoard
from console.alarms.alarm_config import RANK, AlarmConfig

PUMP_CONTROLS = ("controllable", "read_only", "manual")


def clock(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S")


def pump_control_name(control: object) -> str:
    """Accept the drivers' PumpControl enum or its plain string value."""
    name = str(getattr(control, "value", control)).lower().replace("-", "_")
    if name not in PUMP_CONTROLS:
        raise ValueError(f"pump control must be one of {', '.join(PUMP_CONTROLS)}, not {control!r}")
    return name


class TechnicalWatch:
    def __init__(self, config: AlarmConfig, board: AlarmBoard) -> None:
        self.config = config
        self.board = board
        self._last_seen: dict[str, float] = {}  # device -> time of its last event
        self._fresh_limit: dict[str, float] = {}  # device -> its freshness limit (from what it reports)
        self.pump_device: str | None = None
        self.pump_control: str = "manual"
        self.ordered_rate: float | None = None
        self.pump_rate: tuple[float, float] | None = None  # (t, mL/h) as last read from the pump
        self.nibp_interval: float | None = None
        self.nibp_due: float | None = None
        #: While the interlock holds the pump stopped, the order does not apply.
        self.stopped_by_interlock = False

    def _condition(self, rule: str, key: str, text: str, now: float, **kw) -> None:
        r = self.config.technical[rule]
        kw.setdefault("priority", r.priority)
        kw.setdefault("delay", r.delay)
        self.board.assert_condition(Condition(key=key, kind="technical", text=text, **kw), now)

    # ---- device events --------------------------------------------------------------------------------
    def seen(self, device: str, now: float) -> None:
        self._last_seen[device] = now
        self.board.clear_condition(f"tech:silent:{device}", now, "data arrived again")

    def measurement(self, m: Measurement, now: float) -> None:
        self.seen(m.device, now)
        fresh = self.config.freshness.get(m.metric)
        if fresh is not None:
            self._fresh_limit[m.device] = max(fresh, self._fresh_limit.get(m.device, 0.0))
        if m.device == self.pump_device and m.metric == "rate":
            self.pump_rate = (now, float(m.value))
            self._check_rate(now)
        if m.metric == "nibp_sys" and self.nibp_interval is not None:
            self.nibp_due = now + self.nibp_interval
            self.board.clear_condition("tech:nibp_missed", now, "a blood pressure reading arrived")

    def status(self, s: DeviceStatus, now: float) -> None:
        self.seen(s.device, now)
        key = f"tech:status:{s.device}:{s.condition}"
        if not (s.active and s.technical):
            self.board.clear_condition(key, now, "the device reports the condition has ended")
            return
        if s.device == self.pump_device:
            self._condition("pump_alarm", key, f"Pump: {s.text}", now, device=s.device)
            return
        low = self.config.technical["device_status"].extra.get("low_priority_conditions", [])
        priority = "low" if s.condition in low else self.config.technical["device_status"].priority
        self._condition("device_status", key, f"{s.device}: {s.text}", now, device=s.device, priority=priority)

    def device_alarm(self, a: DeviceAlarm, now: float) -> None:
        """A device's own alarm: a pump's is technical (the drug is not going in as ordered), at least the
        configured pump priority; a monitor's is passed on with the device's priority."""
        self.seen(a.device, now)
        if a.device == self.pump_device:
            key = f"tech:pump_alarm:{a.device}:{a.code}"
            if not a.active:
                self.board.clear_condition(key, now, "the pump reports the alarm has ended")
                return
            floor = self.config.technical["pump_alarm"].priority
            priority = a.priority if RANK.get(a.priority, 0) > RANK[floor] else floor
            self._condition("pump_alarm", key, f"Pump alarm: {a.text}", now, device=a.device, priority=priority)
            return
        key = f"device:{a.device}:{a.code}"
        if not a.active:
            self.board.clear_condition(key, now, "the device reports the alarm has ended")
            return
        priority = a.priority if a.priority in RANK else "medium"
        self.board.assert_condition(Condition(key=key, kind="device", priority=priority,
                                              text=_from_device(a.device, a.text), device=a.device), now)

    def link(self, ev: LinkState, now: float) -> None:
        lost, silent = f"tech:link:{ev.device}", f"tech:silent:{ev.device}"
        detail = f" ({ev.detail})" if ev.detail else ""
        if ev.state == "silent":
            self._condition("device_silent", silent, f"{ev.device}: no data from {ev.port}{detail}", now,
                            device=ev.device)
        elif ev.state == "reconnecting":
            self._condition("link_lost", lost, f"{ev.device}: connection lost on {ev.port}{detail}", now,
                            device=ev.device)
        elif ev.state == "connected":
            self.board.clear_condition(lost, now, "link connected")
        elif ev.state == "closed":  # deliberately stopped: the device is no longer expected to talk
            self.board.clear_condition(lost, now, "link closed")
            self.board.clear_condition(silent, now, "link closed")
            self._last_seen.pop(ev.device, None)
            self._fresh_limit.pop(ev.device, None)

    # ---- session facts --------------------------------------------------------------------------------
    def set_pump(self, device: str | None, control: object) -> None:
        self.pump_device = device
        self.pump_control = pump_control_name(control)

    def set_ordered_rate(self, rate: float | None, now: float) -> None:
        self.ordered_rate = rate
        self._check_rate(now)

    def _check_rate(self, now: float) -> None:
        """While the interlock holds the pump stopped, the interlock checks that it stopped instead."""
        if (self.ordered_rate is None or self.pump_rate is None or self.pump_control == "manual"
                or self.stopped_by_interlock):
            self.board.clear_condition("tech:rate_mismatch", now, "no ordered rate to compare")
            return
        self.rate_mismatch(now, self.ordered_rate, self.pump_rate[1])

    def set_interlock_stopped(self, stopped: bool, now: float) -> None:
        self.stopped_by_interlock = stopped
        self._check_rate(now)

    def rate_mismatch(self, now: float, ordered: float, actual: float, detail: str = "") -> None:
        """Compare the rate the pump reports with the order; also callable with the session's own check."""
        r = self.config.technical["rate_mismatch"]
        tolerance = max(ordered * float(r.extra["tolerance_percent"]) / 100.0, float(r.extra["tolerance_ml_h"]))
        if abs(actual - ordered) <= tolerance:
            self.board.clear_condition("tech:rate_mismatch", now, "pump rate matches the order")
            return
        extra = f" ({detail})" if detail else ""
        self._condition("rate_mismatch", "tech:rate_mismatch",
                        f"Pump runs {actual:g} mL/h, order is {ordered:g} mL/h{extra}", now,
                        parameter="rate", value=actual, limit=ordered, device=self.pump_device,
                        instruction="Check the pump against the order")

    def pump_mismatch(self, metric: str, expected: float, actual: float, active: bool, now: float) -> None:
        """The session's own comparison of pump and order (it knows the titrations), mismatched or matched."""
        key = "tech:rate_mismatch" if metric == "rate" else f"tech:pump_mismatch:{metric}"
        if not active:
            self.board.clear_condition(key, now, "the pump agrees with the order again")
            return
        unit = "mL/h" if metric == "rate" else "mL"
        what = "runs" if metric == "rate" else f"reports {metric.replace('_', ' ')}"
        self._condition("rate_mismatch", key, f"Pump {what} {actual:g} {unit}, order is {expected:g} {unit}", now,
                        parameter=metric, value=actual, limit=expected, device=self.pump_device,
                        instruction="Check the pump against the order")

    def set_nibp_schedule(self, interval: float | None, now: float) -> None:
        self.nibp_interval = interval
        self.nibp_due = None if interval is None else now + interval
        if interval is None:
            self.board.clear_condition("tech:nibp_missed", now, "no NIBP schedule")

    # ---- the console itself ---------------------------------------------------------------------------
    def storage(self, ok: bool, now: float, detail: str = "") -> None:
        if ok:
            self.board.clear_condition("tech:storage", now, "records are being written again")
        else:
            self._condition("storage_failure", "tech:storage", f"Records cannot be saved: {detail}", now,
                            instruction="Write vitals and events on paper; call the biomed")

    def disk_space(self, free_bytes: int, now: float, where: str = "") -> None:
        below = float(self.config.technical["disk_nearly_full"].extra["free_megabytes_below"])
        free_mb = free_bytes / 1e6
        if free_mb >= below:
            self.board.clear_condition("tech:disk", now, "enough free disk space")
        else:
            place = f" on {where}" if where else ""
            self._condition("disk_nearly_full", "tech:disk", f"Disk nearly full: {free_mb:.0f} MB free{place}", now,
                            value=round(free_mb, 1), limit=below, instruction="Free disk space or call the biomed")

    def records_backlog(self, oldest_age_s: float | None, now: float, *, after_s: float, priority: str,
                        pending: int = 0) -> None:
        """Rows this chair wrote that the clinic records server has not confirmed for `after_s` or longer:
        the clinic's ledger and history are diverging (the rows are safe here). Numbers: records.toml."""
        if oldest_age_s is None or oldest_age_s < after_s:
            self.board.clear_condition("tech:records_backlog", now, "the clinic records server is up to date")
            return
        self.board.assert_condition(Condition(
            key="tech:records_backlog", kind="technical", priority=priority,
            text=f"Records not sent to the clinic server for {oldest_age_s / 60:.0f} min ({pending} rows)",
            value=round(oldest_age_s / 60, 1), limit=round(after_s / 60, 1),
            instruction="Records are safe on this chair; call IT to restore the records server link"), now)

    def audio(self, ok: bool, now: float, detail: str = "") -> None:
        if ok:
            self.board.clear_condition("tech:no_audio", now, "audio works")
        else:
            extra = f" ({detail})" if detail else ""
            self._condition("no_audio", "tech:no_audio", f"No audio device — alarms are visual only{extra}", now,
                            instruction="Keep the screen in sight; call the biomed")

    def escalation_failed(self, detail: str, now: float) -> None:
        self._condition("escalation_failed", "tech:escalation_failed", f"Escalation action failed: {detail}", now)

    # ---- time -----------------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        for device, last in list(self._last_seen.items()):
            limit = self._fresh_limit.get(device)
            # Sensor off (no values, but lines still come) or a lost link already say why there is no data.
            explained = (self.board.asserted_keys(f"tech:status:{device}:")
                         or self.board.is_asserted(f"tech:link:{device}"))
            if limit is not None and now - last > limit and not explained:
                self._condition("device_silent", f"tech:silent:{device}",
                                f"{device}: no data for {now - last:.0f} s", now, device=device,
                                value=round(now - last, 1), limit=limit)
        if self.nibp_due is not None:
            grace = float(self.config.technical["nibp_missed"].extra["grace_seconds"])
            if now > self.nibp_due + grace:
                self._condition("nibp_missed", "tech:nibp_missed",
                                f"NIBP cycle missed: due at {clock(self.nibp_due)}, no reading", now,
                                parameter="nibp_sys", instruction="Check the cuff and start a measurement")


def _from_device(device: str, text: str) -> str:
    """A device's own alarm text says which device raised it ("Monitor: **Desat"), as the nurse must know
    where to look; texts that already name it (the Masimo table's "Oximeter: ...") are left as they are."""
    name = device.replace("_", " ").capitalize()
    return text if text.lower().startswith(device.lower()) else f"{name}: {text}"
