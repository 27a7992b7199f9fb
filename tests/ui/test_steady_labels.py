"""Labels that change every second do not re-lay out the window (docs/benchmarks.md, "Console CPU").

Measured on the real window: a label's new text invalidates its layout, which posts a LayoutRequest to
the widget holding it; handling it, Qt invalidates the layout above, up to the window, which then computes
the geometry of every widget again. A new value of the same width in a tile, the clock's next
second and the age of the time of the last value must not; a text that needs more room still gets it.
"""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from console.metric_catalog import load_catalog
from console.ui.main_window import MainWindow


class LayoutRequests(QObject):
    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.LayoutRequest:
            self.count += 1
        return False


@pytest.fixture
def window(qtbot):
    w = MainWindow(load_catalog())
    qtbot.addWidget(w)
    w.timer.stop()  # the test refreshes it
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    now = time.time()
    for metric, value in (("spo2", 97), ("pr", 72)):
        w.tiles[metric].set_value(metric, value, now)
    w.refresh()
    QApplication.processEvents()
    return w


def settle():
    """Every posted event, also those posted while handling them (a relayout climbs one layout per turn)."""
    from PySide6.QtTest import QTest
    QTest.qWait(100)


def test_a_new_value_of_the_same_width_and_the_clock_do_not_re_lay_out_the_window(qtbot, window):
    qtbot.wait(1100)  # the shown window settles (its first second: the trend's first redraw, the axes)
    probe = LayoutRequests(window)
    tile = window.tiles["spo2"]
    at_tile = LayoutRequests(tile)
    geometry = tile.value.geometry()
    clock = window.clock.text()
    for value in (96, 98, 95):
        qtbot.wait(1010)  # the next second: a new clock and a new time of the last value
        tile.set_value("spo2", value, time.time())
        window.refresh()
        settle()
    assert "95" in tile.value.text() and tile.value.isVisible() and window.clock.text() != clock
    assert probe.count == 0 and at_tile.count == 0, "a value of the same width re-laid out the window"
    assert tile.value.geometry() == geometry
    # the probe sees a relayout: a plain label (the tile's title) with a new text posts one
    tile.title.setText("SpO2 (finger)")
    settle()
    assert at_tile.count > 0 and probe.count > 0


def test_a_value_that_needs_more_room_gets_it(qtbot, window):
    tile = window.tiles["spo2"]
    tile.set_roomy(True)
    settle()
    before = tile.value.holder.sizeHint().width()
    tile.set_value("spo2", 100, time.time())
    tile.refresh()
    settle()
    assert tile.value.holder.sizeHint().width() > before
    assert tile.value.width() >= tile.value.sizeHint().width(), "the wider value is not cut"
    assert tile.value.size() == tile.value.holder.size()


def test_a_hidden_steady_label_keeps_no_room_and_shows_again(qtbot, window):
    clock = window.clock
    assert clock.isVisible() and clock.holder.isVisible()
    clock.setVisible(False)
    settle()
    assert not clock.holder.isVisible() and not clock.isVisible()
    clock.setVisible(True)
    settle()
    assert clock.holder.isVisible() and clock.isVisible() and clock.size() == clock.holder.size()
