"""Fixtures shared by the UI tests."""
from __future__ import annotations

import pytest

from console.app import build_console, demo_devices


@pytest.fixture
def demo(qtbot, tmp_path):
    """The demo console (simulated monitor, oximeter and pump on real ptys), its window shown."""
    devices, sims = demo_devices("normal")
    console = build_console(str(tmp_path / "data"), devices, demo=True, simulators=sims)
    qtbot.addWidget(console.window)
    console.window.show()
    yield console
    console.stop()
