"""Run as a separate process by the crash test: appends events and vitals until killed.

Prints the id of each event once `append` has returned, and the count of vitals once `flush` has
returned: everything printed was promised durable, so it must survive SIGKILL.
"""
from __future__ import annotations

import sys
from pathlib import Path

from console.records.audit import AuditLog
from console.records.database import open_database
from console.records.vitals import VitalsRecorder
from device_drivers.events import Measurement


def main(data_dir: str) -> None:
    db = open_database(Path(data_dir))
    log = AuditLog(db)
    recorder = VitalsRecorder(db, interval=0.05).start()
    i = 0
    while True:
        i += 1
        event = log.append("rate_changed", {"rate_ml_h": i % 40}, actor="nurse.a", session_id="S1")
        print(f"event {event.id}", flush=True)
        for k in range(6):
            recorder.submit(Measurement(float(i), "monitor", f"m{k}", float(k), "u"))
        if i % 10 == 0 and recorder.flush():
            print(f"vitals {6 * i}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
