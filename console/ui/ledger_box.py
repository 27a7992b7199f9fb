"""The controlled-substance ledger on the session screen: draw, witnessed waste, the balance, reconcile.

Sits on the infusion and discharge pages. A waste is recorded only with a colleague's own PIN (the staff
directory checks it is someone else); the balance shows drawn vs given (the session's rate history) +
wasted at every refresh, in red while it does not balance, because the session cannot be signed off then.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout)

from console.errors import UserError
from console.records.ledger import Ledger
from console.session.errors import SessionError
from console.session.rules import plausible_numbers
from console.session.staff import StaffError
from console.ui import style
from console.ui.number_edit import NumberEdit
from console.ui.pin_dialog import SecondPersonBox
from console.ui.session_style import BIG_BUTTON, ERROR_TEXT, FIELD, PLAIN_BUTTON


class LedgerBox(QFrame):
    def __init__(self, desk, ledger: Ledger, parent=None) -> None:
        super().__init__(parent)
        self.desk, self.ledger = desk, ledger
        self._order_shown = None
        self.setObjectName("ledgerBox")
        self.setStyleSheet(f"QFrame#ledgerBox {{ background: {style.PANEL}; border: 1px solid #1f2937; "
                           f"border-radius: 8px; }}")
        box = QVBoxLayout(self)
        title = QLabel("Controlled substance")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        box.addWidget(title)
        self.balance = QLabel("")
        self.balance.setWordWrap(True)
        box.addWidget(self.balance)

        grid = QGridLayout()
        self.drug = QComboBox()
        for entry in desk.config.drugs.values():
            self.drug.addItem(entry.label, entry.id)
        self.lot = QLineEdit()
        self.lot.setPlaceholderText("lot number")
        # typed from the label, never pre-filled: a guessed date would let an expired vial through
        self.expiry = QLineEdit()
        self.expiry.setObjectName("expiry")  # it has no label of its own: tests and assistive tools find it
        self.expiry.setPlaceholderText("expiry")
        self.expiry.setToolTip("the expiry date printed on the label, as YYYY-MM-DD")
        self.draw_ml = NumberEdit("mL drawn", "mL")
        for w in (self.drug, self.lot, self.expiry, self.draw_ml):
            w.setStyleSheet(FIELD)
        grid.addWidget(QLabel("Drawn"), 0, 0)
        grid.addWidget(self.drug, 0, 1, 1, 2)
        grid.addWidget(self.lot, 1, 1)
        grid.addWidget(self.expiry, 1, 2)
        grid.addWidget(self.draw_ml, 2, 1)
        self.draw_button = QPushButton("Record draw")
        self.draw_button.setStyleSheet(BIG_BUTTON)
        grid.addWidget(self.draw_button, 2, 2)
        box.addLayout(grid)

        self.waste_ml = NumberEdit("mL wasted", "mL")
        self.waste_reason = QLineEdit()
        self.waste_reason.setPlaceholderText("why (e.g. remainder of bag)")
        self.waste_reason.setStyleSheet(FIELD)
        self.witness = SecondPersonBox(desk.staff.members(), "Witness:", ("nurse", "physician"))
        waste_row = QGridLayout()
        waste_row.addWidget(QLabel("Wasted"), 0, 0)
        waste_row.addWidget(self.waste_ml, 0, 1)
        waste_row.addWidget(self.waste_reason, 0, 2)
        box.addLayout(waste_row)
        box.addWidget(self.witness)
        self.waste_button = QPushButton("Record waste with witness")
        self.waste_button.setStyleSheet(BIG_BUTTON)
        box.addWidget(self.waste_button)
        self.reconcile_button = QPushButton("Reconcile")
        self.reconcile_button.setStyleSheet(PLAIN_BUTTON)
        box.addWidget(self.reconcile_button)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        box.addWidget(self.message)

        self.drug.currentIndexChanged.connect(self._default_volume)
        self.draw_button.clicked.connect(self.record_draw)
        self.waste_button.clicked.connect(self.record_waste)
        self.reconcile_button.clicked.connect(self.reconcile)
        for edit in (self.lot, self.expiry, self.draw_ml, self.waste_ml, self.waste_reason):
            edit.textChanged.connect(self._clear_refusal)
        self.drug.currentIndexChanged.connect(self._clear_refusal)
        self._default_volume()
        self.refresh()

    def _clear_refusal(self, *_) -> None:
        """A red refusal is about the input as it was; once the nurse changes it, the words go."""
        if self.message.styleSheet() == ERROR_TEXT:
            self.message.clear()
            self.message.setStyleSheet("")

    # ---- helpers --------------------------------------------------------------------------------------
    def _entry(self):
        return self.desk.config.drugs[self.drug.currentData()]

    def _default_volume(self) -> None:
        if self.drug.count():
            self.draw_ml.setValue(float(self._entry().default_container_ml))

    def _session(self):
        session = self.desk.session
        if session is None:
            raise UserError("open a session first")
        return session

    def _given(self) -> float:
        return self._session().state.delivered_mg(self.desk.clock())

    def _act(self, action, done: str) -> bool:
        try:
            action()
        except (UserError, StaffError, SessionError) as exc:
            self.message.setText(str(exc))
            self.message.setStyleSheet(ERROR_TEXT)
            return False
        self.message.setText(done)
        self.message.setStyleSheet(f"color: {style.OK}; font-size: 18px; font-weight: bold;")
        self.refresh()
        return True

    # ---- actions --------------------------------------------------------------------------------------
    def record_draw(self) -> bool:
        def act():
            user, session, entry = self.desk.require_user(), self._session(), self._entry()
            self.ledger.record_draw(session_id=session.session_id, drug=entry.drug,
                                    concentration_mg_per_ml=entry.concentration_mg_per_ml, lot=self.lot.text().strip(),
                                    expiry=self.expiry.text().strip(),
                                    volume_ml=plausible_numbers.read("volume_ml", self.draw_ml.typed()),
                                    actor=user.username, t=self.desk.clock())
        ok = self._act(act, f"Drawn: {self._entry().label}, {self.draw_ml.typed()} mL, lot {self.lot.text().strip()}")
        if ok:
            self.lot.clear()
            self.expiry.clear()
        return ok

    def record_waste(self) -> bool:
        def act():
            user, session = self.desk.require_user(), self._session()
            who, pin = self.witness.take()
            if not who or not pin:
                raise UserError("the witness chooses their name and enters their own PIN")
            witness = self.desk.second_person(who, pin)
            self.ledger.record_waste(session_id=session.session_id,
                                     volume_ml=plausible_numbers.read("volume_ml", self.waste_ml.typed()),
                                     actor=user.username, witness=witness.username,
                                     reason=self.waste_reason.text().strip(), t=self.desk.clock())
        ok = self._act(act, f"Waste of {self.waste_ml.typed()} mL recorded with witness")
        if ok:
            self.waste_ml.clear()
            self.waste_reason.clear()
        return ok

    def reconcile(self) -> bool:
        def act():
            user, session = self.desk.require_user(), self._session()
            rec = self.ledger.reconcile(session.session_id, actor=user.username, given_mg=self._given(),
                                        t=self.desk.clock())
            if not rec.balance.balanced:
                raise UserError(rec.balance.explain())
        return self._act(act, "Reconciled: drawn = given + wasted")

    def refresh(self) -> None:
        self.witness.set_staff(self.desk.staff.members())
        session = self.desk.session
        if session is None:
            self.balance.setText("No session open.")
            return
        order = session.state.order
        if order is not None and not session.state.started and self._order_shown != session.state.order_event_id:
            self._order_shown = session.state.order_event_id  # offer the ordered drug once; the nurse may change it
            index = self.drug.findData(order["drug_id"])
            if index >= 0:
                self.drug.setCurrentIndex(index)
        b = self.ledger.balance(session.session_id, given_mg=self._given())
        running = session.state.started and session.state.stopped_t is None
        if not session.state.started and b.drawn_mg == 0:  # "balanced" at 0 mg would read as "done"
            text, colour = ("Nothing drawn yet: record the vial or bag (lot, expiry, volume) before you start "
                            "the infusion."), style.WARN
        elif running:  # drawn > given is expected while the pump runs; the balance is due after the stop
            text, colour = (f"Drawn {b.drawn_mg:.1f} mg · given so far {b.given_mg:.1f} mg · wasted "
                            f"{b.wasted_mg:.1f} mg. Reconcile after the infusion stops."), style.TEXT
        else:
            text, colour = b.explain(), style.OK if b.balanced else style.WARN
        draws = self.ledger.draws(session.session_id)
        if draws:
            last = draws[-1]
            text += (f"\nLast draw {datetime.fromtimestamp(last.t):%H:%M}: lot {last.lot}, exp {last.expiry}, "
                     f"by {last.drawn_by}")
        self.balance.setText(text)
        self.balance.setStyleSheet(f"color: {colour}; font-size: 18px; font-weight: bold;")


