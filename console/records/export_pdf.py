"""The session report as a PDF: what a clinic files and shows an auditor months later.

Drawn with Qt's own PDF writer and painter (no extra dependency, same fonts as the screen), A4 portrait,
black on white for printing. Sections follow clinical-reference.md §5: patient identifiers, dosing weight,
order and independent double check, every rate change, mg and mg/kg given, vitals trends with the
infusion marked, alarms with who acknowledged them, assessments and side effects, checklist answers with
overrides and reasons, discharge scores, pain before and after, the controlled-substance ledger,
corrections, and every signature with its time. Each page's footer carries the audit chain head, so a
printed report can be matched to the database (`bedside-console verify-records`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from console import __version__
from console.records.audit import AuditLog
from console.records.database import Database
from console.records.ledger import Ledger
from console.records.session_record import SessionRecord, load_session
from console.records.vitals import read_vitals

DPI = 300
MARGIN_MM = 14.0


def ensure_gui_application() -> Any:
    """Qt needs an application object to lay out text; outside the console make an offscreen one.

    A full QApplication (not QGuiApplication), so that widgets created later in the same process, such
    as the console's own screens, still work.
    """
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(["bedside-console", "-platform", "offscreen"])
    return app


def mm(x: float) -> float:
    return x * DPI / 25.4


def clock(t: float | None, seconds: bool = False) -> str:
    if t is None:
        return "—"
    return datetime.fromtimestamp(t).astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


def stamp(t: float | None) -> str:
    if t is None:
        return "—"
    return datetime.fromtimestamp(t).astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def words(ident: str) -> str:
    return str(ident).replace("_", " ")


@dataclass(frozen=True)
class Series:
    label: str
    t: np.ndarray
    v: np.ndarray
    color: str
    points: bool = False


class _Pages:
    """A cursor over A4 pages: sections ask for vertical space and get a new page when it runs out."""

    def __init__(self, writer: Any, painter: Any, footer: str) -> None:
        from PySide6.QtGui import QFont
        self.writer, self.p, self.footer = writer, painter, footer
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width, self.height = float(rect.width()), float(rect.height())
        self.y = 0.0
        self.page = 1
        self.body = QFont("DejaVu Sans")
        self.body.setPointSizeF(8.5)
        self.small = QFont(self.body)
        self.small.setPointSizeF(7.0)
        self.bold = QFont(self.body)
        self.bold.setBold(True)
        self.h1 = QFont(self.body)
        self.h1.setPointSizeF(15)
        self.h1.setBold(True)
        self.h2 = QFont(self.body)
        self.h2.setPointSizeF(11)
        self.h2.setBold(True)
        self.footer_h = mm(9)

    @property
    def bottom(self) -> float:
        return self.height - self.footer_h

    def ensure(self, h: float) -> None:
        if self.y + h > self.bottom and self.y > 0:
            self.new_page()

    def new_page(self) -> None:
        self.draw_footer()
        self.writer.newPage()
        self.page += 1
        self.y = 0.0

    def draw_footer(self) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QPen
        self.p.setPen(QPen(QColor("#888888"), mm(0.2)))
        top = self.height - self.footer_h + mm(2)
        self.p.drawLine(0, int(top), int(self.width), int(top))
        self.p.setFont(self.small)
        self.p.setPen(QColor("#333333"))
        self.p.drawText(QRectF(0, top + mm(1), self.width * 0.85, mm(6)), Qt.AlignLeft | Qt.TextWordWrap,
                        self.footer)
        self.p.drawText(QRectF(self.width * 0.85, top + mm(1), self.width * 0.15, mm(6)), Qt.AlignRight,
                        f"page {self.page}")

    def text_height(self, text: str, font: Any, width: float) -> float:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QFontMetricsF
        metrics = QFontMetricsF(font, self.writer)
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), Qt.TextWordWrap, text).height()

    def text(self, text: str, font: Any = None, *, color: str = "#000000", gap: float = mm(1.2),
             indent: float = 0.0) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor
        font = font or self.body
        width = self.width - indent
        h = self.text_height(text, font, width)
        self.ensure(h)
        self.p.setFont(font)
        self.p.setPen(QColor(color))
        self.p.drawText(QRectF(indent, self.y, width, h + 2), Qt.TextWordWrap, text)
        self.y += h + gap

    def heading(self, text: str) -> None:
        self.ensure(mm(18))  # keep a heading with at least a few lines of its section
        self.y += mm(2.5)
        self.text(text, self.h2, gap=mm(0.6))
        from PySide6.QtGui import QColor, QPen
        self.p.setPen(QPen(QColor("#1f4e79"), mm(0.35)))
        self.p.drawLine(0, int(self.y), int(self.width), int(self.y))
        self.y += mm(1.8)

    def fields(self, pairs: Sequence[tuple[str, str]], columns: int = 2) -> None:
        """Label: value pairs in columns, row by row."""
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor
        col_w = self.width / columns
        label_w = col_w * 0.38
        for start in range(0, len(pairs), columns):
            row = pairs[start:start + columns]
            h = max(max(self.text_height(v or "—", self.body, col_w - label_w - mm(2)),
                        self.text_height(k, self.bold, label_w)) for k, v in row)
            self.ensure(h)
            for i, (k, v) in enumerate(row):
                x = i * col_w
                self.p.setFont(self.bold)
                self.p.setPen(QColor("#333333"))
                self.p.drawText(QRectF(x, self.y, label_w, h + 2), Qt.TextWordWrap, k)
                self.p.setFont(self.body)
                self.p.setPen(QColor("#000000"))
                self.p.drawText(QRectF(x + label_w, self.y, col_w - label_w - mm(2), h + 2), Qt.TextWordWrap,
                                v or "—")
            self.y += h + mm(1.0)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float],
              *, empty: str = "none recorded", highlight: Iterable[int] = ()) -> None:
        """A ruled table; the header repeats on each new page; `highlight` rows are shaded."""
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QPen
        rows = [[str(c) if c not in (None, "") else "—" for c in r] for r in rows]
        if not rows:
            self.text(empty, color="#555555")
            return
        marked = set(highlight)
        total = sum(widths)
        xs = [0.0]
        for w in widths:
            xs.append(xs[-1] + self.width * w / total)
        pad = mm(0.8)

        def row_height(cells: Sequence[str], font: Any) -> float:
            return max(self.text_height(c, font, xs[i + 1] - xs[i] - 2 * pad) for i, c in enumerate(cells)) + 2 * pad

        def draw_row(cells: Sequence[str], font: Any, fill: str | None) -> None:
            h = row_height(cells, font)
            if fill:
                self.p.fillRect(QRectF(0, self.y, self.width, h), QColor(fill))
            self.p.setFont(font)
            self.p.setPen(QColor("#000000"))
            for i, c in enumerate(cells):
                self.p.drawText(QRectF(xs[i] + pad, self.y + pad, xs[i + 1] - xs[i] - 2 * pad, h),
                                Qt.TextWordWrap, c)
            self.p.setPen(QPen(QColor("#bbbbbb"), mm(0.15)))
            self.p.drawLine(0, int(self.y + h), int(self.width), int(self.y + h))
            self.y += h

        header_h = row_height(headers, self.bold)
        self.ensure(header_h + row_height(rows[0], self.body))
        draw_row(headers, self.bold, "#dde6f0")
        for n, cells in enumerate(rows):
            h = row_height(cells, self.body)
            if self.y + h > self.bottom:
                self.new_page()
                draw_row(headers, self.bold, "#dde6f0")
            draw_row(cells, self.body, "#fde9e7" if n in marked else None)
        self.y += mm(1.5)

    def chart(self, title: str, series: Sequence[Series], t0: float, t1: float, *, unit: str,
              shade: tuple[float, float] | None = None, marks: Sequence[float] = (),
              height: float = mm(38), y_range: tuple[float, float] | None = None,
              step: bool = False, tick: float | None = None) -> None:
        """A time chart: grid, clock-time axis, the infusion period shaded, rate changes as ticks."""
        from PySide6.QtCore import QPointF, QRectF, Qt
        from PySide6.QtGui import QColor, QFontMetricsF, QPen, QPolygonF
        self.ensure(height + mm(8))
        self.text(title, self.bold, gap=mm(2))
        left, right = mm(12), self.width - mm(2)
        top, bottom = self.y, self.y + height - mm(5)
        values = [s.v for s in series if s.v.size]
        if y_range is None:
            lo = min(float(v.min()) for v in values) if values else 0.0
            hi = max(float(v.max()) for v in values) if values else 1.0
            lo, hi = _nice_range(lo, hi)
        else:
            lo, hi = y_range
        t1 = max(t1, t0 + 1)

        def x_of(t: float) -> float:
            return left + (t - t0) / (t1 - t0) * (right - left)

        def y_of(v: float) -> float:
            return bottom - (v - lo) / (hi - lo) * (bottom - top)

        if shade is not None:
            self.p.fillRect(QRectF(x_of(shade[0]), top, x_of(shade[1]) - x_of(shade[0]), bottom - top),
                            QColor("#fff3d6"))
        self.p.setPen(QPen(QColor("#dddddd"), mm(0.1)))
        self.p.setFont(self.small)
        for k in range(5):
            v = lo + (hi - lo) * k / 4
            y = y_of(v)
            self.p.setPen(QPen(QColor("#dddddd"), mm(0.1)))
            self.p.drawLine(QPointF(left, y), QPointF(right, y))
            self.p.setPen(QColor("#444444"))
            places = 0 if (hi - lo) / 4 >= 1 else 2
            self.p.drawText(QRectF(0, y - mm(2), left - mm(1), mm(4)), Qt.AlignRight | Qt.AlignVCenter,
                            f"{v:.{places}f}")
        with_seconds = tick is not None and tick < 60
        tick = tick if tick is not None else _tick_seconds(t1 - t0)
        first = np.ceil(t0 / tick) * tick
        for t in np.arange(first, t1 + 1, tick):
            x = x_of(float(t))
            self.p.setPen(QPen(QColor("#eeeeee"), mm(0.1)))
            self.p.drawLine(QPointF(x, top), QPointF(x, bottom))
            self.p.setPen(QColor("#444444"))
            self.p.drawText(QRectF(x - mm(8), bottom + mm(0.5), mm(16), mm(4)), Qt.AlignHCenter,
                            clock(float(t), with_seconds))
        for m in marks:
            self.p.setPen(QPen(QColor("#b35c00"), mm(0.25), Qt.DashLine))
            self.p.drawLine(QPointF(x_of(m), top), QPointF(x_of(m), bottom))
        self.p.setPen(QPen(QColor("#888888"), mm(0.2)))
        self.p.drawRect(QRectF(left, top, right - left, bottom - top))
        legend_x = left + mm(2)
        for s in series:
            pen = QPen(QColor(s.color), mm(0.35))
            self.p.setPen(pen)
            if s.t.size:
                if s.points:
                    for tt, vv in zip(s.t.tolist(), s.v.tolist()):
                        self.p.drawEllipse(QPointF(x_of(tt), y_of(vv)), mm(0.6), mm(0.6))
                xs, ys = _envelope(s.t, s.v, int(right - left) // 3, step=step)
                poly = QPolygonF([QPointF(x_of(a), y_of(b)) for a, b in zip(xs.tolist(), ys.tolist())])
                self.p.drawPolyline(poly)
            self.p.setFont(self.small)
            label = f"— {s.label}" + ("" if s.t.size else " (no data)")
            label_w = QFontMetricsF(self.small, self.writer).horizontalAdvance(label) + mm(1.5)
            self.p.fillRect(QRectF(legend_x - mm(0.5), top + mm(0.4), label_w, mm(3.6)), QColor(255, 255, 255, 220))
            self.p.drawText(QRectF(legend_x, top + mm(0.5), label_w, mm(4)), Qt.AlignLeft, label)
            legend_x += label_w + mm(3)
        self.p.setFont(self.small)
        self.p.setPen(QColor("#444444"))
        self.p.drawText(QRectF(right - mm(30), top + mm(0.5), mm(29), mm(4)), Qt.AlignRight, unit)
        self.y = bottom + mm(6)


def _nice_range(lo: float, hi: float) -> tuple[float, float]:
    """Round the axis out to a step of 1, 2, 5 or 10 x 10^n so the four grid lines fall on round values."""
    span = max(hi - lo, 1.0)
    raw = span / 4
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    lo_n = np.floor(lo / step) * step
    while lo_n + 4 * step < hi:
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20) if m * magnitude > step)
        lo_n = np.floor(lo / step) * step
    return float(lo_n), float(lo_n + 4 * step)


def _tick_seconds(span: float) -> float:
    for tick in (300, 600, 900, 1800, 3600, 7200):
        if span / tick <= 10:
            return tick
    return 14400


def _envelope(t: np.ndarray, v: np.ndarray, buckets: int, *, step: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """At most ~2 points per bucket (min and max), so a 4-hour 1 Hz trace draws fast and keeps its spikes."""
    if step:
        ts = np.repeat(t, 2)[1:]
        vs = np.repeat(v, 2)[:-1]
        return ts, vs
    if buckets < 1 or t.size <= 2 * buckets:
        return t, v
    per = int(np.ceil(t.size / buckets))
    pad = (-t.size) % per
    tp = np.concatenate([t, np.full(pad, t[-1])]).reshape(-1, per)
    vp = np.concatenate([v, np.full(pad, v[-1])]).reshape(-1, per)
    lo_i, hi_i = vp.argmin(axis=1), vp.argmax(axis=1)
    first = np.minimum(lo_i, hi_i)
    second = np.maximum(lo_i, hi_i)
    rows = np.arange(tp.shape[0])
    ts = np.column_stack([tp[rows, first], tp[rows, second]]).ravel()
    vs = np.column_stack([vp[rows, first], vp[rows, second]]).ravel()
    return ts, vs


def _answer_text(entry: dict[str, Any]) -> str:
    kind, answer = entry.get("kind"), entry.get("answer") or {}
    if kind in ("confirm", "absent"):
        return "yes" if answer.get("value") else "no"
    if kind == "npo":
        return (f"food {answer.get('food_hours', 0):.1f} h ago, clear fluids "
                f"{answer.get('clear_fluid_hours', 0):.1f} h ago")
    if kind == "vitals":
        parts = [f"{answer.get('systolic')}/{answer.get('diastolic')} mmHg"]
        if answer.get("hr") is not None:
            parts.append(f"HR {answer['hr']}")
        if answer.get("spo2") is not None:
            parts.append(f"SpO2 {answer['spo2']} %")
        parts.append(f"({answer.get('source', '')})")
        return ", ".join(parts[:-1]) + " " + parts[-1]
    if kind == "pain":
        return f"NRS {answer.get('nrs')}"
    return str(answer)


def _cadss_total(items: Any) -> str:
    """CADSS-6 total (six items, 0-4 each) as "n / 24", or "—" when not assessed."""
    if not isinstance(items, dict) or not items:
        return "—"
    try:
        return f"{sum(int(v) for v in items.values())} / 24"
    except (TypeError, ValueError):
        return "?"


def _f(value: Any, fmt: str = "g", suffix: str = "") -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):{fmt}}{suffix}"
    except (TypeError, ValueError):
        return str(value)


def write_report(database: Database, session_id: str, path: Path) -> int:
    """Write the report; returns the number of pages."""
    ensure_gui_application()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    audit = AuditLog(database)
    record = load_session(audit, session_id)
    last = record.all_events()[-1]
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageSize(QPageSize(QPageSize.A4))
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Millimeter)
    writer.setTitle(f"Session report {session_id}")
    writer.setCreator(f"Bedside Console {__version__}")
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError(f"cannot write {path}")
    p = record.patient
    footer = (f"Session {session_id} · {p.get('name', '')} · MRN {p.get('mrn', '')} · generated "
              f"{stamp(datetime.now().timestamp())} by Bedside Console {__version__} · last event #{last.id} "
              f"hash {last.hash[:16]} (verify with `bedside-console verify-records`)")
    pages = _Pages(writer, painter, footer)
    try:
        _draw(pages, database, record)
        pages.draw_footer()
    finally:
        painter.end()
    return pages.page


def _draw(pg: _Pages, database: Database, record: SessionRecord) -> None:
    p, order = record.patient, record.order or {}
    status = {"open": "OPEN (in progress)", "signed_off": "closed, discharge signed",
              "cancelled": "cancelled"}[record.status]
    pg.text("IV ketamine infusion — session report", pg.h1, gap=mm(1))
    pg.text(f"Session {record.session_id} · {stamp(record.opened_t)} · {status}", color="#333333", gap=mm(2))

    pg.heading("Patient")
    weight = record.weight
    pg.fields([("Name", str(p.get("name", ""))), ("MRN", str(p.get("mrn", ""))),
               ("Date of birth", str(p.get("dob", ""))), ("Allergies", "—" if p.get("allergies") is None else (str(p["allergies"]) or "none known")),
               ("Dosing weight", _f(record.weight_kg, "g", " kg") +
                (f" (measured {weight.get('measured_on')})" if weight.get("measured_on") else "")),
               ("Weight accepted", f"{weight.get('by') or '—'} at {clock(weight.get('t'))}" if weight else "—")])

    pg.heading("Order and independent double check")
    pg.fields([("Protocol", str(order.get("protocol_label") or order.get("protocol_id") or "—")),
               ("Drug", (record.drug_label if "mg/mL" in record.drug_label else
                         f"{record.drug_label} ({_f(order.get('concentration_mg_per_ml'))} mg/mL)") if order else "—"),
               ("Ordered rate", f"{_f(order.get('rate_mg_per_kg_per_h'), '.2f')} mg/kg/h = "
                                f"{_f(order.get('rate_ml_per_h'))} mL/h" if order else "—"),
               ("Duration", _f(order.get("duration_min"), "g", " min")),
               ("Planned dose", f"{_f(order.get('total_mg'), '.1f')} mg ({_f(order.get('dose_mg_per_kg'), '.2f')} "
                                f"mg/kg), {_f(order.get('total_ml'), '.1f')} mL" if order else "—"),
               ("Ordered by", f"{order.get('ordered_by') or '—'} at {clock(order.get('t'))}" if order else "—"),
               ("Soft-limit reason", str(order.get("soft_reason") or "none needed")),
               ("Observation", _f(order.get("observation_min"), "g", " min"))])
    pg.table(["Time", "Second clinician", "Rate entered", "Rate ordered", "Result"],
             [[clock(d["t"]), d.get("checker"), _f(d.get("entered_rate_ml_per_h"), "g", " mL/h"),
               _f(d.get("ordered_rate_ml_per_h"), "g", " mL/h"), "match" if d["passed"] else "MISMATCH"]
              for d in record.double_checks], [1, 2, 1.4, 1.4, 1.2], empty="no double check recorded",
             highlight=[n for n, d in enumerate(record.double_checks) if not d["passed"]])

    pg.heading("Dose given")
    given = record.recorded_delivered_mg if record.recorded_delivered_mg is not None else record.delivered_mg(
        until=record.end_t)
    per_kg = given / record.weight_kg if record.weight_kg else None
    start, stop = record.infusion_start, record.infusion_stop
    running = sum(((s.end or stop or record.end_t or s.start) - s.start) for s in record.segments(until=stop))
    pg.fields([("Total given", f"{given:.1f} mg"), ("Per kg", _f(per_kg, ".2f", " mg/kg")),
               ("Infusion started", clock(start)), ("Infusion stopped", clock(stop)),
               ("Time running", f"{running / 60:.0f} min"), ("Rate changes", str(len(record.real_rate_changes)))])

    pg.heading("Rate changes")
    conc, kg = record.concentration_mg_per_ml or 0.0, record.weight_kg or 0.0
    pg.table(["Time", "Change", "Rate mL/h", "mg/kg/h", "By", "Reason"],
             [[clock(c.t, True), c.what, _f(c.rate_ml_per_h), f"{c.rate_ml_per_h * conc / kg:.2f}" if kg else "—",
               c.actor, c.reason] for c in record.rate_changes], [1.1, 1, 1, 1, 1.3, 3])

    _draw_trends(pg, database, record)

    pg.heading("Alarms")
    pg.table(["Started", "Priority", "Alarm", "Acknowledged", "Ended"],
             [[clock(a.started, True), a.priority, a.text,
               f"{a.acknowledged_by} at {clock(a.acknowledged_t, True)}" if a.acknowledged_t else "not acknowledged",
               clock(a.ended, True)] for a in record.alarms], [1.1, 0.9, 2.6, 2.2, 1.1],
             empty="no alarms", highlight=[n for n, a in enumerate(record.alarms) if a.priority == "high"])
    _draw_alarm_strips(pg, database, record)

    pg.heading("Assessments and side effects")
    pg.table(["Time", "Pain NRS", "Sedation", "CADSS-6", "Side effects", "Note", "By"],
             [[clock(a["t"]), _f(a.get("nrs")) + (" (corrected)" if a.get("corrected") else ""),
               f"{str(a.get('sedation_scale') or '').upper()} {_f(a.get('sedation_score'))}",
               _cadss_total(a.get("cadss6")),
               ", ".join(words(s) for s in a.get("side_effects") or []) or "none", a.get("note"), a.get("by")]
              for a in record.assessments], [0.8, 1, 1, 0.8, 1.7, 2, 1.2],
             highlight=[n for n, a in enumerate(record.assessments) if a.get("side_effects")])
    pg.text(f"Side effects during the session: {', '.join(words(s) for s in record.side_effects) or 'none'}")

    pg.heading("Pre-infusion checklist")
    items = list(record.checklist.values())
    pg.table(["Item", "Answer", "Result", "Detail", "Override (physician, reason)"],
             [[words(e.get("item", "?")), _answer_text(e) + (
                 f" (changed from {_answer_text({**e, 'answer': e['changed_from'].get('answer')})})"
                 if e.get("changed_from") else ""), "passed" if e.get("passed") else "FAILED",
               e.get("detail"), (f"{e['override']['physician']} at {clock(e['override']['t'])}: "
                                 f"{e['override']['reason']}") if e.get("override") else ""] for e in items],
             [1.3, 2, 0.9, 2, 2.6], highlight=[n for n, e in enumerate(items)
                                                if not e.get("passed") or e.get("changed_from")])
    if record.checklist_changes:  # a hard stop that was cleared: the first answer stays on the record
        pg.text("Hard-stop answers changed (the first answer, the change, who and why):")
        pg.table(["Item", "First answer", "Changed to", "Reason", "Physician"],
                 [[words(c.get("item", "?")),
                   f"{_answer_text({**c, 'answer': (c.get('changed_from') or {}).get('answer')})} — "
                   f"{(c.get('changed_from') or {}).get('detail')}, by {(c.get('changed_from') or {}).get('by')} at "
                   f"{clock((c.get('changed_from') or {}).get('t') or c['t'])}",
                   f"{_answer_text(c)} by {c.get('by')} at {clock(c['t'])}", c.get("reason"),
                   c.get("physician") or "not required"] for c in record.checklist_changes],
                 [1.3, 2.4, 1.6, 2.4, 1.1], highlight=list(range(len(record.checklist_changes))))

    pg.heading("Discharge")
    pain_b, pain_a = record.pain_before, record.pain_after
    drop = f"{pain_b - pain_a:+d}".replace("+", "−") if pain_b is not None and pain_a is not None else "—"
    d = record.discharge
    pg.fields([("Pain before", _f(pain_b, "g", " / 10")), ("Pain after", _f(pain_a, "g", " / 10")),
               ("Change", f"{drop} points" if drop != "—" else "—"),
               ("Meaningful relief", {True: "yes", False: "no", None: "—"}[
                   (record.discharge_pain or {}).get("meaningful")]),
               ("Escort", (d.get("escort") or {}).get("escort", "—")),
               ("Instructions", f"acknowledged at {clock(d['instructions']['t'])}" if d.get("instructions") else "—"),
               ("Early discharge", "yes: " + str(d["started"].get("reason")) if (d.get("started") or {}).get("early")
                else "no"),
               ("Score override", f"{d['score_override'].get('physician')}: {d['score_override'].get('reason')}"
                if d.get("score_override") else "none")])
    pg.table(["Time", "Scale", "Items", "Total", "Result", "By"],
             [[clock(s["t"]), str(s.get("scale", "")).upper(),
               ", ".join(f"{words(k)} {v}" for k, v in (s.get("items") or {}).items()), _f(s.get("total")),
               "passed" if s.get("passed") else "BELOW MINIMUM", s.get("by")] for s in record.discharge_scores],
             [0.8, 0.9, 3.6, 0.7, 1.2, 1.2], empty="no discharge score recorded",
             highlight=[n for n, s in enumerate(record.discharge_scores) if not s.get("passed")])

    _draw_ledger(pg, database, record)

    if record.corrections:
        pg.heading("Corrections (the original entries are kept)")
        pg.table(["Time", "Corrects event", "Field", "New value", "Reason", "By"],
                 [[clock(c.t), f"#{c.refers_to}", c.payload.get("field"), str(c.payload.get("value")),
                   c.payload.get("reason"), c.actor] for c in record.corrections], [0.8, 1, 1, 1, 2.5, 1.2])

    pg.heading("Signatures")
    pg.table(["Time", "User", "What they signed"],
             [[stamp(s.t), s.user, s.role] for s in sorted(record.signatures, key=lambda s: s.t)], [1.6, 1.4, 3])


def _draw_trends(pg: _Pages, database: Database, record: SessionRecord) -> None:
    t0, closed = record.vitals_window()

    def series(metric: str, label: str, color: str, points: bool = False) -> Series:
        t, v = read_vitals(database, metric, since=t0, until=closed)
        return Series(label, t, v, color, points)

    hr = series("hr", "HR", "#c0392b")
    last_sample = float(hr.t[-1]) if hr.t.size else 0.0
    t1 = closed if closed is not None else max(record.end_t or t0, last_sample, t0 + 600)

    shade = None
    if record.infusion_start is not None:
        shade = (record.infusion_start, record.infusion_stop or t1)
    marks = [c.t for c in record.real_rate_changes]
    pg.heading("Vitals trends (shaded: infusion running; dashed: rate changes)")
    pg.chart("Heart rate", [hr, series("pr", "pulse (oximeter)", "#7d3c98")], t0, t1,
             unit="bpm", shade=shade, marks=marks)
    pg.chart("Oxygen saturation", [series("spo2", "SpO2", "#1f77b4")], t0, t1, unit="%", shade=shade, marks=marks,
             y_range=(80, 100))
    pg.chart("Breathing", [series("rr", "RR /min", "#2e8b57"), series("etco2", "EtCO2 mmHg", "#8c564b")], t0, t1,
             unit="/min · mmHg", shade=shade, marks=marks)
    pg.chart("Blood pressure (non-invasive)", [series("nibp_sys", "systolic", "#d62728", True),
                                               series("nibp_dia", "diastolic", "#ff7f0e", True)], t0, t1,
             unit="mmHg", shade=shade, marks=marks)
    changes = record.rate_changes
    rate_t = np.array([c.t for c in changes] + ([t1] if changes else []), dtype=float)
    rate_v = np.array([c.rate_ml_per_h for c in changes] + ([changes[-1].rate_ml_per_h] if changes else []),
                      dtype=float)
    pg.chart("Infusion rate", [Series("rate mL/h", rate_t, rate_v, "#b35c00")], t0, t1, unit="mL/h",
             shade=shade, step=True,
             y_range=_nice_range(0.0, max(1.0, float(rate_v.max()) * 1.1) if rate_v.size else 1.0))


#: wave colours as on the bedside screen's strips
_WAVE_COLORS = {"ecg": "#1a8f3a", "pleth": "#1f5fbf"}


def _draw_alarm_strips(pg: _Pages, database: Database, record: SessionRecord) -> None:
    """A monitor's alarm recall on paper: the stored waves around each high-priority alarm's onset.

    What the patient's ECG and pleth did as the alarm fired is what a reviewer needs to tell a real event
    from an artefact (a loose probe looks nothing like a desaturation). The window is resources/records.toml
    [waves] alarm_strip_before_s / _after_s. Only high-priority alarms: they are the few a review asks about,
    and a strip per alarm costs a third of a page."""
    from console.records.records_config import records_config
    from console.records.waves import read_wave, stored_waves
    high = [a for a in record.alarms if a.priority == "high"]
    if not high:
        return
    from console.metric_catalog import load_wave_info, wave_info
    cfg = records_config()
    waves_known = load_wave_info()
    pg.heading(f"Alarm recall: stored waves {cfg.alarm_strip_before_s:g} s before to "
               f"{cfg.alarm_strip_after_s:g} s after each high-priority alarm")
    for alarm in high:
        a, b = alarm.started - cfg.alarm_strip_before_s, alarm.started + cfg.alarm_strip_after_s
        found = stored_waves(database, a, b)
        title = f"{clock(alarm.started, True)}  {alarm.text}"
        if not found:
            pg.text(f"{title}: no waves stored around this alarm", gap=mm(2))
            continue
        for info in found:
            t, v = read_wave(database, info.wave, a, b, source=info.source)
            color = _WAVE_COLORS.get(info.wave.lower(), "#333333")
            pg.chart(f"{title} — {info.source} {info.wave} ({info.rate_hz:g} Hz)",
                     [Series(f"{info.wave}", t, v, color)], a, b,
                     unit=wave_info(info.wave, waves_known).unit, marks=[alarm.started],
                     height=mm(26), tick=1.0)


def _draw_ledger(pg: _Pages, database: Database, record: SessionRecord) -> None:
    if "ledger_draws" not in database.db.table_names():
        return
    ledger = Ledger(database)
    draws, wastes = ledger.draws(record.session_id), ledger.wastes(record.session_id)
    pg.heading("Controlled-substance ledger")
    pg.table(["Time", "Entry", "Drug / lot / expiry", "Amount", "By", "Witness"],
             [[clock(d.t), "drawn", f"{d.drug} {d.concentration_mg_per_ml:g} mg/mL, lot {d.lot}, exp {d.expiry}",
               f"{d.volume_ml:g} mL = {d.amount_mg:.1f} mg", d.drawn_by, ""] for d in draws] +
             [[clock(w.t), "wasted", w.reason, f"{w.volume_ml:g} mL = {w.amount_mg:.1f} mg", w.wasted_by, w.witness]
              for w in wastes], [0.8, 0.8, 3, 1.6, 1.2, 1.2], empty="no controlled substance drawn")
    if draws or wastes:
        given = record.recorded_delivered_mg if record.recorded_delivered_mg is not None else record.delivered_mg(
            until=record.end_t)
        balance = ledger.balance(record.session_id, given_mg=given)
        pg.text(balance.explain(), pg.bold, color="#000000" if balance.balanced else "#b00020")
