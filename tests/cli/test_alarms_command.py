"""`bedside-console alarms`: a biomed sees the limits in force and checks a clinic's alarm file."""
from __future__ import annotations

import json


def test_the_limits_in_force_are_the_shipped_defaults_until_a_clinic_file_exists(cli, data_dir):
    out = cli("alarms", "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    spo2 = next(r for r in rows if r["parameter"] == "spo2")
    assert (spo2["side"], spo2["default"], spo2["priority"], spo2["delay_s"]) == ("low", 90, "high", 10)


def test_a_clinic_file_in_the_data_directory_takes_over(cli, data_dir):
    template = cli("alarms", "--template").stdout
    data_dir.mkdir(parents=True)
    (data_dir / "alarms.toml").write_text(template.replace("low = { default = 90, min = 85", "low = { default = 88, min = 85"))
    out = cli("alarms")
    assert out.returncode == 0, out.stderr
    assert str(data_dir / "alarms.toml") in out.stdout
    assert "SpO2             low         88" in out.stdout


def test_a_mistake_in_a_clinic_file_is_named_without_a_traceback(cli, tmp_path):
    template = cli("alarms", "--template").stdout
    bad = tmp_path / "alarms.toml"
    bad.write_text(template.replace('[display.high]\ncolour = "#e8202a"', '[display.high]\ncolour = "red"'))
    out = cli("alarms", "--check", str(bad))
    assert out.returncode == 1
    assert "field 'display.high.colour'" in out.stderr and "#rrggbb" in out.stderr
    assert "Traceback" not in out.stderr
    good = tmp_path / "good.toml"
    good.write_text(template)
    assert cli("alarms", "--check", str(good)).stdout.endswith("ok (11 limits, 11 technical alarm rules)\n")
