"""The nurse keys in what she programmed on a pump the console cannot read: the real panel, tapped and typed
into, with a clock the test moves; what it posts is what the session, alarms, records and trend receive."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.device_hub import DeviceHub
from console.records.audit import AuditLog, verify_chain
from console.records.database import open_database
from console.ui.manual_pump_panel import ENTRY_KIND, ManualPumpPanel
from device_drivers.events import DeviceStatus, Measurement
from device_drivers.manual_pump import ManualPump, entry_limits
from device_drivers.pump import PUMP_STATES

T0 = 1_790_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> float:
        self.t += minutes * 60 + seconds
        return self.t


class Bedside:
    """The panel, its pump, a fake clock, who is logged in, and everything it posted."""

    def __init__(self, qtbot, audit=None) -> None:
        self.clock = Clock()
        self.who: str | None = "Nina Nurse"
        self.posted: list = []
        self.pump = ManualPump("pump")
        self.panel = ManualPumpPanel(self.pump, self.posted.append, clock=self.clock, user=lambda: self.who,
                                     audit=audit, session_id=lambda: "S-1")
        self.panel.resize(520, 720)
        qtbot.addWidget(self.panel)
        self.panel.show()
        self.qtbot = qtbot

    def type(self, rate: str | None = None, vtbi: str | None = None) -> None:
        if rate is not None:
            self.panel.rate.setText(rate)
        if vtbi is not None:
            self.panel.vtbi.setText(vtbi)

    def tap(self, button) -> list:
        before = len(self.posted)
        self.qtbot.mouseClick(button, Qt.LeftButton)
        return self.posted[before:]

    def tick(self) -> list:
        before = len(self.posted)
        self.panel.tick()
        return self.posted[before:]


def values(events) -> dict[str, float]:
    return {e.metric: e.value for e in events if isinstance(e, Measurement)}


@pytest.fixture
def bed(qtbot):
    b = Bedside(qtbot)
    yield b
    b.panel.timer.stop()


def test_entering_rate_and_volume_and_starting_posts_a_running_pump(bed):
    bed.type(rate="52.5", vtbi="35")
    posted = bed.tap(bed.panel.start_button)
    assert values(posted) == {"rate": 52.5, "volume_infused": 0.0, "state": PUMP_STATES["infusing"]}
    assert len(posted) == 3, "one report per tap, not the half-way states of the same tap"
    assert all(e.device == "pump" and e.t == T0 for e in posted)
    assert bed.panel.status_line() == ("Pump running at 52.5 mL/h · 0.0 of 35.0 mL infused "
                                       "(computed from your entries)")
    assert [(e.what, e.value, e.by) for e in bed.pump.entries] == [
        ("rate", 52.5, "Nina Nurse"), ("vtbi", 35.0, "Nina Nurse"), ("start", None, "Nina Nurse")]
    assert "recorded" in bed.panel.message.text() and "Nina Nurse" in bed.panel.message.text()


def test_ten_minutes_at_60_ml_per_h_is_10_ml_infused(bed):
    bed.type(rate="60", vtbi="100")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=10)
    assert values(bed.tick()) == {"rate": 60.0, "volume_infused": 10.0, "state": PUMP_STATES["infusing"]}
    assert "10.0 of 100.0 mL infused" in bed.panel.status_line()


def test_the_one_second_timer_posts_the_computed_volume_by_itself(bed, qtbot):
    bed.type(rate="36", vtbi="50")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=5)
    qtbot.waitUntil(lambda: values(bed.posted[3:]).get("volume_infused") == 3.0, timeout=3000)


def test_stopping_posts_a_stopped_pump_and_the_volume_stops_growing(bed):
    bed.type(rate="60", vtbi="100")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=10)
    posted = bed.tap(bed.panel.stop_button)
    assert values(posted) == {"rate": 0.0, "volume_infused": 10.0, "state": PUMP_STATES["stopped"]}
    bed.clock.advance(minutes=30)
    assert values(bed.tick())["volume_infused"] == 10.0
    assert bed.panel.status_line().startswith("Pump stopped · 10.0 of 100.0 mL infused")
    assert bed.pump.entries[-1].what == "stop" and bed.pump.entries[-1].by == "Nina Nurse"


def test_a_rate_change_on_the_pump_changes_the_computed_volume_from_then_on(bed):
    bed.type(rate="30", vtbi="100")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=10)                 # 5 mL at 30 mL/h
    bed.type(rate="60")
    posted = bed.tap(bed.panel.change_button)
    assert values(posted) == {"rate": 60.0, "volume_infused": 5.0, "state": PUMP_STATES["infusing"]}
    bed.clock.advance(minutes=10)                 # + 10 mL at 60 mL/h
    assert values(bed.tick())["volume_infused"] == 15.0


def test_counting_stops_at_the_volume_to_be_infused_and_the_nurse_is_told_to_check_the_pump(bed):
    bed.type(rate="60", vtbi="10")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=25)                 # 25 mL at 60 mL/h would pass the 10 mL programmed
    posted = bed.tick()
    assert values(posted) == {"rate": 0.0, "volume_infused": 10.0, "state": PUMP_STATES["stopped"]}
    assert [s.condition for s in posted if isinstance(s, DeviceStatus)] == ["vtbi_reached"]
    assert bed.panel.status.text() == "Volume to be infused reached — check the pump"
    assert bed.panel.status_detail.text().replace("\u00a0", " ") == "10.0 of 10.0 mL infused (computed from your entries)"


def test_after_the_volume_is_reached_a_new_volume_and_start_resume_counting(bed):
    bed.type(rate="60", vtbi="10")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=20)
    bed.tick()
    bed.type(vtbi="20")
    posted = bed.tap(bed.panel.start_button)
    assert values(posted)["state"] == PUMP_STATES["infusing"]
    bed.clock.advance(minutes=5)
    assert values(bed.tick())["volume_infused"] == 15.0


@pytest.mark.parametrize("rate, vtbi, button, words", [
    ("-5", "35", "start_button", "negative"),
    ("0", "35", "start_button", "0 mL/h gives nothing"),
    ("", "35", "start_button", "type the rate you programmed"),
    ("nan", "35", "start_button", "is not a number"),
    ("inf", "35", "start_button", "is not a number"),
    ("abc", "35", "start_button", "is not a number"),
    ("5000", "35", "start_button", "more than a pump can be set to"),
    ("52.55", "35", "start_button", "steps of 0.1 mL/h"),
    ("52.5", "-1", "start_button", "more than 0 mL"),
    ("52.5", "0", "start_button", "more than 0 mL"),
    ("52.5", "nan", "start_button", "is not a number"),
    ("52.5", "99999", "start_button", "more than any bag here"),
    ("-5", "", "change_button", "negative"),
])
def test_an_impossible_entry_is_refused_in_words_and_nothing_changes(bed, rate, vtbi, button, words):
    bed.type(rate=rate, vtbi=vtbi)
    posted = bed.tap(getattr(bed.panel, button))
    assert posted == [] and bed.pump.entries == [] and not bed.pump.running
    assert words.lower() in bed.panel.message.text().lower()
    assert bed.panel.rate.text() == rate and bed.panel.vtbi.text() == vtbi, "what she typed is kept to correct"


def test_the_limits_come_from_the_resource_file():
    limits = entry_limits()
    assert limits.rate_max_ml_per_h == 999.9 and limits.vtbi_max_ml == 1000 and limits.rate_step_ml_per_h == 0.1


def test_a_rate_just_at_the_limit_is_accepted_and_just_above_is_refused(bed):
    top = entry_limits().rate_max_ml_per_h
    bed.type(rate=f"{top + 0.1:.1f}", vtbi="")
    assert bed.tap(bed.panel.start_button) == []
    bed.type(rate=f"{top:.1f}")
    assert values(bed.tap(bed.panel.start_button))["rate"] == top


def test_a_comma_decimal_is_read_as_the_nurse_meant_it(bed):
    bed.type(rate="52,5", vtbi="35")
    assert values(bed.tap(bed.panel.start_button))["rate"] == 52.5


def test_a_refused_change_while_running_leaves_the_pump_running_at_its_rate(bed):
    bed.type(rate="40", vtbi="100")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=3)
    bed.type(rate="-40")
    assert bed.tap(bed.panel.change_button) == []
    assert bed.pump.rate == 40.0 and bed.pump.running
    assert "NOT recorded" in bed.panel.unsaved.text()
    bed.clock.advance(minutes=3)
    assert values(bed.tick())["volume_infused"] == 4.0


def test_a_volume_below_what_is_already_infused_is_refused(bed):
    bed.type(rate="60", vtbi="100")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=10)
    bed.type(vtbi="5")
    assert bed.tap(bed.panel.change_button) == []
    assert "less than the 10.0 mL already infused" in bed.panel.message.text() and bed.pump.vtbi == 100.0


def test_tapping_started_twice_or_stopped_when_stopped_is_refused(bed):
    assert bed.tap(bed.panel.stop_button) == []
    assert "already recorded as stopped" in bed.panel.message.text()
    bed.type(rate="50", vtbi="")
    bed.tap(bed.panel.start_button)
    assert bed.tap(bed.panel.start_button) == []
    assert "already recorded as running" in bed.panel.message.text()
    assert [e.what for e in bed.pump.entries] == ["rate", "start"]


def test_a_rate_change_to_the_same_rate_is_refused_as_a_likely_slip(bed):
    bed.type(rate="50", vtbi="")
    bed.tap(bed.panel.start_button)
    assert bed.tap(bed.panel.change_button) == []
    assert "already 50 mL/h" in bed.panel.message.text()


def test_with_no_one_logged_in_every_entry_is_refused(bed):
    bed.who = None
    bed.type(rate="52.5", vtbi="35")
    for button in (bed.panel.start_button, bed.panel.change_button, bed.panel.stop_button):
        assert bed.tap(button) == []
        assert "Log in first" in bed.panel.message.text()
    assert bed.pump.entries == [] and bed.panel.rate.text() == "52.5"
    bed.who = "Noah Nurse"
    bed.tap(bed.panel.start_button)
    assert {e.by for e in bed.pump.entries} == {"Noah Nurse"}


def test_a_panel_given_no_login_refuses_rather_than_keep_unsigned_entries(qtbot):
    posted = []
    panel = ManualPumpPanel(ManualPump("pump"), posted.append, clock=Clock())
    qtbot.addWidget(panel)
    panel.rate.setText("50")
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    panel.timer.stop()
    assert posted == [] and "Log in first" in panel.message.text()


def test_every_tap_is_in_the_audit_trail_with_the_nurse_who_made_it(qtbot, tmp_path):
    database = open_database(tmp_path / "data")
    try:
        bed = Bedside(qtbot, audit=AuditLog(database))
        bed.type(rate="52.5", vtbi="35")
        bed.tap(bed.panel.start_button)
        bed.type(rate="-1")
        bed.tap(bed.panel.change_button)            # refused: not recorded
        bed.clock.advance(minutes=10)
        bed.who = "Noah Nurse"
        bed.tap(bed.panel.stop_button)
        bed.panel.timer.stop()
        events = AuditLog(database).events(kinds=[ENTRY_KIND])
        assert [(e.actor, e.session_id, e.t, e.payload["entries"]) for e in events] == [
            ("Nina Nurse", "S-1", T0, [{"what": "rate", "value": 52.5}, {"what": "vtbi", "value": 35.0},
                                       {"what": "start", "value": None}]),
            ("Noah Nurse", "S-1", T0 + 600, [{"what": "stop", "value": None}])]
        verify_chain(database)
    finally:
        database.close()


def test_when_the_record_cannot_be_written_the_pump_is_not_changed_and_the_nurse_is_told(qtbot):
    class BrokenAudit:
        def append(self, *args, **kwargs):
            raise OSError("disk full")

    bed = Bedside(qtbot, audit=BrokenAudit())
    bed.type(rate="52.5", vtbi="35")
    assert bed.tap(bed.panel.start_button) == []
    bed.panel.timer.stop()
    assert bed.pump.entries == [] and "disk full" in bed.panel.message.text()
    assert "nothing was changed" in bed.panel.message.text()


def test_the_hub_delivers_the_entries_to_the_rest_of_the_console_like_device_readings(qtbot):
    hub = DeviceHub()
    seen, stored = [], []
    hub.measurement.connect(seen.append)
    hub.add_thread_sink(stored.append)
    pump = ManualPump("pump")
    panel = ManualPumpPanel(pump, hub.post, clock=Clock(), user=lambda: "Nina Nurse")
    qtbot.addWidget(panel)
    panel.rate.setText("52.5")
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    panel.timer.stop()
    assert values(seen) == {"rate": 52.5, "volume_infused": 0.0, "state": PUMP_STATES["infusing"]}
    assert len(stored) == 3


def test_the_screen_says_these_are_entries_and_flags_typed_but_unrecorded_figures(bed):
    assert "not readings" in bed.panel.reminder.text()
    assert bed.panel.status.text() == "Pump stopped" and bed.panel.unsaved.text() == ""
    bed.type(rate="52.5")
    assert "rate typed above is NOT recorded" in bed.panel.unsaved.text()
    bed.tap(bed.panel.start_button)
    assert bed.panel.unsaved.text() == ""
    assert bed.panel.last.text().startswith("Last entry: pump started at ") and "Nina Nurse" in bed.panel.last.text()


def test_screenshot_nothing_is_clipped_when_the_volume_is_reached_and_an_entry_refused(bed, tmp_path):
    bed.type(rate="52.5", vtbi="35")
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=45)
    bed.tick()
    bed.type(rate="-3")
    bed.tap(bed.panel.change_button)
    QApplication.processEvents()
    image = bed.panel.grab()
    assert image.save(str(tmp_path / "manual_pump.png"))
    for label in (bed.panel.status, bed.panel.status_detail, bed.panel.message, bed.panel.reminder):
        assert label.height() >= label.heightForWidth(label.width()), f"clipped: {label.text()!r}"
    for button in (bed.panel.start_button, bed.panel.stop_button, bed.panel.change_button):
        assert button.height() >= 56, "a touch target a gloved finger can hit"


def test_a_confirmation_fades_but_a_refusal_stays_until_the_next_tap(bed):
    bed.type(rate="60", vtbi="10")
    bed.tap(bed.panel.start_button)
    assert "Pump started" in bed.panel.message.text()
    bed.clock.advance(seconds=30)
    bed.tick()
    assert bed.panel.message.text() == ""
    bed.tap(bed.panel.start_button)
    bed.clock.advance(minutes=30)
    bed.tick()
    assert "already recorded as running" in bed.panel.message.text()
