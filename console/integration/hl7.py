"""Optional HL7 v2.5 feed to the EHR: ORU^R01 numerics (every `interval_s`, default 60 s) and session
events, sent over MLLP, each kept on disk until the receiver ACKs it.

Messages are built and parsed with python-hl7 (`hl7` package), never by concatenating strings. The
outbox is a directory (`hl7-outbox/` in the data directory): one file per message, numbered, written
with fsync + rename before `enqueue` returns, deleted only after an ACK with code AA or CA. The sender
thread always sends the oldest file first and waits for its ACK, so messages arrive in order; after a
restart it resumes with the oldest unsent file. A resend after a lost ACK carries the same MSH-10, so
the receiver can drop the repeat. AR/AE (rejected) messages are moved to `hl7-outbox/rejected/`
and reported; they do not block the feed.

Segments (one message):
  MSH  |^~\\&|BEDSIDE-CONSOLE|<facility>|<receiving app>|<receiving facility>|<time>||ORU^R01^ORU_R01|<id>|P|2.5
  PID  PID-3 = MRN, PID-5 = name (family^given as recorded)
  PV1  PV1-2 = O (outpatient), PV1-3 = point of care ^ room ^ bed (the console id), PV1-19 = session id
  OBR  OBR-4 = 59408-5-style panel: "VITALS^Bedside vital signs^L" or "EVENT^Infusion session event^L"
  OBX  one per value: OBX-2 NM (numeric) or ST (event text), OBX-3 code^text^system, OBX-5 value,
       OBX-6 unit^unit^UCUM, OBX-11 F, OBX-14 time of the observation, OBX-18 device

OBX-3 codes (LOINC): see `OBX_CODES`. Session events: OBX-3 "SESSION-EVENT^<kind>^L", OBX-5 the event's
canonical JSON payload.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import hl7

#: metric -> (LOINC code, text, UCUM unit)
OBX_CODES: dict[str, tuple[str, str, str]] = {
    "hr": ("8867-4", "Heart rate", "/min"),
    "pr": ("8889-8", "Heart rate by Pulse oximetry", "/min"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "rr": ("9279-1", "Respiratory rate", "/min"),
    "nibp_sys": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "nibp_dia": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "nibp_mean": ("8478-0", "Mean blood pressure", "mm[Hg]"),
    "etco2": ("19889-5", "Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration", "mm[Hg]"),
    "temp": ("8310-5", "Body temperature", "Cel"),
    "pi": ("61006-3", "Perfusion index Tissue by Pulse oximetry", "%"),
}

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"
SEPARATORS = "\r|~^&"


@dataclass(frozen=True)
class Hl7Settings:
    host: str
    port: int
    interval_s: float = 60.0
    facility: str = "CLINIC"
    receiving_app: str = "EHR"
    receiving_facility: str = "CLINIC"
    ack_timeout_s: float = 10.0


def load_hl7_settings(doc: Any) -> Hl7Settings | None:
    """`[hl7]` of the merged, validated clinic document; None when `host` is empty."""
    section = doc.section("hl7")
    host = section.text("host")
    if not host:
        return None
    return Hl7Settings(host=host, port=int(section.number("port", min=1, max=65535)),
                       interval_s=section.number("interval_s", min=1, max=3600),
                       facility=section.text("facility"), receiving_app=section.text("receiving_app"),
                       receiving_facility=section.text("receiving_facility"),
                       ack_timeout_s=section.number("ack_timeout_s", min=1, max=300))


def hl7_time(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y%m%d%H%M%S.%f")[:-3] + "+0000"


class _Builder:
    """A python-hl7 Message assembled field by field (values escaped by the library)."""

    def __init__(self) -> None:
        self.msg = hl7.Message(SEPARATORS[0], [], esc="\\", separators=SEPARATORS)

    def field(self, value: Any):
        m = self.msg
        parts = value if isinstance(value, (list, tuple)) else [value]
        comps = [m.escape("" if p is None else str(p)) for p in parts]
        return m.create_field([m.create_repetition(comps)])

    def segment(self, name: str, *fields: Any) -> None:
        m = self.msg
        if name == "MSH":
            seg = m.create_segment([m.create_field(["MSH"]), m.create_field(["|"]), m.create_field(["^~\\&"]),
                                    *[self.field(f) for f in fields]])
        else:
            seg = m.create_segment([m.create_field([name]), *[self.field(f) for f in fields]])
        m.append(seg)


def build_oru(*, control_id: str, t: float, settings: Hl7Settings, console_id: str,
              patient: dict[str, Any] | None, session_id: str | None,
              numerics: list[tuple[str, float, float, str]] = (),
              event: tuple[str, float, str] | None = None) -> hl7.Message:
    """One ORU^R01: `numerics` as (metric, value, t, device), or one session `event` (kind, t, payload json)."""
    b = _Builder()
    b.segment("MSH", "BEDSIDE-CONSOLE", settings.facility, settings.receiving_app, settings.receiving_facility,
              hl7_time(t), "", ("ORU", "R01", "ORU_R01"), control_id, "P", "2.5")
    patient = patient or {}
    b.segment("PID", "1", "", (patient.get("mrn", ""), "", "", settings.facility, "MR"), "",
              patient.get("name", ""))
    b.segment("PV1", "1", "O", ("INFUSION", "", console_id), *[""] * 15, session_id or "")
    if event is not None:
        b.segment("OBR", "1", "", "", ("EVENT", "Infusion session event", "L"), "", "", hl7_time(event[1]))
        b.segment("OBX", "1", "ST", ("SESSION-EVENT", event[0], "L"), "", event[2], "", "", "", "", "", "F",
                  "", "", hl7_time(event[1]))
    else:
        b.segment("OBR", "1", "", "", ("VITALS", "Bedside vital signs", "L"), "", "", hl7_time(t))
        for i, (metric, value, mt, device) in enumerate(numerics, 1):
            code, text, unit = OBX_CODES.get(metric, (metric, metric, ""))
            b.segment("OBX", str(i), "NM", (code, text, "LN" if metric in OBX_CODES else "L"), "",
                      f"{value:g}", (unit, unit, "UCUM"), "", "", "", "", "F", "", "", hl7_time(mt), "", "", "",
                      device)
    return b.msg


class Outbox:
    """Numbered message files, durable before `put` returns, removed only when acknowledged."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        (self.dir / "rejected").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._next = max((int(p.stem) for p in self.dir.glob("*.hl7")), default=0) + 1
        done = self.dir / "last_sent"
        self._next = max(self._next, int(done.read_text() or 0) + 1 if done.exists() else 0)

    def put(self, text: str | Callable[[int], str]) -> int:
        """Store one message; `text` may be a function of the message's number (its MSH-10)."""
        with self._lock:
            n = self._next
            self._next += 1
            if callable(text):
                text = text(n)
            tmp = self.dir / f"{n:012d}.tmp"
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.dir / f"{n:012d}.hl7")
            _fsync_dir(self.dir)
            return n

    def next_number(self) -> int:
        with self._lock:
            return self._next

    def oldest(self) -> tuple[Path, str] | None:
        files = sorted(self.dir.glob("*.hl7"))
        return (files[0], files[0].read_bytes().decode("utf-8")) if files else None  # keep the \r segment ends

    def done(self, path: Path) -> None:
        (self.dir / "last_sent").write_text(path.stem)
        path.unlink()
        _fsync_dir(self.dir)

    def reject(self, path: Path) -> None:
        os.replace(path, self.dir / "rejected" / path.name)
        _fsync_dir(self.dir)

    def pending(self) -> int:
        return len(list(self.dir.glob("*.hl7")))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Hl7Feed:
    """Queues ORU^R01 messages on disk and sends them over MLLP on its own thread, oldest first."""

    def __init__(self, settings: Hl7Settings, outbox_dir: Path, *, console_id: str,
                 report: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.outbox = Outbox(outbox_dir)
        self.console_id = console_id
        self.report = report or (lambda message: None)
        self.patient: dict[str, Any] | None = None
        self.session_id: str | None = None
        self._latest: dict[str, tuple[float, float, str]] = {}
        self._latest_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sock: socket.socket | None = None
        self.sent = 0
        self.last_error = ""

    # -- producers (any thread; each returns once the message is on disk)
    def on_measurement(self, m: Any) -> None:
        with self._latest_lock:
            self._latest[m.metric] = (float(m.value), float(m.t), str(m.device))

    def enqueue_numerics(self, t: float | None = None) -> int | None:
        with self._latest_lock:
            latest, self._latest = self._latest, {}
        if not latest:
            return None
        t = time.time() if t is None else t
        numerics = [(metric, v, mt, dev) for metric, (v, mt, dev) in sorted(latest.items())]
        return self._put(t, numerics=numerics)

    def enqueue_event(self, kind: str, t: float, payload_json: str) -> int:
        return self._put(t, event=(kind, t, payload_json))

    def _put(self, t: float, **kw: Any) -> int:
        def make(n: int) -> str:
            return str(build_oru(control_id=f"{self.console_id[:8]}-{n}", t=t, settings=self.settings,
                                 console_id=self.console_id, patient=self.patient, session_id=self.session_id,
                                 **kw))
        number = self.outbox.put(make)
        self._wake.set()
        return number

    # -- threads
    def start(self, *, numerics: bool = True) -> "Hl7Feed":
        targets = [self._send_loop] + ([self._numerics_loop] if numerics else [])
        for target in targets:
            th = threading.Thread(target=target, name=f"hl7-{target.__name__}", daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for th in self._threads:
            th.join(timeout)
        self._threads = []
        self._close()

    def _numerics_loop(self) -> None:
        while not self._stop.wait(self.settings.interval_s):
            self.enqueue_numerics()

    def _send_loop(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            item = self.outbox.oldest()
            if item is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                code = self._send(item[1])
            except (OSError, ValueError) as exc:
                self.last_error = str(exc) or type(exc).__name__
                self._close()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 0.5
            if code in ("AA", "CA"):
                self.outbox.done(item[0])
                self.sent += 1
            else:
                self.outbox.reject(item[0])
                self.report(f"HL7 receiver refused message {item[0].name} (ACK {code}); kept in "
                            f"{self.outbox.dir / 'rejected'}")

    def _close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def _send(self, text: str) -> str:
        """Send one framed message and return its ACK code (MSA-1); raise on no/invalid ACK."""
        if self._sock is None:
            self._sock = socket.create_connection((self.settings.host, self.settings.port),
                                                  timeout=self.settings.ack_timeout_s)
        self._sock.settimeout(self.settings.ack_timeout_s)
        self._sock.sendall(SB + text.encode("utf-8") + EB + CR)
        buf = b""
        while EB + CR not in buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("the HL7 receiver closed the connection before acknowledging")
            buf += chunk
        ack = hl7.parse(buf.split(SB, 1)[-1].split(EB, 1)[0].decode("utf-8"))
        sent_id = str(hl7.parse(text).segment("MSH")[10])
        msa = ack.segment("MSA")
        if str(msa[2]) != sent_id:
            raise ValueError(f"ACK for {msa[2]} while waiting for {sent_id}")
        return str(msa[1])


def _on_session_event(self: Hl7Feed, event: Any) -> None:
    """A session event (AuditEvent) from the desk: sent as an event ORU; session.opened sets PID/PV1."""
    import json
    kind = getattr(event, "kind", None)
    if not kind:
        return
    payload = getattr(event, "payload", {}) or {}
    if kind == "session.opened":
        self.patient = {"mrn": payload.get("mrn", ""), "name": payload.get("name", "")}
        self.session_id = getattr(event, "session_id", None)
    self.enqueue_event(kind, float(getattr(event, "t", time.time())),
                       json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


Hl7Feed.on_session_event = _on_session_event  # type: ignore[attr-defined]


def start_hl7_feed(console: Any) -> Hl7Feed | None:
    """Wire and start the feed for a built console when clinic.toml has `[hl7] host` (else None)."""
    from console.records.replication import console_id
    from console.session.config import clinic_document
    settings = load_hl7_settings(clinic_document(console.data_dir))
    if settings is None:
        return None
    problems = getattr(console, "storage_problems", None)
    feed = Hl7Feed(settings, Path(console.data_dir) / "hl7-outbox", console_id=console_id(console.database),
                   report=problems.report if problems is not None else None)
    console.hub.add_thread_sink(lambda e: feed.on_measurement(e) if hasattr(e, "metric") else None)
    panel = getattr(console, "session_panel", None)
    if panel is not None:
        panel.desk.session_listeners.append(feed.on_session_event)
    return feed.start()
