"""The bit-parallel table rewrites against the obvious definition on rows, at every arity."""

import numpy as np
import pytest

from lgc.ir.truthtable import (
    cofactor,
    from_rows,
    invert_input,
    merge_inputs,
    port_cofactors,
    rows,
    swap_inputs,
    table_mask,
)


def random_tables(k, n=400, seed=0):
    rng = np.random.default_rng(seed + k)
    tt = (rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
          + rng.integers(0, 2, n, dtype=np.uint64))
    return tt & table_mask(k)


def reference(tt, k, column_of):
    """Tables whose bit j is the old table's bit column_of(j)."""
    j = np.arange(1 << k)
    return from_rows(rows(tt, k)[:, column_of(j)])


@pytest.mark.parametrize("k", range(1, 7))
def test_rewrites_match_their_definition(k):
    tt = random_tables(k)
    for p in range(k):
        bit = 1 << p
        for v in (0, 1):
            assert np.array_equal(cofactor(tt, p, v),
                                  reference(tt, k, lambda j: (j & ~bit) | (v * bit)))
        assert np.array_equal(port_cofactors(tt, k, p)[1], cofactor(tt, p, 1))
        assert np.array_equal(invert_input(tt, p), reference(tt, k, lambda j: j ^ bit))
        if p + 1 < k:
            def swapped(j):
                low, high = (j >> p) & 1, (j >> (p + 1)) & 1
                return (j & ~(3 << p)) | (high << p) | (low << (p + 1))
            assert np.array_equal(swap_inputs(tt, p), reference(tt, k, swapped))
        for q in range(k):
            if q != p:
                tied = merge_inputs(tt, p, q)
                assert np.array_equal(
                    tied, reference(tt, k, lambda j: (j & ~(1 << q)) | (((j >> p) & 1) << q)))
                assert np.array_equal(cofactor(tied, q, 0), tied)  # q is now ignored
        assert not (cofactor(tt, p, 1) & ~table_mask(k)).any()  # stays within the table's bits


def test_cofactor_takes_a_value_per_table():
    tt = random_tables(3)
    value = np.arange(len(tt)) % 2 == 1
    expected = np.where(value, cofactor(tt, 1, 1), cofactor(tt, 1, 0))
    assert np.array_equal(cofactor(tt, 1, value), expected)
