"""cocotb test of the UART board top: vectors go in as bytes on `rx`, classes come back on `tx`.

The bytes are framed by lgc.deploy.framing, the code `lgc stream` sends to a real board, and the
line runs at the board's real baud divisor (the waits use timers of whole clock periods, which
cost one simulator callback each instead of one per clock edge). Configuration through the
environment:
    LGC_TB_VECTORS  .npz with `x` (0/1 [N, n_inputs]) or `raw` (features [N, n_features] as codes
                    of the input format, for a board top around the encoded top) and `pred` (the
                    expected classes [N])
    LGC_TB_FORMAT   the encoded top's input format (default u8)
    LGC_TB_DIVISOR  clock cycles per UART bit
    LGC_TB_LEDS     number of LED outputs (they show the last class)
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, Timer, with_timeout

from lgc.deploy.framing import RESYNC_BIT_TIMES, decode_classes, encode_features, encode_vectors
from lgc.rtl import input_format


def _config():
    """(the bytes of each vector [N, bytes per vector], expected classes, divisor, LEDs)"""
    with np.load(os.environ["LGC_TB_VECTORS"]) as v:
        fmt = input_format.parse(os.environ.get("LGC_TB_FORMAT", input_format.DEFAULT))
        data = encode_features(v["raw"], fmt) if "raw" in v.files else encode_vectors(v["x"])
        pred = v["pred"]
    frames = np.frombuffer(data, dtype=np.uint8).reshape(len(pred), -1)
    return frames, pred, int(os.environ["LGC_TB_DIVISOR"]), int(os.environ["LGC_TB_LEDS"])


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


async def _round_trip(dut, frames, divisor):
    # Budget: every byte's frame, the answers' last frame and some cycles of latency.
    cycles = (frames.size + 2) * 10 * divisor + 1000
    receiver = cocotb.start_soon(with_timeout(receive(dut, len(frames), divisor),
                                              cycles * PERIOD_NS, "ns"))
    await send(dut, frames.tobytes(), divisor)
    return decode_classes(await receiver, 256)


@cocotb.test()
async def classes_come_back_for_every_vector(dut):
    frames, pred, divisor, _ = _config()
    await _start(dut)
    got = await _round_trip(dut, frames, divisor)
    bad = np.flatnonzero(got != pred)
    assert not len(bad), f"{len(bad)} of {len(frames)} classes differ, first at vector " \
                         f"{bad[:1]}: board {got[bad[:1]]}, expected {pred[bad[:1]]}"


@cocotb.test()
async def leds_show_the_last_class(dut):
    frames, pred, divisor, n_leds = _config()
    await _start(dut)
    for i in range(min(3, len(frames))):
        await _round_trip(dut, frames[i:i + 1], divisor)
        await ClockCycles(dut.clk, 4)
        assert int(dut.leds.value) == pred[i] % (1 << n_leds)


@cocotb.test()
async def a_pause_drops_a_partial_vector(dut):
    frames, pred, divisor, _ = _config()
    assert frames.shape[1] > 1, "the resync test needs vectors of two bytes or more"
    await _start(dut)
    await send(dut, frames[0, :-1].tobytes(), divisor)   # all but the last byte
    await bits(RESYNC_BIT_TIMES + 20, divisor)
    got = await _round_trip(dut, frames[:4], divisor)
    assert list(got) == list(pred[:4])
