"""The biomed's setup screen finds a simulated oximeter on a real pty, tests it live, and saves it."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from console import device_config as dc
from console.ui.device_setup import DeviceSetupDialog
from device_drivers.ports import PortInfo
from device_drivers.pty_server import PtyServer
from device_drivers.registry import simulator_class


@pytest.fixture
def oximeter_port():
    with PtyServer(simulator_class("nonin-df8")()) as server:
        yield server.port


def make_dialog(qtbot, tmp_path, port):
    listed = [PortInfo(port, "simulated Nonin on a pty", "0403:6001", "SIM0001", "test", None)]
    dialog = DeviceSetupDialog(tmp_path, ports=lambda: listed)
    dialog.detect_seconds = 2.5
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_port_list_shows_description_usb_id_and_serial(qtbot, tmp_path, oximeter_port):
    dialog = make_dialog(qtbot, tmp_path, oximeter_port)
    row = [dialog.port_table.item(0, c).text() for c in range(4)]
    assert row == [oximeter_port, "simulated Nonin on a pty", "0403:6001", "SIM0001"]


def test_detect_finds_the_simulator_then_test_shows_live_values_and_save_keeps_it(qtbot, tmp_path, oximeter_port):
    dialog = make_dialog(qtbot, tmp_path, oximeter_port)
    dialog.port_table.selectRow(0)
    assert dialog.port_edit.text() == oximeter_port
    dialog.role_combo.setCurrentText("oximeter")
    qtbot.mouseClick(dialog.detect_button, Qt.LeftButton)
    try:
        qtbot.waitUntil(lambda: dialog.driver == "nonin-df8" and "Found nonin-df8" in dialog.diagnosis_label.text(),
                        timeout=20000)
    except Exception:
        raise AssertionError(dialog.diagnosis_label.text())
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: int(dialog.frames_label.text()) >= 2 and "spo2" in dialog.values_label.text(),
                    timeout=10000)
    assert int(dialog.bytes_label.text()) >= 8 and dialog.hex_label.text() != "-"
    assert dialog.link_label.text() == "connected"
    dialog.grab().save(str(tmp_path / "device_setup.png"))
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    saved = dc.load(tmp_path).get("oximeter")
    assert saved.driver == "nonin-df8" and saved.port == oximeter_port and saved.usb_serial == "SIM0001"
    dialog.stop_test()


def test_wrong_driver_gets_a_plain_language_diagnosis(qtbot, tmp_path, oximeter_port):
    dialog = make_dialog(qtbot, tmp_path, oximeter_port)
    dialog.port_edit.setText(oximeter_port)
    dialog.role_combo.setCurrentText("oximeter")
    dialog.set_driver("masimo-ascii")
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    dialog._test.diagnose_after = 1.0
    qtbot.waitUntil(lambda: "wrong baud rate or wrong driver" in dialog.diagnosis_label.text(), timeout=10000)
    dialog.stop_test()


def test_a_broken_device_file_is_shown_not_used(qtbot, tmp_path, oximeter_port):
    (tmp_path / "devices.toml").write_text('[pump]\ndriver = "nonin-df7"\nport = "/dev/ttyS0"\n')
    dialog = make_dialog(qtbot, tmp_path, oximeter_port)
    assert "pump.driver" in dialog.config_error and dialog.config.assignments == {}


def test_a_new_pump_set_up_defaults_to_safe_mode_and_says_why(qtbot, tmp_path, oximeter_port):
    """#14: the New Era pump's CRC-checked safe mode is preselected for a new pump, with the reason."""
    dialog = make_dialog(qtbot, tmp_path, oximeter_port)
    dialog.role_combo.setCurrentText("pump")
    assert dialog.driver == "ne1000-safe"
    assert dialog.driver_note.isVisible() and "CRC-16" in dialog.driver_note.text()
    dialog.set_driver("manual")
    assert not dialog.driver_note.isVisible()
    dialog.role_combo.setCurrentText("oximeter")
    assert not dialog.driver_note.isVisible()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_dialog_fits_the_screen_without_scrolling(qtbot, tmp_path, oximeter_port, size):
    """At 1366x768 the dialog was 860 px tall: the saved roles and the diagnosis were below the screen's edge.
    Sized to the screen less a title bar, everything shows with no scroll bar, the diagnosis included."""
    from PySide6.QtWidgets import QScrollArea
    from console.ui.device_setup import TITLE_BAR_PX
    dialog = DeviceSetupDialog(tmp_path, ports=lambda: [PortInfo(oximeter_port, "pty", None, None, None, None)])
    qtbot.addWidget(dialog)
    dialog.resize(min(1180, size[0] - 16), min(860, size[1] - TITLE_BAR_PX))  # what _fit_to_screen gives there
    dialog.show()
    qtbot.waitExposed(dialog)
    scroll = dialog.findChild(QScrollArea)
    content = scroll.widget()
    assert not scroll.verticalScrollBar().isVisible()
    assert content.height() <= scroll.viewport().height()
    for widget in (dialog.diagnosis_label, dialog.config_table, dialog.save_button, dialog.port_table):
        bottom = widget.mapTo(content, widget.rect().bottomLeft()).y()
        assert bottom <= scroll.viewport().height(), f"{widget.objectName() or type(widget).__name__} below the edge"
