"""Alarm engine: limits, priorities, delays, technical alarms, acknowledgement, escalation, interlock.

Plain Python driven by device events, session facts and a clock passed in; Qt only in qt_adapter.py.
"""
from console.alarms.alarm import Alarm, AlarmChange, AudioDemand, Condition
from console.alarms.alarm_config import AlarmConfig, load_defaults
from console.alarms.engine import AlarmEngine

__all__ = ["Alarm", "AlarmChange", "AudioDemand", "Condition", "AlarmConfig", "AlarmEngine", "load_defaults"]
