"""The trend's labels, measured on a real rendered demo window at its own size (issue 10 item 8): the
plot names and the value labels of the three plots never overlap, and the trend really draws (PySide6
6.12 with pyqtgraph 0.14 crashes on drawing an axis; this grab would abort the run)."""
from __future__ import annotations

import itertools

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter



def label_rects(trend) -> list[tuple[str, QRectF]]:
    """Scene rectangles of every text on the trend's left side: axis titles, plot names, value labels."""
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    rects = []
    try:
        for n, plot in enumerate(trend.plots):
            axis = plot.getAxis("left")
            if axis.label.isVisible():
                rects.append((f"plot {n} axis title", axis.label.mapRectToScene(axis.label.boundingRect())))
            specs = axis.generateDrawSpecs(painter)
            for rect, _flags, text in (specs[2] if specs else []):
                rects.append((f"plot {n} value {text}", axis.mapRectToScene(rect)))
        for n, title in enumerate(getattr(trend, "titles", [])):
            rects.append((f"plot {n} name", title.item.mapRectToScene(title.item.boundingRect())))
    finally:
        painter.end()
    return rects


def test_the_trend_labels_do_not_overlap_in_the_main_window(qtbot, demo, tmp_path):
    trend = demo.window.trend
    qtbot.waitUntil(lambda: trend.buffers["spo2"].count >= 2, timeout=10000)
    trend.redraw()
    qtbot.wait(200)
    shot = demo.window.grab()  # the whole main window at its own size, drawn for real
    assert shot.save(str(tmp_path / "main-window.png"))
    assert trend.height() < 300  # the squeezed trend of the real layout, where the labels collided
    rects = label_rects(trend)
    assert any("value" in name for name, _ in rects), "no value labels at all"
    for (a, ra), (b, rb) in itertools.combinations(rects, 2):
        assert not ra.adjusted(0, 1, 0, -1).intersects(rb.adjusted(0, 1, 0, -1)), f"{a} overlaps {b}"
    for n, plot in enumerate(trend.plots):  # each plot's labels stay within its own height
        top, bottom = plot.vb.sceneBoundingRect().top(), plot.vb.sceneBoundingRect().bottom()
        for name, rect in rects:
            if name.startswith(f"plot {n} "):
                assert rect.top() >= top - 1 and rect.bottom() <= bottom + 1, (name, rect, top, bottom)
