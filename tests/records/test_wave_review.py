"""The wave review: a past session's waves under its trend and alarms, opened from the records panel."""
from __future__ import annotations

import numpy as np

from console.records.vitals import bulk_insert
from console.ui.records_panel import RecordsPanel
from tests.records.test_wave_exports import session_with_high_alarm_and_waves  # noqa: F401 (fixture)


def test_review_opens_at_the_first_alarm_and_jumps_and_zooms(qtbot, database, tmp_path,
                                                             session_with_high_alarm_and_waves):  # noqa: F811
    record, onset = session_with_high_alarm_and_waves
    panel = RecordsPanel(database, export_dir=tmp_path)
    qtbot.addWidget(panel)
    panel.sessions.setCurrentRow([s.session_id for s in panel.listing].index("S-7"))
    assert panel.waves_button.isEnabled()
    panel.review_waves()
    dialog, review = panel.waves_dialog, panel.wave_review
    qtbot.waitExposed(dialog)
    a, b = review.window()
    assert a < onset < b and abs((b - a) - 10.0) < 1e-6
    curves = {w.wave: c for _p, c, w in review.plots}
    assert set(curves) == {"ecg", "pleth"}
    t, _v = curves["ecg"].getOriginalDataset()
    assert t is not None and len(t) > 4000 and t.min() >= a and t.max() <= b
    review.show_window(onset - 1, onset + 1)  # zoom in: what the plots hold follows
    t, _v = curves["ecg"].getOriginalDataset()
    assert 900 <= len(t) <= 1001
    review.show_window(record.alarms[0].started - 300, record.alarms[0].started - 290)
    review.jump_alarm(+1)
    a, b = review.window()
    assert a < onset < b
    dialog.resize(1366, 768)
    qtbot.wait(200)
    image = dialog.grab().toImage()
    assert image.width() == 1366 and image.height() == 768
    image.save(str(tmp_path / "wave_review.png"))
    pixels = np.array([image.pixelColor(x, y).green() for x in range(0, 1366, 3) for y in range(300, 768, 3)])
    assert (pixels > 150).sum() > 50  # green ECG drawn somewhere below the trend
    dialog.close()
    panel.shutdown()


def test_review_draws_stored_blocks_as_one_curve_a_real_gap_as_a_gap_and_units_from_resources(
        qtbot, database, tmp_path):
    from console.records.demo_session import write_demo_session
    from console.records.waves import WaveRecorder
    from console.ui.wave_review import WaveReview
    from device_drivers.events import Waveform
    from tests.records.test_wave_exports import T0
    write_demo_session(database, "S-9", T0, infusion_min=40, observation_min=60, alarm_priority="high")
    recorder = WaveRecorder(database)  # 3-s blocks (records.toml)
    start = T0 + 600
    beat = np.sin(np.arange(50) / 50 * 2 * np.pi)  # 0.1 s of a 10 Hz sine per packet, continuous across packets
    for k in range(80):  # 8 s, then 4 s lost, then 6 s
        if not 80 <= k < 120:
            recorder.submit(Waveform(start + (k + 1) * 0.1, "monitor", "ecg", tuple(beat), 500.0))
    for k in range(120, 180):
        recorder.submit(Waveform(start + (k + 1) * 0.1, "monitor", "ecg", tuple(beat), 500.0))
    recorder.stop()
    review = WaveReview(database, "S-9")
    qtbot.addWidget(review)
    review.show_window(start - 1, start + 19)
    plot, curve, _w = review.plots[0]
    assert plot.getAxis("left").labelText == "monitor ECG" and plot.getAxis("left").labelUnits == "mV"
    t, v = curve.getOriginalDataset()
    gaps = np.nonzero(np.isnan(v))[0]
    assert len(gaps) == 1 and start + 8 < t[gaps[0]] < start + 12  # the 4 s lost: a gap, not a line across
    first, second = v[:gaps[0]], v[gaps[0] + 1:]
    assert len(first) == 80 * 50 and len(second) == 60 * 50  # 8 s in three blocks: one curve, no break
    assert np.abs(np.diff(first)).max() < 0.2  # no step where the 3-s blocks meet
