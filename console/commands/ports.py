"""List the serial ports on this machine with their USB ids, to find the one a device is plugged into."""
from __future__ import annotations

import json


NAME = "ports"
HELP = "list serial ports with USB VID:PID and serial number"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per port")


def run(args) -> int:
    from device_drivers.ports import list_serial_ports
    ports = list_serial_ports()
    if args.json:
        for p in ports:
            print(json.dumps(p.to_json()))
        return 0
    if not ports:
        print("No serial ports found. Plug in the USB-serial adapter, then run this again; "
              "`dmesg | tail` shows whether the system saw it.")
        return 0
    print(f"{'PORT':<22} {'USB ID':<10} {'SERIAL':<16} DESCRIPTION")
    for p in ports:
        print(f"{p.device:<22} {p.vid_pid or '-':<10} {p.serial_number or '-':<16} {p.description}")
    return 0
