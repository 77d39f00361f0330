"""cocotb test of the UART board top: vectors go in as bytes on `rx`, classes come back on `tx`.

The bytes are framed by lgc.rtl.framing, the code `lgc stream` sends to a real board, and the
line runs at the board's real baud divisor (the waits use timers of whole clock periods, which
cost one simulator callback each instead of one per clock edge). Configuration through the
environment:
    LGC_TB_VECTORS  .npz with `x` (0/1 [N, n_inputs]) and `pred` (the expected classes [N])
    LGC_TB_DIVISOR  clock cycles per UART bit
    LGC_TB_LEDS     number of LED outputs (they show the last class)
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, Timer, with_timeout

from lgc.rtl.framing import RESYNC_BIT_TIMES, bytes_per_vector, decode_classes, encode_vectors


def _config():
    with np.load(os.environ["LGC_TB_VECTORS"]) as v:
        x, pred = v["x"], v["pred"]
    return x, pred, int(os.environ["LGC_TB_DIVISOR"]), int(os.environ["LGC_TB_LEDS"])


PERIOD_NS = 10


def bits(n, divisor):
    """A wait of n bit times."""
    return Timer(n * divisor * PERIOD_NS, unit="ns")


async def _start(dut):
    cocotb.start_soon(Clock(dut.clk, PERIOD_NS, unit="ns").start())
    dut.rx.value = 1
    dut.rst.value = 1
    await ClockCycles(dut.clk, 5)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 5)


async def send(dut, data, divisor):
    """8N1 frames on rx, back to back, LSB first."""
    for byte in data:
        for level in [0, *((byte >> i) & 1 for i in range(8)), 1]:
            dut.rx.value = level
            await bits(1, divisor)


async def receive(dut, count, divisor):
    """`count` bytes from tx, each sampled in the middle of its bits; checks start and stop."""
    out = bytearray()
    for _ in range(count):
        await FallingEdge(dut.tx)
        await bits(0.5, divisor)
        assert int(dut.tx.value) == 0, "start bit too short"
        byte = 0
        for i in range(8):
            await bits(1, divisor)
            byte |= int(dut.tx.value) << i
        await bits(1, divisor)
        assert int(dut.tx.value) == 1, "missing stop bit"
        out.append(byte)
    return bytes(out)


async def _round_trip(dut, x, divisor):
    per_vector = bytes_per_vector(x.shape[1])
    # Budget: every byte's frame, the answers' last frame and some cycles of latency.
    cycles = (len(x) * per_vector + 2) * 10 * divisor + 1000
    receiver = cocotb.start_soon(with_timeout(receive(dut, len(x), divisor), cycles * PERIOD_NS,
                                              "ns"))
    await send(dut, encode_vectors(x), divisor)
    return decode_classes(await receiver, 256)


@cocotb.test()
async def classes_come_back_for_every_vector(dut):
    x, pred, divisor, _ = _config()
    await _start(dut)
    got = await _round_trip(dut, x, divisor)
    bad = np.flatnonzero(got != pred)
    assert not len(bad), f"{len(bad)} of {len(x)} classes differ, first at vector {bad[:1]}: " \
                         f"board {got[bad[:1]]}, expected {pred[bad[:1]]}"


@cocotb.test()
async def leds_show_the_last_class(dut):
    x, pred, divisor, n_leds = _config()
    await _start(dut)
    for i in range(min(3, len(x))):
        await _round_trip(dut, x[i:i + 1], divisor)
        await ClockCycles(dut.clk, 4)
        assert int(dut.leds.value) == pred[i] % (1 << n_leds)


@cocotb.test()
async def a_pause_drops_a_partial_vector(dut):
    x, pred, divisor, _ = _config()
    per_vector = bytes_per_vector(x.shape[1])
    assert per_vector > 1, "the resync test needs vectors of two bytes or more"
    await _start(dut)
    await send(dut, encode_vectors(x[:1])[:per_vector - 1], divisor)   # all but the last byte
    await bits(RESYNC_BIT_TIMES + 20, divisor)
    got = await _round_trip(dut, x[:4], divisor)
    assert list(got) == list(pred[:4])
