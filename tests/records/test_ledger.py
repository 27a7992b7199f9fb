"""Controlled-substance ledger: every mg drawn is given or wasted before a witness, or the session stays open."""
from __future__ import annotations

from datetime import datetime

import pytest

from console.records.audit import AuditLog, verify_chain
from console.records.demo_session import CHECKER, NURSE, write_demo_session
from console.records.ledger import DRAWN, RECONCILED, WASTED, Ledger, LedgerError
from console.records.records_config import records_config

T0 = datetime(2026, 11, 20, 9, 0).timestamp()


def infuse(audit, session_id, rate_ml_per_h, minutes, *, t=T0, concentration=1.0, weight=80.0):
    """An order and an infusion that ran `minutes` at one rate and stopped."""
    order = {"concentration_mg_per_ml": concentration, "weight_kg": weight, "drug_id": "ketamine_1mg_ml"}
    audit.append("session.opened", {"mrn": "MRN-1", "name": "A Patient"}, session_id=session_id, t=t)
    audit.append("session.order_placed", {"order": order}, session_id=session_id, t=t + 60, actor="dr.c")
    audit.append("session.infusion_started", {"rate_ml_per_h": rate_ml_per_h}, session_id=session_id,
                 t=t + 120, actor=NURSE)
    audit.append("session.infusion_stopped", {"reason": "done"}, session_id=session_id,
                 t=t + 120 + minutes * 60, actor=NURSE)


@pytest.fixture
def ledger(database, audit):
    return Ledger(database, audit)


def test_the_given_dose_comes_from_the_rate_history(ledger, audit):
    infuse(audit, "S1", rate_ml_per_h=40.0, minutes=30)  # 20 mL of 1 mg/mL
    assert ledger.given_mg("S1") == pytest.approx(20.0)


def test_drawn_equals_given_plus_wasted_balances_and_the_session_may_close(ledger, audit):
    infuse(audit, "S1", 40.0, 30)
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0 + 30)
    assert "unaccounted for" in ledger.close_problem("S1")
    ledger.record_waste(session_id="S1", volume_ml=80, actor=NURSE, witness=CHECKER, reason="remainder",
                        t=T0 + 3000)
    assert ledger.close_problem("S1") is None
    rec = ledger.reconcile("S1", actor=NURSE, t=T0 + 3100)
    assert rec.balance.balanced and rec.balance.discrepancy_mg == pytest.approx(0.0)


def test_a_missing_milligram_is_a_discrepancy_that_blocks_closing(ledger, audit):
    infuse(audit, "S1", 40.0, 30)
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0 + 30)
    ledger.record_waste(session_id="S1", volume_ml=75, actor=NURSE, witness=CHECKER, t=T0 + 3000)
    problem = ledger.close_problem("S1")
    assert problem is not None and "5.0 mg unaccounted for" in problem
    rec = ledger.reconcile("S1", actor=NURSE, t=T0 + 3100)
    assert not rec.balance.balanced and rec.balance.discrepancy_mg == pytest.approx(5.0)
    event = audit.get(rec.event_id)
    assert event.kind == RECONCILED and event.payload["balanced"] is False


def test_more_given_than_drawn_asks_for_the_missing_draw(ledger, audit):
    infuse(audit, "S1", 40.0, 30)
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=10, actor=NURSE, t=T0 + 30)
    assert "record the missing draw" in ledger.close_problem("S1")


def test_a_difference_within_the_tolerance_is_rounding_not_a_discrepancy(ledger, audit):
    infuse(audit, "S1", 40.0, 30)
    tolerance = records_config().ledger_tolerance_mg
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0)
    ledger.record_waste(session_id="S1", volume_ml=80 - tolerance / 2, actor=NURSE, witness=CHECKER, t=T0 + 1)
    assert ledger.close_problem("S1") is None


def test_the_session_passes_its_own_given_figure(ledger, audit):
    ledger.record_draw(session_id="S9", drug="ketamine", concentration_mg_per_ml=2.0, lot="L2",
                       expiry="2027-01-31", volume_ml=50, actor=NURSE, t=T0)
    assert ledger.close_problem("S9", given_mg=100.0) is None
    assert ledger.close_problem("S9", given_mg=90.0) is not None


def test_a_session_with_no_drug_needs_no_ledger(ledger, audit):
    audit.append("session.opened", {"mrn": "M"}, session_id="S2", t=T0)
    assert ledger.close_problem("S2", now=T0 + 60) is None


def test_waste_needs_a_different_person_as_witness(ledger):
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0)
    with pytest.raises(LedgerError, match="different person"):
        ledger.record_waste(session_id="S1", volume_ml=5, actor=NURSE, witness=NURSE, t=T0 + 1)
    with pytest.raises(LedgerError, match="witness"):
        ledger.record_waste(session_id="S1", volume_ml=5, actor=NURSE, witness="", t=T0 + 1)
    assert ledger.wastes("S1") == []


def test_waste_without_a_draw_is_refused(ledger):
    with pytest.raises(LedgerError, match="record the draw first"):
        ledger.record_waste(session_id="S1", volume_ml=5, actor=NURSE, witness=CHECKER)


@pytest.mark.parametrize("change, message", [
    ({"expiry": "2026-11-19"}, "expired"),
    ({"expiry": "31/12/2027"}, "YYYY-MM-DD"),
    ({"lot": " "}, "lot number"),
    ({"volume_ml": 0}, "volume"),
    ({"concentration_mg_per_ml": -1}, "concentration"),
])
def test_a_draw_with_missing_or_expired_label_details_is_refused(ledger, change, message):
    entry = dict(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1", expiry="2027-01-31",
                 volume_ml=100, actor=NURSE, t=T0)
    entry.update(change)
    with pytest.raises(LedgerError, match=message):
        ledger.record_draw(**entry)
    assert ledger.draws() == []


def test_every_ledger_action_is_an_audit_event_linked_to_its_row(ledger, audit, database):
    draw = ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                              expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0)
    waste = ledger.record_waste(session_id="S1", volume_ml=100, actor=NURSE, witness=CHECKER, reason="dropped",
                                t=T0 + 5)
    kinds = [(e.kind, e.actor) for e in audit.events(session_id="S1")]
    assert kinds == [(DRAWN, NURSE), (WASTED, NURSE)]
    drawn, wasted = audit.events(session_id="S1")
    assert drawn.id == draw.event_id and drawn.payload["lot"] == "L1" and drawn.payload["amount_mg"] == 100.0
    assert wasted.refers_to == drawn.id and wasted.payload["witness"] == CHECKER
    assert waste.event_id == wasted.id
    assert verify_chain(database).ok


def test_ledger_rows_cannot_be_edited_or_deleted(ledger, database):
    ledger.record_draw(session_id="S1", drug="ketamine", concentration_mg_per_ml=1.0, lot="L1",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0)
    import sqlite3
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.conn.execute("UPDATE ledger_draws SET volume_ml = 50")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        database.conn.execute("DELETE FROM ledger_draws")


def test_the_daily_report_lists_each_session_and_flags_the_one_that_does_not_balance(ledger, database):
    write_demo_session(database, "S-morning", T0, vitals=False)
    write_demo_session(database, "S-noon", T0 + 3 * 3600, vitals=False)
    audit = AuditLog(database)
    infuse(audit, "S-short", 40.0, 30, t=T0 + 6 * 3600)
    ledger.record_draw(session_id="S-short", drug="ketamine", concentration_mg_per_ml=1.0, lot="L9",
                       expiry="2027-01-31", volume_ml=100, actor=NURSE, t=T0 + 6 * 3600)
    write_demo_session(database, "S-tomorrow", T0 + 24 * 3600, vitals=False)
    report = ledger.daily_report(datetime.fromtimestamp(T0).date())
    assert [s.session_id for s in report.sessions] == ["S-morning", "S-noon", "S-short"]
    assert [s.session_id for s in report.discrepancies] == ["S-short"]
    text = report.to_text()
    assert "3 session(s), 1 discrepancy(ies)" in text and "!! session S-short" in text
    assert "lot KX24-0917" in text and f"witness {CHECKER}" in text
    totals = report.totals_by_drug()["ketamine"]
    assert totals["drawn_mg"] == pytest.approx(300.0)
    assert report.to_dict()["sessions"][2]["discrepancy_mg"] == pytest.approx(80.0)


def test_the_ledger_command_prints_the_day_and_fails_on_a_discrepancy(database, data_dir, capsys):
    import json as jsonlib

    from console import cli
    write_demo_session(database, "S-ok", T0, vitals=False)
    day = datetime.fromtimestamp(T0).date().isoformat()
    assert cli.main(["ledger", "--data-dir", str(data_dir), "--day", day]) == 0
    assert "1 session(s), 0 discrepancy(ies)" in capsys.readouterr().out
    Ledger(database).record_draw(session_id="S-extra", drug="ketamine", concentration_mg_per_ml=1.0, lot="L5",
                                 expiry="2027-01-31", volume_ml=10, actor=NURSE, t=T0 + 600)
    assert cli.main(["ledger", "--data-dir", str(data_dir), "--day", day, "--json"]) == 2
    data = jsonlib.loads(capsys.readouterr().out)
    assert [s["balanced"] for s in data["sessions"]] == [True, False]
    assert cli.main(["ledger", "--data-dir", str(data_dir), "--day", "yesterday"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_session_that_gave_drug_with_nothing_drawn_appears_in_the_days_report(ledger, audit):
    infuse(audit, "S-undrawn", 40.0, 30)
    report = ledger.daily_report(datetime.fromtimestamp(T0).date())
    assert [s.session_id for s in report.discrepancies] == ["S-undrawn"]
    assert "record the missing draw" in report.to_text()
