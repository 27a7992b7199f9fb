"""A New Era NE-1000 syringe pump that obeys RS-232 commands and infuses in simulated time.

It speaks basic mode, or safe mode after `SAF<n>` (as the real pump, which keeps the mode until `SAF0`),
answers every command with its status prompt, refuses what the real pump refuses (`?`, `?OOR`, `?NA`,
`?COM` for a safe packet with a bad CRC) and stops by itself when the volume to be infused is reached.
Scenarios: `normal`; `stall` (the motor stalls 30 s after starting: alarm A?S); `misreport` (the pump
keeps a rate 10 % off what it was told, so the console's read-back must catch it).
"""
from __future__ import annotations

from device_drivers.ne1000 import CR, ETX, STX, crc16_xmodem, format_number, safe_packet
from device_drivers.simulators.base import DeviceModel

MAX_RATE_ML_H = 1500.0


def _number(text: str) -> float | None:
    """The pump's number syntax: digits with at most one decimal point (no signs, exponents, inf/nan)."""
    if not text or text.count(".") > 1 or not text.replace(".", "").isdigit():
        return None
    return float(text)


class Ne1000Simulator(DeviceModel):
    driver = "ne1000"
    scenarios = ("normal", "stall", "misreport")

    def __init__(self, scenario: str = "normal", start: float = 0.0, safe: bool = False) -> None:
        super().__init__(scenario, start)
        self.safe = safe
        self.rate = 0.0            # mL/h
        self.vtbi = 0.0            # mL, 0 = no limit
        self.diameter = 26.59      # mm (a 60 mL syringe)
        self.infused = 0.0         # mL
        self.withdrawn = 0.0
        self.direction = "INF"
        self.prompt = "S"
        self.alarm: str | None = None
        self.running_since: float | None = None
        self._last: float | None = None
        self._rx = bytearray()

    # ---- simulated time -------------------------------------------------------------------------
    def _advance(self, now: float) -> None:
        if self._last is not None and self.prompt == "I" and self.alarm is None:
            dt = max(0.0, now - self._last)
            dose = self.rate * dt / 3600.0
            if self.vtbi and self.infused + dose >= self.vtbi:
                self.infused = self.vtbi
                self.prompt = "S"
            else:
                self.infused += dose
            if self.scenario == "stall" and self.running_since is not None and now - self.running_since > 30:
                self.alarm = "S"
                self.prompt = "S"
        self._last = now

    def tick(self, now: float) -> bytes:
        self._advance(now)
        return b""

    # ---- commands -------------------------------------------------------------------------------
    def receive(self, data: bytes, now: float) -> bytes:
        self._advance(now)
        self._rx.extend(data)
        out = bytearray()
        while True:
            if self.safe:
                start = self._rx.find(STX)
                if start < 0:
                    self._rx.clear()
                    break
                del self._rx[:start]
                if len(self._rx) < 2 or len(self._rx) < self._rx[1] + 1:
                    break
                total = self._rx[1] + 1
                packet = bytes(self._rx[:total])
                del self._rx[:total]
                payload = packet[2:-3]
                if packet[-1] != ETX or crc16_xmodem(payload) != (packet[-3] << 8 | packet[-2]):
                    out += self._reply("?COM")
                    continue
                out += self._reply(self._execute(payload.decode("ascii", "replace"), now))
            else:
                end = self._rx.find(CR)
                if end < 0:
                    break
                line = bytes(self._rx[:end]).decode("ascii", "replace")
                del self._rx[:end + 1]
                out += self._reply(self._execute(line, now))
        return bytes(out)

    def _reply(self, data: str) -> bytes:
        status = f"A?{self.alarm}" if self.alarm else self.prompt
        text = f"00{status}{data}".encode("ascii")
        return safe_packet(text) if self.safe else bytes([STX]) + text + bytes([ETX])

    def _execute(self, line: str, now: float) -> str:
        cmd = "".join(ch for ch in line if ch.isprintable() and not ch.isspace()).upper()
        while cmd[:1].isdigit():  # network address
            cmd = cmd[1:]
        name, arg = cmd[:3], cmd[3:]
        if name == "RAT":
            if not arg:
                shown = self.rate * (1.1 if self.scenario == "misreport" and self.rate else 1.0)
                return f"{format_number(shown)}MH"
            units = arg[-2:] if arg[-2:] in ("MH", "MM", "UH", "UM") else "MH"
            number = arg[:-2] if arg[-2:] == units else arg
            value = _number(number)
            if value is None:
                return "?"
            value *= {"MH": 1.0, "MM": 60.0, "UH": 0.001, "UM": 0.06}[units]
            if not 0 < value <= MAX_RATE_ML_H:
                return "?OOR"
            self.rate = float(format_number(value))
            return ""
        if name == "VOL":
            if not arg:
                return f"{format_number(self.vtbi)}ML"
            if arg in ("ML", "UL"):
                return ""
            value = _number(arg)
            if value is None:
                return "?"
            if value < 0 or value > 9999:
                return "?OOR"
            self.vtbi = float(format_number(value))
            return ""
        if name == "DIA":
            if not arg:
                return format_number(self.diameter)
            if self.prompt == "I":
                return "?NA"
            value = _number(arg)
            if value is None:
                return "?"
            if not 0.1 <= value <= 50:
                return "?OOR"
            self.diameter = float(format_number(value))
            return ""
        if name == "DIS":
            return f"I{format_number(self.infused)}W{format_number(self.withdrawn)}ML"
        if name == "RUN":
            self.alarm = None
            if self.rate <= 0:
                return "?NA"
            self.prompt = "I"
            self.running_since = now
            return ""
        if name == "STP":
            self.alarm = None
            self.prompt = "P" if self.prompt == "I" else "S"
            self.running_since = None
            return ""
        if name == "DIR":
            if arg in ("INF", "WDR"):
                self.direction = arg
                return ""
            return self.direction if not arg else "?"
        if name == "CLD":
            if arg == "INF":
                self.infused = 0.0
            elif arg == "WDR":
                self.withdrawn = 0.0
            else:
                return "?"
            return ""
        if name == "VER":
            return "NE1000V3.928"
        if name == "SAF":
            try:
                self.safe = int(arg or "0") > 0
            except ValueError:
                return "?"
            return ""
        if cmd == "":
            return ""
        return "?"


class Ne1000SafeSimulator(Ne1000Simulator):
    driver = "ne1000-safe"

    def __init__(self, scenario: str = "normal", start: float = 0.0) -> None:
        super().__init__(scenario, start, safe=True)
