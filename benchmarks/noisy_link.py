"""A simulated IntelliVue on a real pty, its bytes through a 2 % bit-flipping filter, read by the real
SerialLink: how often the port is reopened and how many association requests the monitor gets.

Real time (the transport's watchdog runs on the clock), so each run takes `seconds`. Uses only what the
transport had before the LinkWatch change (LinkState events, the simulator's request log), so the same
file measures an older tree: `PYTHONPATH=/tmp/before python -m benchmarks.noisy_link`.
"""
from __future__ import annotations

import os
import sys
import time

from device_drivers.events import LinkState
from device_drivers.pty_server import PtyServer
from device_drivers.registry import codec_class, simulator_class
from device_drivers.simulators.base import DeviceModel
from device_drivers.simulators.fidelity import NoisyLine
from device_drivers.transport import SerialLink


class _Noisy(DeviceModel):
    def __init__(self, inner: DeviceModel, byte_error: float, seed: int) -> None:
        self.inner, self.driver, self.scenario, self.start = inner, inner.driver, inner.scenario, inner.start
        self.line = NoisyLine(seed, byte_error, 0.0)

    def receive(self, data: bytes, now: float) -> bytes:
        out = self.inner.receive(data, now)
        return self.line(out)[0] if out else out

    def tick(self, now: float) -> bytes:
        out = self.inner.tick(now)
        return self.line(out)[0] if out else out


def run(seconds: float, byte_error: float, silent_after: float | None, seed: int = 14) -> dict:
    monitor = simulator_class("intellivue")()
    events: list = []
    codec = codec_class("intellivue")()
    kwargs = {} if silent_after is None else {"silent_after": silent_after}
    with PtyServer(_Noisy(monitor, byte_error, seed)) as server:
        link = SerialLink(server.port, codec, events.append, **kwargs).start()
        time.sleep(seconds)
        link.stop()
    states = [e.state for e in events if isinstance(e, LinkState)]
    return {"reopens": states.count("reconnecting"), "silent": states.count("silent"),
            "associations": monitor.requests.count("associate"), "frames_ok": codec.stats.frames_ok,
            "frames_bad": codec.stats.frames_bad,
            "frames_damaged": getattr(codec.stats, "frames_damaged", None),
            "values": sum(type(e).__name__ == "Measurement" for e in events)}


def main() -> None:
    seconds = float(os.environ.get("NOISY_LINK_S", "60"))
    for label, silent_after in (("test timings (silent 0.5 s, reopen 1.5 s)", 0.5),
                                ("default timings", None)):
        r = run(seconds, 0.02, silent_after)
        print(f"intellivue 2 % bytes flipped, {seconds:g} s, {label}: port reopened {r['reopens']}, "
              f"association requests {r['associations']} (extra {r['associations'] - 1}), "
              f"silent reports {r['silent']}, frames ok {r['frames_ok']} bad {r['frames_bad']} "
              f"damaged {r['frames_damaged']}, values {r['values']}", flush=True)


if __name__ == "__main__":
    main()
    sys.exit(0)
