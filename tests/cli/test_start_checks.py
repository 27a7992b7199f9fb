"""Starting the console on a machine that cannot show a window says what to do, not a Qt plugin dump."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from console.qt_check import install_advice, load_error, missing_libraries, parse_ldd, parse_load_error, xcb_plugin

LDD_WITH_GAPS = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_missing_xcb_libraries_are_named_with_their_debian_packages():
    missing = parse_ldd(LDD_WITH_GAPS)
    assert missing == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
    advice = install_advice(missing)
    assert "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0" in advice


def test_this_machine_has_what_the_xcb_plugin_needs():
    assert xcb_plugin().exists()
    assert missing_libraries(xcb_plugin()) == []


def test_the_plugin_check_runs_in_this_process(monkeypatch):
    """A sound machine starts no `ldd` process: the plugin is loaded here, for Qt to reuse."""
    started = []
    real_run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: started.append(a) or real_run(*a, **k))
    assert load_error(xcb_plugin()) is None
    assert missing_libraries(xcb_plugin()) == [] and started == []


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to build a library with a gap")
def test_a_library_that_cannot_load_names_every_missing_library(tmp_path):
    """A real shared library whose two dependencies are gone: the loader's failure is caught and `ldd` lists
    both (the loader's message names only the first)."""
    for name in ("gapone", "gaptwo"):
        (tmp_path / f"{name}.c").write_text(f"int {name}(void) {{ return 1; }}\n")
        subprocess.run(["cc", "-shared", "-fPIC", f"-Wl,-soname,lib{name}.so.7", "-o", str(tmp_path / f"lib{name}.so"),
                        str(tmp_path / f"{name}.c")], check=True)
    (tmp_path / "plugin.c").write_text("int gapone(void); int gaptwo(void); int both(void) { return gapone() + gaptwo(); }\n")
    plugin = tmp_path / "libplugin.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(plugin), str(tmp_path / "plugin.c"), f"-L{tmp_path}",
                    "-Wl,--no-as-needed", "-lgapone", "-lgaptwo"], check=True)
    for name in ("gapone", "gaptwo"):
        (tmp_path / f"lib{name}.so").unlink()
    error = load_error(plugin)
    assert error is not None and parse_load_error(error) == ["libgapone.so.7"]
    assert missing_libraries(plugin) == ["libgapone.so.7", "libgaptwo.so.7"]
    assert "libgapone.so.7, libgaptwo.so.7" in install_advice(missing_libraries(plugin))


def test_no_display_is_one_clear_line(cli):
    result = cli("demo", env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no display" in result.stderr and "Xvfb" in result.stderr


def test_a_typo_in_the_beds_device_file_stops_the_start_naming_the_field(cli, tmp_path):
    from cli_checks import one_line_error
    (tmp_path / "devices.toml").write_text('[monitor]\ndriver = "intellivu"\nport = "/dev/ttyUSB0"\n')
    for args in (["--data-dir", str(tmp_path)], ["run", "--data-dir", str(tmp_path)]):
        line = one_line_error(cli(*args, env={"QT_QPA_PLATFORM": "offscreen"}))
        assert "devices.toml" in line and "monitor.driver" in line and "intellivue" in line


def test_options_of_the_default_command_work_without_naming_it(cli, tmp_path):
    """`./bedside --seconds 1` is `run --seconds 1`: with no device configured, the demo for one second."""
    result = cli("--seconds", "1", "--data-dir", str(tmp_path), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "starting the demo" in result.stderr and "Traceback" not in result.stderr


def test_the_start_up_probe_reports_the_first_frame_and_quits(cli, tmp_path):
    """BEDSIDE_CONSOLE_FIRST_FRAME (the start-up benchmark's end point): the real console, on a bed with a
    manual pump, prints the monotonic time and CPU seconds of the main window's first paint and exits."""
    import time
    assert cli("--data-dir", str(tmp_path), "devices", "set", "pump", "--driver", "manual").returncode == 0
    started = time.monotonic()
    result = cli("run", "--data-dir", str(tmp_path), timeout=180,
                 env={"QT_QPA_PLATFORM": "offscreen", "BEDSIDE_CONSOLE_FIRST_FRAME": "1"})
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line.split() for line in result.stdout.splitlines() if line.startswith("first-frame ")]
    assert len(lines) == 1
    at, cpu = float(lines[0][1]), float(lines[0][2])
    assert started < at < ended and cpu > 0


def test_a_damaged_records_file_stops_the_console_before_its_window_with_what_to_do(cli, tmp_path):
    """The clinical tables' check runs on its own thread while Qt loads (EarlyCheck); what it finds still
    stops the start before any window or clinical use: exit 3, one clear message, the file untouched."""
    import hashlib

    from tests.records.test_database_open import write_damaged_records
    assert cli("--data-dir", str(tmp_path), "devices", "set", "pump", "--driver", "manual").returncode == 0
    path = write_damaged_records(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("run", "--data-dir", str(tmp_path), timeout=120,
                 env={"QT_QPA_PLATFORM": "offscreen", "BEDSIDE_CONSOLE_FIRST_FRAME": "1"})
    assert result.returncode == 3, result.stderr[-2000:]
    assert "first-frame" not in result.stdout and "Traceback" not in result.stderr
    assert "damaged" in result.stderr and str(path) in result.stderr and "restore --from" in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
