"""Compute a weight-based ketamine order exactly as the session screen does: mg, mL, the hourly dose in
mg/h (what physicians order and chart), pump rate in mL/h (rounded to the pump's resolution, with the
rounding shown), duration, totals and the verdict of every drug-library limit. Figures are shown at
their clinical precision (resources/dose_precision.toml), in the text and in --json; the session record
keeps the exact values. For a pharmacist checking a drug library entry or a protocol change."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from console.errors import UserError

NAME = "dose"
HELP = "compute a weight-based order (mg, mg/h, mL, mL/h, limits) for a protocol"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--protocol", required=True, metavar="ID",
                        help="protocol id from resources/protocols.toml (e.g. single_40min, bolus, continuous, "
                             "titrated)")
    parser.add_argument("--weight", required=True, type=float, metavar="KG", help="body weight in kg")
    parser.add_argument("--concentration", type=float, metavar="MG_PER_ML",
                        help="drug concentration in mg/mL (default: the protocol's drug library entry)")
    parser.add_argument("--dose", type=float, metavar="MG_PER_KG",
                        help="the dose in mg/kg for dose protocols, or the rate in mg/kg/h for rate protocols "
                             "(default: the protocol's)")
    parser.add_argument("--duration", type=float, metavar="MIN",
                        help="duration in minutes (default: the protocol's)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (figures rounded to their clinical precision)")


def _config(args: argparse.Namespace):
    from resources import ResourceError
    from console.session.config import load_config
    data_dir = getattr(args, "data_dir", None)
    try:
        return load_config(Path(data_dir) if data_dir else None)
    except ResourceError as exc:
        raise UserError(f"configuration error: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from console.session.dose import DoseError, compute_order, describe, show
    config = _config(args)
    try:
        order = compute_order(config, args.protocol, args.weight, amount=args.dose,
                              concentration=args.concentration, duration_min=args.duration)
    except DoseError as exc:
        raise UserError(str(exc)) from None
    if order.refused:
        hard = "; ".join(v.message for v in order.verdicts if v.level == "hard")
        raise UserError(f"refused: {hard}")
    if args.json:
        print(json.dumps(order.to_display_dict(), sort_keys=True))
        return 0
    width = max(len(label) for label, _ in describe(order))
    for label, text in describe(order):
        print(f"{label:<{width}}  {text}")
    if order.needs_reason:
        print(f"{'':<{width}}  This order needs a written reason before it can be given.")
    print(f"{'Program the pump':<{width}}  {show(order.rate_ml_per_h, 'ml_per_h')} mL/h, "
          f"volume {show(order.total_ml, 'ml')} mL")
    return 0
