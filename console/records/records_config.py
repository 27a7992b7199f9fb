"""Record-keeping settings from resources/records.toml, validated on load."""
from __future__ import annotations

from dataclasses import dataclass

from resources import Doc, load


@dataclass(frozen=True)
class RecordsConfig:
    backup_remind_after_days: float
    ledger_tolerance_mg: float
    fhir_vitals_interval_s: float
    wave_block_s: float = 3.0
    wave_zlib_level: int = 6
    wave_flush_s: float = 1.0
    wave_gap_s: float = 0.5
    wave_join_s: float = 1.0
    alarm_strip_before_s: float = 6.0
    alarm_strip_after_s: float = 4.0
    replication_alarm_after_s: float = 1800.0
    replication_alarm_priority: str = "low"
    background_check_delay_s: float = 10.0


def records_config(doc: Doc | None = None) -> RecordsConfig:
    doc = doc if doc is not None else load("records.toml")
    backup, ledger = doc.section("backup"), doc.section("ledger")
    return RecordsConfig(
        backup_remind_after_days=backup.number("remind_after_days", min=1, max=366),
        ledger_tolerance_mg=ledger.number("tolerance_mg", min=0, max=10),
        fhir_vitals_interval_s=doc.section("fhir").number("vitals_interval_s", min=1, max=3600),
        wave_block_s=doc.section("waves").number("block_s", min=0.25, max=60),
        wave_zlib_level=int(doc.section("waves").number("zlib_level", min=1, max=9)),
        wave_flush_s=doc.section("waves").number("flush_s", min=0.1, max=1.0),
        wave_gap_s=doc.section("waves").number("gap_s", min=0.05, max=10),
        wave_join_s=doc.section("waves").number("join_s", min=0, max=10),
        alarm_strip_before_s=doc.section("waves").number("alarm_strip_before_s", min=0, max=60),
        alarm_strip_after_s=doc.section("waves").number("alarm_strip_after_s", min=0, max=60),
        replication_alarm_after_s=60 * doc.section("replication").number("alarm_after_minutes", min=1, max=24 * 60),
        replication_alarm_priority=doc.section("replication").text("alarm_priority",
                                                                   choices=("low", "medium", "high")),
        background_check_delay_s=doc.section("integrity").number("background_check_delay_s", min=0, max=600),
    )
