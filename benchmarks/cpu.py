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

Settings (environment): CPU_SECONDS (measuring window, default 60), CPU_WARMUP (default 20),
CPU_INFUSION=0 (no session), CPU_CONSOLE_ROOT=DIR (measure the console of another source tree,
for a before/after pair under the same load), CPU_PROFILE=DIR (after measuring, two 30 s `py-spy record` runs into DIR: a
speedscope file and raw collapsed stacks, summarised in cpu.top.txt and printed; CPU_PROFILE_NATIVE=1 adds
--native to the second; py-spy is a dev tool, not a dependency), CPU_SCREENSHOT=PNG (the whole X screen, grabbed
at the end of the measuring window).
"""
from __future__ import annotations

import json
import os
import shutil
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


def run(seconds: float, warmup: float, infusion: bool) -> dict:
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
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        console = subprocess.Popen([PY, "-m", "console", "run", "--data-dir", str(data_dir)], cwd=CONSOLE_ROOT, env=env,
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
        }
        shot = os.environ.get("CPU_SCREENSHOT")
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
    r = run(seconds, warmup, infusion)
    print(f"Python {sys.version.split()[0]}, PySide6 {pyside}, Qt {qVersion()}, pyqtgraph {pyqtgraph.__version__}; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"X: {r['display']}; console from {CONSOLE_ROOT}")
    print(f"steady state: {' + '.join(f'{d} ({n})' for n, (d, _) in r['sims'].items())}, "
          f"{'infusion running' if r['session'] else 'no session'}; {warmup:.0f} s warm-up")
    print(f"console process: {r['console_pct']:.1f} % of one core over {r['wall']:.0f} s "
          f"(utime+stime, all threads), RSS {r['rss']:.0f} MB")
    others = r["threads"]
    print(f"  GUI (main) thread {r['gui_pct']:.1f} %, other threads {sum(p for p, _, _ in others):.1f} % "
          f"(busiest: {', '.join(f'{n} {p:.1f} %' for p, n, _ in others[:4])})")
    for name, (driver, pct) in r["sims"].items():
        print(f"  simulator {driver:<13} {pct:5.1f} % of one core (separate process)")
