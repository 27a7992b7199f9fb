"""Console CPU: the real console process, on real X, with a monitor, an oximeter and a pump streaming.

Everything is a separate process, as on a bed: Xvfb (unless $DISPLAY is set), three `simulate` processes
(an IntelliVue monitor that sends ECG and pleth waves, a Masimo oximeter in ASCII 1, a New Era pump in safe
mode), and `bedside-console run --data-dir D`, whose devices.toml is written by the real `devices set`
command. The console runs on the xcb platform (no offscreen). After a warm-up, the console's own CPU
(utime + stime of every thread, from /proc/PID/stat) is taken over the measuring window and printed as %
of one core, with its RSS; the simulators' CPU is printed apart.

With an infusion (the default): before the console starts, the session is taken to a running infusion in
the data directory through the session core (the same calls the session screen makes: administrator,
patient, checklist, order, double check, draw, start), so the console opens on a running infusion as it does
after a restart, with its infusion clock, pump follower and alarm engine in the infusion's state.

Scenarios (CPU_SCENARIO=quiet|alarm|nurse|all, default all: each its own console, warm-up and window, one
table row each):
- quiet: the running infusion, the screen locked; the one alarm is the technical "No audio device" (medium,
  flashing) when the machine has no sound player, as on this VM.
- alarm: the same, plus a real high-priority patient alarm, unacknowledged and flashing on the alarm bar and
  on the SpO2 tile: the data directory holds a clinic alarm configuration (`alarms.toml`, the product's own
  way for a clinic to change its limits: a copy of resources/alarm_defaults.toml) whose SpO2 low limit is
  100 %, so the simulators' normal 96-99 % violates it, from the first values on.
- nurse: the quiet set-up with a nurse logged in, the session panel on the infusion page (screen unlocked,
  the idle lock, 10 min by default, not yet fired). The console is started through a small launcher
  (LOGIN_LAUNCHER, here in the benchmark, never in the product) that, once the session panel exists,
  emits the lock page's PIN pad `submitted(username, PIN)`: what the nurse's "Unlock" does, through the
  real PIN check, audited as any login. It works on any source tree (CPU_CONSOLE_ROOT) alike.
`run_scenario(name, seconds, warmup) -> dict` measures one (benchmarks/goals.py calls it); the row also
says which alarms the console started (from its audit log) and whether the nurse was logged in.

Settings (environment): CPU_SCENARIO (above), CPU_SECONDS (measuring window, default 60), CPU_WARMUP
(default 20), CPU_INFUSION=0 (no session; quiet only), CPU_CONSOLE_ROOT=DIR (measure the console of another source tree,
for a before/after pair under the same load), CPU_PROFILE=DIR (after measuring, two 30 s `py-spy record` runs into DIR: a
speedscope file and raw collapsed stacks, summarised in cpu.top.txt and printed; CPU_PROFILE_NATIVE=1 adds
--native to the second; py-spy is a dev tool, not a dependency), CPU_SCREENSHOT=PNG (the whole X screen, grabbed
at the end of the measuring window; "{scenario}" in the path is replaced by the scenario's name).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the source tree of the measured console (CPU_CONSOLE_ROOT: another checkout, for a before/after pair
#: measured under the same load, e.g. `git archive COMMIT | tar -x -C DIR`); simulators always run from ROOT
CONSOLE_ROOT = Path(os.environ.get("CPU_CONSOLE_ROOT", ROOT))
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")

SIMULATORS = (("monitor", "intellivue"), ("oximeter", "masimo-ascii"), ("pump", "ne1000-safe"))


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_seconds(pid: int) -> dict[int, tuple[str, float]]:
    """Each thread's (name, utime + stime) in seconds. Python threads are all named "python" by the OS; the
    main (GUI) thread's id is the process id."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        out[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :90 and :199")


def start_x(procs: list) -> tuple[str, str]:
    """$DISPLAY if set, else a new Xvfb at 1920x1080. Returns (display, description)."""
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"], f"existing X server {os.environ['DISPLAY']}"
    if not shutil.which("Xvfb"):
        raise SystemExit("cpu benchmark: needs Xvfb (apt-get install xvfb) or a $DISPLAY to measure real X rendering")
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(xvfb)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    return f":{n}", f"Xvfb :{n} 1920x1080x24 (real X11 rendering through xcb)"


def cli(*args: str, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "console", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True, **kw)


def start_simulator(driver: str, procs: list) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([PY, "-m", "console", "simulate", "--device", driver], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(p)
    line = p.stdout.readline()
    return p, json.loads(line)["port"]


def start_infusion(data_dir: Path) -> str:
    """A running infusion in `data_dir`, made through the session core as the session screen makes it (an
    administrator and two nurses, a patient, weight, every checklist answer passing, a continuous order,
    the double check, the draw, Start). Returns the session id."""
    from datetime import date

    from console.records.audit import AuditLog
    from console.records.database import open_database
    from console.records.ledger import Ledger
    from console.records.people import PeopleStore
    from console.session.config import load_config
    from console.session.staff import StaffDirectory
    from console.session.workflow import ClinicalSession, PatientRef

    database = open_database(data_dir)
    try:
        log, config, people = AuditLog(database), load_config(data_dir), PeopleStore(database)
        now = time.time
        staff = StaffDirectory(people, config.clinic)
        admin = staff.create_first_admin("admin", "Ada Admin", "1357", now=now())
        nina = staff.create("nina", "Nina Nurse", "nurse", "2468", by=admin, now=now())
        noah = staff.create("noah", "Noah Nurse", "nurse", "8642", by=admin, now=now())
        pid = people.add_patient(mrn="CPU-1", name="Cora Bench", dob="1980-01-01", allergies="", t=now(), by="nina")
        s = ClinicalSession.open(log, config, PatientRef(pid, "CPU-1", "Cora Bench", "1980-01-01"), by=nina, now=now())
        s.accept_weight(70.0, date.today(), previous_kg=None, by=nina, now=now())
        for item in config.checklist:
            if item.kind in ("confirm", "absent"):
                s.answer(item.id, value=item.kind == "confirm", by=nina, now=now())
            elif item.kind == "npo":
                s.answer(item.id, last_food_t=now() - 9 * 3600, last_clear_fluid_t=now() - 3 * 3600, by=nina,
                         now=now())
            elif item.kind == "vitals":
                s.answer(item.id, systolic=130, diastolic=80, hr=70, spo2=98, by=nina, now=now())
            else:
                s.answer(item.id, nrs=8, by=nina, now=now())
        s.complete_checklist(by=nina, now=now())
        s.place_order("continuous", amount=0.2, concentration=2.0, duration_min=240, by=nina, now=now())
        s.double_check(s.state.order["rate_ml_per_h"], checker=noah, now=now())
        order = s.state.order
        Ledger(database, log).record_draw(
            session_id=s.session_id, drug=config.drugs[order["drug_id"]].drug,
            concentration_mg_per_ml=float(order["concentration_mg_per_ml"]), lot="L-CPU", expiry="2099-01-31",
            volume_ml=max(float(order["total_ml"]), float(order.get("container_ml") or 0)), actor="nina", t=now())
        s.start(by=nina, now=now())
        return s.session_id
    finally:
        database.close()


def profile(pid: int, out: Path, seconds: int = 30) -> None:
    spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
    if not Path(spy).exists():
        print("  (no py-spy in the venv: `.venv/bin/pip install py-spy` to profile)")
        return
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
                    "--format", "speedscope", "--output", str(out / "cpu.speedscope.json")],
                   capture_output=True, text=True)
    native = ["--native"] if os.environ.get("CPU_PROFILE_NATIVE") == "1" else []
    subprocess.run([spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100", *native,
                    "--format", "raw", "--output", str(out / "cpu.collapsed.txt")],
                   capture_output=True, text=True)
    top = summarise((out / "cpu.collapsed.txt").read_text(), seconds * 100)
    (out / "cpu.top.txt").write_text(top)
    print(f"  py-spy profiles in {out}; where the GUI thread's time went ({seconds} s at 100 Hz):")
    print("\n".join("  " + line for line in top.splitlines()[:25]))


def summarise(collapsed: str, samples: int, n: int = 25) -> str:
    """py-spy's collapsed stacks of the GUI thread as two tables, own and cumulative time per function, each
    as a share of the GUI thread's samples. (py-spy counted waiting threads as running on this busy 2-core
    machine: its totals were several times /proc's CPU time, so only shares are printed, never % of a core.)
    The own time of run_event_loop is Qt's C++ (painting, layout, X) and its idle polling;
    CPU_PROFILE_NATIVE=1 splits it by C++ function."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    threads = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        if "Thread._bootstrap" in stack:  # link and recorder threads: mostly blocked in select() or
            threads += int(count)          # queue.get(), which py-spy counts as running (see /proc figures)
            continue
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].split("/")[-1] + ")" if " (" in f else f
                  for f in stack.split(";")]
        c = int(count)
        own[frames[-1]] = own.get(frames[-1], 0) + c
        for f in set(frames):
            total[f] = total.get(f, 0) + c
    gui = sum(own.values()) or 1
    lines = [f"GUI thread: {gui} samples in {samples / 100:.0f} s; other threads: {threads} samples",
             "own %   function (share of the GUI thread's samples)"]
    lines += [f"{100 * c / gui:5.1f}  {f}" for f, c in sorted(own.items(), key=lambda kv: -kv[1])[:n]]
    lines += ["cumul % function"]
    lines += [f"{100 * c / gui:5.1f}  {f}" for f, c in sorted(total.items(), key=lambda kv: -kv[1])[:n]
              if not f.startswith(("_run_", "<module>", "main (", "run (", "run_gui"))]
    return "\n".join(lines) + "\n"


SCENARIOS = {
    "quiet": "infusion running, screen locked",
    "alarm": "infusion running, screen locked, SpO2 low (high priority) unacknowledged",
    "nurse": "infusion running, nurse logged in on the infusion page",
}
#: the nurse of start_infusion() and her PIN
NURSE = ("nina", "2468")
#: The nurse scenario's launcher: `python -c LOGIN_LAUNCHER USER PIN REPORT run --data-dir D`, run in the measured
#: source tree. It wraps the session panel's builder so that, once the panel exists, the lock page's PIN pad
#: emits submitted(USER, PIN) from the event loop, as its Unlock button does, and writes who is logged in
#: to the file REPORT; then it runs the console's own command line. The product has no such switch: only this benchmark logs anyone in.
LOGIN_LAUNCHER = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
import console.ui.session.panel as panel_module
from console.cli import main
user, pin, report = sys.argv[1:4]
build = panel_module.build_session_panel
def log_in(panel):
    panel.pages["lock"].pad.submitted.emit(user, pin)
    who = panel.desk.user
    Path(report).write_text(f"{who.username} on the {panel.current_page_name()} page" if who else "login refused")
def build_and_log_in(*args, **kwargs):
    panel = build(*args, **kwargs)
    QTimer.singleShot(0, lambda: log_in(panel))
    return panel
panel_module.build_session_panel = build_and_log_in
sys.exit(main(sys.argv[4:]))
"""


def clinic_alarms_with_spo2_low(data_dir: Path, limit: float = 100) -> None:
    """The clinic's alarm configuration in `data_dir` (alarms.toml, a copy of the shipped defaults, as a
    clinic makes it) with the SpO2 low limit's default and maximum at `limit`."""
    text = (ROOT / "resources" / "alarm_defaults.toml").read_text()
    start = text.index("[parameters.spo2]")
    low = text.index("\nlow = {", start) + 1
    end = text.index("\n", low)
    line = text[low:end]
    import re
    line = re.sub(r"default = [0-9.]+", f"default = {limit:g}", line)
    line = re.sub(r"max = [0-9.]+", f"max = {limit:g}", line)
    (data_dir / "alarms.toml").write_text(text[:low] + line + text[end:])


def alarms_started(data_dir: Path) -> list[str]:
    """The alarms the console started, from its audit log: "PRIORITY text"."""
    db = data_dir / "bedside-console.sqlite"  # console/records/database.py FILE_NAME
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT payload FROM events WHERE kind = 'alarm_start' ORDER BY id").fetchall()
    finally:
        conn.close()
    out = []
    for (payload,) in rows:
        a = json.loads(payload)
        out.append(f"{a.get('priority', '?')} {a.get('text', a.get('key', '?'))}")
    return out


def run(seconds: float, warmup: float, infusion: bool) -> dict:
    """The quiet measurement (kept for callers of the first version): see run_scenario."""
    return _measure(seconds, warmup, infusion)


def run_scenario(name: str, seconds: float = 60, warmup: float = 20) -> dict:
    """One scenario (a key of SCENARIOS) in its own console: the dict of _measure plus "scenario"."""
    if name not in SCENARIOS:
        raise ValueError(f"cpu benchmark: no scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    r = _measure(seconds, warmup, True, spo2_alarm=name == "alarm", login=NURSE if name == "nurse" else None,
                 scenario=name)
    r["scenario"] = name
    return r


def _measure(seconds: float, warmup: float, infusion: bool, *, spo2_alarm: bool = False,
             login: tuple[str, str] | None = None, scenario: str = "quiet") -> dict:
    procs: list[subprocess.Popen] = []
    data_dir = Path(tempfile.mkdtemp(prefix="bedside-cpu-"))
    try:
        display, xdesc = start_x(procs)
        sims = {}
        for role, driver in SIMULATORS:
            proc, port = start_simulator(driver, procs)
            sims[role] = (driver, proc, port)
            cli("devices", "set", role, "--driver", driver, "--port", port, "--data-dir", str(data_dir))
        session = start_infusion(data_dir) if infusion else None
        if spo2_alarm:
            clinic_alarms_with_spo2_low(data_dir)
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        report = data_dir / "login.txt"
        command = ["-m", "console"] if login is None else ["-c", LOGIN_LAUNCHER, *login, str(report)]
        console = subprocess.Popen([PY, *command, "run", "--data-dir", str(data_dir)], cwd=CONSOLE_ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(console)
        time.sleep(warmup)
        if console.poll() is not None:
            raise SystemExit(f"cpu benchmark: the console stopped during warm-up: {console.stderr.read()[-2000:]}")
        before = {name: cpu_seconds(p.pid) for name, (_, p, _) in sims.items()}
        th0 = thread_seconds(console.pid)
        c0, t0 = cpu_seconds(console.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(console.pid), time.monotonic()
        th1 = thread_seconds(console.pid)
        wall = t1 - t0
        result = {
            "display": xdesc, "wall": wall, "console_pct": 100 * (c1 - c0) / wall, "rss": rss_mb(console.pid),
            "sims": {name: (sims[name][0], 100 * (cpu_seconds(p.pid) - before[name]) / wall)
                     for name, (_, p, _) in sims.items()},
            "gui_pct": 100 * (th1[console.pid][1] - th0.get(console.pid, ("", 0.0))[1]) / (t1 - t0),
            "threads": sorted(((100 * (sec - th0.get(tid, (name, 0.0))[1]) / (t1 - t0), name, tid)
                               for tid, (name, sec) in th1.items() if tid != console.pid), reverse=True),
            "session": session, "pid": console.pid, "data_dir": data_dir,
            "alarms": alarms_started(data_dir),
            "login": report.read_text() if report.exists() else "nobody (screen locked)",
            "load": os.getloadavg()[0],
        }
        shot = os.environ.get("CPU_SCREENSHOT", "").replace("{scenario}", scenario)
        if shot:
            grab = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
                    "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)")
            subprocess.run([PY, "-c", grab, shot], env=env, check=True)
        if os.environ.get("CPU_PROFILE"):
            profile(console.pid, Path(os.environ["CPU_PROFILE"]))
        return result
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(procs):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    from PySide6 import __version__ as pyside
    from PySide6.QtCore import qVersion
    import pyqtgraph
    seconds = float(os.environ.get("CPU_SECONDS", 60))
    warmup = float(os.environ.get("CPU_WARMUP", 20))
    infusion = os.environ.get("CPU_INFUSION", "1") != "0"
    chosen = os.environ.get("CPU_SCENARIO", "all")
    names = list(SCENARIOS) if chosen == "all" else [chosen]
    if any(n not in SCENARIOS for n in names):
        raise SystemExit(f"cpu benchmark: CPU_SCENARIO={chosen!r}: choose quiet, alarm, nurse or all")
    print(f"Python {sys.version.split()[0]}, PySide6 {pyside}, Qt {qVersion()}, pyqtgraph {pyqtgraph.__version__}; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; console from {CONSOLE_ROOT}")
    print(f"each scenario: its own console, {warmup:.0f} s warm-up, {seconds:.0f} s measured; "
          f"{' + '.join(d for _, d in SIMULATORS)} as separate processes")
    rows = []
    for name in names:
        r = run_scenario(name, seconds, warmup) if infusion or name != "quiet" else \
            dict(_measure(seconds, warmup, False), scenario="quiet (no session)")
        rows.append(r)
        others = r["threads"]
        print(f"[{r['scenario']}] X: {r['display']}; {SCENARIOS.get(name)}")
        print(f"  alarms started: {'; '.join(r['alarms']) or 'none'}; logged in: {r['login']}")
        print(f"  GUI (main) thread {r['gui_pct']:.1f} %, other threads {sum(p for p, _, _ in others):.1f} % "
              f"(busiest: {', '.join(f'{n} {p:.1f} %' for p, n, _ in others[:4])})")
        print("  simulators (separate processes): " +
              ", ".join(f"{driver} {pct:.1f} %" for _, (driver, pct) in r["sims"].items()), flush=True)
    print("| scenario | load | console % of one core | GUI thread | other threads | RSS |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['scenario']} | {r['load']:.1f} | {r['console_pct']:.1f} % | {r['gui_pct']:.1f} % | "
              f"{sum(p for p, _, _ in r['threads']):.1f} % | {r['rss']:.0f} MB |")
