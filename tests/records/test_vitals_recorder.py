"""Vitals go to disk off the GUI thread, in batches, and a failing disk is reported, not ignored."""
from __future__ import annotations

import sqlite3
import threading
import time

import numpy as np

from console.records.database import FILE_NAME
from console.records.vitals import VitalsRecorder, metric_units, read_vitals
from device_drivers.events import Measurement


def spo2(t, value, device="monitor"):
    return Measurement(t, device, "spo2", value, "%")


def test_a_burst_of_samples_is_written_in_a_few_batches_not_one_commit_each(database):
    recorder = VitalsRecorder(database, interval=0.5).start()
    for i in range(600):
        recorder.submit(spo2(1000.0 + i, 90 + i % 10))
        recorder.submit(Measurement(1000.0 + i, "monitor", "hr", 60 + i % 20, "bpm"))
    assert recorder.flush()
    assert recorder.rows_written == 1200
    assert recorder.batches < 20
    t, v = read_vitals(database, "spo2")
    assert len(t) == 600 and np.all(np.diff(t) > 0) and v[:3].tolist() == [90.0, 91.0, 92.0]
    assert metric_units(database) == {"spo2": "%", "hr": "bpm"}
    recorder.stop()


def test_a_sample_reaches_the_disk_without_anyone_asking_for_a_flush(database, data_dir):
    recorder = VitalsRecorder(database, interval=0.2).start()
    recorder.submit(spo2(1.0, 97))
    other = sqlite3.connect(data_dir / FILE_NAME)
    deadline = time.monotonic() + 10
    while other.execute("SELECT COUNT(*) FROM vitals").fetchone()[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert other.execute("SELECT value FROM vitals").fetchall() == [(97.0,)]
    other.close()
    recorder.stop()


def test_submit_returns_at_once_while_the_disk_is_locked_by_someone_else(database, data_dir):
    recorder = VitalsRecorder(database, interval=0.1).start()
    blocker = sqlite3.connect(data_dir / FILE_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    for i in range(1000):
        recorder.submit(spo2(float(i), 95))
    assert recorder.rows_written == 0  # every submit returned while no write could have happened
    blocker.execute("COMMIT")
    blocker.close()
    assert recorder.flush()
    assert len(read_vitals(database, "spo2")[0]) == 1000
    recorder.stop()


def test_a_failing_write_is_reported_and_the_samples_are_kept_for_the_next_try(database):
    messages = []
    recorder = VitalsRecorder(database, interval=0.1, on_error=messages.append).start()
    database.conn.execute("ALTER TABLE vitals RENAME TO vitals_away")
    recorder.submit(spo2(1.0, 96))
    assert recorder.flush() is False
    assert messages and "vitals recording failed" in messages[0] and "held for retry" in messages[0]
    database.conn.execute("ALTER TABLE vitals_away RENAME TO vitals")
    recorder.submit(spo2(2.0, 97))
    assert recorder.flush()
    assert read_vitals(database, "spo2")[1].tolist() == [96.0, 97.0]
    recorder.stop()


def test_read_vitals_filters_by_time_window_and_device(database):
    recorder = VitalsRecorder(database)
    for i in range(10):
        recorder.submit(spo2(100.0 + i, 90 + i, "monitor"))
        recorder.submit(spo2(100.0 + i, 80 + i, "oximeter"))
    recorder.stop()
    t, v = read_vitals(database, "spo2", since=103, until=105, device="oximeter")
    assert t.tolist() == [103.0, 104.0, 105.0] and v.tolist() == [83.0, 84.0, 85.0]
    assert read_vitals(database, "etco2")[0].size == 0
    assert read_vitals(database, "spo2", device="no such device")[0].size == 0


def test_samples_from_several_threads_all_arrive(database):
    recorder = VitalsRecorder(database, interval=0.05)

    def feed(device):
        for i in range(200):
            recorder.submit(spo2(float(i), 95, device))

    threads = [threading.Thread(target=feed, args=(f"dev{n}",)) for n in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    recorder.stop()
    assert len(read_vitals(database, "spo2")[0]) == 600


def test_a_sample_with_no_number_does_not_block_the_ones_around_it(database):
    messages = []
    recorder = VitalsRecorder(database, on_error=messages.append)
    recorder.submit(spo2(1.0, 97))
    recorder.submit(spo2(2.0, float("nan")))  # the device's "no reading"
    recorder.submit(Measurement(3.0, "pump", "state", "running", ""))  # not a number
    recorder.submit(spo2(4.0, 98))
    assert recorder.flush()
    recorder.stop()
    assert read_vitals(database, "spo2")[1].tolist() == [97.0, 98.0]
    assert len(messages) == 1 and "1 samples without a usable number" in messages[0] and "'running'" in messages[0]
