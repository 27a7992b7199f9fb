"""The #14 goals table (benchmarks/goals.py): the met / NOT met / not measured logic on given figures, the
Markdown it writes, and one real run of a fast part through `python -m benchmarks goals`."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from benchmarks import goals
from benchmarks.goals import MET, NOT_MEASURED, NOT_MET, Row
from tests.conftest import ROOT


def statuses(rows):
    return [r.status for r in rows]


def test_driver_share_meets_the_goal_at_0_9_and_any_false_value_fails_it():
    rows = goals.fidelity_rows([("nonin-df8", 0.9, 0, 0.899, 0), ("ne1000", 1.0, 1, 0.95, 0)])
    assert statuses(rows) == [MET, NOT_MET, NOT_MET, MET]
    assert "nonin-df8, clean line" in rows[0].goal and rows[1].figure == "0.899, 0 false"
    assert rows[2].figure == "1.000, 1 false"


def test_masimo_rows_are_per_metric_of_the_asked_case_and_no_good_reading_is_not_a_pass():
    data = [("default", "clean", {"pi": (45, 50), "spo2": (60, 60), "pr": (50, 56)}, 0),
            ("default", "noisy", {"spo2": (0, 0)}, 0),
            ("other", "clean", {"spo2": (1, 60)}, 0)]
    rows = goals.masimo_rows(data, "default")
    assert [r.goal.split(",")[0] for r in rows] == ["masimo-ascii spo2", "masimo-ascii pr", "masimo-ascii pi",
                                                   "masimo-ascii spo2"]
    assert statuses(rows) == [MET, NOT_MET, MET, NOT_MET]
    assert rows[1].figure == "50/56 = 0.893, 0 false"


def test_fuzz_fails_on_a_false_value_and_on_a_low_error_run_that_reported_nothing():
    rows = goals.fuzz_rows({
        "ne1000": [(0.001, 1, 40, 0), (0.02, 1, 10, 0)],
        "masimo-ascii": [(0.001, 1, 40, 0), (0.02, 2, 10, 1)],
        "nonin-df8": [(0.005, 2, 0, 0), (0.02, 1, 0, 0)],  # nothing at 2 % is allowed, at 0.5 % proves nothing
    })
    assert statuses(rows) == [MET, NOT_MET, NOT_MET]
    assert rows[0].goal == "ne1000, 0.1%-2.0% of bytes bit-flipped: 0 false values"
    assert rows[1].figure == "1 false of 50 reported in 2 runs"
    assert "nothing reported at 0.5% seed 2" in rows[2].figure


def test_waves_limit_is_inclusive():
    rows = goals.waves_rows({"demo": {"mb": 10.0, "waves": [1, 2, 3]}, "noisy": {"mb": 10.01, "minutes": 10}})
    assert statuses(rows) == [MET, NOT_MET]


def test_start_up_without_a_year_is_not_measured_and_says_why():
    rows = goals.startup_rows({"empty": {"median_s": 0.9, "best_s": 0.8, "cpu_median_s": 0.7, "load": 1.0}},
                              "BENCH_YEAR_DIR not set")
    assert rows[0].status == NOT_MEASURED and rows[0].figure == "BENCH_YEAR_DIR not set"
    assert rows[1].status == goals.INFO  # the empty directory is not the goal's figure
    year = {"median_s": 1.5, "best_s": 1.2, "cpu_median_s": 1.0, "load": 2.0, "size_gb": 8.1, "sessions": 1500}
    assert goals.startup_rows({"year": year}, None)[0].status == MET
    assert goals.startup_rows({"year": {**year, "median_s": 1.51}}, None)[0].status == NOT_MET
    small = goals.startup_rows({"year": {**year, "sessions": 150}}, None)[0]  # not the goal's year
    assert small.status == NOT_MEASURED and "150 sessions" in small.figure
    # as root the cold start (the first after a boot) is judged too, in a row of its own
    warm, cold = goals.startup_rows({"year": {**year, "cold_median_s": 1.6, "cold_runs": 3}}, None)
    assert warm.status == MET and cold.status == NOT_MET and "cold file cache" in cold.goal and "3 runs" in cold.figure


def test_the_years_sessions_are_counted_from_its_file(tmp_path):
    from benchmarks.records import build_year
    build_year(tmp_path / "year", full=False, sessions=3, quiet=True)
    assert goals.year_sessions(tmp_path / "year" / "bedside-console.sqlite") == 3


def test_cpu_rows_one_per_scenario():
    base = {"wall": 60.0, "gui_pct": 5.0, "sims": {"monitor": ("intellivue", 3.0)}}
    rows = goals.cpu_rows({"quiet": {**base, "console_pct": 10.0}, "alarm": {**base, "console_pct": 10.2}})
    assert statuses(rows) == [MET, NOT_MET]
    assert "(quiet)" in rows[0].goal and "intellivue 3.0 %" in rows[0].figure


def test_the_cpu_scenarios_are_one_line_and_each_is_run_by_name(monkeypatch):
    names, run_one = goals.CPU
    assert names and callable(run_one)
    seen = []
    monkeypatch.setattr(goals, "CPU", (("a", "b"), lambda name, s, w: seen.append((name, s, w)) or
                                       {"console_pct": 1.0, "wall": s}))
    assert statuses(goals.cpu_part(7, 3)) == [MET, MET]
    assert seen == [("a", 7, 3), ("b", 7, 3)]


def memory(hours, growth):
    return {"hours": hours, "warm_up_h": 2, "warm_mb": 160.0, "end_mb": 160.0 + growth, "growth_mb": growth,
            "peak_after_mb": 160.0 + growth, "wall_s": 500.0}


def test_memory_goal_needs_the_72_hours():
    assert goals.memory_rows(memory(72, 20.0))[0].status == MET
    assert goals.memory_rows(memory(72, 20.1))[0].status == NOT_MET
    short = goals.memory_rows(memory(4, 1.0))[0]
    assert short.status == NOT_MEASURED and "a short run of 4 h" in short.figure


def test_the_table_counts_and_marks_what_is_not_met():
    rows = [Row("waves", "w", "1 MB", MET), Row("cpu", "c | x", "12 %", NOT_MET),
            Row("start-up", "s", "no year", NOT_MEASURED), Row("start-up", "e", "0.9 s", goals.INFO)]
    info = goals.machine((1.0, 0.5, 0.25), (2.0, 1.0, 0.5))
    assert info["cores"] == str(os.cpu_count()) and info["load at start"] == "1.00 0.50 0.25"
    assert info["Python"] == sys.version.split()[0] and info["Qt"].startswith("PySide6 ")
    text = goals.table(rows, info, {"waves": 6.2, "cpu": 80.0}, datetime(2026, 12, 3, 7, tzinfo=timezone.utc))
    assert "| cpu | c / x | 12 % | **NOT met** |" in text
    assert "| start-up | s | no year | not measured |" in text
    assert "Goals met: 1 of 2 measured; 1 not measured." in text
    assert "Time per part: waves 6 s, cpu 80 s." in text
    assert "load at end 2.00 1.00 0.50" in text and "commit " in text


def test_a_subset_keeps_the_benchmark_order_and_an_unknown_part_is_named():
    assert goals.selected_parts(None) == list(goals.PARTS)
    assert goals.selected_parts("memory, drivers") == ["drivers", "memory"]
    with pytest.raises(SystemExit, match="no part 'mem'; choose from: drivers, fuzz"):
        goals.selected_parts("drivers,mem")


def test_a_setting_that_is_not_a_positive_number_is_refused(monkeypatch):
    monkeypatch.setenv("BENCH_GOALS_CPU_S", "sixty")
    with pytest.raises(SystemExit, match="BENCH_GOALS_CPU_S='sixty' is not a number"):
        goals._env("BENCH_GOALS_CPU_S", 60)
    monkeypatch.setenv("BENCH_GOALS_CPU_S", "0")
    with pytest.raises(SystemExit, match="must be more than 0"):
        goals._env("BENCH_GOALS_CPU_S", 60)


def test_one_real_run_of_a_part_writes_the_table(tmp_path):
    out = tmp_path / "goals.md"
    env = dict(os.environ, BENCH_GOALS_ONLY="waves", BENCH_GOALS_OUT=str(out), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "benchmarks", "goals"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text in done.stdout
    assert text.count("| waves |") == 2 and "Goals met: 2 of 2 measured." in text
    assert "Time per part: waves" in text


def test_an_unknown_part_stops_the_run_before_measuring(tmp_path):
    env = dict(os.environ, BENCH_GOALS_ONLY="warp", BENCH_GOALS_OUT=str(tmp_path / "x.md"))
    done = subprocess.run([sys.executable, "-m", "benchmarks", "goals"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "BENCH_GOALS_ONLY='warp': no part 'warp'" in done.stderr
    assert not (tmp_path / "x.md").exists()
