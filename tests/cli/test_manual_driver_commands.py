"""The manual pump has no port: the biomed's commands say so instead of offering link settings."""
from __future__ import annotations

from cli_checks import one_line_error

import json


def test_drivers_shows_the_manual_pump_as_keyed_in_with_no_port(cli):
    result = cli("drivers")
    assert result.returncode == 0, result.stderr
    manual = next(l for l in result.stdout.splitlines() if l.startswith("manual "))
    assert "no port (keyed in)" in manual and "8N1" not in manual
    masimo = next(l for l in result.stdout.splitlines() if l.startswith("masimo-ascii "))
    assert "9600 8N1" in masimo


def test_drivers_json_gives_the_manual_pump_no_link_and_the_others_theirs(cli):
    result = cli("drivers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["manual"]["link"] is None and rows["manual"]["needs_link"] is False
    assert rows["manual"]["role"] == "pump" and rows["manual"]["metrics"] == ["rate", "volume_infused", "state"]
    for name, row in rows.items():
        if name != "manual":
            assert row["needs_link"] is True and row["link"]["baudrate"] > 0, name


def test_probe_refuses_the_manual_pump_in_one_line_whether_or_not_a_port_is_given(cli):
    for args in (["--driver", "manual"], ["--driver", "manual", "--port", "/dev/ttyUSB0", "--seconds", "1"]):
        result = cli("probe", *args)
        assert one_line_error(result) == ("bedside-console: manual has no port: the nurse keys in the pump's "
                                          "settings on the screen")
        assert result.returncode == 1 and result.stdout == ""


def test_probe_without_a_port_for_a_serial_driver_says_what_is_missing(cli):
    result = cli("probe", "--driver", "masimo-ascii")
    line = one_line_error(result)
    assert "--port is required" in line and "ports" in line
    assert result.returncode == 2
