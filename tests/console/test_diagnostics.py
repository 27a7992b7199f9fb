"""Logs, crash reports and the biomed's report bundle: a bug never leaves the biomed without a trace,
and a crash report never carries a patient's name out of the clinic."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest

from console.diagnostics import crash, logs


@pytest.fixture
def clean_logging():
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    for handler in logs._state.pop("handlers", []):
        root.removeHandler(handler)
        handler.close()
    root.handlers[:] = before


def test_the_console_logs_to_a_rotating_file_in_its_data_directory(tmp_path, clean_logging, qapp):
    from PySide6.QtCore import qWarning

    path = logs.setup_logging(tmp_path)
    logging.getLogger("console.test").info("link to monitor opened")
    qWarning("a Qt warning the biomed should see")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert path == tmp_path / "logs" / "console.log"
    assert "link to monitor opened" in text
    assert "a Qt warning the biomed should see" in text and " qt " in text
    assert (tmp_path / "logs" / "faults.log").exists()  # faulthandler writes there on a segfault
    assert isinstance(next(h for h in logging.getLogger().handlers if hasattr(h, "maxBytes")).maxBytes, int)


def test_a_crash_on_a_worker_thread_leaves_a_report_without_the_patient_name(tmp_path, clean_logging):
    logs.setup_logging(tmp_path, with_qt=False)
    logging.getLogger("console").info("session resumed")
    seen = []
    guard = crash.CrashGuard(tmp_path, on_crash=seen.append).install()
    try:
        patient = {"name": "Jane Doe"}

        def worker() -> None:
            raise ValueError(f"no allergy record for {patient['name']}")
        for _ in range(2):  # the second crash of the same run is logged, not announced again
            t = threading.Thread(target=worker, name="link-monitor")
            t.start()
            t.join()
    finally:
        guard.uninstall()
    assert len(seen) == 1 and len(set(guard.reports)) == 2 and isinstance(seen[0], str)
    report = Path(seen[0]).read_text()
    assert "thread: link-monitor" in report
    assert "bedside-console: 0.1.0" in report and "python: 3." in report
    assert "ValueError" in report and "in worker" in report  # the code location, for the developer
    assert "Jane Doe" not in report and "withheld" in report
    assert "session resumed" in report  # the newest log lines come along
    assert "unexpected error (ValueError) in thread link-monitor" in (tmp_path / "logs" / "console.log").read_text()


def test_a_console_that_keeps_crashing_stops_restarting(tmp_path):
    conf = logs.settings("crash")
    allowed = int(conf.number("max_restarts"))
    now = 1_000_000.0
    assert [crash.may_restart(tmp_path, now + i) for i in range(allowed + 1)] == [True] * allowed + [False]
    later = now + conf.number("restart_window_s") + allowed + 1
    assert crash.may_restart(tmp_path, later)  # after a quiet while the budget is back


def test_report_bundles_logs_crash_reports_and_configuration_but_not_the_records(tmp_path, cli, clean_logging):
    from console.records.database import open_database
    open_database(tmp_path).close()
    logs.setup_logging(tmp_path, with_qt=False)
    logging.getLogger("console").warning("monitor silent: no bytes")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        crash.write_crash_report(tmp_path, type(exc), exc, exc.__traceback__)
    (tmp_path / "devices.toml").write_text('[monitor]\ndriver = "intellivue"\nport = "/dev/ttyUSB0"\n')
    out = tmp_path / "out" / "report.zip"
    result = cli("report", "--out", str(out), "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as bundle:
        names = bundle.namelist()
        summary = bundle.read("summary.txt").decode()
    assert "logs/console.log" in names and "devices.toml" in names
    assert any(n.startswith("crash-reports/crash-") for n in names)
    assert not any(n.endswith(".sqlite") or "records" in n for n in names)
    assert "records check:" in summary and "crash reports: 1" in summary


def test_report_on_a_directory_that_does_not_exist_says_what_to_give(tmp_path, cli):
    result = cli("report", "--data-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "--data-dir" in result.stderr


@pytest.mark.slow
def test_a_forced_crash_restarts_the_console_and_loses_no_record(tmp_path, cli):
    """The crash drill: the console fails on purpose, shows the notice, restarts itself into the same data
    directory, and the vitals of before and after the crash are both on disk with the chain intact."""
    result = cli("demo", "--data-dir", str(tmp_path), "--seconds", "15", timeout=150,
                 env={"BEDSIDE_CONSOLE_CRASH_DRILL": "2", "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    reports = sorted((tmp_path / "crash-reports").glob("crash-*.txt"))
    assert len(reports) == 1 and "exception: RuntimeError (its text is withheld" in reports[0].read_text()
    log_text = (tmp_path / "logs" / "console.log").read_text()
    assert "crash drill: the console will fail on purpose" in log_text
    assert f"restarted after a crash (report {reports[0]})" in log_text
    with sqlite3.connect(tmp_path / "bedside-console.sqlite") as conn:
        times = [t for (t,) in conn.execute("SELECT t FROM vitals ORDER BY t")]
    crash_t = reports[0].stat().st_mtime
    assert any(t < crash_t for t in times), "vitals from before the crash are kept"
    assert any(t > crash_t + 11 for t in times), "vitals are recorded again after the restart"
    verify = cli("verify-records", "--data-dir", str(tmp_path))
    assert verify.returncode == 0, verify.stdout


def test_the_crash_notice_counts_down_to_the_restart_and_can_restart_at_once(qtbot):
    from console.ui.crash_notice import CrashNotice

    restarted = []
    notice = CrashNotice("/data/crash-reports/crash-1.txt", restart_after_s=10, on_restart=lambda: restarted.append(1))
    qtbot.addWidget(notice)
    notice.show()
    assert "restarts by itself in 10 s" in notice.countdown.text()
    qtbot.waitUntil(lambda: "in 9 s" in notice.countdown.text(), timeout=3000)
    notice.grab().save(str(Path("/tmp") / "crash-notice.png"))
    qtbot.mouseClick(notice.button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.LeftButton)
    assert restarted == [1] and not notice.isVisible()


def test_after_repeated_crashes_the_notice_asks_for_the_biomed_and_does_not_restart(qtbot):
    from console.ui.crash_notice import CrashNotice

    notice = CrashNotice("r.txt", restart_after_s=None, on_restart=lambda: pytest.fail("must not restart"))
    qtbot.addWidget(notice)
    notice.show()
    assert "call the biomed" in notice.countdown.text() and notice.button.text() == "Close the console"
    notice.button.click()
