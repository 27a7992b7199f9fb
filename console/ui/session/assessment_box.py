"""An assessment during and after the infusion: pain, sedation, dissociation; nothing pre-selected."""
from __future__ import annotations


from PySide6.QtWidgets import (QCheckBox, QComboBox, QFrame, QGridLayout, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from console.ui.session_style import CHOICE_BUTTON

from console.ui.session.parts import (button, heading, field, line, Choices, Page)


class AssessmentBox(QFrame):
    """Pain, sedation, side effects, optional CADSS-6: one tap each, then Record."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.setObjectName("tile")
        scales = page.desk.config.scales
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Assessment"))
        lay.addWidget(QLabel("Pain now (NRS)"))
        self.nrs = Choices([(str(n), n) for n in range(scales.nrs_min, scales.nrs_max + 1)])
        lay.addWidget(self.nrs)
        sed = QHBoxLayout()
        self.scale = field(QComboBox())
        for sid, (label, _) in scales.sedation.items():
            self.scale.addItem(label, sid)
        self.level = field(QComboBox())
        self.scale.currentIndexChanged.connect(self._levels)
        sed.addWidget(self.scale)
        sed.addWidget(self.level, 1)
        lay.addLayout(sed)
        lay.addWidget(QLabel("Side effects (tap all present)"))
        grid = QGridLayout()
        self.effects: dict[str, QPushButton] = {}
        for n, (eid, text) in enumerate(scales.side_effects):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setStyleSheet(CHOICE_BUTTON.replace("font-size: 20px", "font-size: 16px"))
            self.effects[eid] = b
            grid.addWidget(b, n // 2, n % 2)
        lay.addLayout(grid)
        self.with_cadss = QCheckBox("Add CADSS-6 (dissociation)")
        self.with_cadss.setStyleSheet("font-size: 18px; min-height: 40px;")
        self.cadss_box = QWidget()
        cg = QGridLayout(self.cadss_box)
        self.cadss: dict[int, QSpinBox] = {}
        for n, item in enumerate(scales.cadss_items):
            spin = field(QSpinBox())
            spin.setRange(-1, scales.cadss_item_max)  # -1 shows "—": not scored yet (the core refuses it)
            spin.setSpecialValueText("—")
            spin.setValue(-1)
            self.cadss[item.score] = spin
            cg.addWidget(QLabel(item.text), n // 2, (n % 2) * 2)
            cg.addWidget(spin, n // 2, (n % 2) * 2 + 1)
        self.cadss_box.setVisible(False)
        self.with_cadss.toggled.connect(self.cadss_box.setVisible)
        lay.addWidget(self.with_cadss)
        lay.addWidget(self.cadss_box)
        self.note = line("note (optional)")
        lay.addWidget(self.note)
        record = button("Record assessment")
        record.clicked.connect(self._record)
        lay.addWidget(record)
        self._levels()

    def _levels(self):
        self.level.clear()
        _, levels = self.page.desk.config.scales.sedation[self.scale.currentData()]
        self.level.addItem("— choose the sedation level —", None)  # no clinical value is chosen for the nurse
        for c in levels:
            self.level.addItem(f"{c.score:+d}  {c.text}" if self.scale.currentData() == "rass" else
                               f"{c.score}  {c.text}", c.score)
        self.level.setCurrentIndex(0)

    def _record(self):
        desk = self.page.desk
        if self.nrs.value is None:
            self.page.panel.show_error("tap the patient's pain score (0-10) first")
            return
        cadss = {k: s.value() for k, s in self.cadss.items()} if self.with_cadss.isChecked() else None
        effects = [eid for eid, b in self.effects.items() if b.isChecked()]

        def act():
            desk.session.assess(nrs=self.nrs.value, sedation_scale=self.scale.currentData(),
                                sedation_score=self.level.currentData(), side_effects=effects, cadss6=cadss,
                                note=self.note.text(), by=desk.require_user(), now=desk.clock())
            self.nrs.clear()
            for b in self.effects.values():
                b.setChecked(False)
            self.note.clear()
            self.with_cadss.setChecked(False)
            self.level.setCurrentIndex(0)
            for spin in self.cadss.values():
                spin.setValue(-1)
        self.page.do(act, "Assessment recorded")
