"""Set up this bed's devices: which monitor, oximeter and pump, on which port, with which driver.

  bedside-console devices list                         what is configured, and where each device is now
  bedside-console devices set ROLE --driver D --port URL [--baud N ...]
                                                       assign a role (monitor, oximeter, pump); a USB
                                                       adapter's serial number is recorded so it is found
                                                       again under another path after re-plugging
  bedside-console devices set pump --driver manual     a pump the nurse reads and keys in by hand
  bedside-console devices remove ROLE                  forget a role
  bedside-console devices test ROLE [--seconds S]      live bytes, frames, errors, last hex, values, and a
                                                       plain-language diagnosis when nothing decodes
  bedside-console devices detect --port URL            try every driver's usual settings; name those that decode

The configuration is devices.toml in the data directory (readable text; checked completely on start).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from console.errors import UserError
from console.paths import data_dir

NAME = "devices"
HELP = "set up this bed's monitor, oximeter and pump (list, set, remove, test, detect)"


def add_arguments(parser) -> None:
    from console import device_config as dc
    from device_drivers import registry
    from device_drivers.codec import PARITY_NAMES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p = sub.add_parser("list", help="show the configured devices and where each is now")
    p.add_argument("--json", action="store_true", help="one JSON object per role")
    p = sub.add_parser("set", help="assign a role to a driver and a port (saved at once)")
    p.add_argument("role", choices=dc.ROLES)
    p.add_argument("--driver", metavar="D", help=f"one of: {', '.join(registry.driver_names())} "
                   "(a pump defaults to ne1000-safe, the CRC-checked mode)")
    p.add_argument("--port", metavar="URL", help="device path or pyserial URL (see `bedside-console ports`)")
    p.add_argument("--usb-serial", metavar="SN", help="find the USB adapter by this serial number")
    p.add_argument("--usb-vid-pid", metavar="VID:PID", help="find the USB adapter by vendor:product id")
    p.add_argument("--baud", type=int, metavar="N", help="override the driver's baud rate")
    p.add_argument("--bytesize", type=int, choices=(5, 6, 7, 8))
    p.add_argument("--parity", choices=tuple(PARITY_NAMES))
    p.add_argument("--stopbits", type=float, choices=(1, 1.5, 2))
    p.add_argument("--rtscts", action="store_true", help="RTS/CTS hardware flow control")
    p.add_argument("--xonxoff", action="store_true", help="XON/XOFF software flow control")
    p = sub.add_parser("remove", help="forget a role")
    p.add_argument("role", choices=dc.ROLES)
    p = sub.add_parser("test", help="open a configured device and show what arrives, with a diagnosis")
    p.add_argument("role", choices=dc.ROLES)
    p.add_argument("--seconds", type=float, default=8.0, metavar="S", help="how long to test (default 8)")
    p.add_argument("--json", action="store_true", help="one JSON snapshot per second")
    p = sub.add_parser("detect", help="try every driver's usual settings on a port")
    p.add_argument("--port", required=True, metavar="URL")
    p.add_argument("--seconds", type=float, default=3.0, metavar="S", help="per setting tried (default 3)")
    p.add_argument("--json", action="store_true", help="one JSON object per driver tried")


def run(args) -> int:
    action = getattr(args, "action", None)
    if action is None:
        action = "list"
        args.json = False
    return {"list": _list, "set": _set, "remove": _remove, "test": _test, "detect": _detect}[action](args)


def _config(args):  # a DeviceConfig
    from console import device_config as dc
    return dc.load(data_dir(args.data_dir)) or dc.DeviceConfig()


def _list(args) -> int:
    from console import device_config as dc
    config = dc.load(data_dir(args.data_dir))
    if config is None or not config.assignments:
        if args.json:
            return 0
        print("No devices configured for this bed. Assign one with, for example:\n"
              "  bedside-console devices set monitor --driver intellivue --port /dev/ttyUSB0\n"
              "(`bedside-console ports` lists ports; `bedside-console devices detect --port URL` finds the driver.)")
        return 0
    for role in dc.ROLES:
        a = config.get(role)
        if a is None:
            continue
        now = a.resolve_port() if a.needs_link else ""
        if args.json:
            print(json.dumps({**a.to_json(), "port_now": now}))
        else:
            link = f"  {a.link.describe()}" if a.needs_link else ""
            print(f"{role:<9} {a.driver:<13}{link}  {a.where()}" + (f"  -> now {now}" if now and now != a.port else ""))
    return 0


def _set(args) -> int:
    from console import device_config as dc
    from device_drivers import registry
    if args.driver is None:
        args.driver = dc.DEFAULT_DRIVER.get(args.role)
        if args.driver is None:
            raise UserError(f"name the {args.role}'s driver with --driver D ({', '.join(registry.driver_names())})")
        print(f"{args.role}: no --driver given, using {args.driver}. {dc.SAFE_MODE_WHY}")
    elif args.driver == "ne1000":
        print(f"note: {dc.SAFE_MODE_WHY}")
    overrides = {}
    for key, value in (("baudrate", args.baud), ("bytesize", args.bytesize), ("parity", args.parity),
                       ("stopbits", args.stopbits)):
        if value is not None:
            overrides[key] = int(value) if key == "stopbits" and float(value).is_integer() else value
    if args.rtscts:
        overrides["rtscts"] = True
    if args.xonxoff:
        overrides["xonxoff"] = True
    if args.port and not (args.usb_serial or args.usb_vid_pid):
        a = dc.assignment_for_port(args.role, args.driver, args.port, link_overrides=overrides)
    else:
        a = dc.validate(dc.DeviceAssignment(args.role, args.driver, args.port, args.usb_serial,
                                            args.usb_vid_pid, overrides))
    path = dc.save(data_dir(args.data_dir), _config(args).with_assignment(a))
    print(f"{args.role}: {a.driver}, {a.where()}" + (f", {a.link.describe()}" if a.needs_link else "")
          + f" (saved in {path})")
    return 0


def _remove(args) -> int:
    from console import device_config as dc
    config = _config(args)
    if config.get(args.role) is None:
        raise UserError(f"no {args.role} is configured; `bedside-console devices list` shows what is")
    path = dc.save(data_dir(args.data_dir), config.without(args.role))
    print(f"{args.role} removed (saved in {path})")
    return 0


def _test(args) -> int:
    from console.device_test import LiveTest
    from device_drivers.detect import diagnose
    a = _config(args).get(args.role)
    if a is None:
        raise UserError(f"no {args.role} is configured; set one with `bedside-console devices set {args.role} ...`")
    if not a.needs_link:
        print(f"{args.role} uses the {a.driver} driver: there is no connection to test.")
        return 0
    if args.seconds <= 0:
        raise UserError("--seconds must be more than 0")
    test = LiveTest(a.url_source(), a.driver, a.link).start()
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            snap = test.snapshot()
            if args.json:
                print(json.dumps(snap.to_json()), flush=True)
            else:
                vals = " ".join(f"{k}={v.replace(' ', '')}" for k, v in snap.values.items()) or "-"
                print(f"{snap.elapsed:4.0f} s  bytes {snap.bytes_in:<6} frames {snap.frames_ok:<5} "
                      f"errors {snap.frames_bad:<4} damaged {snap.frames_damaged:<4} {snap.link_state:<12} "
                      f"values {vals}", flush=True)
    finally:
        test.stop()
    snap = test.snapshot()
    if not args.json:
        print(f"last bytes: {snap.last_hex[-71:] or '-'}")
    if test.working:
        print(snap.diagnosis or "Working.")
        return 0
    raise UserError(snap.diagnosis or diagnose(test.codec.stats, snap.elapsed, 0, test.codec.title, a.link))


def _detect(args) -> int:
    from device_drivers.detect import detect
    if args.seconds <= 0:
        raise UserError("--seconds must be more than 0")
    progress = None if args.json else (lambda text: print(text, file=sys.stderr, flush=True))
    results = detect(args.port, seconds=args.seconds, progress=progress)
    errors = {r.error for r in results if r.error}
    if errors and all(r.error for r in results):
        raise UserError(f"cannot open {args.port}: {errors.pop()} (`bedside-console ports` lists the ports)")
    if args.json:
        for r in results:
            print(json.dumps(r.to_json()))
    else:
        for r in results:
            mark = "DECODES" if r.decodes else "-"
            vals = " ".join(f"{k}={v}" for k, v in r.values.items())
            print(f"{mark:<8} {r.driver:<13} {r.settings.describe():<12} bytes {r.bytes_in:<6} "
                  f"frames {r.frames_ok:<4} errors {r.frames_bad:<4} {vals}")
    found = [r.driver for r in results if r.decodes]
    if not found:
        raise UserError(f"no driver decodes what {args.port} sends; `bedside-console devices test` after "
                        "`devices set` shows the raw bytes")
    if not args.json:
        print(f"{args.port} speaks {found[0]}" + (f" (also decodes as: {', '.join(found[1:])})" if found[1:] else ""))
    return 0
