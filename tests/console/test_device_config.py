"""The bed's device file: readable, checked completely, and a re-plugged USB adapter is found again."""
from __future__ import annotations

import pytest

from console import device_config as dc
from device_drivers.ports import PortInfo


def usb(device, serial, vid_pid="0403:6001"):
    return PortInfo(device, "FT232R USB UART", vid_pid, serial, "FTDI", "1-1")


def test_a_configuration_saved_and_loaded_is_the_same(tmp_path):
    config = dc.DeviceConfig()
    config = config.with_assignment(dc.assignment_for_port("monitor", "intellivue", "/dev/ttyUSB0",
                                                           ports=[usb("/dev/ttyUSB0", "FT5Z8K2A")]))
    config = config.with_assignment(dc.validate(dc.DeviceAssignment("oximeter", "nonin-df7", "/dev/ttyS0",
                                                                    link_overrides={"baudrate": 9600})))
    config = config.with_assignment(dc.validate(dc.DeviceAssignment("pump", "manual")))
    path = dc.save(tmp_path, config)
    text = path.read_text()
    assert 'usb_serial = "FT5Z8K2A"' in text and "[pump]" in text and 'driver = "manual"' in text
    assert dc.load(tmp_path) == config


def test_no_file_means_no_configuration_yet(tmp_path):
    assert dc.load(tmp_path) is None


@pytest.mark.parametrize("text, field", [
    ('[monitor]\ndriver = "intellivu"\nport = "/dev/ttyUSB0"\n', "monitor.driver"),
    ('[monitor]\ndriver = "intellivue"\n', "monitor.port"),
    ('[monitor]\ndriver = "intellivue"\nport = "/dev/ttyUSB0"\nbaud = 9600\n', "monitor.baud"),
    ('[monitor]\ndriver = "intellivue"\nport = "/dev/ttyUSB0"\nbaudrate = 9601\n', "monitor.baudrate"),
    ('[monitor]\ndriver = "intellivue"\nport = "/dev/ttyUSB0"\nparity = "X"\n', "monitor.parity"),
    ('[pump]\ndriver = "nonin-df7"\nport = "/dev/ttyUSB0"\n', "pump.driver"),
    ('[monitor]\ndriver = "ne1000"\nport = "/dev/ttyUSB0"\n', "monitor.driver"),
    ('[bed]\ndriver = "manual"\n', "bed"),
    ('[oximeter]\ndriver = "nonin-df8"\nusb_vid_pid = "403:6001"\n', "oximeter.usb_vid_pid"),
    ('[pump]\ndriver = "manual"\nbaudrate = 9600\n', "pump.baudrate"),
])
def test_an_invalid_file_is_refused_whole_with_the_field_named(tmp_path, text, field):
    # a valid role first: it must not be used either
    (tmp_path / "devices.toml").write_text('[oximeter]\ndriver = "nonin-df8"\nport = "/dev/ttyS1"\n' + text
                                           if not text.startswith("[oximeter]") else text)
    with pytest.raises(dc.DeviceConfigError) as err:
        dc.load(tmp_path)
    assert f"'{field}'" in str(err.value) and "devices.toml" in str(err.value)


def test_broken_toml_is_refused_with_the_file_named(tmp_path):
    (tmp_path / "devices.toml").write_text("[monitor\n")
    with pytest.raises(dc.DeviceConfigError, match="devices.toml.*not valid TOML"):
        dc.load(tmp_path)


def test_usb_adapter_is_found_again_under_a_new_path():
    a = dc.DeviceAssignment("oximeter", "nonin-df7", "/dev/ttyUSB0", "FT5Z8K2A", "0403:6001")
    replugged = [usb("/dev/ttyUSB0", "OTHER999"), usb("/dev/ttyUSB3", "FT5Z8K2A")]
    assert a.resolve_port(replugged) == "/dev/ttyUSB3"


def test_missing_adapter_resolves_to_the_last_path_and_an_unknown_one_says_so():
    a = dc.DeviceAssignment("oximeter", "nonin-df7", "/dev/ttyUSB0", "FT5Z8K2A")
    assert a.resolve_port([]) == "/dev/ttyUSB0"
    b = dc.DeviceAssignment("oximeter", "nonin-df7", None, "FT5Z8K2A")
    assert "not plugged in" in b.resolve_port([])


def test_link_overrides_apply_on_top_of_the_driver_defaults():
    a = dc.validate(dc.DeviceAssignment("monitor", "intellivue", "/dev/ttyUSB0", link_overrides={"baudrate": 19200}))
    assert a.link.describe() == "19200 8N1"


def test_links_to_open_lists_devices_with_ports_and_follows_the_adapter():
    config = dc.DeviceConfig().with_assignment(dc.validate(dc.DeviceAssignment("pump", "manual")))
    config = config.with_assignment(dc.validate(dc.DeviceAssignment("monitor", "intellivue", "/dev/ttyUSB7")))
    links = dc.links_to_open(config)
    assert [(role, driver) for role, driver, _url, _link in links] == [("monitor", "intellivue")]
    role, driver, url, link = links[0]
    assert url() == "/dev/ttyUSB7" and link.describe() == "115200 8N1"
