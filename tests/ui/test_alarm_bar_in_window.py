"""The alarm bar in the real window (console.app.build_console, the demo's bed on real pseudo-terminals):
its first row is the patient's, and it keeps one height whether no, one or several alarms are active.

A nurse's walkthrough at 1366x768: an acknowledged SpO2 alarm and a new "records cannot be saved"
(technical, the same HIGH priority): the first row must be the SpO2 one (IEC 60601-1-8, the most urgent
first; a nurse reads the first row as what is wrong with the patient), and the technical one is counted or
shown below it. An alarm coming or going must not move the tiles and the session page beneath. And the
SpO2 tile showed the monitor's 97 inside the red frame of the oximeter's "SpO2 84 % below limit 90".
"""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from test_whole_session import Bed
from test_window_fits_screens import LARGE, SMALL, settle

pytestmark = pytest.mark.slow


@pytest.fixture
def bed(qtbot, tmp_path, screens_dir):
    b = Bed(qtbot, tmp_path / "data", screens_dir)  # the shipped alarm settings, a 3 s SpO2 delay
    b.window.resize(LARGE)
    b.window.show()
    yield b
    b.stop()


def layout_marks(window) -> tuple[int, int, int]:
    """Where the bar ends and the tiles and the side panel begin, in window coordinates."""
    tile = window.tiles["spo2"]
    return (tile.mapTo(window, tile.rect().topLeft()).y(),
            window.tiles["rr"].mapTo(window, window.tiles["rr"].rect().topLeft()).y(),
            window.tiles["spo2"].height())


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_the_first_row_is_the_patient_and_the_bar_keeps_its_height(qtbot, bed, size, screens_dir):
    window, ui = bed.window, bed.ui
    bar = bed.console.alarms.bar
    settle(qtbot, window, size)
    qtbot.wait(200)
    QApplication.processEvents()
    tag = f"{size.width()}x{size.height()}"
    empty = (bar.height(), layout_marks(window))
    assert not bar.alarms and bar.quiet.isVisible() and bar.quiet.text() == "No active alarms"
    window.grab().save(str(screens_dir / f"bar_0_none_{tag}.png"))
    # one alarm: SpO2 84 % from the oximeter (HIGH), then acknowledged by the nurse
    bed.models["oximeter"].override = {"spo2": 84.0}
    ui.wait(lambda: any(a.parameter == "spo2" for a in bar.alarms), "the SpO2 alarm", 30)
    QApplication.processEvents()
    assert (bar.height(), layout_marks(window)) == empty, "the page moved when an alarm came"
    # the SpO2 tile shows the value the alarm is about (the oximeter's 84, not the monitor's 97 in the
    # alarm's red frame) and says whose it is
    tile = window.tiles["spo2"]
    ui.wait(lambda: tile.shown == "84", f"the SpO2 tile to show the oximeter's value (shows {tile.shown})", 5)
    assert tile.source == "oximeter" and "· oximeter" in tile.unit.text(), tile.unit.text()
    assert tile.when.text() in tile.when.fontMetrics().elidedText(tile.when.text(), Qt.ElideRight,
                                                                  tile.when.contentsRect().width()), \
        "the time of the last value is cut"
    assert "84" in next(a for a in bar.alarms if a.parameter == "spo2").text
    assert not bar.quiet.isVisible()
    ui.click("Acknowledge alarms")
    ui.wait(lambda: all(a.acknowledged_by for a in bar.alarms), "the acknowledgement", 10)
    spo2 = next(a for a in bar.alarms if a.parameter == "spo2")
    assert spo2.priority == "high" and spo2.kind == "physiological"
    # then a technical alarm of the same priority, new and unacknowledged: it does not take the first row
    bed.engine.storage_failed(time.time(), "disk full (test)")
    ui.wait(lambda: any(a.kind == "technical" and a.priority == "high" and a.acknowledged_by is None
                        for a in bar.alarms), "the storage alarm", 10)
    ui.wait(lambda: bar.rows[0].alarm is not None and bar.rows[0].alarm.kind == "physiological"
            and (bar.row_count == 1 or bar.rows[1].isVisible()), "the bar to show both", 5)
    QApplication.processEvents()
    window.grab().save(str(screens_dir / f"bar_2_patient_first_{tag}.png"))
    first = bar.rows[0]
    assert first.isVisible() and first.alarm.parameter == "spo2", first.text.text()
    assert "SpO" in first.text.text()
    technical = next(a for a in bar.alarms if a.kind == "technical")
    if bar.row_count == 1:  # the 768-line screen: counted, with its acknowledgement still to come
        assert bar.more.isVisible() and bar.more.text().startswith("+ 1 more alarm (1 unacknowledged)")
    else:
        assert bar.rows[1].isVisible() and bar.rows[1].alarm.id == technical.id
    assert (bar.height(), layout_marks(window)) == empty, "the page moved with several alarms"
    # both go: the quiet line again, at the same height
    bed.models["oximeter"].override = {}
    bed.engine.storage_recovered(time.time())
    ui.wait(lambda: all(not a.condition_active for a in bar.alarms), "the conditions to clear", 30)
    if bar.alarms:  # latched until acknowledged
        ui.click("Acknowledge alarms")
    ui.wait(lambda: not bar.alarms, f"the alarms to end: {[(a.text, a.latched) for a in bar.alarms]}", 10)
    QApplication.processEvents()
    assert bar.quiet.isVisible() and (bar.height(), layout_marks(window)) == empty, "the page moved back"
    # both devices still send SpO2: the tile still names its source
    assert tile.source in ("oximeter", "monitor") and f"· {tile.source}" in tile.unit.text(), tile.unit.text()
