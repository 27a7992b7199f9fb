"""Each driver end to end through a real pseudo-terminal: the simulator serves it, SerialLink reads it.

The story every driver must survive: values flow, the device goes silent mid-stream (the link says so,
in words a biomed can act on), and when it talks again values flow again without anyone restarting
anything.
"""
from __future__ import annotations

import time

import pytest

from device_drivers.events import LinkState, Measurement
from device_drivers.pty_server import PtyServer
from device_drivers.pump import PumpCommandResult
from device_drivers.registry import codec_class, simulator_class
from device_drivers.transport import SerialLink
from tests.device_drivers.pty_helpers import Collector, Switchable

DRIVERS = {"nonin-df7": "spo2", "nonin-df8": "spo2", "intellivue": "hr", "ne1000": "volume_infused",
           "ne1000-safe": "volume_infused"}


def is_metric(metric):
    return lambda e: isinstance(e, Measurement) and e.metric == metric


def link_state(state):
    return lambda e: isinstance(e, LinkState) and e.state == state


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_values_flow_stop_when_the_device_goes_silent_and_flow_again(driver):
    metric = DRIVERS[driver]
    model = Switchable(simulator_class(driver)())
    sink = Collector()
    with PtyServer(model) as server:
        link = SerialLink(server.port, codec_class(driver)(), sink, silent_after=1.0).start()
        try:
            sink.wait_for(is_metric(metric))
            model.quiet.set()
            mark = sink.mark()
            silent = sink.wait_for(link_state("silent"), since=mark)
            assert "no bytes" in silent.detail
            model.quiet.clear()
            mark = sink.mark()
            sink.wait_for(is_metric(metric), since=mark)
        finally:
            link.stop()
    assert link_state("closed")(sink.events[-1])


def test_garbage_on_the_line_is_reported_as_wrong_settings_not_silence():
    sink = Collector()
    model = Switchable(simulator_class("nonin-df8")())
    model.quiet.set()
    with PtyServer(model) as server:
        link = SerialLink(server.port, codec_class("nonin-df8")(), sink, silent_after=1.0).start()
        try:
            sink.wait_for(link_state("connected"))
            for _ in range(200):  # a Masimo-style text line on a Nonin DF8 port: bytes, never a frame
                server.inject(b"SPO2=097% BPM=072\r\n")
                if any(link_state("silent")(e) for e in sink.since(0)):
                    break
                time.sleep(0.05)
            silent = sink.wait_for(link_state("silent"))
            assert "no valid frame" in silent.detail
        finally:
            link.stop()


def test_pump_command_is_read_back_over_the_port():
    pump_sim = simulator_class("ne1000")()
    codec = codec_class("ne1000")()
    sink = Collector()
    with PtyServer(pump_sim) as server:
        link = SerialLink(server.port, codec, sink, silent_after=2.0).start()
        try:
            sink.wait_for(is_metric("state"))
            codec.set_rate(42.0)
            result = sink.wait_for(lambda e: isinstance(e, PumpCommandResult))
            assert result.ok and result.readback == "42.00MH"
            assert pump_sim.rate == 42.0
        finally:
            link.stop()


def test_intellivue_silent_long_enough_to_reopen_the_port_associates_again():
    monitor = simulator_class("intellivue")()
    model = Switchable(monitor)
    sink = Collector()
    with PtyServer(model) as server:
        link = SerialLink(server.port, codec_class("intellivue")(), sink, silent_after=0.5).start()
        try:
            sink.wait_for(is_metric("spo2"))
            model.quiet.set()
            mark = sink.mark()
            sink.wait_for(link_state("reconnecting"), since=mark)
            model.quiet.clear()
            mark = sink.mark()
            sink.wait_for(is_metric("spo2"), since=mark)
        finally:
            link.stop()
    assert monitor.requests.count("associate") >= 2


def test_unplugged_adapter_comes_back_under_its_stable_name(tmp_path):
    sink = Collector()
    stable = str(tmp_path / "ttyOximeter")
    with PtyServer(simulator_class("nonin-df8")(), link_path=stable) as server:
        link = SerialLink(stable, codec_class("nonin-df8")(), sink, silent_after=1.0).start()
        try:
            sink.wait_for(is_metric("spo2"))
            server.vanish()
            mark = sink.mark()
            sink.wait_for(link_state("reconnecting"), since=mark)
            server.restore()
            mark = sink.mark()
            sink.wait_for(is_metric("spo2"), since=mark)
        finally:
            link.stop()
