"""List the device drivers this program has, with each one's default serial settings.

A driver with no port (the manual pump: the nurse keys in what she programmed) shows "no port (keyed in)";
in --json its "link" is null and "needs_link" false.
"""
from __future__ import annotations

import json


NAME = "drivers"
HELP = "list device drivers and their default link settings"
NO_PORT = "no port (keyed in)"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per driver")


def run(args) -> int:
    from device_drivers import registry
    rows = []
    for name in registry.driver_names():
        codec = registry.codec_class(name)
        needs_link = bool(getattr(codec, "needs_link", True))
        rows.append({"name": name, "title": codec.title, "role": codec.role, "needs_link": needs_link,
                     "link": codec.link.to_json() if needs_link else None,
                     "metrics": list(codec.metrics), "simulator": name in registry.SIMULATORS})
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'DRIVER':<14} {'ROLE':<9} {'LINK':<18} DEVICE")
    for row in rows:
        link = row["link"]["text"] if row["link"] else NO_PORT
        print(f"{row['name']:<14} {row['role']:<9} {link:<18} {row['title']}")
    return 0
