"""The central nurses' station (issue #11): one tile per bed, one alarm list across beds, over MQTT.

`station` opens the window for the nurses' desk; `station --demo N` starts a loopback broker, N headless
simulated beds and the window; `station setup` writes the clinic's broker configuration, CA and per-console
credentials. The station is secondary information: each bed is the authority and keeps the records.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from console.errors import UserError

NAME = "station"
HELP = "the nurses' station window over MQTT (--demo N: simulated beds); `station setup` for the broker"


def add_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="the clinic's broker (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8883, help="broker port (default 8883, TLS)")
    parser.add_argument("--username", default="station", help="the station's broker account (default station)")
    parser.add_argument("--password-file", default="", metavar="FILE", help="file with the station's password (mode 600)")
    parser.add_argument("--ca-file", default="", metavar="PEM", help="the clinic's CA certificate (TLS)")
    parser.add_argument("--user", default="nurses' station", help="the name recorded at a bed for acknowledgements")
    parser.add_argument("--demo", type=int, metavar="N", help="start a loopback broker and N simulated beds")
    parser.add_argument("--seconds", type=float, metavar="S", help="quit after S seconds (scripted runs)")
    parser.add_argument("--screenshot", metavar="PNG", help="save the window just before quitting")
    parser.add_argument("--size", default="", metavar="WxH", help="window size, e.g. 1366x768 (default: full screen)")
    parser.add_argument("--no-sound", action="store_true", help="no alarm tones (the list still shows them)")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    setup = sub.add_parser("setup", help="write broker configuration, CA, certificates and per-console passwords")
    setup.add_argument("--out", required=True, metavar="DIR", help="new directory for the clinic's files")
    setup.add_argument("--broker-host", required=True, metavar="NAME",
                       help="the broker's host name as the consoles reach it (put in its certificate)")
    setup.add_argument("--beds", required=True, metavar="A,B,...", help="bed names, e.g. chair-1,chair-2")
    setup.add_argument("--port", type=int, default=8883, dest="setup_port")
    setup.add_argument("--days", type=int, default=825, help="certificate lifetime in days (default 825)")
    setup.add_argument("--broker-user", default="mosquitto", help="the account the broker runs as (default mosquitto)")
    setup.add_argument("--bind", metavar="ADDRESS", help="listen only on this address (default: all)")
    bed = sub.add_parser("bed", help="(internal) one headless simulated bed, as --demo starts them")
    bed.add_argument("--broker-port", type=int, required=True)
    bed.add_argument("--bed", required=True)
    bed.add_argument("--story", type=int, default=0)
    bed.add_argument("--plain", action="store_true", help="no story: normal patient, no session")
    bed.add_argument("--bed-seconds", type=float)


def run(args) -> int:
    if args.action == "setup":
        from console.station.setup import setup_clinic
        beds = [b.strip() for b in args.beds.split(",") if b.strip()]
        written = setup_clinic(Path(args.out), args.broker_host, beds, port=args.setup_port, days=args.days,
                               bind=args.bind, broker_user=args.broker_user)
        print(written)
        return 0
    if args.action == "bed":
        from console.station.demo_bed import run_bed
        return run_bed(args.broker_port, args.bed, args.story, args.bed_seconds, story=not args.plain)
    return run_window(args)


def start_demo_beds(port: int, n: int, *, plain: bool = False) -> list[subprocess.Popen]:
    beds = []
    for i in range(n):
        cmd = [sys.executable, "-m", "console", "station", "bed", "--broker-port", str(port),
               "--bed", f"chair-{i + 1}", "--story", str(i)] + (["--plain"] if plain else [])
        beds.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return beds


def stop_processes(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_window(args) -> int:
    from console.qt_check import check_display
    check_display()
    from PySide6.QtWidgets import QApplication

    from console.commands.gui import run_event_loop
    from console.station.window import StationClient, StationWindow

    broker, beds, tmp = None, [], None
    host, port, username, password, ca = args.host, args.port, args.username, None, args.ca_file
    if args.demo is not None:
        if not 1 <= args.demo <= 60:
            raise UserError("--demo takes 1 to 60 beds")
        from console.station.broker import LoopbackBroker
        tmp = tempfile.TemporaryDirectory(prefix="bedside-station-demo-")
        broker = LoopbackBroker(Path(tmp.name)).start()
        host, port, username, ca = "127.0.0.1", broker.port, "", ""
        beds = start_demo_beds(port, args.demo)
    elif args.password_file:
        from console.station.settings import BrokerSettings
        password = BrokerSettings("", 0, "x", username, args.password_file, "", "bed_only", False,
                                  file="--password-file").password()
    if host not in ("127.0.0.1", "localhost", "::1") and not ca:
        raise UserError("a broker on another machine needs --ca-file (TLS with the clinic's CA)")
    try:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setApplicationName("Bedside Console station")
        client = StationClient(host, port, username=username, password=password, ca_file=ca,
                               station=args.username or "station")
        window = StationWindow(client, user=args.user, with_sound=not args.no_sound)
        if args.demo is not None:
            window.banner.setText(f"SIMULATED BEDS ({args.demo}) — DEMO, NOT PATIENTS. " + window.banner.text())
            window.banner.setStyleSheet("color: #ffd34d; font-size: 15px; font-weight: bold;")
        if args.size:
            w, h = (int(x) for x in args.size.lower().split("x"))
            window.resize(w, h)
        else:
            window.setGeometry(app.primaryScreen().availableGeometry())
        window.show()
        try:
            run_event_loop(app, window, args)
        finally:
            window.shutdown()
    finally:
        stop_processes(beds)
        if broker is not None:
            broker.stop()
        if tmp is not None:
            tmp.cleanup()
    return 0
