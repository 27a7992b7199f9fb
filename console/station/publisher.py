"""The bed's side: publish this bed's numerics, alarms, session and links to the clinic's broker.

paho-mqtt runs its network loop on its own thread (loop_start) and this module's numerics on another, so
the GUI, the alarm engine and the vitals recorder never wait on the network: every call here only stores
the newest state and hands a message to paho's queue (bounded; the oldest live data is dropped, never a
record). The bed stays the authority: nothing here feeds back into its alarms or records except the
station's acknowledgement, which the bed applies (or refuses) and records itself.
"""
from __future__ import annotations

import ssl
import threading
import time
from typing import Any, Callable

import paho.mqtt.client as mqtt

from console.station import topics
from console.station.settings import BrokerSettings, Timing, load_timing

StateListener = Callable[[bool, str], None]  # (connected, why not), called on paho's thread


def alarm_payload(alarm, now: float) -> dict[str, Any]:
    return {"id": alarm.id, "priority": alarm.priority, "text": alarm.text, "kind": alarm.kind,
            "parameter": alarm.parameter, "started": alarm.started, "active": alarm.condition_active,
            "audible": alarm.audible(now), "acknowledged_by": alarm.acknowledged_by}


class StationPublisher:
    def __init__(self, settings: BrokerSettings, timing: Timing | None = None, *,
                 on_state: StateListener | None = None, on_ack: Callable[[dict], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.timing = settings, timing or load_timing()
        self.on_state, self.on_ack, self.clock = on_state, on_ack, clock
        self.connected = False
        self._online = False  # under _lock: whether _send may publish (set before the retained state goes)
        self.why = "connecting"
        self._refused = ""
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, Any]] = {}
        self._metric_alarm: dict[str, str] = {}
        self._retained: dict[str, bytes] = {}  # kind -> last payload, sent again on every (re)connect
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.sent = 0
        self.dropped = 0
        bed = settings.bed
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bed-{bed}", protocol=mqtt.MQTTv311)
        c.will_set(topics.topic(bed, "status"), self._status("offline", "connection lost"), qos=1, retain=True)
        if settings.username:
            c.username_pw_set(settings.username, settings.password())
        if settings.ca_file:
            c.tls_set(ca_certs=settings.ca_file, cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.reconnect_delay_set(self.timing.reconnect_min, self.timing.reconnect_max)
        c.max_queued_messages_set(self.timing.max_queued)
        c.on_connect, c.on_disconnect, c.on_connect_fail = self._connected, self._disconnected, self._failed
        c.on_message = self._message
        self.client = c

    # ---- lifetime --------------------------------------------------------------------------------------
    def start(self) -> "StationPublisher":
        self.client.connect_async(self.settings.host, self.settings.port, keepalive=self.timing.keepalive)
        self.client.loop_start()
        self._worker = threading.Thread(target=self._run, name=f"station-publish-{self.settings.bed}", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        """A clean goodbye: 'offline' retained (the will is only for an unclean end), then disconnect."""
        self._stopping.set()
        self._wake.set()
        if self.connected:
            info = self.client.publish(topics.topic(self.settings.bed, "status"), self._status("offline", "console closed"),
                                       qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=1.0)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()
        if self._worker is not None:
            self._worker.join(timeout=2)

    # ---- inputs (any thread; each only stores and queues) ------------------------------------------------
    def measurement(self, m) -> None:
        with self._lock:
            self._values[m.metric] = {"value": float(m.value), "unit": m.unit, "t": m.t, "device": m.device}
        self._wake.set()

    def alarms(self, alarms: list, metric_alarm: dict[str, str]) -> None:
        now = self.clock()
        with self._lock:
            self._metric_alarm = dict(metric_alarm)
        self._send("alarms", {"t": now, "alarms": [alarm_payload(a, now) for a in alarms]}, qos=1, retain=True)
        self._wake.set()  # the tiles' alarm colours go out with the next numerics at once

    def session(self, body: dict[str, Any], *, refresh_every: float = 10.0) -> None:
        """Sent when the phase or patient changes, and every `refresh_every` s to keep the station's clocks
        (which it counts down itself between messages) in step with the bed's."""
        now = self.clock()
        key = (body.get("phase"), body.get("patient"), body.get("infusion_left_s") is None,
               body.get("observation_left_s") is None)
        if key == getattr(self, "_session_key", None) and now - getattr(self, "_session_sent", 0) < refresh_every:
            return
        self._session_key, self._session_sent = key, now
        self._send("session", {"t": now, **body}, qos=1, retain=True)

    def links(self, links: dict[str, dict[str, str]]) -> None:
        self._send("links", {"t": self.clock(), "links": links}, qos=1, retain=True)

    # ---- internals ---------------------------------------------------------------------------------------
    def _status(self, state: str, reason: str = "") -> bytes:
        return topics.encode("status", {"t": self.clock(), "state": state, "bed": self.settings.bed, "reason": reason})

    def _send(self, kind: str, body: dict[str, Any], *, qos: int, retain: bool) -> None:
        payload = topics.encode(kind, body)
        with self._lock:  # one order for "store the newest" and "send it", shared with _connected
            if retain:
                self._retained[kind] = payload
            if not self._online:
                self.dropped += 1  # retained state goes out on reconnect; live numerics are simply not sent
                return
            info = self.client.publish(topics.topic(self.settings.bed, kind), payload, qos=qos, retain=retain)
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self.sent += 1
        else:
            self.dropped += 1

    def numerics_payload(self) -> dict[str, Any]:
        with self._lock:
            values = {k: dict(v) for k, v in self._values.items()}
            alarm = dict(self._metric_alarm)
        for metric, v in values.items():
            v.pop("device", None)
            if metric in alarm:
                v["alarm"] = alarm[metric]
        return {"t": self.clock(), "values": values}

    def _run(self) -> None:
        interval, coalesce = self.timing.interval, self.timing.coalesce
        next_beat = time.monotonic() + interval
        while not self._stopping.is_set():
            woke = self._wake.wait(timeout=max(0.0, next_beat - time.monotonic()))
            if self._stopping.is_set():
                return
            if woke and coalesce:
                time.sleep(coalesce)  # the rest of this device frame's values go in the same message
            self._wake.clear()
            self._send("numerics", self.numerics_payload(), qos=0, retain=False)
            next_beat = time.monotonic() + interval

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._refused = f"refused by the broker: {reason_code}; retrying"
            self._set_state(False, self._refused)
            return
        self._refused = ""
        bed = self.settings.bed
        client.subscribe(topics.topic(bed, topics.ACK), qos=1)
        client.publish(topics.topic(bed, "status"), self._status("online"), qos=1, retain=True)
        with self._lock:
            self._online = True
            for kind, payload in self._retained.items():
                client.publish(topics.topic(bed, kind), payload, qos=1, retain=True)
        self._set_state(True, "")

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        if self._stopping.is_set():
            self._set_state(False, "stopped")
        elif self._refused:
            self._set_state(False, self._refused)  # paho ends a refused connection too: keep the reason
        else:
            self._set_state(False, f"lost the broker ({reason_code}); retrying")

    def _failed(self, client, userdata) -> None:
        self._set_state(False, f"cannot reach {self.settings.host}:{self.settings.port}; retrying")

    def _set_state(self, connected: bool, why: str) -> None:
        if not connected:
            with self._lock:
                self._online = False
        changed = (connected, why) != (self.connected, self.why)
        self.connected, self.why = connected, why
        if changed and self.on_state is not None:
            self.on_state(connected, why)

    def _message(self, client, userdata, msg) -> None:
        try:
            bed, kind = topics.split(msg.topic)
            ack = topics.parse(topics.ACK, msg.payload)
        except topics.BadPayload:
            return
        if bed == self.settings.bed and kind == topics.ACK and self.on_ack is not None:
            self.on_ack(ack)
