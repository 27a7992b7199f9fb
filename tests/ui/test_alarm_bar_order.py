"""Which alarms get the alarm bar's rows, on the real widget (issue 10, item 4).

IEC 60601-1-8 order: priority, then unacknowledged before acknowledged, then newest. A technical alarm may
keep the last row only when it displaces nothing more urgent; the count line says how many more alarms
there are and how many of them still need acknowledging.
"""
from __future__ import annotations

import pytest

from console.alarms.alarm import Alarm, display_order
from console.alarms.alarm_config import load_defaults
from console.alarms.interlock import KEY as INTERLOCK_KEY
from console.ui.alarm_bar import MAX_ROWS, AlarmBar

CONFIG = load_defaults()
NOW = 1_800_000_000.0


def alarm(id, priority, started, *, kind="physiological", acked=False, text=None, key=None, latched=False):
    return Alarm(id=id, key=key or f"k{id}", kind=kind, priority=priority, text=text or f"alarm {id}",
                 parameter=None, value=None, limit=None, started=NOW + started, announced=NOW + started,
                 acknowledged_by="nurse Ada" if acked else None,
                 acknowledged_at=NOW + started + 1 if acked else None,
                 condition_active=not latched, latched=latched)


@pytest.fixture
def bar(qtbot):
    widget = AlarmBar(CONFIG, clock=lambda: NOW + 100)
    qtbot.addWidget(widget)
    widget.resize(1200, widget.height())
    widget.show()
    return widget


def shown(bar):
    return [r.alarm.id for r in bar.rows if r.isVisible()]


def test_a_new_unacknowledged_high_alarm_is_never_hidden_behind_acknowledged_ones(bar):
    """The reported case: the rows held an acknowledged HIGH and an acknowledged MEDIUM technical alarm
    while a new, unacknowledged HIGH was counted in "+2 more alarms"."""
    alarms = [alarm(1, "high", 0, acked=True, text="SpO2 86 % below limit 90"),
              alarm(2, "medium", 5, kind="technical", acked=True, text="Oximeter: sensor off"),
              alarm(3, "high", 60, text="Respiratory rate 5 below limit 8"),
              alarm(4, "low", 30, text="Temperature 38.1 above limit 38")]
    bar.show_alarms(display_order(alarms))  # the order the alarm board hands over
    assert shown(bar) == [3, 1]
    assert "Respiratory rate 5" in bar.rows[0].text.text() and bar.rows[0].ack_button.isVisible()
    assert bar.more.isVisible()
    assert bar.more.text().startswith("+ 2 more alarms (1 unacknowledged)")


def test_within_a_priority_unacknowledged_come_first_then_the_newest(bar):
    alarms = [alarm(1, "medium", 0), alarm(2, "medium", 10, acked=True), alarm(3, "medium", 20)]
    bar.show_alarms(alarms)
    assert shown(bar) == [3, 1]
    assert bar.more.text().startswith("+ 1 more alarm (all acknowledged)")


def test_a_technical_alarm_keeps_a_row_only_when_it_displaces_nothing_more_urgent(bar):
    limits = [alarm(1, "medium", 0), alarm(2, "medium", 10), alarm(3, "medium", 20)]
    bar.show_alarms(limits + [alarm(9, "medium", 1, kind="technical")])
    assert shown(bar) == [3, 9]  # same priority, both unacknowledged: the lost sensor keeps its row
    bar.show_alarms(limits + [alarm(9, "low", 1, kind="technical")])
    assert shown(bar) == [3, 2]  # a LOW technical alarm never takes a MEDIUM alarm's place
    assert bar.more.text().startswith("+ 2 more alarms (2 unacknowledged)")
    bar.show_alarms(limits + [alarm(9, "medium", 1, kind="technical", acked=True)])
    assert shown(bar) == [3, 2]  # nor does an acknowledged one take an unacknowledged one's place


def test_the_rows_are_always_the_most_urgent(bar):
    """Every mix of up to five alarms: no hidden alarm is more urgent than a shown one, except that a
    technical alarm of equal urgency may stand in the last row."""
    import itertools
    kinds = [("high", False), ("high", True), ("medium", False), ("medium", True), ("low", False)]
    rank = {"high": 3, "medium": 2, "low": 1}
    for n in range(1, 6):
        for combo in itertools.combinations_with_replacement(kinds, n):
            for tech in range(n + 1):
                alarms = [alarm(i + 1, p, i * 3, acked=a, kind="technical" if i == tech else "physiological")
                          for i, (p, a) in enumerate(combo)]
                bar.show_alarms(display_order(alarms))
                ids = shown(bar)
                assert len(ids) == min(n, MAX_ROWS)
                hidden = [a for a in alarms if a.id not in ids]
                worst_shown = min((rank[a.priority], a.acknowledged_by is None)
                                  for a in alarms if a.id in ids)
                for h in hidden:
                    assert (rank[h.priority], h.acknowledged_by is None) <= worst_shown, (combo, tech, ids)
                unacked = sum(1 for a in hidden if a.acknowledged_by is None)
                if hidden:
                    assert f"+ {len(hidden)} more" in bar.more.text()
                    assert (f"({unacked} unacknowledged)" in bar.more.text()) == (unacked > 0)
                else:
                    assert not bar.more.isVisible()


def test_a_short_bar_shows_the_most_urgent_row_and_counts_the_rest(bar):
    """On a 768-line screen (MainWindow.SHORT_HEIGHT) the bar keeps one row: the first of the same order,
    and the count line names all the others."""
    alarms = [alarm(1, "high", 0, acked=True), alarm(2, "medium", 5), alarm(3, "high", 60), alarm(4, "low", 30)]
    tall = bar.height()
    bar.set_short(True)
    bar.show_alarms(display_order(alarms))
    assert shown(bar) == [3] and bar.height() < tall
    assert bar.more.isVisible() and bar.more.text().startswith("+ 3 more alarms (2 unacknowledged)")
    bar.set_short(False)
    assert shown(bar) == [3, 1] and bar.height() == tall


@pytest.mark.parametrize("width", [1354, 1908], ids=["1366-window", "1920-window"])  # the window less its margins
def test_the_interlock_row_with_its_longest_texts_is_not_cut(bar, width):
    """The reported cut: the interlock's row (its signs, the pump-stopped instruction, the restart button)
    and a state of four facts (age, cleared, acknowledged, audio paused, escalated) in the row's fixed height."""
    from console.alarms.interlock import KEY
    row_alarm = Alarm(id=7, key=KEY, kind="physiological", priority="high",
                      text="Respiratory depression — SpO2: 84 %, Resp. rate: 5 /min, EtCO2: 62 mmHg",
                      parameter="interlock", value=None, limit=None, started=NOW, announced=NOW,
                      instruction="Pump stopped by the console at 15:40:12. Restart needs the PIN of a physician.",
                      acknowledged_by="Nora Nurse (demo)", acknowledged_at=NOW + 2, latched=True,
                      cleared_at=NOW + 50, audio_paused_until=NOW + 200, escalated=True)
    for short in (True, False):
        bar.set_short(short)
        bar.resize(width, bar.height())
        bar.show_alarms([row_alarm])
        from PySide6.QtWidgets import QApplication
        QApplication.processEvents()
        row = bar.rows[0]
        assert row.resume_button.isVisible()
        for label in (row.text, row.state, row.tag):
            need = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
            assert label.height() >= need, f"{label.text()!r}: {label.height()} px high, needs {need}"


def test_the_interlock_holding_the_pump_keeps_its_row_under_latched_high_alarms(bar):
    """The whole-session test's intermittent failure: once the signs had gone the interlock dropped to its
    held priority (MEDIUM) while the SpO2 and resp. rate alarms that cleared with them stayed latched at
    HIGH, unacknowledged; the two rows showed the two cleared alarms and the row that says the pump is
    held stopped, with its restart button, was counted under "+1 more". It failed only when the
    physician came more than the resp. rate alarm's delay after the trip (a busy machine made the test
    that slow)."""
    spo2 = alarm(1, "high", 0, latched=True, text="SpO2 84 % below limit 90")
    rr = alarm(2, "high", 5, latched=True, text="Resp. rate 5 /min below limit 8")
    held = alarm(3, "medium", 1, key=INTERLOCK_KEY, text="Respiratory interlock: pump held stopped")
    held.instruction = "Pump stopped by the console at 10:00:00. Restart needs the PIN of a physician."
    bar.show_alarms(display_order([spo2, rr, held]))
    assert shown(bar) == [2, 3]  # the newest latched HIGH first, then the held pump
    row = next(r for r in bar.rows if r.isVisible() and r.alarm.id == 3)
    assert "held stopped" in row.text.text() and row.resume_button.isVisible()
    assert bar.more.text().startswith("+ 1 more alarm (1 unacknowledged)")
    # released: the interlock's alarm has ended, and the rows are the most urgent again
    bar.show_alarms(display_order([spo2, rr]))
    assert shown(bar) == [2, 1] and not bar.more.isVisible()
    # a cleared (latched) interlock alarm is ordinary: it keeps no row over the HIGH ones
    bar.show_alarms(display_order([spo2, rr, alarm(3, "medium", 1, key=INTERLOCK_KEY, latched=True)]))
    assert shown(bar) == [2, 1]


def test_a_value_and_its_unit_stay_on_one_line_at_any_width(bar):
    """Reported at 1366x768: the interlock's row read "Resp. rate low: 5 /" on one line and "min" on the
    next. At every bar width from a small window's to a large one's, no line of a row starts with a unit."""
    from test_interlock_fits_small_screen import laid_out_lines
    from PySide6.QtWidgets import QApplication
    text = "Respiratory depression — SpO2 low: 84 %, Resp. rate low: 5 /min, EtCO2: 62 mmHg"
    bar.show_alarms([alarm(1, "high", 0, key=INTERLOCK_KEY, text=text)])
    breaks = set()
    for width in range(900, 1920, 12):
        bar.resize(width, bar.height())
        QApplication.processEvents()
        lines = [line.replace("\u2060", "").replace("\u00a0", " ") for line in laid_out_lines(bar.rows[0].text)]
        breaks.add(len(lines))
        for before, after in zip(lines, lines[1:]):
            assert not before.rstrip().endswith("/"), (width, lines)
            assert not after.lstrip().startswith(("min", "%", "mmHg")), (width, lines)
    assert len(breaks) > 1  # the widths tried did wrap the text differently
