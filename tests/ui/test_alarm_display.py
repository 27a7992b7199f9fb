"""The alarm on screen, for real: IEC colours and flash rates measured on the widgets, tiles, buttons, history."""
from __future__ import annotations

from console.ui.alarm_bar import MAX_ROWS

import time

import pytest
from PySide6.QtCore import Qt

from console.alarm_wiring import AlarmSystem, attach_window
from console.alarms.alarm_config import load_defaults
from console.alarms.engine import AlarmEngine
from console.alarms.qt_adapter import AlarmController
from console.metric_catalog import load_catalog
from console.ui.main_window import MainWindow
from device_drivers.events import DeviceStatus, Measurement

CONFIG = load_defaults()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def screen(qtbot):
    clock = Clock()
    records = []
    engine = AlarmEngine(CONFIG, lambda k, p, a: records.append((k, p, a)))
    controller = AlarmController(engine, clock=clock, user=lambda: "nurse Ada")
    window = MainWindow(load_catalog())
    qtbot.addWidget(window)
    system = AlarmSystem(engine, controller, None)
    attach_window(system, window, CONFIG)
    window.show()
    yield system, window, clock, records
    controller.stop()


def feed(system, clock, metric, value, device="monitor"):
    m = Measurement(clock.now, device, metric, value, "")
    system.controller.on_event(m)


def hold(system, clock, seconds, **vitals):
    for _ in range(int(seconds) + 1):
        for metric, value in vitals.items():
            feed(system, clock, metric, value)
        system.controller.tick()
        clock.now += 1
    clock.now -= 1


def pixel(widget, x=4, y=None):
    image = widget.grab().toImage()
    c = image.pixelColor(x, image.height() // 2 if y is None else y)
    return c.name()


def toggle_times(qtbot, flasher, priority, count):
    times = []
    flasher.toggled.connect(lambda p, lit: times.append(time.perf_counter()) if p == priority else None)
    qtbot.waitUntil(lambda: len(times) >= count, timeout=int(count * 2000))
    return times


def test_a_high_priority_alarm_appears_in_red_and_flashes_within_iec_range(qtbot, screen):
    system, window, clock, _ = screen
    bar = system.bar
    assert bar.quiet.isVisible()
    hold(system, clock, 10, spo2=84)
    row = bar.rows[0]
    shown = row.text.text().replace("\u00a0", " ")  # a no-break space keeps a value and its unit together
    assert row.isVisible() and "SpO2 84 % below limit 90" in shown and row.tag.text() == "HIGH"
    qtbot.waitUntil(lambda: bar.flasher.lit["high"], timeout=2000)
    assert pixel(row) == CONFIG.display["high"].colour
    qtbot.waitUntil(lambda: not bar.flasher.lit["high"], timeout=2000)
    assert pixel(row) != CONFIG.display["high"].colour
    times = toggle_times(qtbot, bar.flasher, "high", 9)
    hz = 1.0 / (2 * (times[-1] - times[0]) / (len(times) - 1))  # two toggles make one flash
    print(f"high priority flash measured at {hz:.2f} Hz")
    assert 1.4 <= hz <= 2.8


def test_a_medium_priority_alarm_is_yellow_and_flashes_slower(qtbot, screen):
    system, window, clock, _ = screen
    feed(system, clock, "nibp_sys", 205)
    row = system.bar.rows[0]
    assert row.tag.text() == "MEDIUM"
    qtbot.waitUntil(lambda: system.bar.flasher.lit["medium"], timeout=3000)
    assert pixel(row) == CONFIG.display["medium"].colour
    times = toggle_times(qtbot, system.bar.flasher, "medium", 4)
    hz = 1.0 / (2 * (times[-1] - times[0]) / (len(times) - 1))
    print(f"medium priority flash measured at {hz:.2f} Hz")
    assert 0.4 <= hz <= 0.8


def test_a_low_priority_alarm_is_cyan_and_steady(qtbot, screen):
    system, window, clock, _ = screen
    system.controller.on_event(DeviceStatus(clock.now, "oximeter", "low_perfusion", "Low perfusion", True))
    hold(system, clock, 5)
    row = system.bar.rows[0]
    assert "LOW" in row.tag.text() and "TECH" in row.tag.text()
    colours = set()
    for _ in range(6):
        colours.add(pixel(row))
        qtbot.wait(150)
    assert colours == {CONFIG.display["low"].colour}


def test_the_tile_in_alarm_shows_it_and_every_tile_shows_its_limits(qtbot, screen):
    system, window, clock, _ = screen
    assert window.tiles["spo2"].limits.text() == "≥ 90"
    assert window.tiles["pr"].limits.text() == "50–120"
    assert window.tiles["nibp"].limits.text() == "90–180 / 50–100"
    hold(system, clock, 10, spo2=84)
    tile = window.tiles["spo2"]
    assert tile.alarm_priority == "high"
    qtbot.waitUntil(lambda: tile.alarm_lit, timeout=2000)
    assert pixel(tile, x=1) == CONFIG.display["high"].colour
    qtbot.waitUntil(lambda: not tile.alarm_lit, timeout=2000)
    assert pixel(tile, x=1) != CONFIG.display["high"].colour
    assert window.tiles["pr"].alarm_priority is None


def test_a_low_technical_alarm_does_not_take_a_high_alarms_row_and_is_counted(qtbot, screen):
    """Issue 10 item 4: the bar used to reserve its last row for a technical alarm whatever its priority."""
    system, window, clock, _ = screen
    system.controller.on_event(DeviceStatus(clock.now, "oximeter", "interference", "Interference", True))
    hold(system, clock, 15, spo2=84, pr=130, rr=35, etco2=60)  # also trips the interlock (SpO2 + EtCO2)
    feed(system, clock, "nibp_sys", 200)
    feed(system, clock, "nibp_dia", 110)
    shown = [r.alarm for r in system.bar.rows if r.isVisible()]
    assert len(system.engine.alarms()) == 8 and len(shown) == MAX_ROWS
    assert all(a.priority == "high" for a in shown)
    assert "tech:status:oximeter:interference" not in [a.key for a in shown]
    assert system.bar.more.isVisible()
    assert f"+ {8 - MAX_ROWS} more alarms ({8 - MAX_ROWS} unacknowledged)" in system.bar.more.text()


def test_the_big_buttons_acknowledge_and_pause_with_the_users_name(qtbot, screen):
    system, window, clock, records = screen
    hold(system, clock, 10, spo2=84)
    qtbot.mouseClick(system.bar.pause_button, Qt.LeftButton)
    assert "Audio paused" in system.bar.pause_button.text()
    qtbot.mouseClick(system.bar.ack_button, Qt.LeftButton)
    kinds = [(k, a) for k, _, a in records]
    assert ("alarm_pause", "nurse Ada") in kinds and ("alarm_ack", "nurse Ada") in kinds
    hold(system, clock, 2, spo2=97)
    assert "latched" not in [r.state.text() for r in system.bar.rows]
    assert system.bar.quiet.isVisible()


def test_the_interlock_row_asks_the_nurse_to_stop_the_pump_and_records_her_confirmation(qtbot, screen):
    system, window, clock, records = screen
    system.engine.set_pump(None, "manual")
    hold(system, clock, 10, spo2=84, rr=5)
    rows = [r for r in system.bar.rows if r.isVisible() and r.alarm.key == "interlock:respiratory"]
    assert rows and rows[0].stop_button.isVisible()
    qtbot.mouseClick(rows[0].stop_button, Qt.LeftButton)
    assert ("interlock_pump_stopped", "nurse Ada") in [(k, a) for k, _, a in records]
    assert not rows[0].stop_button.isVisible() and rows[0].resume_button.isVisible()
    with qtbot.waitSignal(system.bar.resume_after_interlock, timeout=1000):
        qtbot.mouseClick(rows[0].resume_button, Qt.LeftButton)


def test_the_history_lists_every_alarm_of_the_session(qtbot, screen):
    system, window, clock, _ = screen
    hold(system, clock, 12, pr=130)
    hold(system, clock, 1, pr=80)
    feed(system, clock, "nibp_sys", 200)
    table = system.history.table
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=3000)
    qtbot.wait(600)  # one more batch, in case the second alarm arrived after the first batch
    texts = [table.item(r, 2).text() for r in range(2)]
    assert texts[0].startswith("NIBP systolic 200") and texts[1].startswith("Heart rate 130")
    assert table.item(0, 0).text().endswith("active") and not table.item(1, 0).text().endswith("active")
    assert table.item(1, 1).text() == "MEDIUM"


def test_a_nurse_changes_a_limit_within_bounds_with_a_reason_and_the_tile_shows_it(qtbot, screen):
    system, window, clock, records = screen
    qtbot.mouseClick(system.limits_button, Qt.LeftButton)
    dialog = system.limits_dialog
    spo2_low = dialog.boxes[("spo2", "low")]
    assert (spo2_low.minimum(), spo2_low.maximum(), spo2_low.value()) == (85, 95, 90)
    spo2_low.setValue(80)  # below the clinic's bound: the box stops at it
    assert spo2_low.value() == 85
    spo2_low.setValue(87)
    plus = [b for b in dialog.findChildren(type(dialog.ok)) if b.text() == "+"][0]  # the SpO2 low row's "+"
    qtbot.mouseClick(plus, Qt.LeftButton)
    assert spo2_low.value() == 88
    qtbot.mouseClick(dialog.ok, Qt.LeftButton)
    assert "Write why" in dialog.error.text() and system.engine.limits_for("spo2").low == 90
    dialog.reason.setText("COPD, baseline SpO2 89 %")
    qtbot.mouseClick(dialog.ok, Qt.LeftButton)
    assert system.engine.limits_for("spo2").low == 88
    assert window.tiles["spo2"].limits.text() == "≥ 88"
    change = [(p, a) for k, p, a in records if k == "alarm_limit_change"]
    assert len(change) == 1 and change[0][1] == "nurse Ada"
    assert (change[0][0]["old"], change[0][0]["new"], change[0][0]["reason"]) == (90, 88, "COPD, baseline SpO2 89 %")


def test_the_flash_is_painted_not_restyled_and_the_words_change_colour_with_it(qtbot, screen):
    """docs/benchmarks.md "Console CPU": the row's and the tile's style sheets are not touched by a flash;
    each flash repaints the row's tint, the words' colour (white on red lit, red on dark unlit) and the
    tile's border, also after a style sheet set above them."""
    system, window, clock, _ = screen
    bar = system.bar
    hold(system, clock, 10, spo2=84)
    row, high, tile = bar.rows[0], CONFIG.display["high"], window.tiles["spo2"]
    css, tile_css = row.styleSheet(), tile.styleSheet()

    def words_colours():
        image = row.grab().toImage()
        tag = row.tag.holder.geometry()  # the tag's words are drawn in the phase's text colour
        return {image.pixelColor(x, y).name() for x in range(tag.left(), tag.right()) for y in range(tag.top(), tag.bottom())}

    seen = set()
    for lit in (True, False, True, False):
        qtbot.waitUntil(lambda: bar.flasher.lit["high"] is lit, timeout=2000)
        qtbot.wait(20)
        words = high.text_colour if lit else high.colour
        assert words in words_colours()
        seen.add((lit, pixel(row), pixel(tile, x=1)))
        assert row.styleSheet() == css and tile.styleSheet() == tile_css, "a flash must not restyle"
    assert seen == {(True, high.colour, high.colour), (False, "#1b2330", "#111821")}  # dark: DARK, the tile's PANEL
    window.setStyleSheet(window.styleSheet() + " ")  # re-polishes every widget under the window
    qtbot.wait(20)
    assert (high.text_colour if bar.flasher.lit["high"] else high.colour) in words_colours()
