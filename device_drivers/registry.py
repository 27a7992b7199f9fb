"""Which drivers and simulators exist, by the name biomeds type (`probe --driver masimo-ascii`).

Entries are "module:Class" strings so that listing drivers imports nothing heavy and a broken driver
module cannot stop the others from loading.
"""
from __future__ import annotations

import importlib

#: driver name -> codec class ("module:Class" under device_drivers)
DRIVERS: dict[str, str] = {
    "masimo-ascii": "device_drivers.masimo_ascii:MasimoAscii",
    "nonin-df7": "device_drivers.nonin:NoninDf7",
    "nonin-df8": "device_drivers.nonin:NoninDf8",
    "intellivue": "device_drivers.intellivue:IntelliVue",
    "ne1000": "device_drivers.ne1000:Ne1000",
    "ne1000-safe": "device_drivers.ne1000:Ne1000Safe",
    # no port: the nurse keys in what she programmed on the pump (needs_link = False)
    "manual": "device_drivers.manual_pump:ManualPump",
}

#: driver name -> simulator model class (the device side of the same protocol)
SIMULATORS: dict[str, str] = {
    "masimo-ascii": "device_drivers.simulators.masimo:MasimoSimulator",
    "nonin-df7": "device_drivers.simulators.nonin:NoninSimulator",
    "nonin-df8": "device_drivers.simulators.nonin:NoninDf8Simulator",
    "intellivue": "device_drivers.simulators.intellivue:IntelliVueSimulator",
    "ne1000": "device_drivers.simulators.ne1000:Ne1000Simulator",
    "ne1000-safe": "device_drivers.simulators.ne1000:Ne1000SafeSimulator",
}


class UnknownDriver(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no driver named {name!r}; known drivers: {', '.join(known)}")


def _load(table: dict[str, str], name: str):
    if name not in table:
        raise UnknownDriver(name, sorted(table))
    module, _, cls = table[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def codec_class(name: str):
    return _load(DRIVERS, name)


def simulator_class(name: str):
    return _load(SIMULATORS, name)


def driver_names() -> list[str]:
    return sorted(DRIVERS)
