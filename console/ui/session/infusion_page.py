"""The infusion: draw, start, pause, stop and rate changes, each with its own reason."""
from __future__ import annotations


from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget)

from console.session.dose import fmt
from console.session.errors import SessionError
from console.ui import style
from console.ui.ledger_box import LedgerBox
from console.ui.number_edit import NumberEdit
from console.ui.restyle import set_style
from console.ui.session_style import (GO_BUTTON, PLAIN_BUTTON, STOP_BUTTON)

from console.ui.session.parts import (QuietLabel, button, heading, line, scroll, Page)
from console.ui.session.override_box import OverrideBox
from console.ui.session.assessment_box import AssessmentBox


class InfusionPage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 6, 0)  # the page's own margins are enough (room for the scroll bar)
        self.box.setContentsMargins(0, 4, 0, 0)
        self.start_box = QWidget()
        sb = QVBoxLayout(self.start_box)
        self.program = heading("")
        start = self.start_button = button("Start infusion", GO_BUTTON)
        start.clicked.connect(lambda: self.do(lambda: self.desk.session.start(by=self.desk.require_user(),
                                                                             now=self.desk.clock())))
        sb.addWidget(self.program)
        sb.addWidget(start)
        self.start_override = OverrideBox(self, "Start with physician override", lambda physician, reason:
                                          self.desk.session.start(by=self.desk.require_user(), now=self.desk.clock(),
                                                                  physician=physician, reason=reason))
        sb.addWidget(self.start_override)
        lay.addWidget(self.start_box)
        self.ledger = LedgerBox(self.desk, self.desk.ledger)  # record the vial drawn before starting
        lay.addWidget(self.ledger)
        self.run_box = QWidget()
        rb = QVBoxLayout(self.run_box)
        rb.setContentsMargins(0, 0, 0, 0)
        # each action asks its own reason, every time, and clears it once used (rules/action_reasons.py)
        self.pause_reason = line("reason for the pause")
        self.stop_reason = line("reason for stopping")
        controls = QGridLayout()
        self.pause = button("Pause", PLAIN_BUTTON)
        self.pause.clicked.connect(self._pause_resume)
        stop = button("Stop infusion", STOP_BUTTON)
        stop.clicked.connect(self._stop)
        controls.addWidget(self.pause_reason, 0, 0)
        controls.addWidget(self.pause, 0, 1)
        controls.addWidget(self.stop_reason, 1, 0)
        controls.addWidget(stop, 1, 1)
        controls.setColumnStretch(0, 1)
        controls.setVerticalSpacing(4)
        rb.addLayout(controls)
        self.run_override = OverrideBox(self, "Go on with physician override", self._run_override)
        titrate = QFrame()
        titrate.setObjectName("tile")
        tl = QGridLayout(titrate)
        tl.setContentsMargins(8, 4, 8, 4)
        tl.setVerticalSpacing(4)
        self.new_rate = NumberEdit("mg/kg/h", "mg/kg/h")
        self.new_rate.textChanged.connect(self._titration_preview)
        self.new_rate.textChanged.connect(panel.clear_refusal)
        self.rate_reason = line("reason for the rate change (required)")
        self.rate_preview = QuietLabel()
        self.rate_preview.setWordWrap(True)
        self.soft_reason = line("reason for going past the soft limit")
        change = button("Change rate", PLAIN_BUTTON)
        change.clicked.connect(self._titrate)
        # two rows, as Pause and Stop: the new rate beside its label, then its reason beside the button (the
        # preview and the soft limit's reason, only when called for, between them). The rate, its reason and
        # the button in one row were too wide for the panel at 1366x768 (the reason's words were cut), and
        # three rows pushed the button below the fold with the interlock's NEXT above
        self.new_rate.setMaximumWidth(100)
        rate_row = QHBoxLayout()
        rate_row.addWidget(QLabel("New rate (mg/kg/h)"))
        rate_row.addWidget(self.new_rate)
        rate_row.addStretch(1)
        tl.addLayout(rate_row, 0, 0, 1, 2)
        tl.addWidget(self.rate_preview, 1, 0, 1, 2)
        tl.addWidget(self.soft_reason, 2, 0, 1, 2)
        tl.addWidget(self.rate_reason, 3, 0)
        tl.addWidget(change, 3, 1)
        tl.setColumnStretch(0, 1)
        self.assessment = AssessmentBox(self)
        # Pause, Stop and the rate change first: on a 768-line screen with alarms they are what fits
        # unscrolled; the override (only with an alarm refusing a faster rate) and the assessment (NEXT
        # says when it is due) follow
        rb.addWidget(titrate)
        rb.addWidget(self.run_override)
        rb.addWidget(self.assessment)
        lay.addWidget(self.run_box)
        lay.addStretch(1)
        self.area = scroll(inner)
        self.box.addWidget(self.area)
        #: (session, started, held) at the last refresh: the page goes back to its top when it changes
        self._seen: tuple | None = None

    def _pause_resume(self):
        s, user = self.desk.session, self.desk.require_user()
        if s.state.paused:
            self.do(lambda: s.resume(by=user, now=self.desk.clock()))
        elif self.do(lambda: s.pause(self.pause_reason.text(), by=user, now=self.desk.clock())) is not None:
            self.pause_reason.clear()

    def _stop(self):
        s = self.desk.session
        reason = self.stop_reason.text() or ("volume complete" if s.state.volume_complete(self.desk.clock()) else "")
        if self.do(lambda: s.stop(reason, by=self.desk.require_user(), now=self.desk.clock())) is not None:
            self.stop_reason.clear()

    def _run_override(self, physician, reason: str) -> None:
        """Resume when paused, else the rate change typed above, over the alarm gate."""
        s, user = self.desk.session, self.desk.require_user()
        if s.state.paused:
            s.resume(by=user, now=self.desk.clock(), physician=physician, reason=reason)
        else:
            s.titrate(self.new_rate.typed(), self.rate_reason.text(), soft_reason=self.soft_reason.text() or None,
                      by=user, now=self.desk.clock(), physician=physician, override_reason=reason)

    def _titration_preview(self):
        s = self.desk.session
        if s is None or s.state.order is None or (self.new_rate.value() or 0) <= 0:
            self.rate_preview.setText("")
            self.soft_reason.setVisible(False)
            return
        try:
            change = s.preview_titration(self.new_rate.value())
        except SessionError as exc:
            self.rate_preview.setText(str(exc))
            return
        if s.state.started and change.rate_ml_per_h == s.state.rate_ml_per_h:
            # the field is filled with the running rate at the start: no change yet, nothing to confirm (a
            # green "will be set to … within the limits" read as a rate change that never happened)
            self.rate_preview.setText("")
            self.soft_reason.setVisible(False)
            return
        colour = {"ok": style.OK, "soft": style.WARN, "hard": style.BAD}[change.verdict.level]
        verb = "The pump will be set to" if self.desk.pump_programs_itself else "Set the pump to"
        self.rate_preview.setText(f"{verb} <b>{fmt(change.rate_ml_per_h, 1)} mL/h</b> "
                                  f"(now {fmt(s.state.rate_ml_per_h, 1)} mL/h).<br>"
                                  f"<span style='color:{colour}'>{change.verdict.message}</span>")
        self.soft_reason.setVisible(change.verdict.level == "soft")

    def _titrate(self):
        if self.do(lambda: self.desk.session.titrate(self.new_rate.typed(), self.rate_reason.text(),
                                                     soft_reason=self.soft_reason.text() or None,
                                                     by=self.desk.require_user(), now=self.desk.clock()),
                   "Rate changed: the console is setting the pump (it reads it back)"
                   if self.desk.pump_programs_itself else "Rate changed: set the pump to the new rate now") is not None:
            self.rate_reason.clear()
            self.soft_reason.clear()

    def refresh(self):
        st = self.desk.session.state
        # the draw is logged before the start; once the pump runs, the assessments come first on this page
        # (waste and reconciliation are on the discharge page)
        self.ledger.setVisible(not st.started)
        if not st.started:
            self.ledger.refresh()
        self.start_box.setVisible(not st.started)
        self.run_box.setVisible(st.started)
        if st.order is not None and not st.started:
            what = (f"{fmt(st.order['rate_ml_per_h'], 1)} mL/h, volume to infuse {fmt(st.order['total_ml'], 1)} mL."
                    f"\nDouble-checked by {st.double_checked_by}.")
            self.program.setText(f"Start sets the connected pump to {what}" if self.desk.pump_programs_itself
                                 else f"Program the pump: {what}")
        self.pause.setText("Resume" if st.paused else "Pause")
        s, now = self.desk.session, self.desk.clock()
        gate = s.alarm_gate_verdict("start", now)
        held = s.interlock_verdict("resume" if st.started else "start", now)  # no override: a physician releases it
        self.start_override.show_verdicts([] if st.started or not held.ok else [gate])
        set_style(self.start_button, GO_BUTTON if gate.ok and held.ok else PLAIN_BUTTON)  # comfort: the core decides
        set_style(self.pause, GO_BUTTON if st.paused and held.ok else PLAIN_BUTTON)
        seen = (s.session_id, st.started, not held.ok)
        if seen != self._seen and (st.started or not held.ok):
            # the infusion has started, or the interlock now holds the pump: the page shows its top (Pause,
            # Stop, the rate change), not where the nurse had scrolled to (Start, or the assessment)
            self.area.verticalScrollBar().setValue(0)
        self._seen = seen
        if st.started:
            self.run_override.show_verdicts([] if not held.ok else
                                            [s.alarm_gate_verdict("resume" if st.paused else "raise", now)])
            self.run_override.go.setText("Resume with physician override" if st.paused else
                                         "Raise the rate with physician override")
        if st.started and not self.new_rate.text() and st.weight_kg:
            self.new_rate.setValue(round(st.rate_ml_per_h * st.concentration / st.weight_kg, 2), 2)
        elif st.started:
            # against the rate now running: once the change is made, its "will be set to … (now …)" and the
            # green verdict go (they read as a change still to come, with the old rate as "now")
            self._titration_preview()
