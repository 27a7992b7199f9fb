"""Take the README's screenshots of the real windows: `DISPLAY=:99 scripts/with-venv python scripts/screenshots.py docs/`
(optional: seconds into the infusion for the main window, default 75; seconds after that for the wave review,
default 45).

Runs the demo bed (simulated monitor, oximeter and pump on ptys), logs a demo nurse in, takes a demo
patient through checklist, order and double check, starts the infusion, waits for the simulated
desaturation, and saves what the nurse then sees; then the device set-up screen; then, once the
desaturation is over, the Records tab's wave review of this same session (its stored waves under its
trend and alarms) at the screen's full size.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from checklist_answers import answer_all_passing  # noqa: E402
from console.app import build_console, demo_devices  # noqa: E402


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    devices, sims = demo_devices("desaturation")
    console = build_console(None, devices, demo=True, simulators=sims)
    window = console.window
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    desk = console.session_panel.desk
    desk.login("nurse", "2468")
    desk.start_session(desk.create_patient("MRN-100234", "Alex Demo", "1968-04-02", "none known"))
    desk.accept_weight(72.0, date.today())
    answer_all_passing(desk.session, desk.user, desk.clock)
    desk.session.complete_checklist(by=desk.user, now=desk.clock())
    desk.session.place_order("single_40min", by=desk.user, now=desk.clock())
    rate = desk.session.state.order["rate_ml_per_h"]
    desk.session.double_check(rate, checker=desk.second_person("nurse2", "8642"), now=desk.clock())
    desk.ledger.record_draw(session_id=desk.session.session_id, drug="ketamine", concentration_mg_per_ml=1.0,
                            lot="KX-2611", expiry="2027-06-30", volume_ml=100, actor="nurse")
    desk.session.start(by=desk.user, now=desk.clock())
    console.session_panel.refresh()

    def shoot(name: str, widget=None) -> None:
        (widget or window).grab().save(str(out / name))
        print("saved", out / name)

    def infusion() -> None:
        shoot("demo-main-window.png")
        from console.ui.device_setup import DeviceSetupDialog
        dialog = DeviceSetupDialog(console.data_dir, parent=window)
        dialog.show()
        QTimer.singleShot(1500, lambda: (shoot("device-setup.png", dialog), dialog.close()))
        QTimer.singleShot(review_after_ms, wave_review)

    def wave_review() -> None:
        console.recorder.flush()
        console.wave_recorder.flush()
        panel = console.records_panel
        panel.refresh()
        panel.review_waves()  # the newest session, selected first: this one
        panel.waves_dialog.setGeometry(app.primaryScreen().availableGeometry())
        QTimer.singleShot(1500, lambda: (shoot("wave-review.png", panel.waves_dialog), app.quit()))

    infusion_ms = int(float(sys.argv[2]) * 1000) if len(sys.argv) > 2 else 75000
    review_after_ms = int(float(sys.argv[3]) * 1000) if len(sys.argv) > 3 else 45000
    QTimer.singleShot(infusion_ms, infusion)
    app.exec()
    console.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
