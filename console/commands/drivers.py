"""List the device drivers this program has, with each one's default serial settings."""
from __future__ import annotations

import json

from device_drivers import registry

NAME = "drivers"
HELP = "list device drivers and their default link settings"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per driver")


def run(args) -> int:
    rows = []
    for name in registry.driver_names():
        codec = registry.codec_class(name)
        rows.append({"name": name, "title": codec.title, "role": codec.role, "link": codec.link.to_json(),
                     "metrics": list(codec.metrics), "simulator": name in registry.SIMULATORS})
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'DRIVER':<14} {'ROLE':<9} {'LINK':<16} DEVICE")
    for row in rows:
        print(f"{row['name']:<14} {row['role']:<9} {row['link']['text']:<16} {row['title']}")
    return 0
