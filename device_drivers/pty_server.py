"""Serve a simulated device on a pseudo-terminal: a real serial port for the demo, tests and biomeds.

The server keeps the slave side open so the port exists until `stop()`, writes without blocking (when
nobody reads, bytes are dropped, as on a real serial line) and can make the port vanish and come back
(`vanish()` / `restore()`), which is how tests replay a USB adapter being unplugged and plugged back.
With `link_path`, the port is also reachable through a stable symlink that follows it across restores,
as a udev rule gives a USB adapter a stable name.
"""
from __future__ import annotations

import errno
import os
import select
import threading
import time
import tty
from typing import Callable

from device_drivers.simulators.base import DeviceModel


class PtyServer:
    def __init__(self, model: DeviceModel, link_path: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.model = model
        self.link_path = link_path
        self.clock = clock
        self._lock = threading.Lock()
        self._master = self._slave = -1
        self._slave_name = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.bytes_out = 0
        self.bytes_dropped = 0
        self._inject = bytearray()

    @property
    def port(self) -> str:
        return self.link_path or self._slave_name

    def start(self) -> "PtyServer":
        self._open()
        self._thread = threading.Thread(target=self._serve, name=f"pty-{self.model.driver}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._close()

    def vanish(self) -> None:
        """The port disappears, as when a USB adapter is pulled out."""
        self._close()

    def restore(self) -> None:
        """A new port appears (a new /dev/pts/N; the same `link_path` if one was given)."""
        self._open()

    def inject(self, data: bytes) -> None:
        """Send raw bytes as they are (tests and benchmarks: garbage, exact lines)."""
        with self._lock:
            self._inject += data

    def write(self, data: bytes) -> None:
        """Write bytes now, from the caller's thread (benchmarks time the write itself)."""
        with self._lock:
            master = self._master
        if master >= 0:
            self._write(master, data)

    def __enter__(self) -> "PtyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _open(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        name = os.ttyname(slave)
        if self.link_path:
            tmp = f"{self.link_path}.new"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(name, tmp)
            os.replace(tmp, self.link_path)
        with self._lock:
            self._master, self._slave, self._slave_name = master, slave, name

    def _close(self) -> None:
        with self._lock:
            fds = (self._master, self._slave)
            self._master = self._slave = -1
        if self.link_path and os.path.lexists(self.link_path):
            os.unlink(self.link_path)
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            if master < 0:
                time.sleep(0.02)
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.02)
            except (OSError, ValueError):
                continue  # closed under us by vanish()
            now = self.clock()
            out = bytearray()
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""  # no reader on the slave side yet
                if data:
                    out += self.model.receive(data, now)
            out += self.model.tick(now)
            with self._lock:
                out += self._inject
                self._inject.clear()
            if out:
                self._write(master, bytes(out))

    def _write(self, master: int, data: bytes) -> None:
        try:
            written = os.write(master, data)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EIO, errno.EBADF):
                raise
            written = 0
        self.bytes_out += written
        self.bytes_dropped += len(data) - written
