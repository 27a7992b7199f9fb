"""The alarm configuration is data with a source, and a mistake in it names the file and the field."""
from __future__ import annotations

import pytest

import resources
from console.alarms.alarm_config import from_doc, load_defaults
from resources import ResourceError

TEXT = resources._pkg.files("resources").joinpath("alarm_defaults.toml").read_text(encoding="utf-8")


def config_with(old: str, new: str):
    assert old in TEXT, f"test setup: {old!r} not in alarm_defaults.toml"
    return from_doc(resources.parse(TEXT.replace(old, new, 1), "resources/alarm_defaults.toml"))


def test_the_shipped_defaults_follow_the_clinical_reference():
    c = load_defaults()
    assert "IEC 60601-1-8" in c.source and "clinical-reference.md" in c.source
    assert (c.parameters["spo2"].low.default, c.parameters["spo2"].low.delay) == (90, 10)
    assert (c.parameters["heart_rate"].low.default, c.parameters["heart_rate"].high.default) == (50, 120)
    assert c.parameters["heart_rate"].metrics == ("hr", "pr")
    assert (c.parameters["nibp_sys"].low.default, c.parameters["nibp_sys"].high.default) == (90, 180)
    assert (c.parameters["nibp_dia"].low.default, c.parameters["nibp_dia"].high.default) == (50, 100)
    assert (c.parameters["rr"].low.default, c.parameters["etco2"].high.default) == (8, 50)
    assert c.audio_pause_seconds == 120
    assert 1.4 <= c.display["high"].flash_hz <= 2.8 and 0.4 <= c.display["medium"].flash_hz <= 0.8
    assert c.display["low"].flash_hz == 0


def test_a_default_outside_its_own_bounds_is_refused_with_the_field_named():
    with pytest.raises(ResourceError, match=r"alarm_defaults.toml, field 'parameters.spo2.low.default': is 80"):
        config_with("low = { default = 90, min = 85", "low = { default = 80, min = 85")


def test_a_high_priority_flash_outside_iec_range_is_refused():
    with pytest.raises(ResourceError, match=r"display.high.flash_hz.*at most 2.8"):
        config_with("flash_hz = 2.0", "flash_hz = 3.5")


def test_an_unknown_priority_is_refused():
    with pytest.raises(ResourceError, match=r"technical.storage_failure.priority.*allowed: high, medium, low"):
        config_with('[technical.storage_failure]\npriority = "high"', '[technical.storage_failure]\npriority = "urgent"')


def test_a_missing_technical_rule_is_refused():
    with pytest.raises(ResourceError, match=r"technical.no_audio.*missing"):
        config_with("[technical.no_audio]", "[technical.no_audio_renamed]")


def test_a_metric_watched_twice_is_refused():
    with pytest.raises(ResourceError, match=r"'spo2' is already watched"):
        config_with('metrics = ["rr"]', 'metrics = ["rr", "spo2"]')


def test_an_escalation_command_must_be_a_list_of_words():
    with pytest.raises(ResourceError, match=r"escalation.command"):
        config_with("command = []", 'command = ["notify-send", 3]')
    assert config_with("command = []", 'command = ["notify-send", "-u", "critical"]').escalation_command == (
        "notify-send", "-u", "critical")
