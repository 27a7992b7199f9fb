"""The escalation action: when a high-priority alarm goes unacknowledged, tell someone else.

A clinic decides what that means on its machines (a second screen, a pager script, a desktop
notification), so the action is a host command from the configuration. It runs without a shell, with
the alarm text as one argument (no quoting tricks can turn an alarm text into a command), never blocks
the GUI thread, is killed if it hangs, and a failure is itself a (technical) alarm.
"""
from __future__ import annotations

import subprocess
import time
from typing import Callable, Sequence

from console.alarms.alarm import Alarm


class CommandEscalation:
    def __init__(self, argv: Sequence[str], on_failure: Callable[[str], None], *, timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not argv:
            raise ValueError("an escalation command needs at least the program name")
        self.argv = list(argv)
        self.on_failure = on_failure
        self.timeout = timeout
        self.clock = clock
        self._running: list[tuple[subprocess.Popen, float, str]] = []

    def __call__(self, alarm: Alarm) -> None:
        text = f"{alarm.priority.upper()} alarm not acknowledged: {alarm.text}"
        if alarm.instruction:
            text += f" — {alarm.instruction}"
        try:
            proc = subprocess.Popen([*self.argv, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, close_fds=True, start_new_session=True)
        except OSError as exc:
            self.on_failure(f"{self.argv[0]}: {exc.strerror or exc}")
            return
        self._running.append((proc, self.clock(), text))

    def poll(self) -> None:
        """Collect finished commands (reporting failures) and kill any that overran their time."""
        still = []
        for proc, started, text in self._running:
            rc = proc.poll()
            if rc is None:
                if self.clock() - started > self.timeout:
                    proc.kill()
                    proc.communicate()
                    self.on_failure(f"{self.argv[0]} did not finish within {self.timeout:g} s and was stopped")
                else:
                    still.append((proc, started, text))
                continue
            err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if rc != 0:
                first = err.splitlines()[0] if err else "no message"
                self.on_failure(f"{self.argv[0]} exited with {rc}: {first}")
        self._running = still

    @property
    def running(self) -> int:
        return len(self._running)

    def wait(self, timeout: float) -> None:
        """For tests and shutdown: let running commands finish, then collect them."""
        deadline = time.monotonic() + timeout
        for proc, _, _ in self._running:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        self.poll()
