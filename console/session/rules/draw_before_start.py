"""Rule "draw before start": the pump may start only when the ordered drug is drawn, labelled and in date.

A tester started an infusion with nothing in the controlled-substance ledger: no lot, no expiry, no draw.
The ledger (console/records/ledger.py) writes each draw as a `ledger.drawn` event in the session's audit
log, so the session reads those events here and refuses Start, in words, until draws of the ordered drug at
the ordered concentration, each with a lot and an expiry date that has not passed, hold at least the ordered
dose (less any waste already recorded against them).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

RULE = "draw before start"
#: The ledger's event kinds (console/records/ledger.py DRAWN / WASTED; a test keeps the copies equal).
DRAWN = "ledger.drawn"
WASTED = "ledger.wasted"
#: Rounding slack when comparing mg (0.1 mL of a 1 mg/mL bag is 0.1 mg; this is far below that).
SLACK_MG = 1e-6


def _mg(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def problem(order: dict[str, Any], drug: str, ledger_events: Iterable[Any], today: date) -> str | None:
    """None when the draws cover the order; otherwise what is missing and what to do.

    `order` is the ORDER_PLACED payload's order; `drug` the drug's name (drugs.toml `drug`, as the ledger
    records it); `ledger_events` this session's ledger events (any order); `today` the bedside date."""
    conc = float(order["concentration_mg_per_ml"])
    needed = float(order["total_mg"])
    events = list(ledger_events)
    wasted: dict[int, float] = {}
    for e in events:
        if e.kind == WASTED and e.refers_to is not None:
            wasted[e.refers_to] = wasted.get(e.refers_to, 0.0) + float(e.payload.get("amount_mg") or 0.0)
    usable, notes = 0.0, []
    for e in events:
        if e.kind != DRAWN:
            continue
        p = e.payload
        lot = str(p.get("lot") or "").strip()
        if p.get("drug") != drug or abs(float(p.get("concentration_mg_per_ml") or 0) - conc) > 1e-9:
            notes.append(f"lot {lot or '?'} is {p.get('drug')} {_mg(float(p.get('concentration_mg_per_ml') or 0))} "
                         f"mg/mL, not the ordered {drug} {_mg(conc)} mg/mL")
            continue
        if not lot:
            notes.append("a draw has no lot number")
            continue
        try:
            expires = date.fromisoformat(str(p.get("expiry")))
        except ValueError:
            notes.append(f"lot {lot} has no valid expiry date")
            continue
        if expires < today:
            notes.append(f"lot {lot} expired on {expires.isoformat()}")
            continue
        usable += float(p.get("amount_mg") or 0.0) - wasted.get(e.id, 0.0)
    if usable + SLACK_MG >= needed:
        return None
    if usable <= 0 and not notes:
        head = (f"nothing is drawn yet: record the {drug} {_mg(conc)} mg/mL drawn for this order (lot, expiry, "
                f"volume) in the controlled-substance box before starting")
    else:
        head = (f"the draws hold {_mg(usable)} mg of {drug} {_mg(conc)} mg/mL but the order needs {_mg(needed)} "
                f"mg: record a further draw (lot, expiry, volume) before starting")
    return head + ("" if not notes else " (" + "; ".join(notes) + ")")
