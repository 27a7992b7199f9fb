"""During an infusion with alarms, the nurse's controls are on screen at 1366x768 (and 1920x1080).

Reported: at 1366x768 with several alarms active the session page's own area was about 70 px high, so
Pause, Stop and the rate change needed scrolling, and the NEXT line and the interlock row's third line were
cut. These tests build the real window (console.app.build_console) with the demo's bed on real
pseudo-terminals, start the infusion through the real pages, raise four alarms the way the console raises
them (the oximeter's values out of limits, a storage and an audio failure reported to the engine) and
check, unscrolled, what is inside the window and inside the session page's viewport.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from gui_driver import Ui
from test_window_fits_screens import LARGE, SMALL, bed, settle, to_order_page  # noqa: F401 (bed: a fixture)

NURSE2, NURSE2_PIN = "Nick Nurse (demo)", "8642"
SINGLE = "Single infusion, 0.5 mg/kg over 40 min"
RATE = round(72.5 * 0.5 / 1.0 / (40 / 60) + 1e-9, 1)  # 72.5 kg x 0.5 mg/kg at 1 mg/mL over 40 min


def start_infusion(console, ui: Ui, before_start=None) -> None:
    """From the order page: the order, the second nurse's double check, the vial drawn, Start
    (`before_start()` just before it is pressed)."""
    panel, desk = console.session_panel, console.session_panel.desk
    ui.choose("Protocol", SINGLE)
    ui.click("Place order")
    assert panel.current_page_name() == "double_check", panel.message.text()
    ui.choose("Second clinician:", NURSE2)
    ui.type("their PIN", NURSE2_PIN)
    ui.type("Pump rate YOU calculated", f"{RATE}")
    ui.click("Confirm double check")
    assert panel.current_page_name() == "infusion", panel.message.text()
    box = ui.section("Controlled substance")
    ui.type("lot number", "KET-2291", within=box)
    ui.type("expiry", f"{datetime.fromtimestamp(desk.clock()) + timedelta(days=200):%Y-%m-%d}", within=box)
    ui.click("Record draw", within=box)
    if before_start is not None:
        before_start()
    ui.click("Start infusion")
    assert desk.session.state.started, panel.message.text()


def raise_alarms(qtbot, console) -> None:
    """SpO2 84 and pulse 150 from the oximeter (two HIGH/MEDIUM limit alarms), the records' disk and the
    sound device failing (two technical alarms): four active, more than the bar has rows."""
    oximeter = next(s.model for s in console.simulators if s.model.driver == "masimo-ascii")
    oximeter.override = {"spo2": 84.0, "pr": 150.0}
    engine = console.alarms.engine
    engine.storage_failed(time.time(), "disk full (test)")
    engine.audio_unavailable(time.time(), "no sound device (test)")
    qtbot.waitUntil(lambda: len(console.alarms.bar.alarms) >= 4, timeout=40000)


def on_screen(widget: QWidget, window: QWidget) -> QRect:
    """The widget's rectangle in window coordinates, cut to every ancestor's (and scroll viewport's) area:
    what of it a person can see."""
    seen = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
    w = widget.parentWidget()
    while w is not None and w is not window:
        seen = seen.intersected(w.rect().translated(w.mapTo(window, w.rect().topLeft())))
        w = w.parentWidget()
    return seen.intersected(window.rect())


def whole(widget: QWidget, window: QWidget) -> bool:
    full = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
    return widget.isVisible() and on_screen(widget, window) == full


@pytest.fixture
def infusing(qtbot, bed, screens_dir):
    to_order_page(qtbot, bed)
    ui = Ui(qtbot, bed.window, screens_dir)
    start_infusion(bed, ui)
    return bed, ui


def test_right_after_start_no_rate_change_is_announced(qtbot, infusing):
    """A green "Rate changed" line / "will be set to … within the limits" preview showed right after Start:
    the rate field is filled with the running rate, and that was previewed as a change."""
    console, ui = infusing
    panel, page = console.session_panel, console.session_panel.pages["infusion"]
    QApplication.processEvents()
    assert page.new_rate.text() == "0.75"  # the running rate, for the nurse to edit
    assert page.rate_preview.text() == "" and not page.rate_preview.isVisible(), page.rate_preview.text()
    assert panel.message.text() == "" and not panel.message.isVisible()
    ui.type("New rate (mg/kg/h)", "0.5")  # a real change is previewed
    assert "36.3 mL/h" in page.rate_preview.text() and page.rate_preview.isVisible()
    ui.type("New rate (mg/kg/h)", "0.75")  # back to the running rate: nothing to confirm
    assert page.rate_preview.text() == ""
    assert "Rate changed" not in panel.message.text()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_during_an_infusion_with_alarms_the_controls_are_on_screen_unscrolled(qtbot, infusing, size, screens_dir):
    console, ui = infusing
    window, panel = console.window, console.session_panel
    page = panel.pages["infusion"]
    raise_alarms(qtbot, console)
    settle(qtbot, window, size)
    qtbot.wait(300)
    QApplication.processEvents()
    window.grab().save(str(screens_dir / f"infusion_alarms_{size.width()}x{size.height()}.png"))
    for area in page.findChildren(QAbstractScrollArea):  # nothing scrolled: what shows without touching
        assert area.verticalScrollBar().value() == 0
    bar = console.alarms.bar
    # the alarm bar: the most urgent alarm's row whole, its text fully laid out, the count line for the rest
    top = bar.rows[0]
    assert top.alarm is not None and whole(top, window)
    assert top.text.height() >= top.text.heightForWidth(top.text.width()), "the top alarm's text is cut"
    assert top.state.height() >= top.state.heightForWidth(top.state.width()), "the alarm's state lines are cut"
    shown = [r for r in bar.rows if r.isVisible()]
    assert bar.more.isVisible() and whole(bar.more, window)
    assert bar.more.text().startswith(f"+ {len(bar.alarms) - len(shown)} more alarms")
    # the vitals, whole
    for name in ("spo2", "pr", "hr", "nibp", "rr"):
        assert whole(window.tiles[name].value, window), name
    # NEXT, fully laid out, and the infusion's controls, inside the page's viewport
    nxt = panel.next
    assert whole(nxt, window) and nxt.height() >= nxt.heightForWidth(nxt.width()), "NEXT is cut"
    stop = ui.button("Stop infusion")
    change = ui.button("Change rate")
    for widget, what in ((page.pause, "Pause"), (page.pause_reason, "the pause's reason"), (stop, "Stop"),
                         (page.stop_reason, "the stop's reason"), (page.new_rate, "the new rate"),
                         (page.rate_reason, "the rate change's reason"), (change, "Change rate")):
        full = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
        assert whole(widget, window), f"{what} at {full.getCoords()} is cut to {on_screen(widget, window).getCoords()}"


def test_a_rate_change_confirmation_goes_when_the_pump_then_differs(qtbot, infusing):
    """The reported stale green line: "Rate changed: the console is setting the pump" still showed under a
    red NEXT when the interlock had stopped the pump seconds later. Here the pump is set by hand to another
    rate right after a real rate change (the simulated pump's own setting): the console reads it back, NEXT
    turns red, and the green confirmation goes with it instead of staying its 20 s."""
    console, ui = infusing
    panel, desk = console.session_panel, console.session_panel.desk
    ui.type("New rate (mg/kg/h)", "0.5")
    ui.type("reason for the rate change (required)", "dizzy: slower")
    ui.click("Change rate")
    assert panel.message.text().startswith("Rate changed"), panel.message.text()
    page = panel.pages["infusion"]
    # the preview was of the change still to come: once made, it is not shown with the old rate as "now"
    assert page.rate_preview.text() == "" and not page.rate_preview.isVisible(), page.rate_preview.text()
    new_rate = round(72.5 * 0.5 + 1e-9, 1)
    ui.wait(lambda: desk.latest.get("rate") and desk.latest["rate"][1] == new_rate, "the pump to read back", 15)
    # NEXT is green again once the pump matches (until it reads back, it says the pump differs: a confirmation
    # given then stays); the panel shows that on its next refresh
    ui.wait(lambda: panel.next.text().startswith("NEXT: Infusion running"), "NEXT to show the infusion running", 5)
    assert panel.message.text().startswith("Rate changed")
    pump = next(s.model for s in console.simulators if s.model.driver.startswith("ne1000"))
    pump.rate = 80.0  # someone turns the pump's rate up by hand
    ui.wait(lambda: desk.next_step()[0] == "bad", "NEXT to say the pump differs from the order", 15)
    ui.wait(lambda: "PUMP DIFFERS" in panel.next.text(), "the panel to refresh", 3)
    assert panel.message.text() == "" and not panel.message.isVisible()
