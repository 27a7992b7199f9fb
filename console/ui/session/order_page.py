"""The weight-based order: protocol, dose, the pump figures and the library's verdicts."""
from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QLabel)

from console.session.dose import describe, fmt
from console.session.errors import SessionError
from console.ui import style
from console.ui.number_edit import NumberEdit
from console.ui.session_style import GO_BUTTON

from console.ui.session.parts import (button, heading, field, line, Page)


# --- order and double check ------------------------------------------------------------------------------
class OrderPage(Page):
    def __init__(self, panel):
        super().__init__(panel)
        cfg = self.desk.config
        self.box.addWidget(heading("Order"))
        self.protocol = field(QComboBox())
        for p in cfg.protocols.values():
            self.protocol.addItem(p.label, p.id)
        self.concentration = field(QComboBox())
        self.amount = NumberEdit("", "mg/kg")  # typed text goes to the core unclipped (rules/plausible_numbers)
        self.duration = NumberEdit("minutes", "min")
        grid = QGridLayout()
        self.amount_label = QLabel("Dose")
        # the protocol's whole name, wrapped: a combo box cuts "…0.5 mg/kg over 40 min" at a 520 px panel
        self.protocol_full = QLabel("")
        self.protocol_full.setWordWrap(True)
        self.protocol_full.setStyleSheet("font-size: 18px; font-weight: bold;")
        grid.addWidget(QLabel("Protocol"), 0, 0, 1, 2)
        grid.addWidget(self.protocol, 1, 0, 1, 2)
        grid.addWidget(self.protocol_full, 2, 0, 1, 2)
        for r, (label, w) in enumerate((("Concentration", self.concentration), (self.amount_label, self.amount),
                                        ("Duration (min)", self.duration)), start=3):
            grid.addWidget(label if isinstance(label, QLabel) else QLabel(label), r, 0)
            grid.addWidget(w, r, 1)
        grid.setColumnStretch(1, 1)
        self.box.addLayout(grid)
        self.pump_big = QLabel("")
        self.pump_big.setWordWrap(True)
        self.pump_big.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.box.addWidget(self.pump_big)
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.RichText)
        self.preview.setStyleSheet(f"background: {style.PANEL}; padding: 10px; font-size: 17px;")
        self.box.addWidget(self.preview)
        self.reason = line("reason for going past the soft limit (required)")
        self.box.addWidget(self.reason)
        place = button("Place order", GO_BUTTON)
        place.clicked.connect(self._place)
        self.box.addWidget(place)
        self.box.addStretch(1)
        self.protocol.currentIndexChanged.connect(self._protocol_changed)
        for signal in (self.concentration.currentIndexChanged, self.amount.textChanged, self.duration.textChanged,
                       self.protocol.currentIndexChanged):
            signal.connect(self.update_preview)
            signal.connect(panel.clear_refusal)
        self._protocol_changed()

    def _protocol_changed(self):
        cfg = self.desk.config
        p = cfg.protocol(self.protocol.currentData())
        drug = cfg.drugs[p.drug].drug
        for w in (self.concentration, self.amount, self.duration):
            w.blockSignals(True)
        self.concentration.clear()
        for entry in cfg.drugs.values():
            if entry.drug == drug:
                self.concentration.addItem(entry.label, entry.concentration_mg_per_ml)
        self.concentration.setCurrentIndex(self.concentration.findData(cfg.drugs[p.drug].concentration_mg_per_ml))
        self.amount_label.setText("Dose (mg/kg)" if p.kind == "dose" else "Rate (mg/kg/h)")
        self.amount.setValue(p.default_amount)
        self.duration.setValue(p.duration_min)
        self.protocol_full.setText(p.label)
        for w in (self.concentration, self.amount, self.duration):
            w.blockSignals(False)
        self.update_preview()

    def _args(self) -> dict:
        return {"amount": self.amount.typed(), "concentration": self.concentration.currentData(),
                "duration_min": self.duration.typed()}

    def update_preview(self):
        s = self.desk.session
        if s is None or s.state.weight_kg is None:
            return
        try:
            order = s.preview_order(self.protocol.currentData(), **self._args())
        except SessionError as exc:
            self.preview.setText(f"<span style='color:{style.BAD}'>{exc}</span>")
            self.pump_big.setText("")
            self.reason.setVisible(False)
            return
        colours = {"Limit ok": style.OK, "SOFT LIMIT": style.WARN, "HARD LIMIT": style.BAD}
        rows = []
        for label, text in describe(order):
            colour = colours.get(label, style.TEXT)
            weight = "bold" if label in ("Pump rate", "HARD LIMIT", "SOFT LIMIT") else "normal"
            rows.append(f"<tr><td style='color:{style.MUTED}; padding-right:10px'>{label}</td>"
                        f"<td style='color:{colour}; font-weight:{weight}'>{text}</td></tr>")
        self.preview.setText("<table>" + "".join(rows) + "</table>")
        colour = style.BAD if order.refused else style.WARN if order.needs_reason else style.TEXT
        # the pump rate is rounded to the pump's steps; mg and mL are shown exactly (36.25 mg, not 36.2)
        self.pump_big.setText(f"Pump {fmt(order.rate_ml_per_h, 1)} mL/h · {fmt(order.total_ml, 3)} mL · "
                              f"{fmt(order.total_mg, 3)} mg")
        self.pump_big.setStyleSheet(f"font-size: 28px; font-weight: bold; color: {colour};")
        self.reason.setVisible(order.needs_reason and not order.refused)

    def refresh(self):
        self.update_preview()

    def _place(self):
        self.do(lambda: self.desk.session.place_order(self.protocol.currentData(), soft_reason=self.reason.text(),
                                                      by=self.desk.require_user(), now=self.desk.clock(),
                                                      **self._args()))
