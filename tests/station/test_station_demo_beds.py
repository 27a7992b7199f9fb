"""Headless simulated beds as separate processes (as `station --demo N` starts them); one killed outright."""
from __future__ import annotations

import os
import signal
import time

import pytest

from console.commands.station import start_demo_beds, stop_processes
from tests.station.helpers import start_station

pytestmark = pytest.mark.slow


def test_a_killed_bed_goes_offline_on_the_station_by_its_last_will(qtbot, broker):
    station = start_station(qtbot, broker.port)
    beds = start_demo_beds(broker.port, 2, plain=True)
    try:
        qtbot.waitUntil(lambda: all(b in station.tiles and station.model.beds[b].values
                                    for b in ("chair-1", "chair-2")), timeout=90000)
        qtbot.waitUntil(lambda: station.tiles["chair-1"].values["SpO2"].text().isdigit(), timeout=10000)
        os.kill(beds[0].pid, signal.SIGKILL)  # no goodbye: only the broker's last will can tell
        killed = time.time()
        qtbot.waitUntil(lambda: station.model.beds["chair-1"].offline_since is not None, timeout=15000)
        assert time.time() - killed <= station.timing.offline_after + 2
        assert "OFFLINE" in station.tiles["chair-1"].note.text()
        # the will itself arrives within 1.5 x keepalive; from then on the reason is the will
        qtbot.waitUntil(lambda: "last will" in station.model.beds["chair-1"].offline_why, timeout=12000)
        assert station.model.beds["chair-2"].offline_since is None
        assert any("chair-1 OFFLINE" in a.text for a in station.model.alarms(time.time()))
    finally:
        stop_processes(beds)
        station.shutdown()
