"""Drive the real window the way a person does: buttons by their visible text, fields by the label beside
them or the placeholder in them, screenshots of what is on screen.

(A plain module, not a conftest: the whole-session test imports it by name.)

    ui = Ui(qtbot, window, screens_dir)
    ui.click("Unlock")                               # the one visible, enabled button reading "Unlock"
    ui.click("Yes", within=ui.section("Signed consent"))
    ui.type("PIN", "2468")                           # placeholder "PIN" (or a label "PIN", or objectName)
    ui.choose("Second clinician:", "Nick Nurse (demo)")
    ui.tab("Records")
    ui.shot("03_checklist")                          # screens_dir/03_checklist.png (+ other sizes)

Every finder looks only at widgets a person can see (visible, in a shown window) and fails with the list
of what it did find when the match is missing or ambiguous, so a test never clicks the wrong one of two
"Save" buttons.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from PySide6.QtCore import QDateTime, QRect, Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QBoxLayout, QComboBox,
                               QDateTimeEdit, QDialog, QFormLayout, QFrame, QGridLayout, QLabel, QLayout,
                               QLineEdit, QScrollArea, QTabWidget, QWidget)
from pytestqt.exceptions import TimeoutError as QtTimeoutError

INPUTS = (QLineEdit, QAbstractSpinBox, QComboBox)


def norm(text: str) -> str:
    """Visible text as compared: mnemonics (&) removed, whitespace (line breaks) collapsed."""
    return " ".join(text.replace("&", "").split())


def matches(shown: str, wanted: str | re.Pattern) -> bool:
    if isinstance(wanted, re.Pattern):
        return bool(wanted.search(norm(shown)))
    return norm(shown) == norm(wanted)


class NotOnScreen(AssertionError):
    pass


class Ui:
    def __init__(self, qtbot, window: QWidget, screens: Path | None = None,
                 sizes: Iterable[tuple[int, int]] = ((1920, 1080),)) -> None:
        self.qtbot, self.window, self.screens = qtbot, window, screens
        self.sizes = list(sizes)
        self.shots: list[Path] = []
        if screens is not None:
            screens.mkdir(parents=True, exist_ok=True)

    # ---- finding ------------------------------------------------------------------------------------
    def roots(self) -> list[QWidget]:
        """The main window and any dialog open over it (what is on screen)."""
        tops = [w for w in QApplication.topLevelWidgets() if w.isVisible() and isinstance(w, QDialog)]
        return tops + [self.window]

    def _all(self, cls, within: QWidget | None = None) -> list:
        found = []
        for root in ([within] if within is not None else self.roots()):
            if isinstance(root, cls) and root.isVisible():
                found.append(root)
            found += [w for w in root.findChildren(QWidget) if isinstance(w, cls) and w.isVisible()]
        return found

    def _one(self, found: list, what: str, seen: Callable[[], list[str]]):
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotOnScreen(f"no visible {what}; on screen: {seen()}")
        raise NotOnScreen(f"{len(found)} visible {what}: say which one (within=...)")

    def button(self, text: str | re.Pattern, within: QWidget | None = None) -> QAbstractButton:
        """The one visible, enabled button whose text is `text` (exact, or a compiled regex)."""
        buttons = self._all(QAbstractButton, within)
        found = [b for b in buttons if b.isEnabled() and matches(b.text(), text)]
        return self._one(found, f"enabled button {text!r}",
                         lambda: sorted({norm(b.text()) + ("" if b.isEnabled() else " (disabled)")
                                         for b in buttons if b.text()}))

    def has_button(self, text: str | re.Pattern, within: QWidget | None = None) -> bool:
        return any(matches(b.text(), text) for b in self._all(QAbstractButton, within))

    def label(self, text: str | re.Pattern, within: QWidget | None = None) -> QLabel:
        """The visible label reading `text` exactly, else the one containing it (or matching a regex)."""
        wanted = text if isinstance(text, re.Pattern) else re.compile(re.escape(norm(text)))
        labels = self._all(QLabel, within)
        exact = [lab for lab in labels if not isinstance(text, re.Pattern) and norm(lab.text()) == norm(text)]
        found = exact or [lab for lab in labels if wanted.search(norm(lab.text()))]
        return self._one(found, f"label {text!r}", lambda: [norm(lab.text())[:60] for lab in labels if lab.text()][:40])

    def section(self, text: str | re.Pattern, within: QWidget | None = None) -> QWidget:
        """The framed box (a tile, the ledger, a dialog) that holds the label reading `text`."""
        w = self.label(text, within)
        while w is not None and not (isinstance(w, QFrame) and w.objectName() in ("tile", "ledgerBox")
                                     or isinstance(w, QDialog)):
            w = w.parentWidget()
        if w is None:
            raise NotOnScreen(f"label {text!r} is not inside a framed box")
        return w

    def field(self, name: str, within: QWidget | None = None) -> QWidget:
        """An input a person finds by its placeholder, the label beside (or above) it, or its objectName."""
        inputs = self._all(INPUTS, within)
        inputs = [w for w in inputs if not (isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QAbstractSpinBox))]
        by_placeholder = [w for w in inputs if isinstance(w, QLineEdit) and matches(w.placeholderText(), name)]
        if by_placeholder:
            return self._one(by_placeholder, f"field with placeholder {name!r}", list)
        by_label = []
        for lab in self._all(QLabel, within):
            if matches(lab.text(), name):
                w = lab.buddy() or beside(lab)
                if w is not None and w.isVisible():
                    by_label.append(w)
        if by_label:
            return self._one(by_label, f"field labelled {name!r}", list)
        by_name = [w for w in inputs if w.objectName() == name]
        return self._one(by_name, f"field {name!r}", lambda: [
            (w.placeholderText() if isinstance(w, QLineEdit) else type(w).__name__) for w in inputs])

    # ---- acting ----------------------------------------------------------------------------------------
    def show(self, widget: QWidget) -> None:
        """Scroll the widget into view, as a person would before touching it."""
        w = widget.parentWidget()
        while w is not None:
            if isinstance(w, QScrollArea):
                w.ensureWidgetVisible(widget, 10, 40)
            w = w.parentWidget()

    def click(self, text: str | re.Pattern, within: QWidget | None = None) -> None:
        b = self.button(text, within)
        self.show(b)
        self.qtbot.mouseClick(b, Qt.LeftButton, pos=b.rect().center())

    def type(self, name: str, text: str, within: QWidget | None = None) -> QWidget:
        """Replace what the field holds with `text`, typed key by key."""
        w = self.field(name, within)
        self.show(w)
        w.setFocus()
        if isinstance(w, QLineEdit):
            w.selectAll()
            self.qtbot.keyClick(w, Qt.Key_Backspace)
            self.qtbot.keyClicks(w, text)
        elif isinstance(w, QDateTimeEdit):
            # Typed keys do not reliably cross a date/time edit's sections under QTest (offscreen), so the
            # text is read in the edit's own display format, as the person would type it, and set.
            when = QDateTime.fromString(text, w.displayFormat())
            if not when.isValid():
                raise NotOnScreen(f"{text!r} does not read as {w.displayFormat()} in {name!r}")
            w.setDateTime(when) if w.displayFormat().startswith("y") else w.setTime(when.time())
            assert w.text() == text, f"{name!r} shows {w.text()!r}, typed {text!r}"
        elif isinstance(w, QAbstractSpinBox):
            w.selectAll()
            self.qtbot.keyClicks(w, text)
            self.qtbot.keyClick(w, Qt.Key_Tab)  # finish the edit: the box interprets the text
        else:
            raise NotOnScreen(f"cannot type into {type(w).__name__} {name!r}")
        return w

    def choose(self, name: str, option: str | re.Pattern, within: QWidget | None = None) -> QComboBox:
        """Pick the entry a person reads in a drop-down (found by its label, or placeholder-less by name)."""
        combo = self.field(name, within)
        assert isinstance(combo, QComboBox), f"{name!r} is a {type(combo).__name__}, not a drop-down"
        texts = [combo.itemText(i) for i in range(combo.count())]
        hits = [i for i, t in enumerate(texts) if matches(t, option)]
        assert len(hits) == 1, f"{option!r} in {name!r}: {len(hits)} matches among {texts}"
        self.show(combo)
        combo.setCurrentIndex(hits[0])
        return combo

    def choose_in(self, combo: QComboBox, option: str | re.Pattern) -> None:
        texts = [combo.itemText(i) for i in range(combo.count())]
        hits = [i for i, t in enumerate(texts) if matches(t, option)]
        assert len(hits) == 1, f"{option!r}: {len(hits)} matches among {texts}"
        combo.setCurrentIndex(hits[0])

    def tab(self, title: str) -> None:
        """Click the tab reading `title` in the window's tab bars."""
        for tabs in self._all(QTabWidget):
            bar = tabs.tabBar()
            for i in range(bar.count()):
                if matches(bar.tabText(i), title):
                    self.qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                    self.qtbot.waitUntil(lambda: tabs.currentIndex() == i, timeout=10_000)
                    return
        raise NotOnScreen(f"no tab {title!r}")

    def wait(self, condition: Callable[[], object], what: str, timeout_s: float = 10) -> None:
        """Wait (the event loop runs) until `condition()` is true; fails naming `what`. Only a timeout is
        reported as one: an error raised by `condition` itself (a row that is not on the screen, say) goes
        up as it is, at once, instead of reading as "waited N s"."""
        try:
            self.qtbot.waitUntil(lambda: bool(condition()), timeout=int(timeout_s * 1000))
        except QtTimeoutError as exc:
            raise AssertionError(f"waited {timeout_s:g} s for: {what}") from exc

    # ---- looking ----------------------------------------------------------------------------------------
    def shot(self, name: str, *, all_sizes: bool = False) -> None:
        """Save what the window shows (and any dialog over it) as screens/NAME.png; with `all_sizes`, also
        at each other screen size (NAME@1366x768.png), then back. A window whose minimum size is larger
        than the screen is saved as the screen would show it: cut off at the screen's edge."""
        if self.screens is None:
            return
        QApplication.processEvents()
        sizes = self.sizes if all_sizes else self.sizes[:1]
        first = self.window.size()
        for n, (w, h) in enumerate(sizes):
            suffix = "" if n == 0 else f"@{w}x{h}"
            minimum = self.window.minimumSize()
            want = (max(w, minimum.width()), max(h, minimum.height()))
            if (self.window.width(), self.window.height()) != want:
                self.window.resize(*want)
                self.qtbot.waitUntil(lambda: (self.window.width(), self.window.height()) == want, timeout=10_000)
                QApplication.processEvents()
            self._save(self.window, f"{name}{suffix}.png", QRect(0, 0, w, h))
            with open(self.screens / "index.txt", "a") as index:  # what each picture is, for the reader
                index.write(f"{name}{suffix}.png  screen {w}x{h}  window {self.window.width()}x"
                            f"{self.window.height()}{'  (cut off at the screen edge)' if want != (w, h) else ''}\n")
            for dialog in [d for d in QApplication.topLevelWidgets() if d.isVisible() and isinstance(d, QDialog)]:
                self._save(dialog, f"{name}{suffix}-dialog.png")
        if self.window.size() != first:
            self.window.resize(first)
            QApplication.processEvents()

    def _save(self, widget: QWidget, filename: str, area: QRect | None = None) -> None:
        path = self.screens / filename
        image = widget.grab(area) if area is not None else widget.grab()
        assert image.save(str(path)), f"could not save {path}"
        self.shots.append(path)


def beside(label: QLabel) -> QWidget | None:
    """The input a label names: the next widget in its row (or the one below it in a grid), or in a
    form its field."""
    holder = label.parentWidget()
    layout = find_layout(holder.layout(), label) if holder is not None and holder.layout() else None
    if layout is None:
        return None
    if isinstance(layout, QFormLayout):
        for row in range(layout.rowCount()):
            item = layout.itemAt(row, QFormLayout.LabelRole)
            if item is not None and item.widget() is label:
                field = layout.itemAt(row, QFormLayout.FieldRole)
                return field.widget() if field else None
    if isinstance(layout, QGridLayout):
        r, c, _, _ = layout.getItemPosition(layout.indexOf(label))
        for rr, cc in ((r, c + 1), (r + 1, c)):
            item = layout.itemAtPosition(rr, cc)
            if item is not None and isinstance(item.widget(), INPUTS):
                return item.widget()
        return None
    if isinstance(layout, QBoxLayout):
        i = layout.indexOf(label)
        for j in range(i + 1, layout.count()):
            w = layout.itemAt(j).widget()
            if isinstance(w, INPUTS):
                return w
            if w is not None and not isinstance(w, QLabel):
                break
    return None


def find_layout(layout: QLayout, widget: QWidget) -> QLayout | None:
    """The (possibly nested) layout that directly holds `widget`."""
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is widget:
            return layout
        if item.layout() is not None:
            found = find_layout(item.layout(), widget)
            if found is not None:
                return found
    return None
