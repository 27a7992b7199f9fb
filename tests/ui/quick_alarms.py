"""The shipped alarm settings with some persistence delays shortened, for end-to-end tests of a workflow.

Such a test (the whole session) makes the patient desaturate several times and would otherwise wait the
real 10 s delays each time, in real time. Only the delays named are changed, and they stay non-zero, so the
delay path still runs; limits, priorities, latching, the interlock's signs and every other delay stay the
shipped defaults. The real delays are proved where they are the point: test_spo2_alarm_delay_end_to_end.py
measures the shipped SpO2 delay on real ptys, tests/alarms/ the interlock's and the others on a test clock.
"""
from __future__ import annotations

import dataclasses

from console.alarms.alarm_config import AlarmConfig, load_defaults


def with_delays(*, sign_seconds: float | None = None, config: AlarmConfig | None = None,
                **parameter_delays: float) -> AlarmConfig:
    """`config` (default: the shipped one) with the named parameters' delays (both limits; e.g. spo2=3)
    and, if given, the respiratory interlock's sign time replaced."""
    config = config or load_defaults()
    unknown = set(parameter_delays) - set(config.parameters)
    if unknown:
        raise ValueError(f"no alarm parameter {sorted(unknown)}; known: {sorted(config.parameters)}")

    def delayed(side, seconds):
        return None if side is None else dataclasses.replace(side, delay=seconds)

    parameters = dict(config.parameters)
    for name, seconds in parameter_delays.items():
        p = parameters[name]
        parameters[name] = dataclasses.replace(p, low=delayed(p.low, seconds), high=delayed(p.high, seconds))
    interlock = config.interlock if sign_seconds is None else \
        dataclasses.replace(config.interlock, sign_seconds=sign_seconds)
    return dataclasses.replace(config, parameters=parameters, interlock=interlock)
