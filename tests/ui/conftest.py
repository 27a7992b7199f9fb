"""Fixtures shared by the UI tests."""
from __future__ import annotations

import pytest

from console.app import build_console, demo_devices


def _start_demo(data_dir: str):
    devices, sims = demo_devices("normal")
    console = build_console(data_dir, devices, demo=True, simulators=sims)
    console.window.show()
    return console


@pytest.fixture
def demo(qtbot, tmp_path):
    """The demo console (simulated monitor, oximeter and pump on real ptys), its window shown: a fresh one
    for each test, for tests that change it (log in, start a session, resize, stop a device)."""
    console = _start_demo(str(tmp_path / "data"))
    qtbot.addWidget(console.window)
    yield console
    console.stop()


@pytest.fixture(scope="module")
def shared_demo(qapp, tmp_path_factory):
    """The same demo console, built once for a module whose tests only watch it (tiles, trend, waves,
    records of what the simulators send). Building one costs seconds of CPU (the window, its plots, the
    demo logins' scrypt hashes). A test that uses it must leave it as it found it, or not care: it may read
    and wait, and redraw or refresh a tile with a chosen time (the next live value puts it right), but not
    log in, start a session, stop a device, resize or close the window."""
    console = _start_demo(str(tmp_path_factory.mktemp("shared-demo") / "data"))
    yield console
    console.stop()
    console.window.close()
    console.window.deleteLater()
