"""HL7 v2.5 ORU^R01 over MLLP to a real listener: ACKs, the receiver down for a while, restarts."""
from __future__ import annotations

import socket
import threading
import time

import hl7
import pytest

from console.integration.hl7 import Hl7Feed, Hl7Settings, OBX_CODES, build_oru, load_hl7_settings
from console.session.config import clinic_document
from device_drivers.events import Measurement
from resources import ResourceError
from tests.records.replication_helpers import wait_for


class MllpListener:
    """A real MLLP receiver on 127.0.0.1: parses each message with python-hl7 and ACKs it (AA)."""

    def __init__(self, port: int = 0, ack_code: str = "AA") -> None:
        self.port = port
        self.ack_code = ack_code
        self.received: list[hl7.Message] = []
        self._sock: socket.socket | None = None
        self._conns: list[socket.socket] = []

    def start(self) -> "MllpListener":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        self.port = s.getsockname()[1]
        s.listen(4)
        self._sock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()
        return self

    def _accept(self, s: socket.socket) -> None:
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\x1c\x0d" in buf:
                    frame, buf = buf.split(b"\x1c\x0d", 1)
                    if not self._answer(conn, frame.lstrip(b"\x0b").decode("utf-8")):
                        return
        except OSError:
            return

    def _answer(self, conn: socket.socket, text: str) -> bool:
        """Store one message and ACK it; False: the connection was dropped instead."""
        msg = hl7.parse(text)
        self.received.append(msg)
        conn.sendall(b"\x0b" + str(msg.create_ack(self.ack_code)).encode("utf-8") + b"\x1c\x0d")
        return True

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        self._conns = []


def settings(port: int) -> Hl7Settings:
    return Hl7Settings(host="127.0.0.1", port=port, interval_s=1, ack_timeout_s=2)


def test_an_oru_message_is_built_with_the_documented_segments_and_codes():
    msg = build_oru(control_id="c-1", t=1_700_000_000.0, settings=settings(1), console_id="chair-7",
                    patient={"mrn": "MRN|1", "name": "Lovelace^Ada"}, session_id="s1",
                    numerics=[("spo2", 97.0, 1_700_000_000.0, "monitor"), ("hr", 72.0, 1_700_000_000.0, "monitor")])
    parsed = hl7.parse(str(msg))
    assert [str(s[0]) for s in parsed] == ["MSH", "PID", "PV1", "OBR", "OBX", "OBX"]
    msh = parsed.segment("MSH")
    assert str(msh[9]) == "ORU^R01^ORU_R01" and str(msh[10]) == "c-1" and str(msh[12]) == "2.5"
    assert parsed.unescape(str(parsed.segment("PID")[3][0][0])) == "MRN|1"  # escaped, not split
    obx = parsed.segments("OBX")
    assert str(obx[0][3][0][0]) == OBX_CODES["spo2"][0] and str(obx[0][5]) == "97" and str(obx[0][2]) == "NM"
    assert str(parsed.segment("PV1")[19]) == "s1"


def test_hl7_settings_are_validated_like_the_others(tmp_path):
    assert load_hl7_settings(clinic_document(tmp_path)) is None
    (tmp_path / "clinic.toml").write_text('[hl7]\nhost = "ehr.lan"\nport = 2575\ninterval_s = 30\n')
    assert load_hl7_settings(clinic_document(tmp_path)).interval_s == 30
    (tmp_path / "clinic.toml").write_text('[hl7]\nhots = "ehr.lan"\n')
    with pytest.raises(ResourceError, match="hl7.hots"):
        clinic_document(tmp_path)


def test_receiver_down_for_a_while_then_back_every_message_once_in_order_acked(tmp_path):
    listener = MllpListener().start()
    port = listener.port
    feed = Hl7Feed(settings(port), tmp_path / "hl7-outbox", console_id="chair-1").start(numerics=False)
    try:
        for i in range(5):
            feed.enqueue_event("session.note", 1000.0 + i, f'{{"i":{i}}}')
        wait_for(lambda: len(listener.received) == 5, what="5 messages")
        listener.stop()  # the EHR interface engine goes down
        for i in range(5, 25):
            feed.on_measurement(Measurement(2000.0 + i, "monitor", "spo2", 90.0 + i % 5, "%"))
            feed.enqueue_numerics(t=2000.0 + i)
            feed.enqueue_event("session.note", 2000.0 + i, f'{{"i":{i}}}')
        time.sleep(1.5)
        assert feed.outbox.pending() == 40  # all kept on disk meanwhile
        listener = MllpListener(port).start()
        wait_for(lambda: feed.outbox.pending() == 0, timeout=60, what="the backlog delivered")
    finally:
        feed.stop()
        listener.stop()
    assert all(len(m) == 5 and str(m[4][0]) == "OBX" for m in listener.received)  # segments intact
    ids = [str(m.segment("MSH")[10]) for m in listener.received]
    assert ids == [f"chair-1-{n}" for n in range(6, 46)]  # once each, in order, after the 5 before
    assert feed.sent == 45


def test_nothing_is_lost_across_a_restart_of_the_console(tmp_path):
    outbox = tmp_path / "hl7-outbox"
    feed = Hl7Feed(settings(1), outbox, console_id="chair-1")  # receiver unreachable; nothing sent
    for i in range(3):
        feed.enqueue_event("session.note", 1000.0 + i, f'{{"i":{i}}}')
    del feed  # the console stops (or is killed) with three messages unsent
    listener = MllpListener().start()
    feed = Hl7Feed(settings(listener.port), outbox, console_id="chair-1").start(numerics=False)
    try:
        wait_for(lambda: len(listener.received) == 3, what="the three queued messages")
        n = feed.enqueue_event("session.note", 2000.0, "{}")
        assert n == 4  # numbering continues
        wait_for(lambda: len(listener.received) == 4, what="the new one")
    finally:
        feed.stop()
        listener.stop()
    assert [str(m.segment("MSH")[10]) for m in listener.received] == [f"chair-1-{n}" for n in range(1, 5)]


def test_a_rejected_message_is_set_aside_and_does_not_block_the_feed(tmp_path):
    listener = MllpListener(ack_code="AR").start()
    problems: list[str] = []
    feed = Hl7Feed(settings(listener.port), tmp_path / "o", console_id="c", report=problems.append)
    feed.start(numerics=False)
    try:
        feed.enqueue_event("session.note", 1.0, "{}")
        feed.enqueue_event("session.note", 2.0, "{}")
        wait_for(lambda: feed.outbox.pending() == 0, what="both handled")
    finally:
        feed.stop()
        listener.stop()
    assert len(list((tmp_path / "o" / "rejected").glob("*.hl7"))) == 2 and "ACK AR" in problems[0]


class AckLosingListener(MllpListener):
    """Receives every message but, for the control IDs in `lose`, drops the connection instead of ACKing
    the first time (the ACK lost on the wire, or the receiver crashing after storing the message)."""

    def __init__(self, lose: set[str]) -> None:
        super().__init__()
        self.lose = set(lose)
        self.raw: list[str] = []

    def _answer(self, conn: socket.socket, text: str) -> bool:
        msg = hl7.parse(text)
        self.received.append(msg)
        self.raw.append(text)
        control_id = str(msg.segment("MSH")[10])
        if control_id in self.lose:
            self.lose.discard(control_id)
            conn.close()
            return False
        conn.sendall(b"\x0b" + str(msg.create_ack("AA")).encode("utf-8") + b"\x1c\x0d")
        return True


def test_a_lost_ack_means_a_resend_with_the_same_control_id_so_the_receiver_can_drop_it(tmp_path):
    """At-least-once delivery: a message whose ACK never came is sent again, byte for byte (same MSH-10),
    also by a console restarted in between; de-duplicating on MSH-10 gives every message once, in order."""
    listener = AckLosingListener(lose={"chair-1-2", "chair-1-4"}).start()
    outbox = tmp_path / "hl7-outbox"
    feed = Hl7Feed(settings(listener.port), outbox, console_id="chair-1").start(numerics=False)
    try:
        for i in range(3):
            feed.enqueue_event("session.note", 1000.0 + i, f'{{"i":{i}}}')
        wait_for(lambda: feed.outbox.pending() == 0, timeout=30, what="the first three acknowledged")
        feed.enqueue_event("session.note", 1003.0, '{"i":3}')
        wait_for(lambda: any(str(m.segment("MSH")[10]) == "chair-1-4" for m in listener.received),
                 what="message 4 received (its ACK is lost)")
        feed.stop()  # the console stops before any ACK for message 4 arrived
        assert feed.outbox.pending() == 1
        feed = Hl7Feed(settings(listener.port), outbox, console_id="chair-1").start(numerics=False)
        feed.enqueue_event("session.note", 1004.0, '{"i":4}')
        wait_for(lambda: feed.outbox.pending() == 0, timeout=30, what="everything acknowledged after the restart")
    finally:
        feed.stop()
        listener.stop()
    ids = [str(m.segment("MSH")[10]) for m in listener.received]
    assert ids == ["chair-1-1", "chair-1-2", "chair-1-2", "chair-1-3", "chair-1-4", "chair-1-4", "chair-1-5"]
    assert listener.raw[1] == listener.raw[2] and listener.raw[4] == listener.raw[5]  # resent unchanged
    unique = list(dict.fromkeys(ids))
    assert unique == [f"chair-1-{n}" for n in range(1, 6)]  # what a de-duplicating receiver keeps
