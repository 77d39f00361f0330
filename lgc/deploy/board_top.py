"""The core on a board: input vectors arrive on a UART, the predicted class goes back as one byte.

`BoardTop` is the platform-free part (simulated in cocotb): UART receiver, the byte framing of
`framing.py`, the compiled core (instantiated as the Verilog module `lgc compile` wrote, so the
board runs exactly the simulated RTL), the answer byte, LEDs showing the last class. For a model
with an input encoder the module is the encoded top `lgc_encoded`, whose input `in_raw` holds one
byte per raw feature: the same framing then carries the raw features, one byte each.
`PlatformTop` puts it on an Amaranth platform: board clock (through a PLL when the design clock
differs from the oscillator), power-on reset, the UART and LED pins the platform names.
"""

from amaranth import Cat, ClockDomain, Elaboratable, Module, Mux, Signal
from amaranth.lib import io, wiring
from amaranth.lib.wiring import In, Out

from .framing import RESYNC_BIT_TIMES, bytes_per_vector, check_classes
from .uart import UARTReceiver, UARTTransmitter

POR_CYCLES = 1 << 12   # reset held this long after configuration and PLL lock


class BoardTop(wiring.Component):
    """UART in -> core -> UART out, in the sync domain. `divisor` is clock cycles per UART bit."""

    def __init__(self, core, divisor, n_leds=0, resync_bit_times=RESYNC_BIT_TIMES):
        check_classes(core.n_classes)
        self.core = core
        self.divisor = divisor
        self.resync_bit_times = resync_bit_times
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1), "leds": Out(n_leds)})

    def elaborate(self, platform):
        m = Module()
        core = self.core
        m.submodules.uart_rx = rx = UARTReceiver(self.divisor)
        m.submodules.uart_tx = tx = UARTTransmitter(self.divisor)
        m.d.comb += [rx.rx.eq(self.rx), self.tx.eq(tx.tx)]

        # Bytes shift in from the top, so after the last one byte 0 sits in bits 0..7.
        n_bytes = bytes_per_vector(core.n_inputs)
        vector = Signal(8 * n_bytes)
        count = Signal(range(n_bytes))
        in_valid = Signal()
        m.d.sync += in_valid.eq(0)
        # The pause is counted in bit times (a free-running tick of one bit time, then a small
        # counter of ticks): two short counters, not one long one, for the board's Fmax.
        tick_timer = Signal(range(self.divisor))
        tick = Signal()
        m.d.sync += [tick_timer.eq(Mux(tick_timer == 0, self.divisor - 1, tick_timer - 1)),
                     tick.eq(tick_timer == 0)]
        pause = Signal(range(self.resync_bit_times + 1))
        with m.If(~rx.idle | (count == 0)):
            m.d.sync += pause.eq(0)
        with m.Elif(pause == self.resync_bit_times):    # a partial vector went stale: drop it
            m.d.sync += [count.eq(0), pause.eq(0)]
        with m.Elif(tick):
            m.d.sync += pause.eq(pause + 1)
        with m.If(rx.valid):
            m.d.sync += [vector.eq(Cat(vector[8:], rx.data)), pause.eq(0)]
            with m.If(count == n_bytes - 1):
                m.d.sync += [count.eq(0), in_valid.eq(1)]
            with m.Else():
                m.d.sync += count.eq(count + 1)

        out_valid = Signal()
        out_class = Signal(core.class_width)
        m.submodules.core = core.instance(in_valid, vector[:core.n_inputs], out_valid,
                                          Signal(core.n_classes * core.score_width), out_class)

        # One class waits here while the transmitter is busy: a vector takes at least one byte
        # time to arrive and an answer one byte time to leave, so one place is enough.
        pending = Signal(8)
        full = Signal()
        last = Signal(max(core.class_width, len(self.leds)))
        m.d.comb += [tx.data.eq(pending), tx.valid.eq(full), self.leds.eq(last)]
        with m.If(tx.ready):
            m.d.sync += full.eq(0)
        with m.If(out_valid):
            m.d.sync += [pending.eq(out_class), full.eq(1), last.eq(out_class)]
        return m


class PlatformTop(Elaboratable):
    """`BoardTop` on an Amaranth platform: clock (and PLL), power-on reset, UART and LED pins."""

    def __init__(self, board_top, *, clock, uart, leds, pll=None):
        self.board_top = board_top
        self.clock, self.uart, self.leds, self.pll = clock, uart, leds, pll

    def elaborate(self, platform):
        m = Module()
        m.domains.sync = sync = ClockDomain("sync")
        clk_pin = platform.request(self.clock, 0, dir="-")
        locked = Signal()
        if self.pll is not None and self.pll.from_pad:
            clk_in = clk_pin.io
        else:
            m.submodules.clk_buf = clk_buf = io.Buffer("i", clk_pin)
            clk_in = clk_buf.i
        if self.pll is None:
            m.d.comb += [sync.clk.eq(clk_in), locked.eq(1)]
        else:
            m.submodules.pll = self.pll.instance(clk_in, sync.clk, locked)
            platform.add_clock_constraint(sync.clk, self.pll.output_mhz * 1e6)

        # Power-on reset: counts in a reset-less domain from configuration (and PLL lock) on; the
        # reset comes straight from a flip-flop, not from the counter's comparator.
        m.domains.por = por = ClockDomain("por", reset_less=True, local=True)
        m.d.comb += por.clk.eq(sync.clk)
        timer = Signal(range(POR_CYCLES))
        ready = Signal()
        with m.If(~locked):
            m.d.por += [timer.eq(0), ready.eq(0)]
        with m.Elif(~ready):
            m.d.por += [timer.eq(timer + 1), ready.eq(timer == POR_CYCLES - 1)]
        m.d.comb += sync.rst.eq(~ready)

        m.submodules.board = board = self.board_top
        uart = platform.request(self.uart, 0, dir="-")
        m.submodules.rx_buf = rx_buf = io.Buffer("i", uart.rx)
        m.submodules.tx_buf = tx_buf = io.Buffer("o", uart.tx)
        m.d.comb += [board.rx.eq(rx_buf.i), tx_buf.o.eq(board.tx)]
        for i, (name, number) in enumerate(self.leds):
            m.submodules[f"led_buf{i}"] = led_buf = io.Buffer("o", platform.request(name, number,
                                                                                 dir="-"))
            m.d.comb += led_buf.o.eq(board.leds[i])
        return m
