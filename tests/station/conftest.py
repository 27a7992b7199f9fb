"""A real Mosquitto on a free 127.0.0.1 port, from its own directory; killed at teardown."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, directory: Path, extra: str = "", port: int | None = None) -> None:
        self.dir, self.extra = directory, extra
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.conf = directory / "mosquitto.conf"

    def write_conf(self) -> None:
        base = f"listener {self.port} 127.0.0.1\npersistence false\nlog_dest file {self.dir / 'broker.log'}\n"
        if "allow_anonymous" not in self.extra:
            base += "allow_anonymous true\n"
        self.conf.write_text(base + self.extra)

    def start(self) -> "Broker":
        if not Path(MOSQUITTO).exists():
            pytest.skip("mosquitto is not installed (scripts/system-packages.txt)")
        if not self.conf.exists():
            self.write_conf()
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not open its port")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def log(self) -> str:
        p = self.dir / "broker.log"
        return p.read_text() if p.exists() else ""


@pytest.fixture
def broker(tmp_path):
    d = tmp_path / "broker"
    d.mkdir()
    b = Broker(d).start()
    yield b
    b.kill()


@pytest.fixture
def make_broker(tmp_path):
    """A broker with extra configuration lines (authentication, ACL, TLS)."""
    made = []

    def make(extra: str, name: str = "broker") -> Broker:
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        b = Broker(d, extra)
        made.append(b)
        return b.start()
    yield make
    for b in made:
        b.kill()


def wait_until(predicate, qtbot=None, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if qtbot is not None:
            qtbot.wait(int(interval * 1000))
        else:
            time.sleep(interval)
        value = predicate()
        if value:
            return value
    raise AssertionError(f"timed out after {timeout} s")
