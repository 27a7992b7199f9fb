"""SQL for the session's people: staff accounts, patients, weights (tables from migration m0002).

The rules (PIN hashing, lockout, who may do what) live in console/session/staff.py; this module only
stores and fetches rows, committing each write so a crash never loses an account or a weight.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from console.records.database import Database


def _row(cursor: sqlite3.Cursor, row: tuple) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row)}


class PeopleStore:
    """Rows of the people tables in an open records Database (reads under its lock, writes durable)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        with self.database.lock:
            cur = self.database.conn.execute(sql, args)
            row = cur.fetchone()
            return None if row is None else _row(cur, row)

    def _all(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self.database.lock:
            cur = self.database.conn.execute(sql, args)
            return [_row(cur, r) for r in cur.fetchall()]

    def _write(self, sql: str, args: tuple) -> int:
        with self.database.write() as conn:
            return conn.execute(sql, args).lastrowid

    # staff
    def staff_count(self) -> int:
        return self._one("SELECT count(*) AS n FROM staff")["n"]

    def get_staff(self, username: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM staff WHERE username = ?", (username,))

    def list_staff(self) -> list[dict[str, Any]]:
        return self._all("SELECT username, name, role, active, locked_until FROM staff ORDER BY name")

    def insert_staff(self, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self._write(f"INSERT INTO staff ({cols}) VALUES ({marks})", tuple(row.values()))

    def set_staff_auth(self, username: str, *, failures: int, locked_until: float | None) -> None:
        self._write("UPDATE staff SET failures = ?, locked_until = ? WHERE username = ?",
                    (failures, locked_until, username))

    def set_staff_pin(self, username: str, *, pin_hash: str, pin_salt: str, kdf: str) -> None:
        self._write("UPDATE staff SET pin_hash = ?, pin_salt = ?, kdf = ?, failures = 0, locked_until = NULL "
                    "WHERE username = ?", (pin_hash, pin_salt, kdf, username))

    # patients
    def add_patient(self, *, mrn: str, name: str, dob: str, allergies: str, t: float, by: str | None) -> int:
        return self._write("INSERT INTO patients (mrn, name, dob, allergies, created_t, created_by) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (mrn, name, dob, allergies, t, by))

    def get_patient(self, patient_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM patients WHERE id = ?", (patient_id,))

    def patient_by_mrn(self, mrn: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM patients WHERE mrn = ?", (mrn,))

    def find_patients(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        like = f"%{text.strip()}%"
        return self._all("SELECT * FROM patients WHERE mrn = ? OR name LIKE ? COLLATE NOCASE ORDER BY name "
                         "LIMIT ?", (text.strip(), like, limit))

    def copy_patient(self, record: dict[str, Any], *, audit, actor: str, t: float) -> int:
        """A patient known at another chair (clinic_reads.patient_record) written here, with their weights,
        and one `patient.copied_from_clinic` audit event, in one transaction. The caller has checked the
        MRN is not here yet; the UNIQUE MRN makes a race refuse rather than duplicate."""
        with self.database.write() as conn:
            pid = conn.execute("INSERT INTO patients (mrn, name, dob, allergies, created_t, created_by) "
                               "VALUES (?, ?, ?, ?, ?, ?)", (record["mrn"], record["name"], record["dob"],
                                                             record["allergies"], record["created_t"],
                                                             record["created_by"])).lastrowid
            for w in record.get("weights", []):
                conn.execute("INSERT INTO weights (patient_id, weight_kg, measured_on, recorded_t, recorded_by) "
                             "VALUES (?, ?, ?, ?, ?)", (pid, w["weight_kg"], w["measured_on"], w["recorded_t"],
                                                        w["recorded_by"]))
            audit.append_in(conn, "patient.copied_from_clinic", {
                "patient_id": pid, "mrn": record["mrn"], "name": record["name"], "dob": record["dob"],
                "from_console": record.get("from_console") or "", "weights": len(record.get("weights", []))},
                actor=actor, t=t)
        return pid

    def add_weight(self, patient_id: int, *, weight_kg: float, measured_on: str, t: float, by: str | None) -> int:
        return self._write("INSERT INTO weights (patient_id, weight_kg, measured_on, recorded_t, recorded_by) "
                           "VALUES (?, ?, ?, ?, ?)", (patient_id, weight_kg, measured_on, t, by))

    def last_weight(self, patient_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM weights WHERE patient_id = ? ORDER BY recorded_t DESC, id DESC LIMIT 1",
                         (patient_id,))
