"""Verification of the passes: the netlist must give identical integer scores on the user's
vectors plus random ones. Equal scores mean equal classes (the class is the first maximum).

Evaluating costs gates x vectors. After every pass the scores are checked on a sample of the
vectors whose cost is about PER_PASS_WORK gate evaluations (all of them on models up to 64k
gates); the optimized netlist is then checked on all of them, and should that find what the
samples missed, the passes run again with every vector checked after each, to name the pass.
Above VERIFY_FULL_GATES even the vectors are *sampled*: at most SAMPLED_GIVEN of the given
vectors (evenly spaced) and SAMPLED_RANDOM random ones.
"""

import numpy as np

from ..errors import LgcError
from ..ir.evaluate import check_vectors

N_RANDOM = 1024
VERIFY_FULL_GATES = 1_000_000
SAMPLED_GIVEN = 256
SAMPLED_RANDOM = 64
PER_PASS_WORK = 1 << 26  # gates x vectors evaluated after each pass (~0.05 s here at 1M gates)


class VerificationError(LgcError):
    """A pass changed what the netlist computes (a bug in lgc: the message says where)."""


class Verifier:
    """Scores of the original netlist on fixed vectors, to compare each pass's output against."""

    def __init__(self, netlist, vectors=None, n_random=N_RANDOM, seed=0):
        given = np.zeros((0, netlist.n_inputs), dtype=np.uint8) if vectors is None \
            else check_vectors(vectors, netlist.n_inputs)
        gates = netlist.gate_count()
        self.sampled = gates > VERIFY_FULL_GATES
        if self.sampled:
            given = given[_evenly(len(given), SAMPLED_GIVEN)]
            n_random = min(n_random, SAMPLED_RANDOM)
        rng = np.random.default_rng(seed)
        self.x = np.concatenate([given, rng.integers(0, 2, (n_random, netlist.n_inputs),
                                                     dtype=np.uint8)])
        self.n_given, self.n_random, self.seed = len(given), n_random, seed
        self.expected = netlist.evaluate(self.x)[0]
        # whole words of 64 vectors: the evaluator computes 64 at a time
        self.per_pass = _evenly(len(self.x), max(64, PER_PASS_WORK // max(gates, 1) // 64 * 64))

    @property
    def samples_per_pass(self):
        """Whether the checks after each pass see only some of the vectors."""
        return len(self.per_pass) < len(self.x)

    def check(self, netlist, pass_name, every_vector=False):
        """Raise VerificationError naming the pass (None: the passes together) and the first
        vector whose scores changed; on the per-pass sample unless `every_vector`."""
        rows = np.arange(len(self.x)) if every_vector else self.per_pass
        scores = netlist.evaluate(self.x[rows])[0]
        what = f"pass {pass_name!r}" if pass_name else "the passes"
        if scores.shape[1] != self.expected.shape[1]:
            raise VerificationError(f"{what} changed the number of classes from "
                                    f"{self.expected.shape[1]} to {scores.shape[1]}")
        expected = self.expected[rows]
        differs = np.flatnonzero((scores != expected).any(axis=1))
        if len(differs):
            i = rows[differs[0]]
            which = (f"given vector {i}" if i < self.n_given else
                     f"random vector {i - self.n_given} (seed {self.seed})")
            raise VerificationError(
                f"{what} changed the scores on {len(differs)} of {len(rows)} vectors; first: "
                f"{which}, scores before {self.expected[i].tolist()}, "
                f"after {scores[differs[0]].tolist()}")

    def describe(self):
        return {"mode": "sampled" if self.sampled else "full", "given_vectors": self.n_given,
                "random_vectors": self.n_random, "seed": self.seed,
                "vectors_per_pass": len(self.per_pass)}


def _evenly(n, at_most):
    """Indices of at most `at_most` of n items, evenly spaced (all of them if n <= at_most)."""
    return np.arange(n) if n <= at_most else \
        np.unique(np.linspace(0, n - 1, at_most).astype(np.int64))
