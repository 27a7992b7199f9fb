"""The codec interface every driver implements (sans-I/O, after h11's design).

A codec owns a protocol's state and nothing else: the transport gives it bytes and the time, and takes
back events and bytes to send. Because it never touches a port or a clock, the same codec runs in the
live console, in `probe`, in benchmarks and against golden byte vectors in tests.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

from device_drivers.events import DeviceEvent

PARITY_NAMES = {"N": "none", "E": "even", "O": "odd", "M": "mark", "S": "space"}


@dataclass(frozen=True)
class LinkSettings:
    """Serial line settings, as written on a device's data sheet ("9600 8N1")."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    rtscts: bool = False
    xonxoff: bool = False

    def describe(self) -> str:
        stop = int(self.stopbits) if float(self.stopbits).is_integer() else self.stopbits
        flow = " RTS/CTS" if self.rtscts else (" XON/XOFF" if self.xonxoff else "")
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}{flow}"

    def serial_kwargs(self) -> dict:
        return {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                "stopbits": self.stopbits, "rtscts": self.rtscts, "xonxoff": self.xonxoff}

    def to_json(self) -> dict:
        return {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                "stopbits": self.stopbits, "rtscts": self.rtscts, "xonxoff": self.xonxoff,
                "text": self.describe()}


@dataclass
class CodecStats:
    """What a biomed needs to see why a device is silent: bytes, good frames, bad frames, last bytes."""

    bytes_in: int = 0
    frames_ok: int = 0
    frames_bad: int = 0
    #: of `frames_bad`, the frames the device sent and the line damaged (right header and length, wrong
    #: checksum): a noisy cable, not a wrong driver or baud rate. Only codecs that can tell count them.
    frames_damaged: int = 0
    fields_bad: int = 0
    garbage_bytes: int = 0
    last_error: str = ""
    #: the newest LAST_BYTES bytes received, across reads
    last_bytes: bytes = b""

    LAST_BYTES: ClassVar[int] = 64

    def note_bytes(self, data: bytes) -> None:
        self.bytes_in += len(data)
        # a read as long as the window replaces it: one slice, however long the read
        if len(data) >= self.LAST_BYTES:
            self.last_bytes = bytes(data[-self.LAST_BYTES:])
        else:
            self.last_bytes = (self.last_bytes + bytes(data))[-self.LAST_BYTES:]

    def bad_frame(self, why: str) -> None:
        self.frames_bad += 1
        self.last_error = why

    def bad_field(self, why: str) -> None:
        self.fields_bad += 1
        self.last_error = why

    def last_hex(self) -> str:
        return self.last_bytes.hex(" ")

    def to_json(self) -> dict:
        return {"bytes_in": self.bytes_in, "frames_ok": self.frames_ok, "frames_bad": self.frames_bad,
                "frames_damaged": self.frames_damaged, "fields_bad": self.fields_bad,
                "garbage_bytes": self.garbage_bytes,
                "last_error": self.last_error, "last_hex": self.last_hex()}


class Codec(abc.ABC):
    """Base class of protocol codecs.

    Subclasses set `name`, `title`, `role` and `link`, and implement `feed`. Request/response protocols
    also override `connected`, `poll` and `closing`, and queue bytes with `send`.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    role: ClassVar[str]  # "oximeter" | "monitor" | "pump"
    link: ClassVar[LinkSettings]
    #: Metrics this driver can report, for the setup screen and `drivers --json`.
    metrics: ClassVar[tuple[str, ...]] = ()

    def __init__(self, device: str | None = None) -> None:
        self.device = device or self.role
        self.stats = CodecStats()
        self._outgoing = bytearray()
        #: the `now` of the last feed that brought a sign of life from the device: an intact frame, or one
        #: the line damaged (`stats.frames_damaged`). None until then. Codecs that cannot tell a damaged
        #: frame from noise leave it None, and the transport goes by intact frames alone.
        self.alive_at: float | None = None

    @abc.abstractmethod
    def feed(self, data: bytes, now: float) -> list[DeviceEvent]:
        """Consume bytes received at `now`; return the events they complete."""

    def connected(self, now: float) -> list[DeviceEvent]:
        """The link was (re)opened: forget partial input; a polled protocol starts its session here."""
        return []

    def poll(self, now: float) -> list[DeviceEvent]:
        """Called at least every 100 ms while the link is open, for timers (polls, keep-alives)."""
        return []

    def closing(self, now: float) -> None:
        """The link is about to close on purpose: queue any goodbye (e.g. association release)."""

    def send(self, data: bytes) -> None:
        self._outgoing.extend(data)

    def take_output(self) -> bytes:
        out = bytes(self._outgoing)
        self._outgoing.clear()
        return out
