"""The real window fits a 1366x768 bedside all-in-one as well as a 1920x1080 screen.

A window whose minimum size is larger than the screen is cut off at the screen's edge: on a 1366 screen the
session panel was almost entirely off screen (only "NEXT: Log in…" showed), because unwrapped long texts
(the demo banner with the records' path, the patient line, tile titles beside their limits) and fixed heights
(tiles, waves, trend, alarm bar) added up to 1419-1866 x 930. The side panel's pages scroll, so their own
length must never reach the window's minimum. These tests build the real window (console.app.build_console)
with the demo's simulated bed, fill it (every tile, both waves, a patient with a long name and allergies,
the order page with its preview) and measure what Qt itself says the window needs.
"""
from __future__ import annotations

import time
from datetime import date

import pytest
from PySide6.QtCore import QSize, QTime
from PySide6.QtWidgets import QApplication, QPushButton

from console.app import build_console, demo_devices
from device_drivers.events import Measurement
from console.ui.main_window import ROOMY_HEIGHT, SIDE_MIN_WIDTH

SMALL = QSize(1366, 768)
LARGE = QSize(1920, 1080)
PAGE_MIN_HEIGHT = 180  # the session page's scrolled area: at least a heading, a field and a big button at once
ALL_TILES = ("spo2", "pr", "hr", "nibp", "rr", "etco2", "pi", "temp")


@pytest.fixture
def bed(qtbot, tmp_path):
    # a long data path, as under pytest or a clinic's share: it is shown in the demo banner
    data = tmp_path / "a-rather-long-directory-name-for-the-records-of-this-bed" / "data"
    devices, sims = demo_devices("normal")
    console = build_console(str(data), devices, demo=True, simulators=sims, with_sound=False)
    qtbot.addWidget(console.window)
    console.window.resize(LARGE)
    console.window.show()
    window = console.window
    # filled as a running bed is: every tile with a value, both waves drawn
    # (each has had a value; all eight fresh at one instant is not needed and would wait on the slowest)
    def missing():
        if not window.tiles["pi"].values:  # the oximeter's PI may be held back until two lines agree: feed one
            window.on_measurement(Measurement(time.time(), "oximeter", "pi", 3.4, "%"))
        return [n for n in ALL_TILES if not (window.tiles[n].isVisible() and window.tiles[n].values)]
    try:
        qtbot.waitUntil(lambda: not missing(), timeout=20000)
    except Exception as exc:  # say which tiles and how the devices' links stand
        links = {d: c.property("state") for d, c in window.devices.chips.items()}
        raise AssertionError(f"tiles without a value: {missing()}; links: {links}") from exc
    qtbot.waitUntil(lambda: len(window.waves.curves) == 2, timeout=10000)
    yield console
    console.stop()


def fits(hint: QSize, screen: QSize) -> bool:
    return hint.width() <= screen.width() and hint.height() <= screen.height()


def to_order_page(qtbot, console) -> None:
    """Log in, a patient with a long name and allergies, weight, the whole checklist, then the order page
    with its dose preview: the tallest and widest page a nurse meets before the infusion."""
    panel, desk = console.session_panel, console.session_panel.desk
    desk.login("nurse", "2468")
    desk.start_session(desk.create_patient("MRN-10-0001", "Wilhelmina Wholesession-Featherstonehaugh",
                                           "1968-04-21", "penicillin, latex, chlorhexidine, sulfonamides"))
    desk.accept_weight(72.5, date.today())
    panel.refresh()
    qtbot.waitUntil(lambda: desk.monitor_vitals() is not None, timeout=15000)
    for row in panel.pages["checklist"].rows:
        kind = row.item.kind
        if kind in ("confirm", "absent"):
            row.yes_no.group.button(0 if kind == "confirm" else 1).click()
        elif kind == "npo":
            row.food.setTime(QTime(0, 0))
            row.fluid.setTime(QTime(0, 5))
            next(b for b in row.findChildren(QPushButton) if b.text() == "Save").click()
        elif kind == "vitals":
            next(b for b in row.findChildren(QPushButton) if b.text() == "Take from monitor").click()
        else:
            row.pain.group.button(6).click()
    next(b for b in panel.pages["checklist"].findChildren(QPushButton) if b.text() == "Checklist complete").click()
    assert panel.current_page_name() == "order", panel.message.text()
    assert "mL/h" in panel.pages["order"].pump_big.text()


def settle(qtbot, window, size: QSize) -> None:
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size, timeout=2000)
    QApplication.processEvents()  # posted layout requests: the layout a person would see


def test_the_window_fits_a_1366x768_screen_empty_and_on_the_order_page(qtbot, bed):
    """The console is given the screen's geometry (console/commands/gui.py); on a 1366x768 screen the
    window is compact, and its minimum must fit, before a session and on the order page."""
    window = bed.window
    settle(qtbot, window, SMALL)
    empty = window.minimumSizeHint()
    assert fits(empty, SMALL), f"minimum size with the session panel locked: {empty.toTuple()}"
    to_order_page(qtbot, bed)
    QApplication.processEvents()
    filled = window.minimumSizeHint()
    assert fits(filled, SMALL), f"minimum size on the order page: {filled.toTuple()}"
    assert window.size() == SMALL
    assert window.side.width() >= SIDE_MIN_WIDTH  # the session's big buttons keep their room


def test_the_larger_type_of_a_tall_screen_still_fits_the_small_one(qtbot, bed):
    """On a 1080-line screen the tiles get larger type and the waves more height; that layout's own
    minimum still fits 1366x768, so a window moved to the small screen can be resized onto it at once,
    and its minimum stays below the height that chose it (no switching back and forth)."""
    window = bed.window
    to_order_page(qtbot, bed)
    settle(qtbot, window, LARGE)
    assert window.roomy and window.tiles["spo2"].sizes["value"] > 50
    roomy = window.minimumSizeHint()
    assert fits(roomy, SMALL) and roomy.height() < ROOMY_HEIGHT, roomy.toTuple()
    settle(qtbot, window, SMALL)
    assert not window.roomy and window.tiles["spo2"].sizes["value"] < 50


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_what_the_nurse_reads_is_whole_on_screen(qtbot, bed, size):
    """Every tile's value and title at full width (not cut, not elided), the alarm bar and the session's
    NEXT line inside the window."""
    window = bed.window
    to_order_page(qtbot, bed)
    settle(qtbot, window, size)
    for name in ALL_TILES:
        tile = window.tiles[name]
        for label in (tile.value, tile.title):
            assert label.width() >= label.sizeHint().width(), \
                f"{name}: {label.text()!r} is {label.width()} px wide, needs {label.sizeHint().width()}"
            assert label.height() >= label.minimumSizeHint().height(), f"{name}: {label.text()!r} cut in height"
        assert tile.rect().contains(tile.value.geometry())
    nxt = bed.session_panel.next  # wrapped: its height for its width, or its second line is clipped
    assert nxt.height() >= nxt.heightForWidth(nxt.width()), f"NEXT {nxt.height()} px, needs {nxt.heightForWidth(nxt.width())}"
    page = bed.session_panel.stack
    assert page.height() >= PAGE_MIN_HEIGHT, f"the session page's own area is {page.height()} px high"
    inside = window.rect()
    for widget in (bed.alarms.bar, bed.session_panel.next, window.trend):
        box = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
        assert widget.isVisible() and inside.contains(box), f"{type(widget).__name__} at {box} not inside {inside}"


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_the_demo_banner_is_one_whole_line_whatever_the_records_path(qtbot, bed, size):
    """A long data directory wrapped the banner to three lines at 1366 px (a pytest worker's deeper temp
    path was enough): the session page lost the height its Change rate button needed; then two lines were
    squeezed into one line's height on a full 1080-line window. One line at every size: the warning and
    logins whole, the path shortened in the middle, the line drawn at its full height; the tooltip has all."""
    window, banner = bed.window, bed.window.demo_banner
    deep = "/srv/clinic-share/" + "/".join(["a-very-long-folder-name-on-the-clinic-share"] * 6) + "/data"
    banner.set_parts(where=f"records kept in {deep}")
    settle(qtbot, window, size)
    text = banner.text()
    assert "\n" not in text
    assert text.startswith("SIMULATED DEVICES — NOT A PATIENT") and "nurse 2468" in text
    assert "records kept in /" in text and text.endswith("/data") and "…" in text
    assert deep in banner.toolTip()
    metrics = banner.fontMetrics()
    assert metrics.horizontalAdvance(text) <= banner.contentsRect().width(), (text, banner.contentsRect())
    assert banner.contentsRect().height() >= metrics.height(), "the line is squeezed"
    assert banner.height() >= banner.sizeHint().height(), (banner.height(), banner.sizeHint())
    assert fits(window.minimumSizeHint(), size), window.minimumSizeHint()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_the_lock_pages_keypad_and_unlock_button_are_on_screen_unscrolled(qtbot, bed, size):
    """At 1366x768 the Unlock button was below the lock page's fold: a nurse had to scroll to log in."""
    window, panel = bed.window, bed.session_panel
    panel.lock()
    settle(qtbot, window, size)
    page = panel.pages["lock"]
    assert panel.current_page_name() == "lock"
    for widget in (page.pad.who, page.pad.pin, page.pad.ok):
        full = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
        seen, parent = full, widget.parentWidget()
        while parent is not None and parent is not window:
            seen = seen.intersected(parent.rect().translated(parent.mapTo(window, parent.rect().topLeft())))
            parent = parent.parentWidget()
        assert widget.isVisible() and seen == full, f"{widget.text() if hasattr(widget, 'text') else widget}: " \
            f"{full.getCoords()} shows only {seen.getCoords()}"


def test_a_bed_with_a_manual_pump_fits_a_1366x768_screen_on_its_first_start(qtbot, tmp_path):
    """`./bedside run` with a manual pump (the keyed-in pump's tab beside the session) on a new data
    directory (the first-start page) was 1366x915 on a 1366x768 screen: the pump tab's page did not scroll,
    so its height set the window's minimum and the device strip was below the screen's edge."""
    from console import device_config as dc
    from console.commands.gui import configured_devices
    data = tmp_path / "data"
    dc.save(data, dc.DeviceConfig().with_assignment(dc.DeviceAssignment("pump", "manual")))
    console = build_console(str(data), configured_devices(data), demo=False, with_sound=False)
    qtbot.addWidget(console.window)
    window = console.window
    window.show()
    assert any(window.side.tabText(i) == "Pump" for i in range(window.side.count()))
    assert fits(window.minimumSizeHint(), SMALL), window.minimumSizeHint()
    settle(qtbot, window, SMALL)
    strip = window.devices
    assert strip.mapTo(window, strip.rect().bottomLeft()).y() <= SMALL.height()
    # the keyed-in pump's buttons show without scrolling on that screen (the page compacts when short)
    from console.ui.manual_pump_panel import ManualPumpPanel
    from PySide6.QtWidgets import QScrollArea
    pump = window.findChild(ManualPumpPanel)
    window.side.setCurrentWidget(pump)
    QApplication.processEvents()
    viewport = pump.findChild(QScrollArea).viewport()
    for button in (pump.start_button, pump.stop_button, pump.change_button):
        assert button.mapTo(viewport, button.rect().bottomLeft()).y() <= viewport.height(), button.text()
    console.stop()
