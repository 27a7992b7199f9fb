"""Where the alarm engine's records go: the audit log, and what happens when it cannot take them.

An alarm record that fails to write must not be lost nor stop the alarm: it waits in memory, in order,
and goes in with the next successful write; meanwhile the failure is reported (the engine turns it into
a high-priority technical alarm, so the nurse knows to keep paper notes).
"""
from __future__ import annotations

from typing import Any, Callable, Protocol


class EventLog(Protocol):
    def append(self, kind: str, payload: dict, *, actor: str | None = None, session_id: str | None = None,
               refers_to: int | None = None, t: float | None = None) -> Any: ...


class AuditRecorder:
    """`record(kind, payload, actor)` for the engine, writing to an AuditLog-like `log`."""

    def __init__(self, log: EventLog, *, session_id: Callable[[], str | None] | str | None = None,
                 on_failure: Callable[[float, str], None] | None = None,
                 on_recovery: Callable[[float], None] | None = None) -> None:
        self.log = log
        self._session = session_id
        self.on_failure = on_failure
        self.on_recovery = on_recovery
        self.waiting: list[tuple[str, dict, str | None, str | None]] = []
        self.failing = False

    def session_id(self) -> str | None:
        return self._session() if callable(self._session) else self._session

    def __call__(self, kind: str, payload: dict, actor: str | None) -> None:
        self.waiting.append((kind, payload, actor, self.session_id()))
        self.flush()

    def flush(self) -> bool:
        """Write everything waiting, in order; False (and a failure report) if the log refuses."""
        last_t = 0.0
        while self.waiting:
            kind, payload, actor, session = self.waiting[0]
            last_t = payload.get("t", last_t)
            try:
                self.log.append(kind, payload, actor=actor, session_id=session, t=payload.get("t"))
            except Exception as exc:  # sqlite3 errors, a full disk, a closed database: all mean "not saved"
                first = not self.failing
                self.failing = True
                if first and self.on_failure is not None:
                    self.on_failure(payload.get("t", 0.0), f"{type(exc).__name__}: {exc}")
                return False
            self.waiting.pop(0)
        if self.failing:
            self.failing = False
            if self.on_recovery is not None:
                self.on_recovery(last_t)
        return True
