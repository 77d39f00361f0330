"""Verification after every pass: the netlist must give identical integer scores on the user's
vectors plus random ones. Equal scores mean equal classes (the class is the first maximum).

Evaluating costs gates x vectors, so above VERIFY_FULL_GATES the check is *sampled*: at most
SAMPLED_GIVEN of the given vectors (evenly spaced) and SAMPLED_RANDOM random ones.
"""

import numpy as np

from ..errors import LgcError
from ..ir.evaluate import check_vectors

N_RANDOM = 1024
VERIFY_FULL_GATES = 1_000_000
SAMPLED_GIVEN = 256
SAMPLED_RANDOM = 64


class VerificationError(LgcError):
    """A pass changed what the netlist computes (a bug in lgc: the message says where)."""


class Verifier:
    """Scores of the original netlist on fixed vectors, to compare each pass's output against."""

    def __init__(self, netlist, vectors=None, n_random=N_RANDOM, seed=0):
        given = np.zeros((0, netlist.n_inputs), dtype=np.uint8) if vectors is None \
            else check_vectors(vectors, netlist.n_inputs)
        self.sampled = netlist.gate_count() > VERIFY_FULL_GATES
        if self.sampled:
            given = given[np.unique(np.linspace(0, len(given) - 1, SAMPLED_GIVEN).astype(int))] \
                if len(given) > SAMPLED_GIVEN else given
            n_random = min(n_random, SAMPLED_RANDOM)
        rng = np.random.default_rng(seed)
        self.x = np.concatenate([given, rng.integers(0, 2, (n_random, netlist.n_inputs), dtype=np.uint8)])
        self.n_given, self.n_random, self.seed = len(given), n_random, seed
        self.expected = netlist.evaluate(self.x)[0]

    def check(self, netlist, pass_name):
        """Raise VerificationError naming the pass and the first vector whose scores changed."""
        scores = netlist.evaluate(self.x)[0]
        if scores.shape != self.expected.shape:
            raise VerificationError(f"pass {pass_name!r} changed the number of classes from "
                                    f"{self.expected.shape[1]} to {scores.shape[1]}")
        differs = np.flatnonzero((scores != self.expected).any(axis=1))
        if len(differs):
            i = differs[0]
            which = (f"given vector {i}" if i < self.n_given else
                     f"random vector {i - self.n_given} (seed {self.seed})")
            raise VerificationError(
                f"pass {pass_name!r} changed the scores on {len(differs)} of {len(self.x)} vectors; "
                f"first: {which}, scores before {self.expected[i].tolist()}, after {scores[i].tolist()}")

    def describe(self):
        return {"mode": "sampled" if self.sampled else "full", "given_vectors": self.n_given,
                "random_vectors": self.n_random, "seed": self.seed}
