"""Discharge: the score (measured items from the live values), escort, instructions, sign-off."""
from __future__ import annotations


from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from console.session.dose import fmt
from console.ui import style
from console.ui.pin_dialog import SecondPersonBox
from console.ui.ledger_box import LedgerBox
from console.ui.session_style import (FAIL_MARK, GO_BUTTON, PASS_MARK, PLAIN_BUTTON)

from console.ui.session.parts import (button, heading, field, line, Choices, scroll, Page)
from console.ui.session.override_box import OverrideBox


# --- discharge and closed ------------------------------------------------------------------------------
class DischargePage(Page):
    scrolls_itself = True

    def __init__(self, panel):
        super().__init__(panel)
        cfg = self.desk.config
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(heading("Pain before leaving (NRS)"))
        self.pain = Choices([(str(n), n) for n in range(cfg.scales.nrs_min, cfg.scales.nrs_max + 1)])
        self.pain.group.idClicked.connect(lambda _: self.do(lambda: self.desk.session.discharge_pain(
            self.pain.value, by=self.desk.require_user(), now=self.desk.clock())))
        self.pain_result = QLabel("")
        self.pain_result.setWordWrap(True)
        self.pain_result.setStyleSheet("font-size: 18px;")
        lay.addWidget(self.pain)
        lay.addWidget(self.pain_result)
        lay.addWidget(heading("Discharge score"))
        self.scale = field(QComboBox())
        for sid, (label, _) in cfg.scales.discharge.items():
            self.scale.addItem(label, sid)
        self.scale.currentIndexChanged.connect(self._items)
        lay.addWidget(self.scale)
        self.items_box = QWidget()
        self.items_grid = QGridLayout(self.items_box)
        lay.addWidget(self.items_box)
        self.total = QLabel("")
        self.total.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.total.setWordWrap(True)  # "Total: 8 / 10 — below the minimum" must not widen the narrow panel
        save = button("Save score", PLAIN_BUTTON)
        save.clicked.connect(self._save_score)
        row = QHBoxLayout()
        row.addWidget(self.total, 1)
        row.addWidget(save)
        lay.addLayout(row)
        self.override = QFrame()
        self.override.setObjectName("tile")
        ol = QVBoxLayout(self.override)
        self.override_reason = line("reason to discharge below the minimum score")
        self.physician = SecondPersonBox(self.desk.staff.members(), "Physician:", ("physician",))
        do = button("Physician override", PLAIN_BUTTON)
        do.clicked.connect(self._override)
        for w in (self.override_reason, self.physician, do):
            ol.addWidget(w)
        lay.addWidget(self.override)
        lay.addWidget(heading("Going home"))
        esc = QHBoxLayout()
        self.escort = line("escort's name")
        here = button("Escort is here", PLAIN_BUTTON)
        here.clicked.connect(lambda: self.do(lambda: self.desk.session.confirm_escort(
            self.escort.text(), by=self.desk.require_user(), now=self.desk.clock())))
        esc.addWidget(self.escort, 1)
        esc.addWidget(here)
        lay.addLayout(esc)
        self.instructions = button("Discharge instructions given and understood", PLAIN_BUTTON)
        self.instructions.clicked.connect(lambda: self.do(lambda: self.desk.session.acknowledge_instructions(
            by=self.desk.require_user(), now=self.desk.clock())))
        lay.addWidget(self.instructions)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("font-size: 18px;")
        lay.addWidget(self.status)
        self.ledger = LedgerBox(self.desk, self.desk.ledger)  # waste with a witness, then reconcile
        lay.addWidget(self.ledger)
        sign = button("Sign off and close the session", GO_BUTTON)
        sign.clicked.connect(lambda: self.do(lambda: self.desk.session.sign_off(by=self.desk.require_user(),
                                                                               now=self.desk.clock())))
        lay.addWidget(sign)
        self.sign_override = OverrideBox(self, "Sign off with physician override", lambda physician, reason:
                                         self.desk.session.sign_off(by=self.desk.require_user(),
                                                                    now=self.desk.clock(), physician=physician,
                                                                    reason=reason))
        lay.addWidget(self.sign_override)
        lay.addStretch(1)
        self.box.addWidget(scroll(inner))
        self.combos: dict[str, QComboBox] = {}
        self.measured = QLabel("")
        self.measured.setWordWrap(True)
        self.measured.setStyleSheet(f"color: {style.MUTED}; font-size: 16px;")
        lay.insertWidget(lay.indexOf(self.items_box) + 1, self.measured)
        self._items()

    def _items(self):
        while self.items_grid.count():
            self.items_grid.takeAt(0).widget().setParent(None)
        self.combos = {}
        self._prefilled: dict[str, int] = {}
        _, items = self.desk.config.scales.discharge[self.scale.currentData()]
        for r, item in enumerate(items):
            combo = field(QComboBox())
            combo.addItem("— choose —", None)
            for c in item.choices:
                combo.addItem(f"{c.score}  {c.text}", c.score)
            combo.currentIndexChanged.connect(self._total)
            self.combos[item.id] = combo
            self.items_grid.addWidget(QLabel(item.text), r, 0)
            self.items_grid.addWidget(combo, r, 1)
        self._total()

    def _total(self):
        scores = [c.currentData() for c in self.combos.values()]
        if None in scores:
            self.total.setText(f"Total: {sum(s for s in scores if s is not None)} so far")
        else:
            ok = sum(scores) >= self.desk.config.clinic.discharge_min_score
            self.total.setText(f"Total: {sum(scores)} / 10 — {'ready' if ok else 'below the minimum'}")
            self.total.setStyleSheet(f"font-size: 20px; font-weight: bold; color: {style.OK if ok else style.BAD};")

    def _save_score(self):
        self.do(lambda: self.desk.session.discharge_score(
            self.scale.currentData(), {k: c.currentData() for k, c in self.combos.items()},
            by=self.desk.require_user(), now=self.desk.clock()))

    def _override(self):
        def act():
            who, pin = self.physician.take()
            physician = self.desk.second_person(who, pin, roles=("physician",))
            self.desk.session.override_discharge_score(self.override_reason.text(), physician=physician,
                                                       by=self.desk.require_user(), now=self.desk.clock())
        self.do(act)

    def _fill_measured(self) -> None:
        """Items a device measures take the core's score from the live value, unless the nurse changed it;
        a typed score the monitor contradicts is refused by the core all the same."""
        live = self.desk.session.measured_scores(self.scale.currentData(), self.desk.clock())
        notes = []
        for item, (score, value) in live.items():
            combo = self.combos.get(item)
            if combo is None:
                continue
            if combo.currentData() is None or combo.currentData() == self._prefilled.get(item):
                combo.setCurrentIndex(combo.findData(score))
                self._prefilled[item] = score
            notes.append(f"{item.upper() if item == 'spo2' else item}: monitor shows {fmt(value)} now")
        self.measured.setText(("From the monitor — " + "; ".join(notes)) if notes else "")
        self.measured.setVisible(bool(notes))

    def refresh(self):
        self.ledger.refresh()
        self.physician.set_staff(self.desk.staff.members())
        self._fill_measured()
        self.sign_override.show_verdicts(self.desk.session.sign_off_verdicts(self.desk.clock()))
        st = self.desk.session.state
        p = st.discharge_pain
        if p is None:
            self.pain_result.setText(f"Baseline before the infusion: {st.baseline_nrs}/10")
        elif p["drop_points"] is None:
            self.pain_result.setText(f"Pain now {p['nrs']}/10 (no baseline recorded)")
        else:
            drop = p["drop_points"]
            pct = "" if p["drop_fraction"] is None else f" ({abs(p['drop_fraction']) * 100:.0f} %)"
            change = (f"{drop} points{pct} lower" if drop > 0 else f"{-drop} points{pct} higher" if drop < 0
                      else "unchanged")
            verdict = "a meaningful improvement" if p["meaningful"] else "not a meaningful improvement"
            self.pain_result.setText(f"Pain {p['baseline_nrs']} → {p['nrs']}: {change} — {verdict}")
        best = st.best_discharge_score()
        self.override.setVisible(best is not None and not best["passed"] and st.score_override is None)
        done = []
        if best is not None:
            done.append(f"{PASS_MARK if best['passed'] or st.score_override else FAIL_MARK} {best['scale']} "
                        f"{best['total']}" + (" (physician override)" if st.score_override else ""))
        if st.escort:
            done.append(f"{PASS_MARK} escort: {st.escort}")
        if st.instructions_acknowledged:
            done.append(f"{PASS_MARK} instructions acknowledged")
        self.status.setText("   ".join(done))
