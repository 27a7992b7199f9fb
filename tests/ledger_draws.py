"""The draw a nurse records before starting: the ordered drug, a lot, an expiry, enough volume (session and UI
tests). The session refuses Start without it (console/session/rules/draw_before_start.py)."""
from __future__ import annotations

from console.records.ledger import Ledger


def draw_the_order(session, nurse, now: float, *, lot: str = "L-2611", expiry: str = "2099-01-31",
                   volume_ml: float | None = None):
    """Record a draw covering the placed order in the session's own ledger; returns the Draw."""
    order = session.state.order
    drug = session.config.drugs[order["drug_id"]].drug
    volume = volume_ml if volume_ml is not None else max(float(order["total_ml"]),
                                                         float(order.get("container_ml") or 0))
    return Ledger(session.log.database, session.log).record_draw(
        session_id=session.session_id, drug=drug, concentration_mg_per_ml=float(order["concentration_mg_per_ml"]),
        lot=lot, expiry=expiry, volume_ml=volume, actor=nurse.username, t=now)
