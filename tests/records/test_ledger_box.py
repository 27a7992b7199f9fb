"""The ledger on the session screen: the nurse records the bag drawn and the waste with a colleague's PIN."""
from __future__ import annotations

from datetime import datetime

import pytest

from console.records.audit import AuditLog
from console.records.ledger import Ledger
from console.session.config import load_config
from console.session.desk import SessionDesk
from console.ui import style
from console.ui.ledger_box import LedgerBox

T0 = datetime(2026, 11, 20, 9, 0).timestamp()


class Clock:
    t = T0

    def __call__(self):
        return self.t


@pytest.fixture
def desk(database):
    clock = Clock()
    d = SessionDesk(database, AuditLog(database), load_config(), clock=clock)
    admin = d.staff.create_first_admin("admin", "Ada Admin", "2580", now=clock())
    d.staff.create("nina", "Nina Nurse", "nurse", "4711", by=admin, now=clock())
    d.staff.create("noah", "Noah Nurse", "nurse", "5822", by=admin, now=clock())
    d.login("nina", "4711")
    patient = d.create_patient("MRN-7", "Pat Example", "1970-03-14", "")
    d.start_session(patient)
    return d


@pytest.fixture
def box(qtbot, desk, database):
    widget = LedgerBox(desk, Ledger(database))
    widget.setStyleSheet(style.STYLESHEET)
    qtbot.addWidget(widget)
    widget.resize(520, 640)
    return widget


def test_a_bag_drawn_then_the_remainder_wasted_before_a_witness_balances(box, desk, database, tmp_path):
    box.lot.setText("KX-77")
    box.expiry.setText("2027-06-30")
    box.draw_ml.setValue(100)
    assert box.record_draw()
    assert "100.0 mg unaccounted" in box.balance.text() and "lot KX-77" in box.balance.text()
    box.waste_ml.setValue(100)
    box.waste_reason.setText("session cancelled before the start")
    box.witness.who.setCurrentIndex(box.witness.who.findData("noah"))
    box.witness.pin.setText("5822")
    assert box.record_waste()
    assert box.balance.text().startswith("ledger balanced")
    waste = Ledger(database).wastes(desk.session.session_id)[0]
    assert (waste.wasted_by, waste.witness) == ("nina", "noah")
    assert box.reconcile()
    box.show()
    box.grab().save(str(tmp_path / "ledger_box.png"))


def test_the_nurse_cannot_witness_her_own_waste_nor_a_wrong_pin_pass(box, desk, database):
    box.lot.setText("KX-77")
    box.expiry.setText("2027-06-30")
    box.record_draw()
    box.waste_ml.setValue(10)
    box.witness.who.setCurrentIndex(box.witness.who.findData("nina"))
    box.witness.pin.setText("4711")
    assert not box.record_waste() and "someone else" in box.message.text()
    box.witness.who.setCurrentIndex(box.witness.who.findData("noah"))
    box.witness.pin.setText("0000")
    assert not box.record_waste()
    assert box.witness.pin.text() == ""  # a PIN never stays on screen
    assert Ledger(database).wastes(desk.session.session_id) == []


def test_a_draw_without_a_lot_number_is_refused_in_words(box, desk, database):
    box.lot.setText("")
    assert not box.record_draw() and "lot number" in box.message.text()
    assert Ledger(database).draws() == []


def test_the_expiry_is_typed_from_the_label_never_pre_filled(box, desk, database):
    assert box.expiry.text() == ""
    box.lot.setText("KX-77")
    assert not box.record_draw() and "expiry date" in box.message.text()
    box.expiry.setText("2026-11-19")  # the day before the clock's today
    assert not box.record_draw() and "expired on 2026-11-19" in box.message.text()
    assert Ledger(database).draws() == []


def test_a_red_refusal_goes_once_the_nurse_changes_the_input(box, desk):
    box.lot.setText("KX-77")
    assert not box.record_draw() and box.message.text()
    box.expiry.setText("2")
    assert box.message.text() == ""


def test_a_volume_drawn_is_read_as_typed_and_checked_for_plausibility(box, desk, database):
    box.lot.setText("KX-77")
    box.expiry.setText("2027-06-30")
    box.draw_ml.setText("10000")
    assert not box.record_draw() and "10000 mL, is outside 0.1-1000 mL" in box.message.text()
    assert Ledger(database).draws() == []
