"""The controlled-substance ledger: every milligram drawn is either given or wasted in front of a witness.

Per session the nurse records each vial or bag drawn (drug, concentration, lot, expiry, volume, who),
any waste with a second person as witness, and a reconciliation: drawn = given + wasted, where "given" is
the infusion record integrated over its rate history. A session with an unexplained difference cannot be
closed (`close_problem` is what the session asks). Each action is an audit event and a ledger row,
committed together. `daily_report` lists a day's draws, waste and balances across sessions.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from console.errors import UserError
from console.records.audit import AuditLog
from console.records.database import Database
from console.records.records_config import RecordsConfig, records_config
from console.records.session_record import INFUSION_STARTED, SessionRecord, fold, given_mg

DRAWN = "ledger.drawn"
WASTED = "ledger.wasted"
RECONCILED = "ledger.reconciled"


class LedgerError(UserError):
    """A ledger entry that cannot be accepted as entered; the message says what to correct."""


@dataclass(frozen=True)
class Draw:
    id: int
    event_id: int
    t: float
    session_id: str
    drug: str
    concentration_mg_per_ml: float
    lot: str
    expiry: str
    volume_ml: float
    amount_mg: float
    drawn_by: str


@dataclass(frozen=True)
class Waste:
    id: int
    event_id: int
    t: float
    session_id: str
    draw_id: int
    volume_ml: float
    amount_mg: float
    wasted_by: str
    witness: str
    reason: str


@dataclass(frozen=True)
class Balance:
    """drawn - given - wasted for one session; `balanced` within the configured tolerance."""

    session_id: str
    drawn_mg: float
    given_mg: float
    wasted_mg: float
    tolerance_mg: float

    @property
    def discrepancy_mg(self) -> float:
        return self.drawn_mg - self.given_mg - self.wasted_mg

    @property
    def balanced(self) -> bool:
        return abs(self.discrepancy_mg) <= self.tolerance_mg

    def explain(self) -> str:
        d = self.discrepancy_mg
        figures = (f"drawn {self.drawn_mg:.1f} mg, given {self.given_mg:.1f} mg, wasted {self.wasted_mg:.1f} mg")
        if self.balanced:
            return f"ledger balanced: {figures}"
        if d > 0:
            return (f"ledger discrepancy: {d:.1f} mg unaccounted for ({figures}); record the waste with a "
                    f"witness, or a correction, before closing the session")
        return (f"ledger discrepancy: {-d:.1f} mg more given or wasted than drawn ({figures}); record the "
                f"missing draw before closing the session")


@dataclass(frozen=True)
class Reconciliation:
    event_id: int
    t: float
    balance: Balance
    reconciled_by: str


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise LedgerError(f"{what} {text!r} is not a date; enter it as YYYY-MM-DD") from None


class Ledger:
    def __init__(self, database: Database, audit: AuditLog | None = None,
                 config: RecordsConfig | None = None) -> None:
        self.database = database
        self.audit = audit or AuditLog(database)
        self.config = config or records_config()

    # ---- entries --------------------------------------------------------------------------------------
    def record_draw(self, *, session_id: str, drug: str, concentration_mg_per_ml: float, lot: str,
                    expiry: str, volume_ml: float, actor: str, t: float | None = None) -> Draw:
        """A vial or bag taken for this session. An expired or unlabelled container is refused."""
        t = time.time() if t is None else float(t)
        if not drug or not str(drug).strip():
            raise LedgerError("say which drug was drawn")
        if not lot or not str(lot).strip():
            raise LedgerError("enter the lot number printed on the vial or bag")
        expires = _parse_day(expiry, "expiry date")
        if expires < datetime.fromtimestamp(t).date():
            raise LedgerError(f"lot {lot} expired on {expiry}; take another container and record it instead")
        if not concentration_mg_per_ml or concentration_mg_per_ml <= 0:
            raise LedgerError("the concentration must be a positive number of mg/mL")
        if not volume_ml or volume_ml <= 0:
            raise LedgerError("the volume drawn must be a positive number of mL")
        if not actor:
            raise LedgerError("a draw must be recorded by a logged-in user")
        amount_mg = float(volume_ml) * float(concentration_mg_per_ml)
        payload = {"drug": drug, "concentration_mg_per_ml": float(concentration_mg_per_ml), "lot": lot,
                   "expiry": expires.isoformat(), "volume_ml": float(volume_ml), "amount_mg": amount_mg}
        with self.database.write() as conn:
            event = self.audit.append_in(conn, DRAWN, payload, actor=actor, session_id=session_id, t=t)
            cur = conn.execute(
                "INSERT INTO ledger_draws(event_id, t, session_id, drug, concentration_mg_per_ml, lot, "
                "expiry, volume_ml, amount_mg, drawn_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.id, t, session_id, drug, float(concentration_mg_per_ml), lot, expires.isoformat(),
                 float(volume_ml), amount_mg, actor))
        return Draw(cur.lastrowid, event.id, t, session_id, drug, float(concentration_mg_per_ml), lot,
                    expires.isoformat(), float(volume_ml), amount_mg, actor)

    def record_waste(self, *, session_id: str, volume_ml: float, actor: str, witness: str,
                     reason: str = "", draw_id: int | None = None, t: float | None = None) -> Waste:
        """Drug discarded. `witness` is the user id of a second person whose PIN the session verified."""
        t = time.time() if t is None else float(t)
        if not witness:
            raise LedgerError("waste needs a witness: a second user must enter their PIN")
        if witness == actor:
            raise LedgerError("the witness must be a different person from the one wasting the drug")
        if not volume_ml or volume_ml <= 0:
            raise LedgerError("the volume wasted must be a positive number of mL")
        draws = self.draws(session_id)
        if not draws:
            raise LedgerError("nothing has been drawn in this session; record the draw first")
        if draw_id is None:
            draw = draws[-1]
        else:
            draw = next((d for d in draws if d.id == draw_id), None)
            if draw is None:
                raise LedgerError(f"draw {draw_id} does not belong to this session")
        amount_mg = float(volume_ml) * draw.concentration_mg_per_ml
        payload = {"draw_id": draw.id, "lot": draw.lot, "drug": draw.drug, "volume_ml": float(volume_ml),
                   "amount_mg": amount_mg, "witness": witness, "reason": reason}
        with self.database.write() as conn:
            event = self.audit.append_in(conn, WASTED, payload, actor=actor, session_id=session_id, t=t,
                                         refers_to=draw.event_id)
            cur = conn.execute(
                "INSERT INTO ledger_waste(event_id, t, session_id, draw_id, volume_ml, amount_mg, wasted_by, "
                "witness, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.id, t, session_id, draw.id, float(volume_ml), amount_mg, actor, witness, reason))
        return Waste(cur.lastrowid, event.id, t, session_id, draw.id, float(volume_ml), amount_mg, actor,
                     witness, reason)

    # ---- reading --------------------------------------------------------------------------------------
    def draws(self, session_id: str | None = None, *, since: float | None = None,
              until: float | None = None) -> list[Draw]:
        rows = self._select("SELECT id, event_id, t, session_id, drug, concentration_mg_per_ml, lot, expiry, "
                            "volume_ml, amount_mg, drawn_by FROM ledger_draws", session_id, since, until)
        return [Draw(*r) for r in rows]

    def wastes(self, session_id: str | None = None, *, since: float | None = None,
               until: float | None = None) -> list[Waste]:
        rows = self._select("SELECT id, event_id, t, session_id, draw_id, volume_ml, amount_mg, wasted_by, "
                            "witness, reason FROM ledger_waste", session_id, since, until)
        return [Waste(*r) for r in rows]

    def _select(self, sql: str, session_id: str | None, since: float | None, until: float | None) -> list:
        where, params = [], []
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        if since is not None:
            where.append("t >= ?")
            params.append(since)
        if until is not None:
            where.append("t < ?")
            params.append(until)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.database.lock:
            return self.database.conn.execute(sql + " ORDER BY id", params).fetchall()

    def given_mg(self, session_id: str, now: float | None = None) -> float:
        """mg given by infusion, from the session's rate history (as the session itself computes it)."""
        return given_mg(self._session(session_id), now)

    def _session(self, session_id: str) -> SessionRecord:
        return fold(session_id, self.audit.events(session_id=session_id))

    def balance(self, session_id: str, *, given_mg: float | None = None, now: float | None = None) -> Balance:
        """drawn vs given + wasted now; pass `given_mg` when the caller has just computed it itself."""
        drawn = sum(d.amount_mg for d in self.draws(session_id))
        wasted = sum(w.amount_mg for w in self.wastes(session_id))
        given = self.given_mg(session_id, now) if given_mg is None else float(given_mg)
        return Balance(session_id, drawn, given, wasted, self.config.ledger_tolerance_mg)

    def reconcile(self, session_id: str, *, actor: str, given_mg: float | None = None,
                  t: float | None = None) -> Reconciliation:
        """Record the balance (balanced or not) as a ledger entry and an audit event."""
        t = time.time() if t is None else float(t)
        b = self.balance(session_id, given_mg=given_mg, now=t)
        payload = {"drawn_mg": b.drawn_mg, "given_mg": b.given_mg, "wasted_mg": b.wasted_mg,
                   "discrepancy_mg": b.discrepancy_mg, "balanced": b.balanced, "tolerance_mg": b.tolerance_mg}
        with self.database.write() as conn:
            event = self.audit.append_in(conn, RECONCILED, payload, actor=actor, session_id=session_id, t=t)
            conn.execute(
                "INSERT INTO ledger_reconciliations(event_id, t, session_id, drawn_mg, given_mg, wasted_mg, "
                "discrepancy_mg, balanced, reconciled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.id, t, session_id, b.drawn_mg, b.given_mg, b.wasted_mg, b.discrepancy_mg,
                 int(b.balanced), actor))
        return Reconciliation(event.id, t, b, actor)

    def close_problem(self, session_id: str, *, given_mg: float | None = None,
                      now: float | None = None) -> str | None:
        """Why this session cannot be closed yet (None when the ledger balances). The session calls this
        before sign-off; a session in which no drug was drawn and none given needs no ledger."""
        b = self.balance(session_id, given_mg=given_mg, now=now)
        if b.drawn_mg == 0 and b.given_mg == 0 and b.wasted_mg == 0:
            return None
        return None if b.balanced else b.explain()

    # ---- the day's report -----------------------------------------------------------------------------
    def daily_report(self, day: date) -> "DailyLedger":
        """Every session with ledger activity on `day` (local time), with its balance."""
        start = datetime.combine(day, datetime.min.time()).astimezone()
        since, until = start.timestamp(), (start + timedelta(days=1)).timestamp()
        draws, wastes = self.draws(since=since, until=until), self.wastes(since=since, until=until)
        with self.database.lock:  # a session that gave drug with nothing drawn is the first thing to show
            infused = [r[0] for r in self.database.conn.execute(
                "SELECT session_id FROM events WHERE kind = ? AND t >= ? AND t < ? ORDER BY id",
                (INFUSION_STARTED, since, until)).fetchall()]
        session_ids = list(dict.fromkeys([d.session_id for d in draws] + [w.session_id for w in wastes] + infused))
        sessions = []
        for sid in session_ids:
            record = self._session(sid)
            balance = self.balance(sid, given_mg=given_mg(record, until))
            sessions.append(DailySession(sid, record.patient.get("mrn", ""), record.patient.get("name", ""),
                                         record.status, [d for d in draws if d.session_id == sid],
                                         [w for w in wastes if w.session_id == sid], balance))
        return DailyLedger(day, sessions)


@dataclass
class DailySession:
    session_id: str
    mrn: str
    patient_name: str
    status: str
    draws: list[Draw]
    wastes: list[Waste]
    balance: Balance


@dataclass
class DailyLedger:
    day: date
    sessions: list[DailySession] = field(default_factory=list)

    @property
    def discrepancies(self) -> list[DailySession]:
        return [s for s in self.sessions if not s.balance.balanced]

    def totals_by_drug(self) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        for s in self.sessions:
            for d in s.draws:
                totals.setdefault(d.drug, {"drawn_mg": 0.0, "wasted_mg": 0.0})["drawn_mg"] += d.amount_mg
            for w in s.wastes:
                drug = next((d.drug for d in s.draws if d.id == w.draw_id), "?")
                totals.setdefault(drug, {"drawn_mg": 0.0, "wasted_mg": 0.0})["wasted_mg"] += w.amount_mg
        return totals

    def to_text(self) -> str:
        lines = [f"Controlled-substance ledger for {self.day.isoformat()}: {len(self.sessions)} session(s), "
                 f"{len(self.discrepancies)} discrepancy(ies)"]
        for s in self.sessions:
            flag = "OK " if s.balance.balanced else "!! "
            lines.append(f"{flag}session {s.session_id}  {s.mrn} {s.patient_name}  [{s.status}]  "
                         f"{s.balance.explain()}")
            for d in s.draws:
                lines.append(f"    drawn  {_clock(d.t)}  {d.drug} {d.concentration_mg_per_ml:g} mg/mL  lot {d.lot} "
                             f"exp {d.expiry}  {d.volume_ml:g} mL = {d.amount_mg:.1f} mg  by {d.drawn_by}")
            for w in s.wastes:
                lines.append(f"    wasted {_clock(w.t)}  {w.volume_ml:g} mL = {w.amount_mg:.1f} mg  by {w.wasted_by}, "
                             f"witness {w.witness}  {w.reason}".rstrip())
        for drug, total in self.totals_by_drug().items():
            lines.append(f"total {drug}: drawn {total['drawn_mg']:.1f} mg, wasted {total['wasted_mg']:.1f} mg")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "sessions": [
            {"session_id": s.session_id, "mrn": s.mrn, "status": s.status, "drawn_mg": s.balance.drawn_mg,
             "given_mg": s.balance.given_mg, "wasted_mg": s.balance.wasted_mg,
             "discrepancy_mg": s.balance.discrepancy_mg, "balanced": s.balance.balanced,
             "lots": sorted({d.lot for d in s.draws}), "witnesses": sorted({w.witness for w in s.wastes})}
            for s in self.sessions], "totals": self.totals_by_drug()}


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M")


#: How each ledger table's columns must agree with the audit event written with it (column -> payload key,
#: or the event's own field in angle brackets).
_MIRRORS = {
    "ledger_draws": {"t": "<t>", "session_id": "<session_id>", "drawn_by": "<actor>", "drug": "drug",
                     "concentration_mg_per_ml": "concentration_mg_per_ml", "lot": "lot", "expiry": "expiry",
                     "volume_ml": "volume_ml", "amount_mg": "amount_mg"},
    "ledger_waste": {"t": "<t>", "session_id": "<session_id>", "wasted_by": "<actor>", "draw_id": "draw_id",
                     "volume_ml": "volume_ml", "amount_mg": "amount_mg", "witness": "witness", "reason": "reason"},
    "ledger_reconciliations": {"t": "<t>", "session_id": "<session_id>", "reconciled_by": "<actor>",
                               "drawn_mg": "drawn_mg", "given_mg": "given_mg", "wasted_mg": "wasted_mg",
                               "discrepancy_mg": "discrepancy_mg", "balanced": "balanced"},
}


def cross_check(conn) -> str:
    """The ledger tables are not chained themselves: each row must agree with its (chained) audit event.
    Returns the first disagreement in words, "" when every row matches."""
    import json
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, mirror in _MIRRORS.items():
        if table not in tables:
            continue
        columns = list(mirror)
        sql = (f"SELECT l.id, l.event_id, e.t, e.session_id, e.actor, e.payload, {', '.join('l.' + c for c in columns)} "
               f"FROM {table} l LEFT JOIN events e ON e.id = l.event_id ORDER BY l.id")
        for row in conn.execute(sql):
            row_id, event_id, t, session_id, actor, payload = row[:6]
            if payload is None:
                return f"{table} row {row_id}: its audit event {event_id} is missing"
            event = {"<t>": t, "<session_id>": session_id, "<actor>": actor, **json.loads(payload)}
            for column, value in zip(columns, row[6:]):
                expected = event.get(mirror[column])
                if isinstance(expected, bool):
                    expected = int(expected)
                if expected != value and not (isinstance(value, float) and isinstance(expected, (int, float))
                                              and abs(value - expected) < 1e-9):
                    return (f"{table} row {row_id}: {column} is {value!r} but its audit event {event_id} "
                            f"recorded {expected!r}")
    return ""
