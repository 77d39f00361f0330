"""The cocotb test behind lgc.sim.simulate_axis: frames into lgc_axis through cocotbext-axi's
AxiStreamSource, results out through its AxiStreamSink, both with random pauses.

Files and settings come from the environment (lgc.sim.simulate_axis writes and reads them):
LGC_AXIS_FRAMES, one frame a line as hex bytes (byte 0 on tdata[7:0] of the first beat);
LGC_AXIS_RESULTS, how many result beats to wait for; LGC_AXIS_PAUSE, the probabilities that the
source, and the sink, pause on a clock ("0.3,0.5"); LGC_AXIS_SEED; LGC_AXIS_OUT, where the received
frames (hex, one a line), the error output and the clocks of the first accepted input beat and the
last result beat go (JSON); LGC_AXIS_IDLE, the clocks without a result after which the test stops
(a result was lost) and writes what it received.
"""

import json
import logging
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, SimTimeoutError, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

PERIOD_NS = 10


def pauses(rng, probability):
    while True:
        yield int(rng.random() < probability)


async def watch(dut, seen):
    """Clock numbers of the first accepted input beat and of the last result beat."""
    clock = 0
    while True:
        await RisingEdge(dut.aclk)
        clock += 1
        if dut.s_axis_tvalid.value and dut.s_axis_tready.value and seen["first_in"] is None:
            seen["first_in"] = clock
        if dut.m_axis_tvalid.value and dut.m_axis_tready.value:
            seen["last_out"] = clock


@cocotb.test()
async def axis(dut):
    env = os.environ
    Clock(dut.aclk, PERIOD_NS, unit="ns").start()
    with open(env["LGC_AXIS_FRAMES"]) as f:
        frames = [bytes.fromhex(line.strip()) for line in f if line.strip()]
    expected = int(env["LGC_AXIS_RESULTS"])
    probabilities = map(float, env["LGC_AXIS_PAUSE"].split(","))
    rng = random.Random(int(env["LGC_AXIS_SEED"]))

    source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.aclk, dut.aresetn,
                             reset_active_level=False)
    sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.aclk, dut.aresetn,
                         reset_active_level=False)
    for side, probability in zip((source, sink), probabilities):
        side.log.setLevel(logging.WARNING)
        if probability:
            side.set_pause_generator(pauses(rng, probability))

    dut.aresetn.value = 0
    await ClockCycles(dut.aclk, 4)
    dut.aresetn.value = 1
    seen = {"first_in": None, "last_out": None}
    cocotb.start_soon(watch(dut, seen))
    for frame in frames:
        source.send_nowait(AxiStreamFrame(frame))

    # Receive until the expected results are in and a while after (anything beyond them comes
    # out then), or until no frame came for LGC_AXIS_IDLE clocks (a result was lost).
    received, results, idle = [], 0, int(env["LGC_AXIS_IDLE"])
    while True:
        try:
            frame = await with_timeout(sink.recv(), idle * PERIOD_NS, "ns")
        except SimTimeoutError:
            break
        received.append(bytes(frame.tdata).hex())
        results += len(frame.tdata) // sink.byte_lanes
        if results >= expected:
            idle = 50
    with open(env["LGC_AXIS_OUT"], "w") as f:
        json.dump({"frames": received, "error": int(dut.error.value), **seen}, f)
