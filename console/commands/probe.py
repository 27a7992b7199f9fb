"""Decode a live port with a driver and print what arrives: the biomed's first test of a cable and a setting.

Without --json, one readable line per value or device event; with --json, one object per line, e.g.
{"t": "...", "device": "oximeter", "metric": "spo2", "value": 97, "unit": "%"}; device and link events as
{"t": ..., "event": "...", ...}. Ends after --seconds; exits non-zero when nothing valid was decoded, and
says why (no bytes at all, or bytes that no frame could be made of).
"""
from __future__ import annotations

import json
import queue
import sys
import time

from console.errors import UserError

NAME = "probe"
HELP = "decode a live port with a driver and print the values"


def add_arguments(parser) -> None:
    parser.add_argument("--driver", required=True, metavar="D", help="driver name (see `bedside-console drivers`)")
    parser.add_argument("--port", metavar="URL",
                        help="serial port or pyserial URL: /dev/ttyUSB0, COM3, /dev/pts/3, socket://host:port "
                             "(required)")
    parser.add_argument("--baud", type=int, metavar="N", help="override the driver's default baud rate")
    parser.add_argument("--seconds", type=float, default=10.0, metavar="S", help="how long to listen (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args) -> int:
    from device_drivers import registry
    from device_drivers.codec import LinkSettings
    from device_drivers.events import LinkState, Measurement
    from device_drivers.transport import SerialLink
    try:
        codec = registry.codec_class(args.driver)()
    except registry.UnknownDriver as exc:
        raise UserError(f"{exc} (see `bedside-console drivers`)") from None
    if not getattr(codec, "needs_link", True):
        raise UserError(f"{args.driver} has no port: the nurse keys in the pump's settings on the screen")
    if not args.port:
        missing = UserError("--port is required: the serial port the device is on (`bedside-console ports` "
                            "lists them)")
        missing.exit_code = 2  # a usage error, as argparse would have said
        raise missing
    if args.seconds <= 0:
        raise UserError("--seconds must be more than 0")
    settings = codec.link
    if args.baud is not None:
        if args.baud <= 0:
            raise UserError(f"--baud {args.baud} is not a baud rate; typical: 9600, 19200, 115200")
        settings = LinkSettings(args.baud, settings.bytesize, settings.parity, settings.stopbits,
                                settings.rtscts, settings.xonxoff)
    events: queue.Queue = queue.Queue()
    link = SerialLink(args.port, codec, events.put, settings=settings, silent_after=min(5.0, args.seconds))
    link.start()
    deadline = time.monotonic() + args.seconds
    values = 0
    try:
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = events.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if isinstance(event, LinkState) and event.state == "reconnecting" and codec.stats.bytes_in == 0 \
                    and event.detail.startswith("cannot open"):
                raise UserError(f"{event.detail}; `bedside-console ports` lists the ports on this machine")
            values += isinstance(event, Measurement)
            _print(event, args.json)
    finally:
        link.stop()
    stats = codec.stats
    print(f"probe: {stats.bytes_in} bytes, {stats.frames_ok} frames decoded, {stats.frames_bad} bad frames "
          f"({stats.frames_damaged} of them damaged on the line), "
          f"{values} values in {args.seconds:g} s", file=sys.stderr)
    if stats.frames_ok:
        return 0
    if stats.bytes_in:
        raise UserError(f"{stats.bytes_in} bytes arrived on {args.port} but none made a valid {args.driver} frame "
                        f"({stats.last_error or 'no frame end seen'}): wrong baud rate, wrong driver, or a "
                        f"damaged cable? Expected {settings.describe()}.")
    raise UserError(f"no bytes from {args.port} in {args.seconds:g} s: is the device on, its serial output "
                    f"enabled, and the cable in this port?")


def _print(event, as_json: bool) -> None:
    from device_drivers.events import LinkState, Measurement, iso_time
    if as_json:
        print(json.dumps(event.to_json()), flush=True)
    elif isinstance(event, Measurement):
        value = f"{event.value:g}"
        print(f"{iso_time(event.t)[11:23]}  {event.device:<9} {event.metric:<10} {value:>7} {event.unit}", flush=True)
    elif isinstance(event, LinkState):
        print(f"{iso_time(event.t)[11:23]}  link {event.state}: {event.detail}", flush=True)
    else:
        d = event.to_json()
        d.pop("t"), d.pop("device")
        print(f"{iso_time(event.t)[11:23]}  {event.device:<9} {d.pop('event')}: {d}", flush=True)
