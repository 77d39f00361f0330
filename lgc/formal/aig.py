"""An and-inverter graph as yosys writes it (`write_aiger -ascii -symbols`), evaluated bit-parallel.

The proofs use it to run vectors through exactly what the prover sees: the spec and the RTL as
yosys elaborated them. Node literals follow AIGER: 2*v is variable v, 2*v + 1 its negation, 0 and
1 the constants. Each variable holds one Python integer whose bit s is its value in sample s, so an
AND gate is one integer operation for all samples at once.
"""

import dataclasses

import numpy as np

from ..errors import LgcError


@dataclasses.dataclass
class Aig:
    inputs: dict     # port name -> {bit: variable} (bits the logic does not read are absent)
    outputs: dict    # port name -> [literal of bit 0, bit 1, ...]
    ands: np.ndarray  # int64 [A, 3]: lhs, rhs0, rhs1 literals, in topological order
    variables: int   # M of the header: variables are 1..M

    def evaluate(self, vectors):
        """{output port: uint8 [N, width]} for {input port: 0/1 array [N, width]}."""
        n = len(next(iter(vectors.values())))
        values = [0] * (self.variables + 1)
        for port, bits in self.inputs.items():
            if port not in vectors:
                raise LgcError(f"no values given for the input {port}")
            columns = np.asarray(vectors[port], dtype=np.uint8).reshape(n, -1)
            for j, var in bits.items():
                values[var] = _pack(columns[:, j])
        ones = (1 << n) - 1
        for lhs, a, b in self.ands.tolist():
            x = values[a >> 1] ^ (ones if a & 1 else 0)
            y = values[b >> 1] ^ (ones if b & 1 else 0)
            values[lhs >> 1] = x & y
        return {port: np.stack([_unpack(values[lit >> 1] ^ (ones if lit & 1 else 0), n)
                                for lit in lits], axis=1) if lits else np.zeros((n, 0), np.uint8)
                for port, lits in self.outputs.items()}


def read(path):
    """Read an ASCII AIGER file with a symbol table for every input and output bit."""
    with open(path) as f:
        header = f.readline().split()
        if len(header) != 6 or header[0] != "aag":
            raise LgcError(f"{path}: not an ASCII AIGER file")
        n_vars, n_in, n_latch, n_out, n_and = (int(v) for v in header[1:])
        if n_latch:
            raise LgcError(f"{path}: has {n_latch} latches; a combinational circuit was expected")
        in_lits = [int(f.readline()) for _ in range(n_in)]
        out_lits = [int(f.readline()) for _ in range(n_out)]
        ands = np.array([f.readline().split() for _ in range(n_and)], dtype=np.int64).reshape(-1, 3)
        names = {}
        for line in f:
            if line.startswith("c"):
                break
            key, _, name = line.rstrip("\n").partition(" ")
            names[key] = name.split(" ")[0]
    if len(ands) and (ands[:, 1:] >= ands[:, :1]).any():
        raise LgcError(f"{path}: and gates are not in topological order")
    outputs = _ports(names, "o", out_lits)
    return Aig(_ports(names, "i", [lit >> 1 for lit in in_lits]),
               {port: [bits[i] for i in range(len(bits))] for port, bits in outputs.items()},
               ands, n_vars)


def _ports(names, prefix, items):
    """{port: {bit: item}} from symbols like 'i3 in_bits[3]' (or 'o0 out_class')."""
    bits = {}
    for index, item in enumerate(items):
        name = names.get(f"{prefix}{index}")
        if name is None:
            raise LgcError(f"AIGER symbol {prefix}{index} is missing")
        port, _, rest = name.partition("[")
        bits.setdefault(port, {})[int(rest[:-1]) if rest else 0] = item
    return bits


def _pack(column):
    """0/1 values of N samples as one integer, sample s at bit s."""
    return int.from_bytes(np.packbits(column, bitorder="little").tobytes(), "little")


def _unpack(value, n):
    raw = np.frombuffer(value.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n]


def miter(a, b, pairs, ties=None):
    """One AIG of `a` and `b` side by side, for ABC: inputs of the same port and bit are shared
    (the ports in `ties`, {port: 0 or 1}, are constants instead), and output i is the XOR of
    pairs[i] = (literal in a, literal in b); a "literal" 0 or 1 there is a constant. Returns
    (inputs [(port, bit)] in variable order, output literals, ands [A, 3]) with the inputs as
    variables 1..I and the and gates as I+1..M, in order."""
    ties = ties or {}
    inputs = []
    for aig in (a, b):
        inputs += [(port, bit) for port, bits in aig.inputs.items() if port not in ties
                   for bit in sorted(bits) if (port, bit) not in inputs]
    number = {key: i + 1 for i, key in enumerate(inputs)}
    ands, maps, top = [], [], len(inputs)
    for aig in (a, b):
        to = np.zeros(aig.variables + 1, np.int64)  # old variable -> new literal
        for port, bits in aig.inputs.items():
            for bit, var in bits.items():
                to[var] = ties[port] if port in ties else 2 * number[port, bit]
        gates = aig.ands[np.argsort(aig.ands[:, 0])]
        to[gates[:, 0] >> 1] = 2 * (top + 1 + np.arange(len(gates)))
        top += len(gates)
        ands.append(np.stack([to[gates[:, 0] >> 1], to[gates[:, 1] >> 1] ^ (gates[:, 1] & 1),
                              to[gates[:, 2] >> 1] ^ (gates[:, 2] & 1)], axis=1))
        maps.append(to)
    sides = np.asarray(pairs, dtype=np.int64).reshape(-1, 2).T
    p, q = (np.where(side > 1, m[side >> 1] ^ (side & 1), side) for m, side in zip(maps, sides))
    n = len(p)
    first = 2 * (top + 1 + np.arange(n))  # p and not q
    second = first + 2 * n                # not p and q
    either = second + 2 * n               # not (neither): the xor, negated
    ands.append(np.concatenate([np.stack([first, p, q ^ 1], axis=1),
                                np.stack([second, p ^ 1, q], axis=1),
                                np.stack([either, first ^ 1, second ^ 1], axis=1)]))
    return inputs, either ^ 1, np.concatenate(ands)


def write_binary(path, n_inputs, outputs, ands):
    """Write a combinational AIG in binary AIGER (ABC's &r reads only that): inputs are
    variables 1..n_inputs, ands [A, 3] define the next variables in order."""
    lhs, r0, r1 = ands[:, 0], np.maximum(ands[:, 1], ands[:, 2]), np.minimum(ands[:, 1], ands[:, 2])
    if len(ands) and (not np.array_equal(lhs, 2 * (n_inputs + 1 + np.arange(len(ands)))) or (r0 >= lhs).any()):
        raise LgcError("and gates must follow the inputs in order and read only earlier variables")
    deltas = np.stack([lhs - r0, r0 - r1], axis=1).reshape(-1).astype(np.uint64)
    with open(path, "wb") as f:
        f.write(f"aig {n_inputs + len(ands)} {n_inputs} 0 {len(outputs)} {len(ands)}\n".encode())
        f.write("".join(f"{int(o)}\n" for o in outputs).encode())
        f.write(_varints(deltas))


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
