"""The pump interlock on a 1366x768 screen: its reason and its buttons without scrolling (a nurse's walkthrough).

Found at 1366x768 with the respiratory interlock holding the pump: NEXT's text was too long, the status
line's "pump STOPPED and HELD" wrapped onto a second line, the rate change's row was too wide, the page was
left scrolled down where the nurse had been (before Start, or when the interlock came), and the red refusal
of Resume pushed "Change rate" below the fold. The real window (console.app.build_console) with the demo's
bed on real pseudo-terminals (test_whole_session.Bed: the shipped alarm settings but a 3 s SpO2 delay and
sign time); the patient desaturates with a low respiratory rate and the interlock stops the pump itself.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel

from test_infusion_fits_with_alarms import on_screen, start_infusion, whole
from test_whole_session import Bed
from test_window_fits_screens import LARGE, SMALL, settle, to_order_page

pytestmark = pytest.mark.slow


@pytest.fixture
def bed(qtbot, tmp_path, screens_dir):
    b = Bed(qtbot, tmp_path / "data", screens_dir)
    b.window.resize(SMALL)
    b.window.show()
    yield b
    b.stop()


def scroll_to_end(bed) -> None:
    QApplication.processEvents()
    bar = page_scroll(bed)
    bar.setValue(bar.maximum())
    assert bar.maximum() > 0, "the page before Start does not scroll: the test would prove nothing"


def page_scroll(bed):
    page = bed.panel.pages["infusion"]
    return next(a for a in page.findChildren(QAbstractScrollArea) if a.isVisible()).verticalScrollBar()


def status_lines(panel) -> tuple[int, int]:
    """(lines the status box's text takes at its width, rows it has): each row on one line when equal. The
    height of the same text with the rows' breaks only, against the height at the label's width."""
    status = panel.status
    probe = QLabel()
    probe.setTextFormat(Qt.RichText)
    probe.setStyleSheet(status.styleSheet())
    probe.setText(status.text())
    probe.ensurePolished()
    unwrapped = probe.sizeHint().height()
    wrapped = status.heightForWidth(status.width())
    line = probe.fontMetrics().lineSpacing()
    rows = status.text().count("<br>") + 1
    return rows + round((wrapped - unwrapped) / line), rows


def laid_out_lines(label) -> list[str]:
    """The lines a word-wrapped rich-text label breaks its text into at its width."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(label.text())
    doc.setTextWidth(label.contentsRect().width())
    doc.size()  # lays the text out
    lines = []
    block = doc.begin()
    while block.isValid():
        layout = block.layout()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return lines


def cut(widget, window) -> str:
    full = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
    return f"{full.getCoords()} is cut to {on_screen(widget, window).getCoords()}"


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["1366x768", "1920x1080"])
def test_the_interlock_reason_and_buttons_are_on_screen_unscrolled(qtbot, bed, size, screens_dir):
    window, panel, ui = bed.window, bed.panel, bed.ui
    settle(qtbot, window, size)
    to_order_page(qtbot, bed.console)
    settle(qtbot, window, size)
    start_infusion(bed.console, ui, before_start=lambda: scroll_to_end(bed))  # the nurse scrolled down to Start
    QApplication.processEvents()
    tag = f"{size.width()}x{size.height()}"
    window.grab().save(str(screens_dir / f"interlock_0_started_{tag}.png"))
    assert page_scroll(bed).value() == 0, "the infusion page is not at its top once the infusion starts"
    # the nurse scrolls down (to the assessment), then the patient desaturates with a low resp. rate
    bar = page_scroll(bed)
    bar.setValue(bar.maximum())
    bed.models["oximeter"].override = {"spo2": 84.0}
    bed.models["monitor"].override = {"spo2": 84.0, "rr": 5.0}
    ui.wait(lambda: bed.interlock_row() is not None, "the respiratory interlock to trip", 40)
    ui.wait(lambda: "HELD BY THE RESPIRATORY INTERLOCK" in panel.next.text(), "NEXT to say the pump is held", 10)
    ui.wait(lambda: "Pump stopped by" in bed.interlock_row().alarm.instruction, "the stop to be confirmed", 15)
    QApplication.processEvents()
    window.grab().save(str(screens_dir / f"interlock_1_held_{tag}.png"))
    assert page_scroll(bed).value() == 0, "the infusion page is not at its top when the interlock appears"
    page = panel.pages["infusion"]
    row = bed.interlock_row()
    assert whole(row, window) and row.text.height() >= row.text.heightForWidth(row.text.width()), \
        "the interlock's reason is cut"
    assert whole(row.resume_button, window), f"Restart (PIN)… {cut(row.resume_button, window)}"
    lines = laid_out_lines(row.text)
    assert lines and not any(line.rstrip().rstrip("\u2060").endswith(("/", "5")) for line in lines), lines  # "5 /min" whole
    nxt = panel.next
    assert whole(nxt, window) and nxt.height() >= nxt.heightForWidth(nxt.width()), "NEXT is cut"
    assert "HELD" in panel.status.text()
    lines, rows = status_lines(panel)
    assert lines == rows, f"the status box's {rows} rows take {lines} lines: {panel.status.text()!r}"
    change = ui.button("Change rate")
    for widget, what in ((page.pause, "Pause"), (page.pause_reason, "the pause's reason"),
                         (page.new_rate, "the new rate"), (page.rate_reason, "the rate change's reason"),
                         (change, "Change rate")):
        assert whole(widget, window), f"{what} {cut(widget, window)}"
    # the nurse pauses the session, then tries Resume: refused in words, Change rate still on screen
    ui.type("reason for the pause", "respiratory interlock: SpO2 84, RR 5")
    ui.click("Pause")
    assert bed.desk.session.state.paused, bed.message()
    ui.click("Resume")
    assert "interlock holds the pump" in bed.message(), bed.message()
    QApplication.processEvents()
    window.grab().save(str(screens_dir / f"interlock_2_resume_refused_{tag}.png"))
    assert whole(panel.message, window), f"the refusal {cut(panel.message, window)}"
    assert "HELD" in panel.status.text()
    lines, rows = status_lines(panel)
    assert lines == rows, f"the status box's {rows} rows take {lines} lines: {panel.status.text()!r}"
    for widget, what in ((page.pause, "Resume"), (change, "Change rate"), (row.resume_button, "Restart (PIN)…")):
        assert whole(widget, window), f"{what} {cut(widget, window)}"
