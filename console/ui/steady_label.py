"""Labels whose text changes every second (a clock, a value, an age) without re-laying out the window.

A QLabel tells its layout that its size may have changed on every setText, even when the new text needs
the same room: the layout above it, and every layout up to the window, is invalidated and the whole
window's geometry is computed again (`QLayout::activate`), once per changed label per second. So the
label is put in a holder: the holder stands in the layout with the label's own size hints, and has no
layout of its own; the label fills it (resized with it). A label's size change reaches its parent's
layout, and the holder has none: it stops there. The holder tells its layout only when the label's hints
really change (a "--" becoming "124/78 (93)", a status gaining a line), so the layout comes out as
before, without the relayout every second (docs/benchmarks.md, "Console CPU"). (A fixed size on the
label would stop it too, but a rich-text QLabel then takes its fixed width as its size hint.)
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel, QWidget


class SteadyHolder(QWidget):
    """Stands in a layout for its label (see the module's docstring); `label` is the QLabel."""

    def __init__(self, label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        self.setSizePolicy(label.sizePolicy())
        self._hints = self._measure()
        label.move(0, 0)

    def _measure(self) -> tuple:
        label = self.label
        hfw = label.heightForWidth(self.width()) if label.hasHeightForWidth() else -1
        return label.sizeHint(), label.minimumSizeHint(), hfw

    def text_changed(self) -> None:
        """Called after the label's text (or font) changed: tell the layout only if the label's room did."""
        hints = self._measure()
        if hints != self._hints:
            self._hints = hints
            self.updateGeometry()

    def event(self, event) -> bool:
        # the label's own updateGeometry (a new font from a style sheet, a polish) comes here as a
        # LayoutRequest, since the holder has no layout: pass it on only if its room changed
        if event.type() == QEvent.LayoutRequest:
            self.text_changed()
        return super().event(event)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt names)
        return self.label.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.label.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return self.label.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.label.heightForWidth(width)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.label.resize(event.size())
        self._hints = self._measure()


class SteadyLabel(QLabel):
    """A QLabel to put in a layout through `holder` (a SteadyHolder made with it): use `label.holder`
    where the label itself would be added to the layout; setText and setStyleSheet as on any label."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text)
        self.holder = SteadyHolder(self, parent)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        if text == self.text():
            return
        super().setText(text)
        self.holder.text_changed()

    def setStyleSheet(self, css: str) -> None:  # noqa: N802 (a font size is room too)
        super().setStyleSheet(css)
        self.holder.text_changed()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (show and hide the room, not only the text)
        """Hiding the label hides its holder (no room kept); showing shows both (Qt shows the label
        through here too, when the holder is shown)."""
        holder = getattr(self, "holder", None)
        if holder is not None and holder.isHidden() == visible:
            holder.setVisible(visible)
        if visible or holder is None:
            super().setVisible(visible)
