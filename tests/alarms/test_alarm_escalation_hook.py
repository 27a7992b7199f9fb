"""The escalation action runs a host command with the alarm text, safely and without blocking."""
from __future__ import annotations

import sys

from console.alarms.alarm import Alarm
from console.alarms.escalation import CommandEscalation
from alarm_bedside import bedside  # noqa: F401 (a fixture)


def an_alarm() -> Alarm:
    return Alarm(id=1, key="limit:spo2:low", kind="physiological", priority="high",
                 text="SpO2 84 % below limit 90; $(rm -rf ~)", parameter="spo2", value=84, limit=90, started=0.0)


def test_the_command_gets_the_alarm_text_as_one_argument_without_a_shell(tmp_path):
    out = tmp_path / "page.txt"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.argv[1])"
    failures = []
    hook = CommandEscalation([sys.executable, "-c", script], failures.append)
    hook(an_alarm())
    hook.wait(20)
    assert failures == []
    assert out.read_text() == "HIGH alarm not acknowledged: SpO2 84 % below limit 90; $(rm -rf ~)"


def test_a_command_that_fails_is_reported(tmp_path):
    failures = []
    hook = CommandEscalation([sys.executable, "-c", "import sys; sys.exit('pager offline')"], failures.append)
    hook(an_alarm())
    hook.wait(20)
    assert len(failures) == 1 and "exited with 1: pager offline" in failures[0]


def test_a_missing_program_is_reported(tmp_path):
    failures = []
    CommandEscalation([str(tmp_path / "no-such-pager")], failures.append)(an_alarm())
    assert len(failures) == 1 and "no-such-pager" in failures[0]


def test_a_hanging_command_is_stopped(tmp_path):
    failures = []
    now = [0.0]
    hook = CommandEscalation([sys.executable, "-c", "import time; time.sleep(60)"], failures.append, timeout=5,
                             clock=lambda: now[0])
    hook(an_alarm())
    hook.poll()
    assert hook.running == 1 and failures == []
    now[0] = 6.0
    hook.poll()
    assert hook.running == 0 and "did not finish within 5 s" in failures[0]


def test_an_escalation_failure_becomes_a_technical_alarm(bedside, tmp_path):
    hook = CommandEscalation([str(tmp_path / "no-such-pager")],
                             lambda detail: bedside.engine.escalation_failed(bedside.now, detail))
    bedside.engine.set_escalation_action(hook)
    bedside.advance(75, spo2=85)
    alarm = bedside.alarm("tech:escalation_failed")
    assert alarm.kind == "technical" and "no-such-pager" in alarm.text
