"""The records read the session's events by name; those names must be the session's own vocabulary.

console/records sits below console/session (design.md: imports point down only), so it cannot import
console/session/event_kinds.py; this test holds the two together instead.
"""
from __future__ import annotations

from console.records import session_record
from console.session import event_kinds


def test_every_session_event_kind_the_records_read_is_one_the_session_writes():
    read = {value for name, value in vars(session_record).items()
            if name.isupper() and isinstance(value, str) and value.startswith("session.")}
    assert read and read <= set(event_kinds.KINDS)
    assert set(session_record.CLOSING) == set(event_kinds.CLOSING)


def test_the_records_name_the_same_kind_under_the_same_constant():
    for name in ("OPENED", "ORDER_PLACED", "INFUSION_STARTED", "INFUSION_TITRATED", "INFUSION_STOPPED",
                 "ASSESSMENT_RECORDED", "DISCHARGE_PAIN", "SIGNED_OFF", "CANCELLED", "CORRECTED"):
        assert getattr(session_record, name) == getattr(event_kinds, name)


def test_the_synthetic_session_used_by_tests_and_benchmarks_writes_the_documented_payloads(database):
    from console.records.audit import AuditLog
    from console.records.demo_session import write_demo_session
    write_demo_session(database, "S-demo", 1_790_000_000.0, vitals=False)
    for event in AuditLog(database).events(session_id="S-demo"):
        if event.kind.startswith("session."):
            documented = set(event_kinds.KINDS[event.kind].fields)
            assert set(event.payload) == documented, event.kind
