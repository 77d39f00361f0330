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
