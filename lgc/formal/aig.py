"""And-inverter graphs: the specification (spec_aig.py) and the RTL's stages as yosys maps them
(`write_aiger -symbols`), in one numpy form, simulated bit-parallel, cut into cones and joined
into miters for ABC.

Literals follow AIGER: 2*v is variable v, 2*v + 1 its negation, 0 and 1 the constants. An `Aig`
has variable 0 (the constant), its inputs as variables 1..n_inputs and AND gates after them, each
reading only earlier variables and sorted by level (the longest path from an input), so one
level is one numpy operation when simulating. A value is a row of uint64 words: bit s of word w
is the value in sample 64 * w + s.
"""

import dataclasses

import numpy as np

from ..errors import LgcError


@dataclasses.dataclass
class Aig:
    n_inputs: int
    fanins: np.ndarray   # int64 [A, 2]: AND variable n_inputs + 1 + a is
                         # fanins[a, 0] & fanins[a, 1]
    level: np.ndarray    # int32 [n_inputs + 1 + A], non-decreasing over the AND gates
    inputs: dict = dataclasses.field(default_factory=dict)   # port -> {bit: variable}
    outputs: dict = dataclasses.field(default_factory=dict)  # port -> int64
                                                             # [literal of bit 0, 1, ...]

    @property
    def variables(self):
        return self.n_inputs + 1 + len(self.fanins)

    def simulate(self, words):
        """Values of every variable, uint64 [variables, W], for input values `words` (uint64
        [n_inputs, W], row i for variable i + 1)."""
        values = np.empty((self.variables, words.shape[1]), np.uint64)
        values[0] = 0
        values[1:self.n_inputs + 1] = words
        first = self.n_inputs + 1
        bounds = np.flatnonzero(np.diff(self.level[first:])) + 1
        for start, end in zip(np.r_[0, bounds], np.r_[bounds, len(self.fanins)]):
            a, b = self.fanins[start:end, 0], self.fanins[start:end, 1]
            values[first + start:first + end] = ((values[a >> 1] ^ _masks(a)[:, None])
                                                 & (values[b >> 1] ^ _masks(b)[:, None]))
        return values

    def evaluate(self, vectors):
        """{output port: uint8 [N, width]} for {input port: 0/1 array [N, width]}."""
        n = len(next(iter(vectors.values())))
        words = np.zeros((self.n_inputs, (n + 63) // 64), np.uint64)
        for port, bits in self.inputs.items():
            if port not in vectors:
                raise LgcError(f"no values given for the input {port}")
            columns = np.asarray(vectors[port], dtype=np.uint8).reshape(n, -1)
            for j, var in bits.items():
                words[var - 1] = pack(columns[:, j])
        values = self.simulate(words)
        return {port: unpack(literal_values(values, np.asarray(lits, np.int64)), n).T
                for port, lits in self.outputs.items()}

    def cone(self, roots, stop=None):
        """bool [variables]: the variables the literals `roots` depend on, not looking past the
        variables where `stop` (bool [variables]) is set (those are included)."""
        needed = np.zeros(self.variables, bool)
        needed[np.asarray(roots, np.int64) >> 1] = True
        first = self.n_inputs + 1
        bounds = np.r_[0, np.flatnonzero(np.diff(self.level[first:])) + 1, len(self.fanins)]
        for start, end in zip(bounds[-2::-1], bounds[:0:-1]):  # the last level first
            here = first + start + np.flatnonzero(needed[first + start:first + end])
            if stop is not None:
                here = here[~stop[here]]
            needed[self.fanins[here - first].reshape(-1) >> 1] = True
        return needed


def _masks(literals):
    """All ones where a literal is negated, as uint64."""
    return np.uint64(0) - (literals & 1).astype(np.uint64)


def literal_values(values, literals):
    """Rows of `values` for literals (negated where a literal is)."""
    return values[literals >> 1] ^ _masks(literals)[:, None]


def pack(column):
    """0/1 values of N samples as uint64 words, sample s at bit s % 64 of word s // 64."""
    n = len(column)
    padded = np.zeros(((n + 63) // 64) * 64, np.uint8)
    padded[:n] = column
    return np.packbits(padded.reshape(-1, 8), axis=1,
                       bitorder="little").reshape(-1).view("<u8").copy()


def unpack(rows, n):
    """uint8 [R, n]: the first n samples of each row of words."""
    raw = np.ascontiguousarray(rows).astype("<u8").view(np.uint8).reshape(len(rows), -1)
    return np.unpackbits(raw, axis=1, bitorder="little")[:, :n]


def levels(n_inputs, fanins):
    """The level of every variable (inputs and constant 0) of AND gates given in any order
    (fanins [A, 2] of variables n_inputs + 1 ...); LgcError on a combinational loop."""
    first = n_inputs + 1
    level = np.zeros(first + len(fanins), np.int64)
    known = np.zeros(len(level), bool)
    known[:first] = True
    a, b = fanins[:, 0] >> 1, fanins[:, 1] >> 1
    todo = np.arange(len(fanins))
    while len(todo):
        ready = known[a[todo]] & known[b[todo]]
        if not ready.any():
            raise LgcError("the logic has a combinational loop")
        done = todo[ready]
        level[first + done] = 1 + np.maximum(level[a[done]], level[b[done]])
        known[first + done] = True
        todo = todo[~ready]
    return level


def canonical(n_inputs, fanins, outputs, inputs=None):
    """An Aig of AND gates given in any order (variable n_inputs + 1 + a = fanins[a]): renumbered
    so that they are sorted by level; `outputs` ({port: literals}) follow."""
    level = levels(n_inputs, fanins)
    first = n_inputs + 1
    order = np.argsort(level[first:], kind="stable")
    new = np.arange(len(level), dtype=np.int64)
    new[first + order] = first + np.arange(len(order))
    remap = lambda lits: 2 * new[np.asarray(lits, np.int64) >> 1] + (np.asarray(lits, np.int64) & 1)
    return Aig(n_inputs, remap(fanins[order]).reshape(-1, 2),
               np.r_[level[:first], level[first + order]].astype(np.int32), inputs or {},
               {port: remap(lits) for port, lits in outputs.items()})


# --- AIGER files -------------------------------------------------------------------------------

def read_binary(path):
    """A binary AIGER file as yosys writes it (`write_aiger -symbols`): (Aig with its latches as
    inputs, latches [L, 2] of (variable, next-state literal)). Ports come from the symbols, every
    input, latch and output bit must have one."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n")
    header = data[:end].split()
    if len(header) != 6 or header[0] != b"aig":
        raise LgcError(f"{path}: not a binary AIGER file")
    n_vars, n_in, n_latch, n_out, n_and = (int(v) for v in header[1:])
    position, lines = end + 1, []
    for _ in range(n_latch + n_out):
        end = data.index(b"\n", position)
        lines.append(data[position:end].split())
        position = end + 1
    latches = np.array([[n_in + 1 + i, int(line[0])] for i, line in enumerate(lines[:n_latch])],
                       np.int64).reshape(-1, 2)
    out_lits = np.array([int(line[0]) for line in lines[n_latch:]], np.int64)
    deltas, position = _read_varints(data, position, 2 * n_and)
    lhs = 2 * (n_in + n_latch + 1 + np.arange(n_and, dtype=np.int64))
    rhs0 = lhs - deltas[0::2]
    fanins = np.stack([rhs0, rhs0 - deltas[1::2]], axis=1)
    names = {}
    for line in data[position:].decode().split("\n"):
        if not line or line.startswith("c"):
            break
        key, _, name = line.partition(" ")
        names[key] = name.split(" ")[0]
    inputs = _ports(names, "i", range(1, n_in + 1))
    inputs.update(_ports(names, "l", latches[:, 0]))
    outputs = {port: np.array([bits[i] for i in range(len(bits))], np.int64)
               for port, bits in _ports(names, "o", out_lits).items()}
    aig = Aig(n_in + n_latch, fanins, None, inputs, outputs)
    if n_vars != aig.variables - 1:
        raise LgcError(f"{path}: the header's {n_vars} variables are not its {aig.variables - 1}")
    return aig, latches


def _read_varints(data, position, count):
    """`count` AIGER varints from data[position:]; returns (uint values int64, end position)."""
    raw = np.frombuffer(data, np.uint8, offset=position)
    ends = np.flatnonzero(raw < 128)
    if len(ends) < count:
        raise LgcError("the AIGER file ends inside its and gates")
    if not count:
        return np.zeros(0, np.int64), position
    raw = raw[:ends[count - 1] + 1].astype(np.int64)
    index = np.r_[0, np.cumsum(raw[:-1] < 128)]   # the varint each byte belongs to
    starts = np.r_[0, ends[:count - 1] + 1]
    shift = 7 * (np.arange(len(raw)) - starts[index])
    values = np.zeros(count, np.int64)
    np.add.at(values, index, (raw & 127) << shift)
    return values, position + len(raw)


def _ports(names, prefix, items):
    """{port: {bit: item}} from symbols like 'i3 i[3]' (or 'o0 out_class')."""
    bits = {}
    for index, item in enumerate(items):
        name = names.get(f"{prefix}{index}")
        if name is None:
            raise LgcError(f"AIGER symbol {prefix}{index} is missing")
        port, _, rest = name.partition("[")
        bits.setdefault(port, {})[int(rest[:-1]) if rest else 0] = int(item)
    return bits


def registers_as_wires(aig, latches, inputs):
    """The combinational function of a pipelined circuit: every latch (a register) read as the
    wire from its next state. Returns (Aig over the ports `inputs` only, latency): every path from
    an input to an output crosses the same number of registers, the latency; LgcError naming the
    output where two paths disagree, or a loop."""
    first = aig.n_inputs + 1
    depth = np.full(aig.variables, -1, np.int64)  # registers crossed; -2: constant, -1: unknown
    depth[0] = -2
    is_latch = np.zeros(aig.variables, bool)
    is_latch[latches[:, 0]] = True
    depth[1:first][~is_latch[1:first]] = 0
    a, b = aig.fanins[:, 0] >> 1, aig.fanins[:, 1] >> 1
    q, d = latches[:, 0], latches[:, 1] >> 1
    while True:
        before = depth.copy()
        known = depth[d] != -1
        depth[q[known]] = np.where(depth[d[known]] == -2, -2, depth[d[known]] + 1)
        da, db = depth[a], depth[b]
        ready = (da != -1) & (db != -1)
        clash = ready & (da >= 0) & (db >= 0) & (da != db)
        if clash.any():
            raise LgcError(f"the pipeline is unbalanced: an and gate combines values that crossed "
                           f"{da[clash][0]} and {db[clash][0]} registers")
        depth[first + np.flatnonzero(ready)] = np.where(da == -2, db, da)[ready]
        if np.array_equal(before, depth):
            break
    out = np.concatenate([np.asarray(v) for v in aig.outputs.values()] + [np.zeros(0, np.int64)])
    found = set(depth[out >> 1].tolist()) - {-2}
    if -1 in found:
        raise LgcError("the logic has a loop through a register")
    if len(found) > 1:
        raise LgcError(f"the outputs leave after different numbers of registers: {sorted(found)}")
    latency = found.pop() if found else 0
    # registers as wires: a latch variable stands for its next state's literal
    target = np.arange(2 * aig.variables, dtype=np.int64)
    target[2 * q] = latches[:, 1]
    target[2 * q + 1] = latches[:, 1] ^ 1
    for _ in range(len(q) + 1):  # a register reading a register
        moved = target[target]
        if np.array_equal(moved, target):
            break
        target = moved
    keep = [port for port in inputs if port in aig.inputs]
    read = np.zeros(aig.variables, bool)
    read[np.r_[aig.fanins.reshape(-1), latches[:, 1], out] >> 1] = True
    for port, bits in aig.inputs.items():
        if port not in inputs and not is_latch[list(bits.values())].all() \
                and read[list(bits.values())].any():
            raise LgcError(f"the logic reads {port}, which is not one of its data inputs")
    # inputs: the kept ports' variables, renumbered 1..n; AND gates after them
    old_inputs = np.array([v for port in keep for v in aig.inputs[port].values()], np.int64)
    new_var = np.full(aig.variables, -1, np.int64)
    new_var[0] = 0
    new_var[old_inputs] = 1 + np.arange(len(old_inputs))
    n = len(old_inputs)
    new_var[first:] = n + 1 + np.arange(len(aig.fanins))

    def remap(lits):
        lits = target[np.asarray(lits, np.int64)]
        mapped = new_var[lits >> 1]
        if (mapped < 0).any():
            raise LgcError("the logic reads an input that is not one of its data inputs")
        return 2 * mapped + (lits & 1)

    ports = {port: {bit: int(new_var[v]) for bit, v in aig.inputs[port].items()} for port in keep}
    result = canonical(n, remap(aig.fanins).reshape(-1, 2),
                       {port: remap(lits) for port, lits in aig.outputs.items()}, ports)
    return result, latency


def read_combinational(path):
    """A binary AIGER file without latches (`write_aiger -symbols` of a combinational module)
    as a levelled Aig."""
    aig, latches = read_binary(path)
    if len(latches):
        raise LgcError(f"{path}: the logic has registers")
    return canonical(aig.n_inputs, aig.fanins, aig.outputs, aig.inputs)


def miter(a, b, pairs, ties=None):
    """One dual-output miter of `a` and `b` side by side, for ABC: inputs of the same port and bit
    are shared (the ports in `ties`, {port: 0 or 1}, are constants instead), and outputs 2i and
    2i + 1 are pairs[i] = (literal in a, literal in b); a "literal" 0 or 1 there is a constant.
    Returns (inputs [(port, bit)] in variable order, output literals, fanins [A, 2]) with the
    inputs as variables 1..I and the and gates after them, in order."""
    ties = ties or {}
    inputs = []
    for aig in (a, b):
        inputs += [(port, bit) for port, bits in aig.inputs.items() if port not in ties
                   for bit in sorted(bits) if (port, bit) not in inputs]
    number = {key: i + 1 for i, key in enumerate(inputs)}
    fanins, maps, top = [], [], len(inputs) + 1   # top: the next free variable
    for aig in (a, b):
        to = np.zeros(aig.variables, np.int64)  # old variable -> new literal
        for port, bits in aig.inputs.items():
            for bit, var in bits.items():
                to[var] = ties[port] if port in ties else 2 * number[port, bit]
        first = aig.n_inputs + 1
        to[first:] = 2 * (top + np.arange(len(aig.fanins)))
        top += len(aig.fanins)
        fanins.append(to[aig.fanins >> 1] ^ (aig.fanins & 1))
        maps.append(to)
    sides = np.asarray(pairs, dtype=np.int64).reshape(-1, 2).T
    p, q = (np.where(side > 1, m[side >> 1] ^ (side & 1), side) for m, side in zip(maps, sides))
    return inputs, dual_outputs(p, q), np.concatenate(fanins)


def dual_outputs(p, q):
    """The outputs of a dual-output miter: p[0], q[0], p[1], q[1], ... (ABC's `&cec -m -d` proves
    each pair equal; its single-output mode, which looks for XORs at the outputs, wrongly proved
    some miters of many XORs: tests/formal/test_aig.py)."""
    return np.stack([np.asarray(p, np.int64), np.asarray(q, np.int64)], axis=1).reshape(-1)


def window(aig, pairs, stop):
    """A dual-output miter of literal pairs of one Aig (as `miter`), cut at the variables where
    `stop` (bool [variables]) is set: those and the inputs it reaches become free inputs. Returns
    (free variables of `aig` in input order, output literals, fanins [A, 2]) as for write_binary."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    needed = aig.cone(pairs.reshape(-1), stop)
    first = aig.n_inputs + 1
    free = np.flatnonzero(needed & (stop | (np.arange(aig.variables) < first)))
    free = free[free > 0]
    gates = np.flatnonzero(needed[first:] & ~stop[first:])
    to = np.zeros(aig.variables, np.int64)
    to[free] = 2 * (1 + np.arange(len(free)))
    to[first + gates] = 2 * (1 + len(free) + np.arange(len(gates)))
    remap = lambda lits: to[lits >> 1] ^ (lits & 1)
    fanins = remap(aig.fanins[gates]).reshape(-1, 2)
    return free, dual_outputs(remap(pairs[:, 0]), remap(pairs[:, 1])), fanins


def write_binary(path, n_inputs, outputs, ands):
    """Write a combinational AIG in binary AIGER (ABC's &r reads only that): inputs are
    variables 1..n_inputs, ands [A, 2] (fanin literals) define the next variables in order."""
    with open(path, "wb") as f:
        f.write(binary(n_inputs, outputs, ands))


def binary(n_inputs, outputs, fanins):
    """The bytes of a binary AIGER file: inputs are variables 1..n_inputs, fanins [A, 2] define
    the next variables in order (each reading only earlier ones)."""
    lhs = 2 * (n_inputs + 1 + np.arange(len(fanins), dtype=np.int64))
    r0, r1 = np.maximum(fanins[:, 0], fanins[:, 1]), np.minimum(fanins[:, 0], fanins[:, 1])
    if (r0 >= lhs).any():
        raise LgcError("an and gate reads a later variable")
    deltas = np.stack([lhs - r0, r0 - r1], axis=1).reshape(-1).astype(np.uint64)
    head = f"aig {n_inputs + len(fanins)} {n_inputs} 0 {len(outputs)} {len(fanins)}\n"
    return head.encode() + "".join(f"{int(o)}\n" for o in outputs).encode() + _varints(deltas)


def _varints(values):
    """AIGER's 7-bit little-endian varints of uint64 values, all in one bytes object."""
    if not len(values):
        return b""
    width = max(1, (int(values.max()).bit_length() + 6) // 7)
    shifts = np.arange(width, dtype=np.uint64) * np.uint64(7)
    groups = (values[:, None] >> shifts) & np.uint64(0x7F)  # [n, width]
    more = (values[:, None] >> (shifts + np.uint64(7))) > 0
    used = np.concatenate([np.ones((len(values), 1), bool), more[:, :-1]], axis=1)
    data = (groups | (more.astype(np.uint64) << np.uint64(7))).astype(np.uint8)
    return data[used].tobytes()


def read_sequential(path):
    """A binary AIGER file with latches, zero-initialized (`write_aiger -zinit -symbols`), as a
    levelled Aig whose latches are inputs, and the int64 [L, 2] (latch variable, next-state
    literal) pairs in that Aig's numbering."""
    raw, latches = read_binary(path)
    outputs = dict(raw.outputs, **{NEXT: latches[:, 1]})
    circuit = canonical(raw.n_inputs, raw.fanins, outputs, raw.inputs)
    next_literals = circuit.outputs.pop(NEXT)
    return circuit, np.stack([latches[:, 0], next_literals], axis=1)


NEXT = " next"  # a port name no symbol has: the latches' next states, while renumbering


def simulate_frames(circuit, latches, frames):
    """Run a sequential Aig (read_sequential) from its all-zero state: `frames` {input port:
    0/1 array [T, N, width]} for every port that is not a latch; returns {output port: uint8
    [T, N, width]}, frame t computed from the inputs of clock t and the state before it."""
    is_latch = set(latches[:, 0].tolist())
    ports = {port: bits for port, bits in circuit.inputs.items()
             if not set(bits.values()) <= is_latch}
    steps, n = next(iter(frames.values())).shape[:2]
    words = np.zeros((circuit.n_inputs, (n + 63) // 64), np.uint64)
    out = {port: np.zeros((steps, n, len(lits)), np.uint8)
           for port, lits in circuit.outputs.items()}
    for t in range(steps):
        for port, bits in ports.items():
            if port not in frames:
                raise LgcError(f"no values given for the input {port}")
            columns = np.asarray(frames[port][t], dtype=np.uint8).reshape(n, -1)
            for j, var in bits.items():
                words[var - 1] = pack(columns[:, j])
        values = circuit.simulate(words)
        for port, lits in circuit.outputs.items():
            out[port][t] = unpack(literal_values(values, np.asarray(lits, np.int64)), n).T
        words[latches[:, 0] - 1] = literal_values(values, latches[:, 1])
    return out
