"""Every value on a bed tile is whole at the station's default 800x600 with 12 beds, and at 1366x768 and
1920x1080 (reported: "124/78" cut on the NIBP value at 800x600).

The real StationWindow, fed the beds' messages through its own entry point (on_message, as the MQTT
client hands them over): status, session, numerics with the widest values a bed sends (NIBP 188/112,
pulse 150, SpO2 100), one value in alarm and one bed stale.
"""
from __future__ import annotations

import os
import time

import pytest
from PySide6.QtWidgets import QApplication

from console.station import topics
from console.station.window import StationWindow

BEDS = [f"chair-{n}" for n in range(1, 13)]
WIDEST = {"spo2": 100, "pr": 150, "rr": 35, "nibp_sys": 188, "nibp_dia": 112, "etco2": 60}


def feed(window: StationWindow, bed: str, now: float, *, stale: bool = False) -> None:
    t = now - (window.timing.stale_after + 5 if stale else 0)
    messages = [
        ("status", {"t": now, "state": "online", "bed": bed}),
        ("session", {"t": now, "phase": "infusion", "patient": "W. Featherstonehaugh", "infusion_left_s": 1500}),
        ("numerics", {"t": now, "values": {m: {"value": v, "t": t, "unit": "",
                                                **({"alarm": "high"} if m == "pr" else {})}
                                           for m, v in WIDEST.items()}}),
    ]
    for kind, body in messages:
        window.on_message(topics.topic(bed, kind), topics.encode(kind, {"schema": topics.SCHEMA, "kind": kind, **body}),
                          now)


@pytest.fixture
def station(qtbot):
    now = time.time()  # the station's clock stands still: on a busy machine no value goes stale by itself
    window = StationWindow(None, with_sound=False, clock=lambda: now)
    qtbot.addWidget(window)
    window.show()
    for i, bed in enumerate(BEDS):
        feed(window, bed, now, stale=(i == 1))
    QApplication.processEvents()
    assert sorted(window.tiles) == sorted(BEDS)
    return window


@pytest.mark.parametrize("size", [(800, 600), (1366, 768), (1920, 1080)], ids=["800x600", "1366x768", "1920x1080"])
def test_every_value_on_every_tile_fits_its_label(qtbot, station, size, tmp_path):
    station.resize(*size)
    qtbot.waitUntil(lambda: (station.width(), station.height()) == size, timeout=2000)
    QApplication.processEvents()
    shots = os.environ.get("BEDSIDE_SCREENS")
    station.grab().save(os.path.join(shots, f"station_{size[0]}x{size[1]}.png") if shots else str(tmp_path / "s.png"))
    assert station.scroll.horizontalScrollBar().maximum() == 0, "the tiles are wider than the station's tile area"
    for name, tile in station.tiles.items():
        for label, widget in tile.values.items():
            needed = widget.sizeHint().width()
            plain = widget.fontMetrics().horizontalAdvance(widget.text()) if "<" not in widget.text() else needed
            assert widget.width() >= max(needed, plain), \
                f"{name} {label}: {widget.text()!r} is {widget.width()} px wide, needs {max(needed, plain)}"
        nibp = tile.values["NIBP"]
        assert "188/112" in nibp.text()
    shown = station.tiles["chair-1"].values["NIBP"]
    assert shown.text() == "188/112"
    assert shown.fontMetrics().horizontalAdvance(shown.text()) <= shown.contentsRect().width()
