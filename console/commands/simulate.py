"""Serve a simulated device on a new pseudo-terminal until interrupted.

The first line printed is {"port": "/dev/pts/N"}: connect the console, `probe` or another program to
that port. Use it to try a set-up without a patient, or to train staff.
"""
from __future__ import annotations

import json
import signal
import threading
import time

from console.errors import UserError

NAME = "simulate"
HELP = "serve a simulated device on a new pty (prints {\"port\": ...} first)"


def add_arguments(parser) -> None:
    from device_drivers import registry
    parser.add_argument("--device", required=True, metavar="D",
                        help=f"driver to simulate: {', '.join(sorted(registry.SIMULATORS))}")
    parser.add_argument("--scenario", default="normal", metavar="S",
                        help="clinical scenario, e.g. normal, desaturation, noisy, dropout (default normal)")
    parser.add_argument("--link", metavar="PATH", help="also make a stable symlink to the port at PATH")
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (default: run until Ctrl-C)")


def make_model(device: str, scenario: str):
    from device_drivers import registry
    try:
        cls = registry.simulator_class(device)
    except registry.UnknownDriver:
        raise UserError(f"no simulator for {device!r}; choose one of: {', '.join(sorted(registry.SIMULATORS))}") from None
    if scenario not in cls.scenarios:
        raise UserError(f"{device} has no scenario {scenario!r}; choose one of: {', '.join(cls.scenarios)}")
    return cls(scenario, start=time.time())


def run(args) -> int:
    from device_drivers.pty_server import PtyServer
    model = make_model(args.device, args.scenario)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        server = PtyServer(model, link_path=args.link).start()
    except OSError as exc:
        raise UserError(f"cannot create the simulated port: {exc.strerror or exc}") from None
    print(json.dumps({"port": server.port, "device": args.device, "scenario": args.scenario}), flush=True)
    try:
        done.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
