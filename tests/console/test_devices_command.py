"""`bedside-console devices`: a biomed sets up, tests and detects devices from the command line."""
from __future__ import annotations

import json
import re

from console.cli import main
from device_drivers.pty_server import PtyServer
from device_drivers.registry import simulator_class


def test_set_test_and_list_a_simulated_oximeter(tmp_path, capsys):
    with PtyServer(simulator_class("nonin-df8")()) as server:
        assert main(["--data-dir", str(tmp_path), "devices", "set", "oximeter", "--driver", "nonin-df8",
                     "--port", server.port]) == 0
        assert main(["--data-dir", str(tmp_path), "devices", "test", "oximeter", "--seconds", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"values .*spo2=\d+%", out) and "Working" in out
    assert main(["--data-dir", str(tmp_path), "devices", "list", "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["role"] == "oximeter" and row["driver"] == "nonin-df8"


def test_testing_the_wrong_driver_explains_what_it_saw(tmp_path, capsys):
    with PtyServer(simulator_class("nonin-df7")()) as server:
        main(["--data-dir", str(tmp_path), "devices", "set", "oximeter", "--driver", "masimo-ascii",
              "--port", server.port])
        rc = main(["--data-dir", str(tmp_path), "devices", "test", "oximeter", "--seconds", "4.5"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "no valid frame: wrong baud rate or wrong driver?" in err


def test_detect_names_the_simulated_monitor(tmp_path, capsys):
    with PtyServer(simulator_class("intellivue")()) as server:
        rc = main(["--data-dir", str(tmp_path), "devices", "detect", "--port", server.port, "--seconds", "1"])
    assert rc == 0
    assert "speaks intellivue" in capsys.readouterr().out


def test_a_typo_in_the_driver_is_one_clear_line(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "devices", "set", "monitor", "--driver", "intelivue",
                 "--port", "/dev/ttyUSB0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "known drivers" in err and "Traceback" not in err
    assert not (tmp_path / "devices.toml").exists()


def test_a_broken_devices_file_is_reported_not_used(tmp_path, capsys):
    (tmp_path / "devices.toml").write_text('[monitor]\ndriver = "intellivue"\nport = "/dev/ttyUSB0"\nparity = 1\n')
    assert main(["--data-dir", str(tmp_path), "devices", "list"]) == 1
    assert "'monitor.parity'" in capsys.readouterr().err


def test_a_new_pump_set_up_defaults_to_safe_mode_and_says_why(tmp_path, capsys):
    """#14: NE-1000 basic mode has no checksum; a pump set up without naming a driver gets the CRC mode."""
    with PtyServer(simulator_class("ne1000-safe")()) as server:
        assert main(["--data-dir", str(tmp_path), "devices", "set", "pump", "--port", server.port]) == 0
    out = capsys.readouterr().out
    assert "ne1000-safe" in out and "CRC-16" in out
    assert main(["--data-dir", str(tmp_path), "devices", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["driver"] == "ne1000-safe"


def test_choosing_basic_mode_explains_what_it_costs(tmp_path, capsys):
    with PtyServer(simulator_class("ne1000")()) as server:
        assert main(["--data-dir", str(tmp_path), "devices", "set", "pump", "--driver", "ne1000",
                     "--port", server.port]) == 0
    assert "no checksum" in capsys.readouterr().out


def test_an_oximeter_still_needs_its_driver_named(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "devices", "set", "oximeter", "--port", "/dev/null"]) != 0
    assert "--driver" in capsys.readouterr().err
