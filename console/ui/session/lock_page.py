"""The lock screen: who is at the chair, by PIN (or the first administrator's account)."""
from __future__ import annotations


from PySide6.QtWidgets import (QLineEdit, QVBoxLayout, QWidget)

from console.ui.pin_dialog import PinPad

from console.ui.session.parts import (button, heading, line, scroll, Page)


# --- lock and patient -------------------------------------------------------------------------------------
class LockPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        self.title = heading("")
        self.first = QWidget()
        f = QVBoxLayout(self.first)
        f.addWidget(heading("First start: create the administrator account"))
        self.admin_user, self.admin_name, self.admin_pin = line("username"), line("full name"), line("PIN (digits)")
        self.admin_pin.setEchoMode(QLineEdit.Password)
        for w in (self.admin_user, self.admin_name, self.admin_pin):
            f.addWidget(w)
        make = button("Create administrator")
        make.clicked.connect(self._create_admin)
        f.addWidget(make)
        self.pad = PinPad(self.desk.staff.members(), button_label="Unlock")
        self.pad.submitted.connect(self._login)
        inner = QWidget()  # scrolls like every other page, so a full alarm bar cannot push the keypad off screen
        lay = QVBoxLayout(inner)
        lay.addWidget(self.title)
        lay.addWidget(self.first)
        lay.addWidget(self.pad)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))

    def _create_admin(self):
        def act():
            self.desk.staff.create_first_admin(self.admin_user.text(), self.admin_name.text(),
                                               self.admin_pin.text(), now=self.desk.clock())
            self.admin_pin.clear()
            self.pad.set_staff(self.desk.staff.members())
        self.do(act, "Administrator created: log in with your PIN")

    def _login(self, username, pin):
        if self.do(lambda: self.desk.login(username, pin)) is not None:
            self.panel.touch()

    def refresh(self):
        first = self.desk.staff.needs_first_admin()
        self.first.setVisible(first)
        self.pad.setVisible(not first)
        # locked: NEXT already says "Log in with your PIN"; a heading repeating it cost the Unlock button its
        # place on a 768-line screen
        self.title.setVisible(False)
        if self.pad.who.count() != len(self.desk.staff.members()):
            self.pad.set_staff(self.desk.staff.members())
