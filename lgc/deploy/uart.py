"""8N1 UART receiver and transmitter, one bit every `divisor` clock cycles (clock / baud)."""

from amaranth import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from ..errors import LgcError

MAX_BAUD_ERROR = 0.02     # of the bit time: what a UART at the other end tolerates with margin
MIN_DIVISOR = 4           # clock cycles per bit the receiver needs to sample a bit's middle


def baud_divisor(clock_hz, baud):
    """Clock cycles per bit; LgcError when the clock cannot make that baud rate within 2%."""
    divisor = round(clock_hz / baud)
    if divisor < MIN_DIVISOR or baud_error(clock_hz, baud) > MAX_BAUD_ERROR:
        raise LgcError(f"a {clock_hz / 1e6:g} MHz clock cannot make {baud} baud")
    return divisor


def baud_error(clock_hz, baud):
    """How far the rate the nearest divisor makes is from `baud`, as a fraction of it."""
    divisor = max(1, round(clock_hz / baud))
    return abs(clock_hz / divisor - baud) / baud


class UARTReceiver(wiring.Component):
    """Samples `rx` in the middle of each bit; `valid` pulses for one cycle with `data` for each
    byte whose stop bit is high (a byte with a framing error is dropped). `idle` is high while no
    byte is being received."""

    rx: In(1, init=1)
    data: Out(8)
    valid: Out(1)
    idle: Out(1)

    def __init__(self, divisor):
        self.divisor = divisor
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        rx = Signal(init=1)
        m.submodules.sync_rx = FFSynchronizer(self.rx, rx, init=1)
        timer = Signal(range(self.divisor))
        bit = Signal(range(10))          # 0 start bit, 1..8 data (LSB first), 9 stop bit
        shift = Signal(8)
        m.d.sync += self.valid.eq(0)
        with m.FSM():
            with m.State("IDLE"):
                m.d.comb += self.idle.eq(1)
                with m.If(~rx):
                    m.d.sync += [timer.eq(self.divisor // 2 - 1), bit.eq(0)]
                    m.next = "BITS"
            with m.State("BITS"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    m.d.sync += [timer.eq(self.divisor - 1), bit.eq(bit + 1)]
                    with m.If(bit == 0):
                        with m.If(rx):           # a glitch, not a start bit
                            m.next = "IDLE"
                    with m.Elif(bit != 9):
                        m.d.sync += shift.eq(Cat(shift[1:], rx))
                    with m.Else():
                        m.d.sync += [self.data.eq(shift), self.valid.eq(rx)]
                        m.next = "IDLE"
        return m


class UARTTransmitter(wiring.Component):
    """Sends `data` when `valid` and `ready` are both high; `ready` is high while idle."""

    tx: Out(1, init=1)
    data: In(8)
    valid: In(1)
    ready: Out(1)

    def __init__(self, divisor):
        self.divisor = divisor
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        timer = Signal(range(self.divisor))
        frame = Signal(10)                # start bit, 8 data bits LSB first, stop bit
        left = Signal(range(11))         # bits of the frame still to send
        m.d.comb += self.ready.eq(left == 0)
        m.d.sync += self.tx.eq(frame[0] | (left == 0))
        with m.If(self.ready):
            with m.If(self.valid):
                m.d.sync += [frame.eq(Cat(0, self.data, 1)), left.eq(10),
                             timer.eq(self.divisor - 1)]
        with m.Elif(timer != 0):
            m.d.sync += timer.eq(timer - 1)
        with m.Else():
            m.d.sync += [frame.eq(frame >> 1), left.eq(left - 1), timer.eq(self.divisor - 1)]
        return m
