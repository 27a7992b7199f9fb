"""One chip per device at the bottom of the screen: is it talking, and if not, why (from the transport)."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from device_drivers.events import LinkState
from console.ui import style

_STATE = {"connected": (style.OK, "connected"), "connecting": (style.WARN, "connecting"),
          "silent": (style.WARN, "SILENT"), "reconnecting": (style.BAD, "NOT CONNECTED"),
          "closed": (style.MUTED, "closed")}


class DeviceStrip(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(8, 4, 8, 4)
        self.layout_.addStretch(1)
        self.chips: dict[str, QLabel] = {}
        self.titles: dict[str, str] = {}

    def add_device(self, device: str, title: str) -> None:
        chip = QLabel()
        chip.setObjectName("deviceChip")
        self.chips[device] = chip
        self.titles[device] = title
        self.layout_.insertWidget(self.layout_.count() - 1, chip)
        self.show_state(LinkState(0, device, "connecting", "", "starting"))

    def show_keyed_in(self, device: str) -> None:
        """A device with no link (the manual pump): the nurse keys in what it shows, so there is nothing to
        connect, and "connecting" would be a state that never ends."""
        chip = self.chips[device]
        chip.setText(f"<span style='color:{style.MUTED}'>●</span> <b>{self.titles[device]}</b> keyed in by the nurse")
        chip.setToolTip("no cable: the nurse enters what the pump shows on the Pump tab")
        chip.setProperty("state", "keyed_in")

    def show_text(self, device: str, colour: str, words: str, tooltip: str = "", state: str = "",
                  title: str | None = None) -> None:
        """A chip that is not a serial link (the records server): its own words after the title."""
        if device not in self.chips:
            self.add_device(device, device)
        chip = self.chips[device]
        chip.setText(f"<span style='color:{colour}'>●</span> <b>{title or self.titles[device]}</b> {words}")
        chip.setToolTip(tooltip)
        chip.setProperty("state", state)

    def show_state(self, event: LinkState) -> None:
        if event.device not in self.chips:
            self.add_device(event.device, event.device)
        colour, word = _STATE.get(event.state, (style.MUTED, event.state))
        chip = self.chips[event.device]
        text = f"<span style='color:{colour}'>●</span> <b>{self.titles[event.device]}</b> {word}"
        if event.state in ("silent", "reconnecting"):
            text += f" <span style='color:{style.MUTED}'>— {event.detail[:90]}</span>"
        chip.setText(text)
        chip.setToolTip(f"{event.port}\n{event.detail}")
        chip.setProperty("state", event.state)
