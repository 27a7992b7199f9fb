"""The biomed's commands, run as real subprocesses: good paths and every bad-input case of the contract."""
from __future__ import annotations

from cli_checks import ROOT, one_line_error

import json
import subprocess
import sys
import time

import pytest

from console.cli import COMMANDS, build_parser
from device_drivers.pty_server import PtyServer
from device_drivers.simulators.masimo import MasimoSimulator



def test_every_command_has_accurate_help(cli):
    result = cli("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        module = __import__(f"console.commands.{name}", fromlist=["NAME"])
        assert module.NAME in result.stdout
        sub = cli(module.NAME, "--help")
        assert sub.returncode == 0 and "usage: bedside-console " + module.NAME in sub.stdout


def test_drivers_lists_masimo_with_its_link_settings(cli):
    result = cli("drivers", "--json")
    rows = [json.loads(l) for l in result.stdout.splitlines()]
    masimo = next(r for r in rows if r["name"] == "masimo-ascii")
    assert masimo["link"]["text"] == "9600 8N1" and masimo["role"] == "oximeter" and "spo2" in masimo["metrics"]


def test_ports_json_is_one_object_per_line(cli):
    result = cli("ports", "--json")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        assert {"device", "vid_pid", "serial_number", "description"} <= set(json.loads(line))


def test_probe_decodes_a_simulated_oximeter_as_json(cli, tmp_path):
    with PtyServer(MasimoSimulator("normal", start=time.time())) as server:
        # one line a second, and a value counts once two lines carry it
        result = cli("probe", "--driver", "masimo-ascii", "--port", server.port, "--seconds", "5", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(l) for l in result.stdout.splitlines()]
    spo2 = [l for l in lines if l.get("metric") == "spo2"]
    assert spo2 and set(spo2[0]) == {"t", "device", "metric", "value", "unit"} and spo2[0]["unit"] == "%"
    assert any(l.get("event") == "link" and l["state"] == "connected" for l in lines)


def test_probe_a_port_that_does_not_exist(cli):
    line = one_line_error(cli("probe", "--driver", "masimo-ascii", "--port", "/dev/ttyUSB97", "--seconds", "3"))
    assert "/dev/ttyUSB97" in line and "no such port" in line and "ports" in line


def test_probe_a_driver_that_does_not_exist(cli):
    line = one_line_error(cli("probe", "--driver", "masimo", "--port", "/dev/null", "--seconds", "1"))
    assert "no driver named 'masimo'" in line and "masimo-ascii" in line


def test_probe_a_port_that_gives_only_garbage(cli):
    class Garbage(MasimoSimulator):
        def tick(self, now):
            if now < self.next_line:
                return b""
            self.next_line = now + 0.2
            return bytes([0xF0, 0x0F, 0x55] * 20)
    with PtyServer(Garbage("normal", start=time.time())) as server:
        line = one_line_error(cli("probe", "--driver", "masimo-ascii", "--port", server.port, "--seconds", "2"))
    assert "bytes arrived" in line and "no" in line and "wrong baud rate" in line


def test_probe_a_port_that_stays_silent(cli):
    with PtyServer(MasimoSimulator("normal", start=time.time() + 3600)) as server:
        server.model.next_line = time.time() + 3600
        server.model.tick = lambda now: b""
        line = one_line_error(cli("probe", "--driver", "masimo-ascii", "--port", server.port, "--seconds", "1.5"))
    assert "no bytes" in line


def test_probe_rejects_a_nonsense_baud_rate(cli):
    line = one_line_error(cli("probe", "--driver", "masimo-ascii", "--port", "/dev/null", "--baud", "-5"))
    assert "baud" in line


def test_simulate_prints_the_port_first_and_serves_it(cli):
    proc = subprocess.Popen([sys.executable, "-m", "console", "simulate", "--device", "masimo-ascii",
                             "--scenario", "desaturation", "--seconds", "20"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["port"].startswith("/dev/pts/")
        # one ASCII 1 line a second, and a value counts once two lines carry it (masimo_ascii.py): 2.5 s gave
        # two lines under load, sometimes with SpO2 not yet repeated; 6 s gives five or more
        result = cli("probe", "--driver", "masimo-ascii", "--port", first["port"], "--seconds", "6", "--json")
        assert result.returncode == 0 and '"metric": "spo2"' in result.stdout
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0


@pytest.mark.parametrize("args, words", [
    (["simulate", "--device", "nonin-df99"], ["no simulator for 'nonin-df99'", "masimo-ascii"]),
    (["simulate", "--device", "masimo-ascii", "--scenario", "asystole"], ["no scenario 'asystole'", "desaturation"]),
    (["nonsense-command"], ["invalid choice"]),
])
def test_bad_simulate_and_command_input(cli, args, words):
    line = one_line_error(cli(*args))
    for word in words:
        assert word in line


def test_parser_lists_the_design_contract_commands():
    text = build_parser().format_help()
    for name in ("demo", "ports", "probe", "simulate", "drivers", "verify-records"):
        assert name in text
