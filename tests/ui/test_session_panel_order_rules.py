"""The unsafe paths a tester found by clicking through the real window, tried again on the real widgets.

Each test types and taps as the nurse did (pytest-qt on the real SessionPanel at 520 px wide) and checks the
core's refusal reaches the screen in words: a weight typed as 700, a start with nothing drawn, one reason box
shared by three actions, a hard stop undone by a tap, a checklist "complete" at 0 of 17, a clipped protocol
name and 36.2 mg shown for 36.25 mg. Screenshots go to the test's tmp dir (and /tmp/order-*.png).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from console.session import event_kinds as ek
from checklist_answers import answer_all_passing
from test_session_panel_story import PINS, bench, log_in, shot, tap, visible_button  # noqa: F401 (fixture)


def to_patient(qtbot, panel, desk, name="Wen Weight"):
    log_in(qtbot, panel, "nina")
    desk.start_session(desk.create_patient("MRN-W", name, "1975-02-02", ""))
    panel.refresh()
    return panel.pages["patient"]


def to_order(qtbot, panel, desk, clock, kg="72.5"):
    weight = to_patient(qtbot, panel, desk)
    qtbot.keyClicks(weight.kg, kg)
    tap(qtbot, panel, "Use this weight")
    answer_all_passing(desk.session, desk.user, clock)
    desk.session.complete_checklist(by=desk.user, now=clock())
    panel.refresh()
    return panel.pages["order"]


def to_infusion(qtbot, panel, desk, clock):
    to_order(qtbot, panel, desk, clock, kg="70")
    tap(qtbot, panel, "Place order")
    desk.session.double_check(52.5, checker=desk.second_person("noah", PINS["noah"]), now=clock())
    panel.refresh()
    return panel.pages["infusion"]


def save(panel, name, shots):
    shot(panel, shots + [Path("/tmp")], f"order-{name}")


# --- 1: what is typed reaches the core -----------------------------------------------------------------------
def test_a_weight_typed_as_700_reaches_the_core_and_is_refused_in_words(qtbot, bench):
    panel, desk, clock, database, shots = bench
    weight = to_patient(qtbot, panel, desk)
    qtbot.keyClicks(weight.kg, "700")
    assert weight.kg.text() == "700"  # not clipped to "70" on the way
    qtbot.mouseClick(visible_button(panel, "Use this weight"), Qt.LeftButton)
    assert "700 kg" in panel.message.text() and "20-300 kg" in panel.message.text()
    assert panel.current_page_name() == "patient" and desk.session.state.weight_kg is None
    save(panel, "weight_700", shots)
    qtbot.keyClick(weight.kg, Qt.Key_Backspace)  # the nurse corrects it: the red words go
    assert panel.message.text() == ""
    weight.kg.clear()
    qtbot.keyClicks(weight.kg, "72.5")
    tap(qtbot, panel, "Use this weight")
    assert desk.session.state.weight_kg == 72.5


def test_a_dose_typed_as_35_is_refused_naming_the_range_and_cleared_when_fixed(qtbot, bench):
    panel, desk, clock, database, shots = bench
    order = to_order(qtbot, panel, desk, clock)
    order.protocol.setCurrentIndex(order.protocol.findData("bolus"))
    order.amount.clear()
    qtbot.keyClicks(order.amount, "35")
    assert "35 mg/kg, is outside 0.01-5 mg/kg" in order.preview.text()
    qtbot.mouseClick(visible_button(panel, "Place order"), Qt.LeftButton)
    assert "35 mg/kg" in panel.message.text() and desk.session.state.order is None
    qtbot.keyClick(order.amount, Qt.Key_Backspace)
    assert panel.message.text() == ""


# --- 8: exact mg, the protocol's whole name ---------------------------------------------------------------------
def test_the_order_shows_exact_mg_and_the_protocols_whole_name_at_520_px(qtbot, bench):
    panel, desk, clock, database, shots = bench
    order = to_order(qtbot, panel, desk, clock, kg="72.5")
    assert "36.25 mg" in order.pump_big.text() and "36.25 mg" in order.preview.text()
    label = desk.config.protocol(order.protocol.currentData()).label
    assert order.protocol_full.text() == label and order.protocol_full.wordWrap()
    QApplication.processEvents()
    full = order.protocol_full
    assert full.mapTo(panel, QPoint(full.width(), 0)).x() <= panel.width()  # inside the 520 px panel
    lines_needed = full.heightForWidth(full.width())
    assert full.height() >= lines_needed  # wrapped, not cut
    save(panel, "order_page", shots)
    tap(qtbot, panel, "Place order")
    assert desk.session.state.order["total_mg"] == 36.25  # the record keeps the exact value


# --- 2: nothing starts without a draw ---------------------------------------------------------------------------
def test_the_infusion_cannot_start_until_the_draw_is_recorded_with_a_typed_expiry(qtbot, bench):
    panel, desk, clock, database, shots = bench
    infusion = to_infusion(qtbot, panel, desk, clock)
    qtbot.mouseClick(visible_button(panel, "Start infusion"), Qt.LeftButton)
    assert "nothing is drawn yet" in panel.message.text().lower() and not desk.session.state.started
    ledger = infusion.ledger
    assert ledger.expiry.text() == ""  # no pre-filled expiry
    ledger.lot.setText("KX-1")
    ledger.draw_ml.setValue(100)
    qtbot.mouseClick(ledger.draw_button, Qt.LeftButton)
    assert "expiry date" in ledger.message.text()
    save(panel, "draw_refused", shots)
    qtbot.keyClicks(ledger.expiry, "2027-01-31")
    assert ledger.message.text() == ""  # the refusal went with the fix
    qtbot.mouseClick(ledger.draw_button, Qt.LeftButton)
    assert "lot KX-1" in ledger.balance.text()
    tap(qtbot, panel, "Start infusion")
    assert desk.session.state.started


# --- 7: a reason per action -----------------------------------------------------------------------------------------
def test_stop_never_records_the_titrations_reason(qtbot, bench):
    panel, desk, clock, database, shots = bench
    infusion = to_infusion(qtbot, panel, desk, clock)
    qtbot.keyClicks(infusion.ledger.lot, "KX-2")
    qtbot.keyClicks(infusion.ledger.expiry, "2027-01-31")
    qtbot.mouseClick(infusion.ledger.draw_button, Qt.LeftButton)
    tap(qtbot, panel, "Start infusion")
    clock.t += 60
    infusion.new_rate.setText("0.6")
    qtbot.mouseClick(visible_button(panel, "Change rate"), Qt.LeftButton)
    assert "reason for the rate change" in panel.message.text()  # the core refuses an empty reason
    qtbot.keyClicks(infusion.rate_reason, "pain 8/10")
    qtbot.mouseClick(visible_button(panel, "Change rate"), Qt.LeftButton)
    assert desk.session.events[-1].payload["reason"] == "pain 8/10"
    assert infusion.rate_reason.text() == ""  # cleared after use
    save(panel, "infusion_reasons", shots)
    clock.t += 60
    tap(qtbot, panel, "Stop infusion")
    stopped = desk.session.events[-1]
    assert stopped.kind == ek.INFUSION_STOPPED and stopped.payload["reason"] == "not given"


# --- 8: the checklist says what is true, and shows most items ---------------------------------------------------------
def test_the_checklist_says_0_of_17_answered_and_shows_most_items_on_a_1080_line_screen(qtbot, bench):
    panel, desk, clock, database, shots = bench
    panel.resize(520, 1040)  # the side panel on a 1080-line screen, under the window's title
    weight = to_patient(qtbot, panel, desk)
    qtbot.keyClicks(weight.kg, "70")
    tap(qtbot, panel, "Use this weight")
    page = panel.pages["checklist"]
    QApplication.processEvents()
    total = len(desk.config.checklist)
    assert f"0 of {total} answered" in page.summary.text()
    assert "background" not in page.done.styleSheet()  # not big and green: nothing is complete
    viewport = page.area.viewport()
    shown = [r for r in page.rows
             if r.mapTo(viewport, QPoint(0, 0)).y() >= 0 and r.mapTo(viewport, QPoint(0, r.height())).y()
             <= viewport.height()]
    save(panel, "checklist", shots)
    assert len(shown) > total // 2, f"only {len(shown)} of {total} items fit"  # a tester saw 2


# --- 6: a hard stop is not undone by one tap -------------------------------------------------------------------------------
def test_a_hard_stop_changed_on_the_panel_needs_a_reason_and_a_physicians_pin(qtbot, bench):
    panel, desk, clock, database, shots = bench
    weight = to_patient(qtbot, panel, desk)
    qtbot.keyClicks(weight.kg, "64")
    tap(qtbot, panel, "Use this weight")
    rows = {r.item.id: r for r in panel.pages["checklist"].rows}
    pregnancy = rows["pregnancy"]
    qtbot.mouseClick(pregnancy.yes_no.group.button(0), Qt.LeftButton)  # yes: a hard stop
    qtbot.mouseClick(pregnancy.yes_no.group.button(1), Qt.LeftButton)  # one tap on "no"
    assert "reason for the change" in panel.message.text()
    assert not desk.session.state.answers["pregnancy"].passed
    panel.refresh()
    assert pregnancy.yes_no.value is True  # the screen shows what is recorded
    assert pregnancy.change_box.isVisibleTo(pregnancy) and pregnancy.change_button.text() == "Change answer to No"
    qtbot.keyClicks(pregnancy.change_reason, "patient misheard; test negative today")
    qtbot.mouseClick(pregnancy.change_button, Qt.LeftButton)
    assert "physician" in panel.message.text() and not desk.session.state.answers["pregnancy"].passed
    pregnancy.change_physician.who.setCurrentIndex(pregnancy.change_physician.who.findData("phil"))
    qtbot.keyClicks(pregnancy.change_physician.pin, PINS["phil"])
    qtbot.mouseClick(pregnancy.change_button, Qt.LeftButton)
    answer = desk.session.state.answers["pregnancy"]
    assert answer.passed and desk.session.events[-1].kind == ek.CHECKLIST_ANSWER_CHANGED
    assert desk.session.events[-1].payload["physician"] == "phil"
    assert pregnancy.change_reason.text() == "" and not pregnancy.change_box.isVisibleTo(pregnancy)
    save(panel, "hard_stop_changed", shots)
