"""The miters lgc hands to ABC (lgc/formal/aig.py, proof._miter_check): a pair that differs is
refuted with an input vector on which it differs, a pair that is equal is proven."""

import numpy as np
import pytest

from lgc.formal import aig
from lgc.formal.proof import _miter_check
from lgc.formal.stage_proof import _failing
from lgc.tools import yosys

# Two pairs of nodes of a random network's spec (a window of 19 inputs): the first equal, the
# second different on some inputs. Written as one output XOR per pair, ABC's `&cec -m` proved
# this miter ("Networks are equivalent"): the dual-output miter (`&cec -m -d`) refutes it.
N_INPUTS = 19
GATES = [[32, 35], [28, 8], [16, 2], [20, 26], [7, 30], [5, 25], [13, 14], [37, 11], [23, 19],
         [17, 3], [11, 37], [7, 49], [5, 51], [41, 32], [43, 28], [23, 57], [45, 59], [47, 20],
         [69, 52], [62, 70], [68, 53], [39, 73], [66, 64], [77, 81], [39, 83], [66, 85], [78, 87],
         [90, 75], [90, 95], [93, 78], [98, 97], [98, 101], [102, 88], [102, 105]]
EQUAL, DIFFERENT = (60, 54), (106, 102)


def values(fanins, literals, x):
    graph = aig.canonical(N_INPUTS, np.array(fanins, np.int64), {"o": np.array(literals, np.int64)})
    words = np.stack([aig.pack(x[:, j]) for j in range(N_INPUTS)])
    return aig.unpack(aig.literal_values(graph.simulate(words), graph.outputs["o"]), len(x))


@pytest.fixture
def ys(tmp_path):
    return yosys.in_folder(str(tmp_path), None, "verify")


def test_one_pair_differs_on_some_inputs():
    every = ((np.arange(1 << N_INPUTS)[:, None] >> np.arange(N_INPUTS)) & 1).astype(np.uint8)
    out = values(GATES, [*EQUAL, *DIFFERENT], every)
    assert (out[0::2] != out[1::2]).any(axis=1).tolist() == [False, True]


@pytest.mark.parametrize("pairs", [[EQUAL, DIFFERENT], [DIFFERENT]])
def test_a_miter_with_a_pair_that_differs_is_refuted(ys, pairs):
    outputs = aig.dual_outputs(*np.array(pairs).T)
    aig.write_binary(f"{ys.folder}/m.aig", N_INPUTS, outputs, np.array(GATES, np.int64))
    x = _miter_check(ys, "m")
    assert x is not None and len(x) == N_INPUTS
    failing = _failing(N_INPUTS, outputs, np.array(GATES, np.int64), x)
    out = values(GATES, outputs, x[None])[:, 0]
    assert [pairs[i] for i in failing] == [DIFFERENT]
    assert all(out[2 * i] != out[2 * i + 1] for i in failing)


def test_a_miter_of_equal_pairs_is_proven(ys):
    # the equal pair, and a gate against a copy of itself
    copy = np.array(GATES + [GATES[-1]], np.int64)
    own, again = 2 * (N_INPUTS + len(GATES)), 2 * (N_INPUTS + len(GATES) + 1)
    outputs = aig.dual_outputs([EQUAL[0], own, own ^ 1], [EQUAL[1], again, again ^ 1])
    aig.write_binary(f"{ys.folder}/m.aig", N_INPUTS, outputs, copy)
    assert _miter_check(ys, "m") is None
