"""Show the alarm limits, priorities and delays in force, check a clinic's alarm file, or print the
defaults to start one from.

The configuration in force is the clinic's `alarms.toml` in the data directory when there is one, else
the shipped defaults. To change it: `bedside-console alarms --template > alarms.toml`, edit, check it with
`--check alarms.toml`, then copy it into the data directory.
"""
from __future__ import annotations

import json
from pathlib import Path

from console.errors import UserError
from console.paths import data_dir

NAME = "alarms"
HELP = "show the alarm limits in force; check or start a clinic alarm file"


def add_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", metavar="FILE", help="check a clinic alarm file and say what is wrong in it")
    group.add_argument("--template", action="store_true", help="print the shipped defaults (to edit a copy)")
    parser.add_argument("--json", action="store_true", help="the limits as one JSON object per parameter")


def _rows(config) -> list[dict]:  # an AlarmConfig
    rows = []
    for p in config.parameters.values():
        for side in ("low", "high"):
            s = p.side(side)
            if s is not None:
                rows.append({"parameter": p.name, "label": p.label, "metrics": list(p.metrics), "side": side,
                             "default": s.default, "min": s.min, "max": s.max, "unit": p.unit,
                             "priority": s.priority, "delay_s": s.delay})
    return rows


def run(args) -> int:
    import resources
    from console.alarms.alarm_config import DEFAULTS_FILE, load_clinic_file, load_for
    if args.template:
        print(resources._pkg.files("resources").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8"), end="")
        return 0
    if args.check:
        path = Path(args.check)
        if not path.exists():
            raise UserError(f"{path}: no such file")
        try:
            config = load_clinic_file(path)
        except resources.ResourceError as exc:
            raise UserError(f"{exc}; fix it and check again") from None
        print(f"{path}: ok ({len(_rows(config))} limits, {len(config.technical)} technical alarm rules)")
        return 0
    try:
        config, origin = load_for(data_dir(args.data_dir))
    except resources.ResourceError as exc:
        raise UserError(f"{exc}; fix it (check with --check) or remove the file to use the defaults") from None
    rows = _rows(config)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"alarm configuration: {origin}")
    print(f"{'PARAMETER':<16} {'SIDE':<5} {'DEFAULT':>8} {'ALLOWED':>12} {'UNIT':<5} {'PRIORITY':<8} DELAY")
    for r in rows:
        allowed = f"{r['min']:g}-{r['max']:g}"
        print(f"{r['label']:<16} {r['side']:<5} {r['default']:>8g} {allowed:>12} {r['unit']:<5} {r['priority']:<8} "
              f"{r['delay_s']:g} s")
    print(f"audio pause {config.audio_pause_seconds:g} s; escalation after {config.escalation_seconds:g} s "
          f"unacknowledged; latched: {', '.join(config.latching_priorities) or 'none'}")
    return 0
