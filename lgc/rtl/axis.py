"""The AXI4-Stream top `lgc_axis`: a compiled top (lgc_core, or lgc_encoded with an input
encoding) between an AXI4-Stream slave and master, with backpressure.

    s_axis ─▶ gearbox (beats -> vectors; TLAST checked) ─▶ lgc_core / lgc_encoded ─▶ FIFO ─▶ m_axis
                    ▲ s_axis_tready: credit (results in flight + queued < FIFO depth), registered

The core never stalls, so the wrapper admits a vector only when the output FIFO is sure to have
room for its result: `s_axis_tready` is a register computed from a count of the results in flight
and queued (no combinational path from `m_axis_tready`). The FIFO holds latency + 3 results, so
while the sink is ready a vector enters every clock.

Input: a vector's bits (the core's `in_bits`, or the encoded top's `in_raw`) in ceil(bits / W)
beats of W bits, beat 0 in the low bits, the last beat's high bits ignored. W is a whole number of
bytes: the vector's width rounded up by default (one vector per beat), or `beat_width`. With one
beat per vector TLAST is passed through to the vector's result (it marks packets of vectors);
with more, TLAST must mark each vector's last beat, and a vector whose TLAST comes early or late
is dropped (through its TLAST) and sets the sticky `error` output, which only a reset clears.
Output: a result = `out_class` in the low `class_bytes` bytes, then the scores exactly as the
core's `out_scores` (class c's score in bits [c*w, (c+1)*w) of that field), zero-padded to whole
bytes; by default one beat per result, or in ceil(result bits / `out_width`) beats of
`out_width` bits (beat 0 in the low bits, the last beat zero-padded), TLAST only on a result's
last beat. No TKEEP/TSTRB (every byte of every beat is data). `aclk` rising edge, `aresetn`
synchronous and active low.

`AxisCore` is the same wrapper with Amaranth `lib.stream` interfaces (payload: data and last),
for designs built in Amaranth; `AxisTop` gives it AXI's port names as the Verilog module.
"""

import math

from amaranth import Cat, ClockDomain, ClockSignal, Const, Module, Mux, ResetSignal, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from ..errors import LgcError
from .verilog import convert

AXIS_TOP = "lgc_axis"
FIFO_SLACK = 3   # FIFO depth = latency + this: the result of a vector admitted every clock fits
# clocks from a vector's last input beat to its result on m_axis, beyond the core's latency:
# the FIFO's write and its output register
OUT_DELAY = 2


def bytes_of(bits):
    return max(1, math.ceil(bits / 8))


def check_width(width):
    """An AXI4-Stream TDATA width as --axis-width takes it, or LgcError."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 8 or width % 8:
        raise LgcError(f"the AXI4-Stream width (--axis-width) must be a positive multiple of 8 "
                       f"bits, got {width!r}")
    return width


def beat_layout(width):
    return data.StructLayout({"data": width, "last": 1})


class AxisCore(wiring.Component):
    """`core` (lgc.rtl.ports.CorePorts of the top to wrap) with latency `latency` behind
    stream interfaces: `i` (beats of `beat_width` bits), `o` (results in beats of `out_width`
    bits, by default one a beat), `error`."""

    def __init__(self, core, latency, beat_width=None, out_width=None):
        n = core.n_inputs
        width = 8 * bytes_of(n) if beat_width is None else check_width(beat_width)
        self.core, self.latency = core, latency
        self.beat_width, self.beats = width, math.ceil(n / width)
        self.class_bytes = bytes_of(core.class_width)
        self.result_bits = 8 * self.class_bytes + core.n_classes * core.score_width
        self.out_width = (8 * bytes_of(self.result_bits) if out_width is None
                          else check_width(out_width))
        self.out_beats = math.ceil(self.result_bits / self.out_width)
        self.depth = latency + FIFO_SLACK
        super().__init__({"i": In(stream.Signature(beat_layout(width))),
                          "o": Out(stream.Signature(beat_layout(self.out_width))),
                          "error": Out(1)})

    def elaborate(self, platform):
        core, m = self.core, Module()
        i, o = self.i, self.o

        # Credit: results in flight or queued; s_axis_tready is registered.
        used = Signal(range(self.depth + 1))
        ready = Signal()
        accept = i.valid & ready
        vector = Signal(core.n_inputs)
        done = Signal()     # a whole, well-framed vector enters the core this clock
        pop = Signal()      # a result's last beat leaves
        after = Signal.like(used)
        m.d.comb += after.eq(used + done - pop)
        m.d.sync += [used.eq(after), ready.eq(after < self.depth)]
        m.d.comb += i.ready.eq(ready)

        if self.beats == 1:
            m.d.comb += [vector.eq(i.payload.data), done.eq(accept)]
            last = Signal(self.latency)   # TLAST travels beside the core's valid chain
            m.d.sync += last.eq(Cat(i.payload.last, last[:-1]))
            out_last = last[-1]
        else:
            self._gearbox(m, accept, vector, done)
            out_last = Const(1, 1)

        out_valid = Signal()
        scores = Signal(core.n_classes * core.score_width)
        out_class = Signal(core.class_width)
        m.submodules.core = core.instance(done, vector, out_valid, scores, out_class)

        m.submodules.fifo = fifo = SyncFIFOBuffered(width=self.result_bits + 1, depth=self.depth)
        m.d.comb += [
            fifo.w_en.eq(out_valid),
            fifo.w_data.eq(Cat(out_class, Const(0, 8 * self.class_bytes - core.class_width),
                               scores, out_last)),
            o.valid.eq(fifo.r_rdy),
        ]
        self._serializer(m, fifo.r_data[:-1], fifo.r_data[-1], fifo.r_en, pop)
        return m

    def _serializer(self, m, result, last, r_en, pop):
        """The FIFO's head result onto `o`, in `out_beats` beats; `r_en` and `pop` after its
        last beat."""
        o, width, beats = self.o, self.out_width, self.out_beats
        padded = Signal(beats * width)
        m.d.comb += padded.eq(result)
        if beats == 1:
            m.d.comb += [o.payload.data.eq(padded), o.payload.last.eq(last),
                         r_en.eq(o.ready), pop.eq(o.valid & o.ready)]
            return
        beat = Signal(range(beats))
        final = beat == beats - 1
        m.d.comb += [o.payload.data.eq(padded.word_select(beat, width)),
                     o.payload.last.eq(last & final), r_en.eq(o.ready & final),
                     pop.eq(o.valid & o.ready & final)]
        with m.If(o.valid & o.ready):
            m.d.sync += beat.eq(Mux(final, 0, beat + 1))

    def _gearbox(self, m, accept, vector, done):
        """Beats -> vectors: a shift register of the earlier beats; TLAST checked on each."""
        i, width, beats = self.i, self.beat_width, self.beats
        earlier = Signal((beats - 1) * width)
        beat = Signal(range(beats))
        skipping = Signal()      # after a vector without TLAST: drop beats through the next TLAST
        error = Signal()
        final = beat == beats - 1
        m.d.comb += [vector.eq(Cat(earlier, i.payload.data)), self.error.eq(error)]
        with m.If(accept):
            with m.If(skipping):
                m.d.sync += skipping.eq(~i.payload.last)
            with m.Elif(final & i.payload.last):
                m.d.comb += done.eq(1)
                m.d.sync += beat.eq(0)
            with m.Elif(final | i.payload.last):   # TLAST late (skip the rest) or early
                m.d.sync += [error.eq(1), beat.eq(0), skipping.eq(~i.payload.last)]
            with m.Else():
                m.d.sync += [earlier.eq(Cat(earlier[width:], i.payload.data)), beat.eq(beat + 1)]


class AxisTop(wiring.Component):
    """AxisCore with AXI4-Stream's port names, `aclk` and `aresetn`: the Verilog top lgc_axis."""

    def __init__(self, core, latency, beat_width=None, out_width=None):
        self.axis = AxisCore(core, latency, beat_width, out_width)
        a = self.axis
        super().__init__({
            "aclk": In(1), "aresetn": In(1),
            "s_axis_tdata": In(a.beat_width), "s_axis_tvalid": In(1), "s_axis_tready": Out(1),
            "s_axis_tlast": In(1),
            "m_axis_tdata": Out(a.out_width), "m_axis_tvalid": Out(1), "m_axis_tready": In(1),
            "m_axis_tlast": Out(1),
            "error": Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.domains.sync = ClockDomain()
        m.d.comb += [ClockSignal("sync").eq(self.aclk), ResetSignal("sync").eq(~self.aresetn)]
        m.submodules.axis_stream = a = self.axis
        m.d.comb += [
            a.i.payload.data.eq(self.s_axis_tdata), a.i.payload.last.eq(self.s_axis_tlast),
            a.i.valid.eq(self.s_axis_tvalid), self.s_axis_tready.eq(a.i.ready),
            self.m_axis_tdata.eq(a.o.payload.data), self.m_axis_tlast.eq(a.o.payload.last),
            self.m_axis_tvalid.eq(a.o.valid), a.o.ready.eq(self.m_axis_tready),
            self.error.eq(a.error)]
        return m

    def verilog(self):
        """{file name: text}: lgc_axis and its submodules (the wrapped top comes with its own)."""
        unused = {}
        if self.axis.beats * self.axis.beat_width > self.axis.core.n_inputs:
            unused["s_axis_tdata"] = "padding bits of the last beat"
        files = convert(self, AXIS_TOP, unused)
        for name in files:
            if name != f"{AXIS_TOP}.v":   # the counters' carry bits (Amaranth's adds widen)
                files[name] = _lint_off(files[name], "UNUSEDSIGNAL")
        return files

    def summary(self, files):
        """report.json's rtl["axis"]."""
        a = self.axis
        return {"top": AXIS_TOP, "files": files, "wraps": a.core.module,
                "beat_width": a.beat_width, "beats_per_vector": a.beats,
                "out_beat_width": a.out_width, "beats_per_result": a.out_beats,
                "latency": a.latency + OUT_DELAY, "fifo_depth": a.depth,
                "class_bytes": a.class_bytes, "result_bits": a.result_bits,
                "ports": {name: len(getattr(self, name)) for name in self.signature.members}}


def _lint_off(text, warning):
    return f"/* verilator lint_off {warning} */\n{text}/* verilator lint_on {warning} */\n"
