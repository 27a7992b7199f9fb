"""Start a Mosquitto for the demo and the benchmark: loopback only, a free port, its own directory."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from console.errors import UserError


def find_mosquitto() -> str:
    path = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if path is None:
        raise UserError("mosquitto is not installed: sudo apt-get install mosquitto")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackBroker:
    """Anonymous access, but only on 127.0.0.1: nothing leaves this machine."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.dir, self.port = Path(directory), port or free_port()
        self.proc: subprocess.Popen | None = None
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             f"log_dest file {self.dir / 'broker.log'}\n")

    def start(self) -> "LoopbackBroker":
        self.proc = subprocess.Popen([find_mosquitto(), "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise UserError(f"mosquitto stopped at once; see {self.dir / 'broker.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise UserError("mosquitto did not open its port within 10 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
