"""Bedside Console: the program beside the infusion chair (UI, session, alarms, records)."""
__version__ = "0.1.0"
