"""Kill the console with SIGKILL mid-checklist, mid-infusion and in observation; a restart resumes exactly.

A real subprocess runs a session against a real SQLite database and reports each event after `append`
returned (the moment the screen would show it as done). It is killed with SIGKILL while it keeps
recording. A second, fresh process then resumes the open session from the log alone. Nothing reported as
done may be missing, the phase must be the same, and the clocks and the cumulative dose must equal what
the reported times say.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.records.audit import verify_chain
from console.records.database import open_database

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("session_kill_driver.py")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run_until_killed(data_dir: Path, stage: str, extra_events: int) -> list[dict]:
    """Start the driver, let it reach the stage and record `extra_events` more, then SIGKILL it."""
    proc = subprocess.Popen([sys.executable, str(DRIVER), "run", str(data_dir), stage], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reported: list[dict] = []
    busy = {"checklist": "session.checklist_answered", "infusion": "session.assessment_recorded",
            "observation": "session.assessment_recorded"}[stage]
    try:
        for line in proc.stdout:
            reported.append(json.loads(line))
            if sum(r["kind"] == busy for r in reported) >= extra_events:
                break
        else:
            pytest.fail(f"driver ended early: {proc.stderr.read()}")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return reported


def restart_and_report(data_dir: Path) -> dict:
    out = subprocess.run([sys.executable, str(DRIVER), "report", str(data_dir)], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def rate_at(reported: list[dict], kind: str) -> tuple[float, float]:
    e = next(r for r in reported if r["kind"] == kind)
    return e["t"], e["payload"].get("rate_ml_per_h")


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["checklist", "infusion", "observation"])
def test_a_sigkilled_session_resumes_with_nothing_missing(tmp_path, stage):
    data = tmp_path / "data"
    reported = run_until_killed(data, stage, extra_events=15)
    after = restart_and_report(data)

    assert after["session"] == reported[0]["session"]
    assert after["phase"] == stage
    missing = {r["id"] for r in reported} - set(after["event_ids"])
    assert not missing, f"events shown as done but lost: {missing}"
    with open_database(data, readonly=True) as db:
        assert verify_chain(db).ok

    if stage == "checklist":
        last = {}
        for r in reported:
            if r["kind"] == "session.checklist_answered":
                last[r["payload"]["item"]] = r["payload"]["answer"]
        assert after["answers"] == last
        return

    t_start, rate1 = rate_at(reported, "session.infusion_started")
    t_titr, rate2 = rate_at(reported, "session.infusion_titrated")
    conc = 2.0
    assert reported[-1]["kind"] == "session.assessment_recorded"
    assert after["assessments"] >= sum(r["kind"] == "session.assessment_recorded" for r in reported)
    if stage == "infusion":
        now = after["now"]
        assert after["running"]
        assert after["infusion_seconds"] == pytest.approx(now - t_start, abs=1e-6)
        expected_mg = (rate1 * (t_titr - t_start) + rate2 * (now - t_titr)) / 3600 * conc
        assert after["delivered_mg"] == pytest.approx(expected_mg, rel=1e-9)
        assert after["observation_remaining"] is None
    else:
        t_stop, _ = rate_at(reported, "session.infusion_stopped")
        expected_mg = (rate1 * (t_titr - t_start) + rate2 * (t_stop - t_titr)) / 3600 * conc
        assert after["delivered_mg"] == pytest.approx(expected_mg, rel=1e-9)
        assert after["infusion_seconds"] == pytest.approx(t_stop - t_start, abs=1e-6)
        assert after["observation_remaining"] == pytest.approx(30 * 60 - (after["now"] - t_stop), abs=1e-6)
