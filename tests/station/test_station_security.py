"""`station setup` for real: TLS with the clinic's CA, a password per console, the ACL, against Mosquitto."""
from __future__ import annotations

import getpass
import os
import stat
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

from console.errors import UserError
from console.station import topics
from console.station.setup import setup_clinic
from tests.station.conftest import MOSQUITTO, Broker, free_port
from tests.station.helpers import start_bed, start_station


@pytest.fixture
def clinic(tmp_path):
    port = free_port()
    out = tmp_path / "clinic"
    setup_clinic(out, "127.0.0.1", ["chair-1", "chair-2"], port=port, bind="127.0.0.1",
                 broker_user=getpass.getuser(), days=2)
    broker = Broker(out / "broker", port=port)
    broker.conf = out / "broker" / "mosquitto.conf"  # the generated configuration, as the clinic runs it
    broker.start()
    yield out, port
    broker.kill()


def tls_client(out, port, user, password, client_id):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    c.username_pw_set(user, password)
    c.tls_set(ca_certs=str(out / "station" / "ca.crt"))
    return c


def test_setup_writes_private_files_and_no_plain_password_for_the_broker(clinic):
    out, _ = clinic
    for d in ("broker", "station", "console-chair-1"):
        assert stat.S_IMODE(os.stat(out / d).st_mode) == 0o700
    for f in ("broker/ca.key", "broker/broker.key", "broker/passwd", "station/password", "console-chair-1/password"):
        assert stat.S_IMODE(os.stat(out / f).st_mode) == 0o600, f
    password = (out / "console-chair-1" / "password").read_text().strip()
    assert len(password) >= 24
    for f in (out / "broker").iterdir():
        assert password not in f.read_text(errors="replace"), f"plain password in {f}"
    with pytest.raises(UserError, match="not empty"):
        setup_clinic(out, "127.0.0.1", ["chair-1"])


def test_a_bed_with_its_credentials_reaches_the_station_over_tls(qtbot, tmp_path, clinic):
    out, port = clinic
    d = out / "console-chair-1"
    bed = start_bed(tmp_path, port, "chair-1", username="chair-1", password_file=str(d / "password"),
                    ca_file=str(d / "ca.crt"), patient_display="initials_mrn")
    station = start_station(qtbot, port, username="station",
                            password=(out / "station" / "password").read_text().strip(),
                            ca_file=str(out / "station" / "ca.crt"))
    try:
        qtbot.waitUntil(lambda: "chair-1" in station.tiles and bool(station.model.beds["chair-1"].values),
                        timeout=15000)
        assert station.connected
    finally:
        station.shutdown()
        bed.stop()


def test_a_bed_with_a_wrong_password_is_refused_and_says_so(qtbot, tmp_path, clinic):
    out, port = clinic
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    bed = start_bed(tmp_path, port, "chair-1", username="chair-1", password_file=str(wrong),
                    ca_file=str(out / "console-chair-1" / "ca.crt"))
    try:
        chip = bed.window.devices.chips["station"]
        qtbot.waitUntil(lambda: "refused" in chip.text(), timeout=10000)
        assert "NOT CONNECTED" in chip.text() and "authori" in chip.text().lower()
        assert not bed.station.publisher.connected
        qtbot.waitUntil(lambda: bed.window.tiles["spo2"].state == "fresh", timeout=10000)  # the bed carries on
    finally:
        bed.stop()


def test_a_password_file_others_can_read_is_refused(tmp_path):
    from console.station.settings import load_station
    from resources import ResourceError
    data = tmp_path / "data"
    data.mkdir()
    pw = tmp_path / "pw"
    pw.write_text("secret\n")
    pw.chmod(0o644)
    (data / "clinic.toml").write_text(f'[station]\nhost = "127.0.0.1"\nbed = "chair-1"\nusername = "chair-1"\n'
                                      f'password_file = "{pw}"\n')
    with pytest.raises(ResourceError, match="chmod 600"):
        load_station(data).password()
    (data / "clinic.toml").write_text('[station]\nhost = "127.0.0.1"\nbed = "chair-1"\nprot = 1\n')
    with pytest.raises(ResourceError, match="station.prot.*spelling"):
        load_station(data)
    (data / "clinic.toml").write_text('[station]\nhost = "broker.clinic"\nbed = "chair-1"\n')
    with pytest.raises(ResourceError, match="ca_file"):
        load_station(data)


def test_the_acl_stops_a_bed_writing_another_beds_topics_and_the_station_writing_bed_data(clinic):
    out, port = clinic
    got: list[str] = []
    watcher = tls_client(out, port, "station", (out / "station" / "password").read_text().strip(), "watcher")
    watcher.on_message = lambda c, u, m: got.append(m.topic)
    watcher.connect("127.0.0.1", port)
    watcher.subscribe(f"{topics.ROOT}/+/+", qos=1)
    watcher.loop_start()
    rogue = tls_client(out, port, "chair-1", (out / "console-chair-1" / "password").read_text().strip(), "rogue")
    rogue.connect("127.0.0.1", port)
    rogue.loop_start()
    time.sleep(0.5)
    body = topics.encode("numerics", {"t": time.time(), "values": {}})
    rogue.publish(topics.topic("chair-2", "numerics"), body, qos=1).wait_for_publish(5)
    rogue.publish(topics.topic("chair-2", "alarms"), body, qos=1).wait_for_publish(5)
    watcher.publish(topics.topic("chair-1", "numerics"), body, qos=1).wait_for_publish(5)  # station may not
    rogue.publish(topics.topic("chair-1", "numerics"), body, qos=1).wait_for_publish(5)  # its own: allowed
    deadline = time.time() + 5
    while topics.topic("chair-1", "numerics") not in got and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    for c in (rogue, watcher):
        c.loop_stop()
        c.disconnect()
    assert got.count(topics.topic("chair-1", "numerics")) == 1  # only the bed's own message
    assert topics.topic("chair-2", "numerics") not in got and topics.topic("chair-2", "alarms") not in got


def test_the_cli_setup_command(cli, tmp_path):
    r = cli("station", "setup", "--out", str(tmp_path / "c"), "--broker-host", "broker.clinic.lan",
            "--beds", "chair-1,chair-1")
    assert r.returncode != 0 and "twice" in r.stderr and "Traceback" not in r.stderr
    r = cli("station", "setup", "--out", str(tmp_path / "c"), "--broker-host", "broker.clinic.lan", "--beds", "chair-1")
    assert r.returncode == 0, r.stderr
    cert = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c" / "broker" / "broker.crt"), "-noout", "-text"],
                          capture_output=True, text=True).stdout
    assert "DNS:broker.clinic.lan" in cert
    assert "allow_anonymous false" in (tmp_path / "c" / "broker" / "mosquitto.conf").read_text()


def test_a_wrong_station_setting_stops_the_console_with_the_field_named(cli, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "clinic.toml").write_text('[station]\nhost = "127.0.0.1"\nbed = "chair 3!"\n')
    r = cli("demo", "--data-dir", str(data), "--seconds", "1", env={"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 1 and "station.bed" in r.stderr and "Traceback" not in r.stderr, r.stderr
