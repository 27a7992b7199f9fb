"""The append-only, hash-chained clinical event log.

Each event's `hash` is SHA-256 over the canonical JSON of its own fields plus the previous event's hash,
so editing, deleting or reordering any row breaks the chain from that row on, and `verify_chain` names
the first row where it breaks. An event is committed (fsynced) before `append` returns: the screen shows
a step as done only once it is on disk (design.md, "Data flow").
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Iterable

from console.records.database import Database

GENESIS_HASH = "0" * 64
_COLUMNS = "id, t, kind, session_id, actor, payload, refers_to, prev_hash, hash"


def canonical_json(value: Any) -> str:
    """One fixed text for one value: sorted keys, no spaces, UTF-8 as is, floats as repr, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(*, id: int, t: float, kind: str, session_id: str | None, actor: str | None,
               payload: dict[str, Any], refers_to: int | None, prev_hash: str) -> str:
    body = canonical_json({"id": id, "t": t, "kind": kind, "session_id": session_id, "actor": actor,
                           "payload": payload, "refers_to": refers_to, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    t: float
    kind: str
    session_id: str | None
    actor: str | None
    payload: dict[str, Any]
    refers_to: int | None
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: tuple) -> "AuditEvent":
        id_, t, kind, session_id, actor, payload, refers_to, prev_hash, hash_ = row
        return cls(id_, t, kind, session_id, actor, json.loads(payload), refers_to, prev_hash, hash_)


class AuditLog:
    """Append and read clinical events. Thread-safe: appends are serialised by the database's write lock."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def append(self, kind: str, payload: dict[str, Any], *, actor: str | None = None,
               session_id: str | None = None, refers_to: int | None = None,
               t: float | None = None) -> AuditEvent:
        with self.database.write() as conn:
            return self.append_in(conn, kind, payload, actor=actor, session_id=session_id,
                                  refers_to=refers_to, t=t)

    def append_in(self, conn: sqlite3.Connection, kind: str, payload: dict[str, Any], *,
                  actor: str | None = None, session_id: str | None = None, refers_to: int | None = None,
                  t: float | None = None) -> AuditEvent:
        """Append inside a transaction the caller holds (`with database.write() as conn`), so that rows
        of another records table and their audit event commit together or not at all."""
        if not conn.in_transaction:
            raise RuntimeError("append_in needs an open write transaction (use database.write())")
        if not kind or not isinstance(kind, str):
            raise ValueError("an event needs a kind")
        if not isinstance(payload, dict):
            raise TypeError(f"an event payload must be a dict, not {type(payload).__name__}")
        t = time.time() if t is None else float(t)
        payload_text = canonical_json(payload)
        payload = json.loads(payload_text)  # what a reader will get back (tuples become lists, etc.)
        last = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        new_id, prev_hash = (1, GENESIS_HASH) if last is None else (last[0] + 1, last[1])
        if refers_to is not None and conn.execute("SELECT 1 FROM events WHERE id = ?",
                                                  (refers_to,)).fetchone() is None:
            raise ValueError(f"event refers to event {refers_to}, which does not exist")
        digest = event_hash(id=new_id, t=t, kind=kind, session_id=session_id, actor=actor,
                            payload=payload, refers_to=refers_to, prev_hash=prev_hash)
        conn.execute(f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (new_id, t, kind, session_id, actor, payload_text, refers_to, prev_hash, digest))
        conn.execute("INSERT INTO meta(key, value) VALUES ('chain_head', ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (f"{new_id}:{digest}",))
        return AuditEvent(new_id, t, kind, session_id, actor, payload, refers_to, prev_hash, digest)

    def events(self, *, session_id: str | None = None, kinds: Iterable[str] | None = None,
               after_id: int = 0, until_id: int | None = None) -> list[AuditEvent]:
        """Events in the order they were recorded, optionally for one session, some kinds, an id range."""
        sql = f"SELECT {_COLUMNS} FROM events WHERE id > ?"
        params: list[Any] = [after_id]
        if until_id is not None:
            sql += " AND id <= ?"
            params.append(until_id)
        if session_id is not None:
            sql += " AND session_id = ?"
            params.append(session_id)
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else list(kinds)
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        sql += " ORDER BY id"
        with self.database.lock:
            rows = self.database.conn.execute(sql, params).fetchall()
        return [AuditEvent.from_row(r) for r in rows]

    def get(self, event_id: int) -> AuditEvent | None:
        with self.database.lock:
            row = self.database.conn.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?",
                                             (event_id,)).fetchone()
        return None if row is None else AuditEvent.from_row(row)

    def session_ids(self) -> list[str]:
        with self.database.lock:
            rows = self.database.conn.execute(
                "SELECT session_id FROM events WHERE session_id IS NOT NULL "
                "GROUP BY session_id ORDER BY MIN(id)").fetchall()
        return [r[0] for r in rows]


@dataclass(frozen=True)
class ChainReport:
    """Outcome of `verify_chain`: `ok`, how many events, and for a broken chain the first bad row and why."""

    ok: bool
    count: int
    head_hash: str
    bad_id: int | None = None
    problem: str = ""

    def summary(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.count} events, head {self.head_hash[:12]}"
        return f"audit chain broken at event row {self.bad_id}: {self.problem}"


def verify_chain(database: Database | sqlite3.Connection) -> ChainReport:
    """Walk the chain from the first event and report the first row that is edited, missing or moved.

    Streams the rows (a year of sessions does not have to fit in memory).
    """
    conn = database.conn if isinstance(database, Database) else database
    prev_hash, expected_id, count, last_id, last_hash = GENESIS_HASH, 1, 0, None, None
    for row in conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY id"):
        id_, t, kind, session_id, actor, payload_text, refers_to, stored_prev, stored_hash = row
        bad = _check_row(conn, row, prev_hash, expected_id)
        if bad:
            return ChainReport(False, count, prev_hash, id_, bad)
        prev_hash, expected_id = stored_hash, id_ + 1
        last_id, last_hash = id_, stored_hash
        count += 1
    head = _chain_head(conn)
    if head is not None:
        head_id, _, head_hash = head.partition(":")
        if last_id is None:
            return ChainReport(False, 0, GENESIS_HASH, int(head_id),
                               "deleted: the log is empty but events were recorded")
        if int(head_id) > last_id:
            return ChainReport(False, count, prev_hash, last_id + 1,
                               f"deleted: the log ended at event {head_id} but now ends at {last_id}")
        if int(head_id) == last_id and head_hash != last_hash:
            return ChainReport(False, count, prev_hash, last_id,
                               "edited: the last event differs from the recorded head of the chain")
    return ChainReport(True, count, prev_hash)


def _check_row(conn: sqlite3.Connection, row: tuple, prev_hash: str, expected_id: int) -> str:
    """What is wrong with this row given the one before it ("" when nothing)."""
    id_, t, kind, session_id, actor, payload_text, refers_to, stored_prev, stored_hash = row
    try:
        payload = json.loads(payload_text)
    except (TypeError, ValueError):
        return "edited: its payload is not valid JSON"
    fields = dict(t=t, kind=kind, session_id=session_id, actor=actor, payload=payload,
                  refers_to=refers_to, prev_hash=stored_prev)
    try:
        own_ok = event_hash(id=id_, **fields) == stored_hash
    except (TypeError, ValueError) as exc:
        return f"edited: its fields cannot be hashed ({exc})"
    if not own_ok:
        moved_from = _original_position(conn, id_, fields, stored_hash)
        if moved_from is not None:
            return f"reordered: this row holds the event recorded as number {moved_from}"
        return f"edited: its contents no longer match its hash (kind {kind!r}, session {session_id!r})"
    if id_ != expected_id:
        missing = f"{expected_id}" if id_ == expected_id + 1 else f"{expected_id}-{id_ - 1}"
        return f"deleted: event row(s) {missing} before it are missing"
    if stored_prev != prev_hash:
        return ("bad link: its previous-hash does not match the event before it "
                "(an event before it was removed or replaced)")
    if refers_to is not None and refers_to >= id_:
        return f"bad reference: it refers to a later event {refers_to}"
    return ""


def _original_position(conn: sqlite3.Connection, own_id: int, fields: dict[str, Any],
                       stored_hash: str) -> int | None:
    """If this row's content hashes correctly under another id, that id is where it was recorded.

    Tries the slot after the row its previous-hash points to first, then every other id (only ever done
    for the first bad row, so the cost is one pass of hashing).
    """
    hinted = []
    if fields["prev_hash"] == GENESIS_HASH:
        hinted.append(1)
    else:
        prev = conn.execute("SELECT id FROM events WHERE hash = ?", (fields["prev_hash"],)).fetchone()
        if prev is not None:
            hinted.extend((prev[0] + 1, prev[0] - 1))
    others = (r[0] for r in conn.execute("SELECT id FROM events ORDER BY id").fetchall())
    for candidate in (*hinted, *others):
        if candidate != own_id and event_hash(id=candidate, **fields) == stored_hash:
            return candidate
    return None


def _chain_head(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'chain_head'").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else row[0]
