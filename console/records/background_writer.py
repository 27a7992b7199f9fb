"""The loop both bulk recorders share: a thread with its own connection, a queue, batches, retry, flush.

`submit` only puts an item on a queue, so a slow disk never stalls the screen or a link thread. The thread
takes items as they come (`_take`), and writes what it holds (`_write_held`) at least every `interval`
seconds, at once when someone waits in `flush()`, and when stopped. A write that fails keeps what it held
for the next attempt (the subclass says so through `_report`); past the subclass's cap the oldest is shed
(`_shed`), reported, never silently. Used by VitalsRecorder (records/vitals.py) and WaveRecorder
(records/waves.py), which differ only in what they hold and how they write it.
"""
from __future__ import annotations

import queue
import sqlite3
import threading
import time
from typing import Callable

from console.records.database import Database


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = True


_STOP = object()


class BackgroundWriter:
    """Thread-owned, batched writer; subclasses define `_take`, `_write_held`, `_shed` and `_stopped`."""

    #: the thread's name (seen in faults.log and in `py-spy dump`)
    thread_name = "records-writer"

    def __init__(self, database: Database, *, interval: float,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.database = database
        self.interval = interval
        self.on_error = on_error
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.failures = 0

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def submit(self, item) -> None:
        """Queue one item; returns at once, from any thread. Starts the thread on first use."""
        if self._thread is None:
            self.start()
        self._queue.put(item)

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until everything submitted so far is committed; False if the write failed or timed out."""
        if self._thread is None or not self._thread.is_alive():
            return self._queue.empty()
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout) and marker.ok

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread and close its connection."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def _report(self, message: str) -> None:
        self.failures += 1
        if self.on_error is not None:
            try:
                self.on_error(message)
            except Exception:  # the error channel must not kill the recorder
                pass

    # -- on the writer thread: what subclasses define ---------------------------------------------------
    def _take(self, item) -> None:
        raise NotImplementedError

    def _write_held(self, conn: sqlite3.Connection) -> bool:
        """Write (and on success forget) what is held; False when the write failed (kept for a retry)."""
        raise NotImplementedError

    def _shed(self) -> None:
        """After a failed write: drop the oldest beyond the cap, and report it."""

    def _stopped(self) -> None:
        """After the last write on stop: report anything still held."""

    def _run(self) -> None:
        conn = self.database.connect()
        waiting: list[_Flush] = []
        deadline = time.monotonic() + self.interval
        stopping = False
        try:
            while not stopping:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    item = None
                if item is _STOP:
                    stopping = True
                elif isinstance(item, _Flush):
                    waiting.append(item)
                elif item is not None:
                    self._take(item)
                now = time.monotonic()
                if not (stopping or waiting or now >= deadline):
                    continue
                ok = self._write_held(conn)
                if not ok:
                    self._shed()
                for marker in waiting:
                    marker.ok = ok
                    marker.done.set()
                waiting = []
                deadline = now + self.interval
            self._stopped()
        finally:
            conn.close()
