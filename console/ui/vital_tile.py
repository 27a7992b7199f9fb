"""A large numeric tile: value, unit, time of the last value, and whether it can still be trusted.

Fresh values are shown in the metric's colour; older than its freshness limit they turn grey and say how
old they are; older than the expiry limit the tile shows "--", because an old number on a bedside screen
reads as a current one.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from console.metric_catalog import MetricInfo, TileSpec
from console.ui import style
from console.ui.steady_label import SteadyLabel


#: value type sizes (px): single values, and a group (NIBP sys/dia) with its mean smaller. COMPACT lets two
#: rows of tiles, the waves, the trend and a full alarm bar fit a 1366x768 screen (test_window_fits_screens);
#: a taller window (MainWindow.ROOMY_HEIGHT) gets the larger type, read from further away.
COMPACT = {"value": 48, "group": 40, "mean": 26}
BORDER_PX, BORDER_RADIUS = 4, 8  # the tile's border and corners, as QFrame#tile in console/ui/style.py
ROOMY = {"value": 56, "group": 46, "mean": 30}
#: room between the unit (and its source) and the time of the last value at the foot of a tile
FOOT_GAP_PX = 4


class ElidedLabel(SteadyLabel):
    """A one-line label that may be narrower than its text, and then ends in "…" instead of widening the
    tile: the limits and the time of the last value are secondary to the value, so they must never push
    the window past a small screen's width. Plain text only. In a layout through its `holder` (a
    SteadyLabel: the time of the last value changes every second without a relayout)."""

    MIN_WIDTH = 24

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.MIN_WIDTH), hint.height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, rect.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)


class VitalTile(QFrame):
    def __init__(self, spec: TileSpec, infos: dict[str, MetricInfo], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.spec = spec
        self.infos = [infos[m] for m in spec.metrics]
        self.values: dict[str, tuple[float, float]] = {}  # metric -> (t, value)
        self.alarm_priority: str | None = None
        self.alarm_lit = False
        self._border: str | None = None  # the alarm border's colour painted now (None: the panel's, quiet)
        self.title = QLabel(spec.label)
        self.title.setStyleSheet(f"color: {self.infos[0].colour}; font-size: 17px; font-weight: bold;")
        self.unit = QLabel(spec.unit)
        self.unit.setStyleSheet(f"color: {style.MUTED}; font-size: 16px;")
        self.limits = ElidedLabel("")
        self.limits.setStyleSheet(f"color: {style.MUTED}; font-size: 14px;")
        self.limits.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.value = SteadyLabel("--")  # a new text every second: no relayout (console/ui/steady_label.py)
        self.value.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.value.setObjectName("tileValue")
        self.when = ElidedLabel("no value yet")
        self.when.setStyleSheet(f"color: {style.MUTED}; font-size: 14px;")
        self.when.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.limits.holder)
        foot = QHBoxLayout()
        foot.setSpacing(FOOT_GAP_PX)  # else it takes the tile's 0: "bpm · monitor06:38:12" at 1366
        foot.addWidget(self.unit)
        foot.addStretch(1)
        foot.addWidget(self.when.holder)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 3, 10, 3)
        box.setSpacing(0)
        box.addLayout(head)
        box.addWidget(self.value.holder, 1)
        box.addLayout(foot)
        self.state = "empty"
        self.dirty = False  # a value came since the last refresh()
        self.sizes = COMPACT
        self._paint_value("--", style.STALE)

    def set_roomy(self, roomy: bool) -> None:
        """Larger value type on a tall screen, compact on a small one (the main window decides)."""
        sizes = ROOMY if roomy else COMPACT
        if sizes is self.sizes:
            return
        self.sizes = sizes
        text, colour = self._painted
        if not isinstance(text, str) and self.values:
            text = self._text()  # the rich text carries the mean's size
        self._paint_value(text, colour)

    def set_value(self, metric: str, value: float, t: float) -> None:
        self.values[metric] = (t, value)
        self.dirty = True

    def needs_refresh(self, now: float) -> bool:
        """Whether refresh() would show anything new: a new value, a fresh value turning stale, or a stale
        or expired tile whose age text ticks. A fresh tile between values shows the same text, so the 5 Hz
        window refresh skips it (it was most of that refresh's cost, docs/benchmarks.md "Console CPU")."""
        if self.dirty or self.state in ("stale", "expired"):
            return True
        if self.state != "fresh":
            return False
        t = max(t for t, _ in self.values.values())
        return now - t >= self.infos[0].fresh_s

    def set_source(self, device: str | None) -> None:
        """Name the device whose value the tile shows, beside the unit ("% · oximeter"): set when two
        devices send the metric (a monitor's and a finger oximeter's SpO2 may differ). In smaller type: the
        time of the last value beside it must keep its room in a 1366-wide window's tile."""
        if device == getattr(self, "source", None):
            return
        self.source = device
        self.unit.setText(f"{self.spec.unit}<span style='font-size: 12px'> · {device}</span>" if device
                          else self.spec.unit)

    def set_limits(self, text: str) -> None:
        """Alarm limits shown next to the value (the alarm engine sets them)."""
        self.limits.setText(text)

    def set_alarm(self, priority: str | None, colour: str | None = None, lit: bool = True) -> None:
        """Alarm state of this value (the alarm engine sets it): a thick border in the priority's colour,
        flashing in step with the alarm bar (`lit` is the flash phase). The border is always 4 px (the
        panel's colour when quiet), so an alarm never moves the layout: no jump for the nurse's eye, and
        no relayout and repaint of the whole screen on the GUI thread while the alarm is being raised.
        The alarm's border is painted over the style sheet's (paintEvent), never restyled: a restyle
        re-polished the tile and its labels and re-laid out the window on every flash."""
        self.alarm_priority = priority
        self.alarm_lit = bool(priority and colour and lit)
        border = colour if self.alarm_lit else None
        if border != self._border:
            self._border = border
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)  # the style sheet's panel and its 4 px border in the panel's colour
        if self._border is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        pen = QPen(QColor(self._border))
        pen.setWidthF(BORDER_PX)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        half = BORDER_PX / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half),
                                BORDER_RADIUS - half, BORDER_RADIUS - half)
        painter.end()

    def refresh(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.dirty = False
        if not self.values:
            return
        first = self.infos[0]
        t = max(t for t, _ in self.values.values())
        age = now - t
        if age >= first.expire_s:
            self.state = "expired"
            self._paint_value("--", style.STALE)
            self.when.setText(f"no value for {_age(age)}")
            return
        self.state = "fresh" if age < first.fresh_s else "stale"
        colour = first.colour if self.state == "fresh" else style.STALE
        self._paint_value(self._text(), colour)
        clock = time.strftime("%H:%M:%S", time.localtime(t))
        self.when.setText(clock if self.state == "fresh" else f"{clock} · STALE {_age(age)} old")

    def _text(self) -> tuple[str, str]:
        """The value as plain text (what the nurse reads) and as rich text (mean in smaller type)."""
        parts = [info.format(self.values[info.name][1]) if info.name in self.values else "--"
                 for info in self.infos]
        if len(parts) == 3:  # sys/dia (mean)
            return f"{parts[0]}/{parts[1]} ({parts[2]})", \
                f"{parts[0]}/{parts[1]} <span style='font-size:{self.sizes['mean']}px'>({parts[2]})</span>"
        text = "/".join(parts)
        return text, text

    def _paint_value(self, text: tuple[str, str] | str, colour: str) -> None:
        plain, rich = (text, text) if isinstance(text, str) else text
        self.shown = plain
        self._painted = (text, colour)
        size = self.sizes["value"] if len(self.infos) == 1 else self.sizes["group"]
        self.value.setText(f"<span style='color:{colour}; font-size:{size}px; font-weight:bold'>{rich}</span>")


def _age(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
