"""What the proof reads from the RTL's structure: yosys's JSON netlist of the flattened core
(`proc; flatten; write_json`), a module with ports, cells and numbered bits.

- `pipeline_latency`: every path from the inputs to an output crosses the same number of
  registers, and nothing loops. A core like that, with one plain clocked register kind and no
  enables, computes at each clock edge t >= L exactly its combinational function (registers read as
  wires) of the inputs of edge t - L: that is what lets the proof work on `combinational(module)`.
- `score_sums`: each out_scores field as an exact integer sum of single bits (the "leaves": the
  GroupSum's input bits) plus a constant, read through the word-level adders: a field that is the
  low bits of an $add must hold its whole value (no bit that can be set is cut off), so the sum is
  the integer the bits spell. The bits of one adder may also be read apart, at different places
  (a full adder's sum and carry bits in the columns of a carry-save tree): wherever the reads of
  its low m bits add up to c * 2**j per bit j, they are c times its value (which those bits must
  spell). No SAT is needed for the adder trees, whatever their shape.
- `derive`: a copy of the module with bits exposed as outputs or cut into free inputs.
"""

import dataclasses

from ..errors import LgcError

REGISTER = "$dff"
# Cells whose output bit i reads only bit i of each data input (and all of a select).
BITWISE = {"$not", "$pos", "$buf", "$and", "$or", "$xor", "$xnor", "$mux", "$bwmux"}
ARITHMETIC = {"$add", "$sub", "$neg"}
BUFFERS = {"$pos", "$buf"}
IGNORED = {"$scopeinfo"}


class Module:
    """One module of a yosys JSON netlist, with the driver of every bit."""

    def __init__(self, module):
        self.json = module
        self.ports, self.cells = module["ports"], module["cells"]
        self.driver = {}  # bit -> (cell name, output port, index)
        for name, cell in self.cells.items():
            for port, bits in cell["connections"].items():
                if cell["port_directions"].get(port) == "output":
                    for i, bit in enumerate(bits):
                        if isinstance(bit, int):
                            self.driver[bit] = (name, port, i)
        self.inputs = {bit: name for name, port in self.ports.items()
                       if port["direction"] == "input" for bit in port["bits"]}

    def port(self, name):
        if name not in self.ports:
            raise LgcError(f"the RTL top has no port {name}")
        return self.ports[name]["bits"]

    def param(self, cell, name):
        """An integer parameter of a cell (yosys writes them as strings of binary digits)."""
        value = self.cells[cell]["parameters"][name]
        return int(value, 2) if isinstance(value, str) else int(value)

    def resolve(self, bit):
        """The bit a chain of buffers passes on (constants and sign extension included)."""
        while isinstance(bit, int) and bit in self.driver:
            name, port, i = self.driver[bit]
            cell = self.cells[name]
            if cell["type"] not in BUFFERS:
                break
            a = cell["connections"]["A"]
            if i < len(a):
                bit = a[i]
            else:
                bit = a[-1] if self.param(name, "A_SIGNED") else "0"
        return bit


# --- the pipeline ------------------------------------------------------------------------------

def pipeline_latency(module, data_inputs=("in_bits", "in_valid"),
                     outputs=("out_scores", "out_class", "out_valid"), clock="clk", reset="rst"):
    """The number of registers on every path from the data inputs to the outputs; LgcError
    naming the cell where two paths disagree, a loop, or a register the argument does not cover.
    The reset counts as a constant: the proof covers operation with reset low."""
    m = module
    clock_bits = set(m.port(clock))
    stage = {bit: 0 for name in data_inputs for bit in m.port(name)}
    stage.update({bit: None for bit in m.port(reset)})
    for name, cell in m.cells.items():
        if cell["type"] == REGISTER:
            if cell["connections"]["CLK"] != list(m.port(clock)) or \
                    m.param(name, "CLK_POLARITY") != 1:
                raise LgcError(f"RTL register {name} is not clocked by the rising edge of {clock}")
        elif cell["type"].startswith(("$dff", "$sdff", "$adff", "$aldff", "$dlatch", "$ff", "$mem",
                                      "$_DFF", "$_SDFF", "$_DLATCH")):
            raise LgcError(f"RTL cell {name} is a {cell['type']}: the proof covers plain registers "
                           "($dff: no enable, no reset on data) only")
        elif cell["type"] not in IGNORED and any(
                b in clock_bits for p, bits in cell["connections"].items()
                if cell["port_directions"].get(p) == "input" for b in bits):
            raise LgcError(f"RTL cell {name} reads the clock as data")
    for bit in [b for name in outputs for b in m.port(name)]:
        _stage(m, bit, stage)
    found = {stage.get(b) for name in outputs for b in m.port(name) if isinstance(b, int)} - {None}
    if len(found) != 1:
        raise LgcError(f"the RTL's outputs leave after different numbers of registers: "
                       f"{sorted(found)}")
    return found.pop()


def _stage(m, bit, stage):
    """Fill stage[] for `bit` and everything it depends on (iteratively: designs are deep)."""
    if not isinstance(bit, int) or bit in stage:
        return
    on_path, stack = set(), [bit]
    while stack:
        b = stack[-1]
        if b in stage:
            stack.pop()
            continue
        deps = [d for d in _depends(m, b) if isinstance(d, int)]
        todo = [d for d in deps if d not in stage]
        if todo:
            if b in on_path:
                raise LgcError(f"the RTL has a loop through {_where(m, b)}")
            on_path.add(b)
            stack.extend(todo)
            continue
        on_path.discard(b)
        stack.pop()
        found = {stage[d] for d in deps} - {None}
        if len(found) > 1:
            raise LgcError(f"the RTL's pipeline is unbalanced: {_where(m, b)} combines values "
                           f"that crossed {' and '.join(map(str, sorted(found)))} registers")
        value = found.pop() if found else None
        if value is not None and m.cells[m.driver[b][0]]["type"] == REGISTER:
            value += 1
        stage[b] = value


def _depends(m, bit):
    """The bits that bit depends on through its driving cell (a register: its D bit)."""
    if bit not in m.driver:
        if bit in m.inputs:
            raise LgcError(f"the RTL's input {m.inputs[bit]} is not a data input of the proof")
        raise LgcError(f"bit {bit} of the RTL is driven by nothing")
    name, _, i = m.driver[bit]
    cell = m.cells[name]
    conns = cell["connections"]
    if cell["type"] == REGISTER:
        return [conns["D"][i]]
    inputs = [p for p, d in cell["port_directions"].items() if d == "input"]
    if cell["type"] in BITWISE:
        return ([conns[p][min(i, len(conns[p]) - 1)] for p in inputs if p != "S"]
                + conns.get("S", []))
    return [b for p in inputs for b in conns[p]]


def _where(m, bit):
    """The cell driving `bit`, as its type and source location (its name when it has none)."""
    name = m.driver[bit][0]
    cell = m.cells[name]
    src = cell.get("attributes", {}).get("src", "").split("|")[0]
    return f"the {cell['type']} at {src.rsplit('.', 1)[0]}" if src else f"cell {name}"


def combinational(module):
    """The module with its registers as wires ($pos cells from D to Q): a new Module sharing
    every other cell with `module` (a netlist of a million gates is gigabytes as Python objects)."""
    json = dict(module.json, cells=dict(module.json["cells"]))
    for name, cell in json["cells"].items():
        if cell["type"] == REGISTER:
            width = len(cell["connections"]["D"])
            json["cells"][name] = dict(
                cell, type="$pos", parameters={"A_SIGNED": 0, "A_WIDTH": width, "Y_WIDTH": width},
                port_directions={"A": "input", "Y": "output"},
                connections={"A": cell["connections"]["D"], "Y": cell["connections"]["Q"]})
    return Module(json)


# --- the scores as sums ------------------------------------------------------------------------

@dataclasses.dataclass
class Sum:
    """const + sum of coefficient * bit, over single bits (0 or 1)."""
    terms: dict
    const: int = 0

    def scaled(self, factor):
        return Sum({b: c * factor for b, c in self.terms.items()}, self.const * factor)

    def add(self, other):
        terms = dict(self.terms)
        for b, c in other.terms.items():
            terms[b] = terms.get(b, 0) + c
        return Sum({b: c for b, c in terms.items() if c}, self.const + other.const)

    @property
    def low(self):
        return self.const + sum(c for c in self.terms.values() if c < 0)

    @property
    def high(self):
        return self.const + sum(c for c in self.terms.values() if c > 0)

    def window(self, bits, signed):
        """q such that `bits` bits of this value (two's complement when signed) spell exactly
        value - q * 2**bits for every value it can take; None if no single q does. (q is 0 when
        the bits hold the value; a generator may also keep only the low bits of a value whose
        high bits are known, and put those back as constants.)"""
        bias = 1 << (bits - 1) if signed else 0
        q = (self.low + bias) >> bits
        return q if (self.high + bias) >> bits == q else None


class _Sums:
    def __init__(self, module):
        self.m, self.forms = module, {}

    def word(self, bits, signed, what):
        """The integer the bits spell (LSB first; two's complement when signed), as a Sum. With
        signed None (an output field), a value that fits either way is the same bits."""
        m, total, i, n = self.m, Sum({}), 0, len(bits)
        while i < n:
            weight = -(1 << i) if signed and i == n - 1 else 1 << i
            bit = m.resolve(bits[i])
            if bit in ("0", "1"):
                total = total.add(Sum({}, weight * int(bit)))
                i += 1
                continue
            if not isinstance(bit, int):
                raise LgcError(f"{what}: bit {i} is undefined ({bit})")
            name, _, j = m.driver.get(bit, (None, None, None))
            if name is None or m.cells[name]["type"] not in ARITHMETIC:
                total = total.add(Sum({bit: weight}))  # a leaf: one bit of logic
                i += 1
                continue
            y = m.cells[name]["connections"]["Y"]
            k = 1
            while j == 0 and i + k < n and k < len(y) and m.resolve(bits[i + k]) == y[k]:
                k += 1
            value = self.cell(name) if j == 0 else None
            top = i + k == n
            q = None if value is None else value.window(k, bool(signed and top))
            if q is None and value is not None and signed is None and top:
                q = value.window(k, True)
            if q is None:   # bits of an adder read apart: _recombine joins them
                for b in range(k):
                    total = total.add(Sum({(name, j + b): weight << b}))
            else:
                total = total.add(value.add(Sum({}, -q << k)).scaled(1 << i))
            i += k
        return total

    def recombine(self, total, what, strict):
        """`total` with the bits of each adder read apart (terms (cell, bit)) replaced by its
        value where their coefficients are c * 2**j for its low bits j (which spell its value);
        outer adders first, since their values read the inner ones' bits. LgcError, when
        `strict`, for bits left that do not add up to a value."""
        skipped = set()
        while True:
            pending = {k[0] for k in total.terms if isinstance(k, tuple)} - skipped
            inner, todo = set(), [r for name in pending for r in self._reads(name)]
            while todo:
                name = todo.pop()
                if name not in inner:
                    inner.add(name)
                    todo.extend(self._reads(name))
            ready = pending - inner
            if not ready:
                break
            for name in ready:
                joined = self._joined(total, name)
                if joined is None:
                    skipped.add(name)
                else:
                    total = joined
        left = sorted({k[0] for k in total.terms if isinstance(k, tuple)})
        if strict and left:
            value = self.cell(left[0])
            where = _where(self.m, self.m.cells[left[0]]["connections"]["Y"][0])
            raise LgcError(f"{what}: reads bits of {where} apart, whose value "
                           f"({value.low}..{value.high}) they do not spell")
        return total

    def _reads(self, name):
        """The adders whose bits the value of adder `name` reads apart."""
        return {k[0] for k in self.cell(name).terms if isinstance(k, tuple)}

    def _joined(self, total, name):
        """total with adder `name`'s bits read apart replaced by its value; None where their
        coefficients are not c * 2**j over its bits from the lowest read one (those below it
        must be fixed: every coefficient of its value a multiple of their weight) up, and
        those bits do not spell its value."""
        coefficient = {k[1]: c for k, c in total.terms.items()
                       if isinstance(k, tuple) and k[0] == name}
        low, width = min(coefficient), 1 + max(coefficient)
        c = coefficient[low] >> low
        value = self.cell(name)
        q = value.window(width, False)
        if q is None or coefficient[low] != c << low \
                or any(coefficient.get(j, 0) != c << j for j in range(low, width)) \
                or any(v % (1 << low) for v in value.terms.values()):
            return None
        fixed = value.const % (1 << low)   # the bits below the lowest read one
        rest = Sum({k: v for k, v in total.terms.items()
                    if not (isinstance(k, tuple) and k[0] == name)}, total.const)
        return rest.add(value.add(Sum({}, -(q << width) - fixed)).scaled(c))

    def cell(self, name):
        if name not in self.forms:
            cell = self.m.cells[name]
            conns, what = cell["connections"], _where(self.m, cell["connections"]["Y"][0])
            signed = all(self.m.param(name, p) for p in ("A_SIGNED", "B_SIGNED")
                         if p in cell["parameters"])
            a = self.word(conns["A"], signed, what)
            if cell["type"] == "$neg":
                value = a.scaled(-1)
            else:
                b = self.word(conns["B"], signed, what)
                value = a.add(b.scaled(-1 if cell["type"] == "$sub" else 1))
            self.forms[name] = self.recombine(value, what, strict=False)
        return self.forms[name]


def score_sums(module, n_classes, score_width, port="out_scores"):
    """Each field of out_scores as an exact Sum over leaf bits (LgcError where the RTL computes
    a score other than as a sum of bits). A field's bits are its Sum in w-bit unsigned or two's
    complement: the same bits for the non-negative counts the proof shows the Sum equals."""
    bits = module.port(port)
    if len(bits) != n_classes * score_width:
        raise LgcError(f"the RTL's {port} has {len(bits)} bits, not {n_classes} x {score_width}")
    reader = _Sums(module)
    return [reader.recombine(reader.word(bits[c * score_width:(c + 1) * score_width], None,
                                         f"{port} field {c}"), f"{port} field {c}", strict=True)
            for c in range(n_classes)]


# --- derived modules ---------------------------------------------------------------------------

def derive(module, outputs=None, cut=None):
    """The module's JSON with new output ports ({name: bits}) and with `cut` ({name: bits})
    turned into input ports: whatever read those bits reads the new inputs instead. It shares
    the cells it leaves unchanged with `module` (neither is changed)."""
    json = dict(module.json, ports=dict(module.json["ports"]), cells=dict(module.json["cells"]))
    fresh = 1 + max(max((b for bits in json["netnames"].values() for b in bits["bits"]
                         if isinstance(b, int)), default=0),
                    max((b for p in json["ports"].values() for b in p["bits"]
                         if isinstance(b, int)), default=0))
    renamed = {}
    for name, bits in (cut or {}).items():
        new = list(range(fresh, fresh + len(bits)))
        fresh += len(bits)
        renamed.update(zip(bits, new))
        json["ports"][name] = {"direction": "input", "bits": new}
    rename = lambda bits: [renamed.get(b, b) for b in bits]
    if renamed:
        for name, cell in json["cells"].items():
            read = {p: rename(bits) for p, bits in cell["connections"].items()
                    if cell["port_directions"].get(p) == "input"
                    and any(b in renamed for b in bits)}
            if read:
                json["cells"][name] = dict(cell, connections=dict(cell["connections"], **read))
        for name, p in json["ports"].items():
            if p["direction"] == "output":
                json["ports"][name] = dict(p, bits=rename(p["bits"]))
    for name, bits in (outputs or {}).items():
        json["ports"][name] = {"direction": "output", "bits": rename(bits)}
    return json


def output_cone(module, json):
    """`json` (derived from `module` by `derive`, which renames only what cells read) with only
    the cells its output ports depend on, and the wires among them: what yosys keeps of it
    anyway, without yosys (or json.dump) handling the rest (a cut core is mostly the cut-off
    popcount)."""
    cells, keep, seen = json["cells"], set(), set()
    todo = [b for p in json["ports"].values() if p["direction"] == "output" for b in p["bits"]]
    while todo:
        bit = todo.pop()
        if not isinstance(bit, int) or bit in seen:
            continue
        seen.add(bit)
        name = module.driver.get(bit, (None,))[0]
        if name is None or name in keep:
            continue
        keep.add(name)
        cell = cells[name]
        todo += [b for p, bits in cell["connections"].items()
                 if cell["port_directions"].get(p) == "input" for b in bits]
    return dict(json, cells={name: cells[name] for name in keep},
                netnames={name: net for name, net in json["netnames"].items()
                          if all(b in seen for b in net["bits"] if isinstance(b, int))})
