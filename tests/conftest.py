"""Shared test set-up: Qt runs offscreen; every test gets its own data directory."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("BEDSIDE_CONSOLE_DATA", str(d))
    return d


@pytest.fixture
def cli():
    """Run `bedside-console ARGS` as a real subprocess, as a biomed would."""
    import subprocess

    def run(*args: str, timeout: float = 60, env: dict | None = None):
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "console", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout, env=full_env)
    return run


def pytest_addoption(parser):
    parser.addoption("--screens", metavar="DIR", default=None,
                     help="where whole-session tests save their screenshots (or $BEDSIDE_SCREENS; "
                          "default: the test's tmp_path/screens)")


@pytest.fixture
def screens_dir(request, tmp_path) -> Path:
    """Where a test that drives the window saves its screenshots, to be looked at."""
    chosen = request.config.getoption("--screens") or os.environ.get("BEDSIDE_SCREENS")
    d = Path(chosen) if chosen else tmp_path / "screens"
    d.mkdir(parents=True, exist_ok=True)
    return d
