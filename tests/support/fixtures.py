"""The test data: models saved by the upstream libraries (tests/data, see its README) and their
vectors, and the fixture lists the tests run over."""

import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).parents[2]     # the checkout
DATA = ROOT / "tests" / "data"
EXAMPLE = ROOT / "examples" / "digits.pt"     # the shipped example model
FULL = os.environ.get("LGC_TEST_FULL") == "1"

DIFFLOGIC_FIXTURES = ["difflogic_digits_3x600", "difflogic_digits_cuda_3x1000",
                      "difflogic_untrained_ties"]
TORCHLOGIX_FIXTURES = [
    "torchlogix_dense_raw", "torchlogix_dense_light", "torchlogix_dense_warp",
    "torchlogix_dense_rank4", "torchlogix_conv_tree", "torchlogix_conv_channels",
    "torchlogix_dense_learnable", "torchlogix_dense_rank6", "torchlogix_zoo_fixed",
    "torchlogix_zoo_learnable_thresholds", "torchlogix_conv_mixed", "torchlogix_conv3d",
    "torchlogix_conv_transpose", "torchlogix_residual", "torchlogix_residual_projection"]
# torch-dwn models: all saved whole and as state_dict (+ NAME.arch.json), with their thermometer's
# thresholds in the vectors (`raw`, `thresholds`); dwn_tabular_small is trained (shared fixtures).
DWN_FIXTURES = ["dwn_mixed", "dwn_small_n123", "dwn_gaussian_global", "dwn_tabular_small"]
# The 15 MB trained digits model (not in tests/data): a path given by the user, for `full` tests.
DWN_DIGITS = os.environ.get("LGC_DWN_DIGITS")
# One model of each kind of layer (3-d conv, 3-d pooling and transposed 3-d conv; transposed 2-d
# conv; a residual block with a projection shortcut; dense with a warp; conv channels): the
# fixtures `make test` runs per-fixture checks on, every fixture with make test-full.
QUICK_FIXTURES = ["difflogic_untrained_ties", "torchlogix_conv_channels", "torchlogix_dense_warp",
                  "torchlogix_conv3d", "torchlogix_conv_transpose",
                  "torchlogix_residual_projection"]
ENCODED = ["torchlogix_zoo_fixed", "torchlogix_zoo_learnable_thresholds", "torchlogix_conv_mixed"]
SAVED_AS = ["whole", "state_dict"]
# Thresholds at and around the edges of a byte and of float32 (encoder tests).
EDGE_THRESHOLDS = [-1e9, -5.5, -1.0, -0.0, 0.0, 1e-7, 0.5, 1.0, 2.0, 2.5, 6.0, 127.5, 128.0, 254.0,
                   254.99998, 255.0, 255.5, 256.0, 1e9, 0.1 + 0.2, 16.000002]


def quick_or_full(names, quick):
    """The names as test parameters, those not in `quick` marked full (make test-full only)."""
    return [n if n in quick else pytest.param(n, marks=pytest.mark.full) for n in names]


def fixture_path(name, suffix=".pt"):
    return DATA / f"{name}{suffix}"


def fixture_vectors(name):
    with np.load(fixture_path(name, ".vectors.npz")) as v:
        return {k: v[k] for k in v.files}


def arch_of(name):
    """The architecture spec file of a fixture's state_dict."""
    return next(DATA.glob(f"{name}.arch.*"))


def model(name, saved_as):
    """(path, load options) of a fixture saved whole or as a state_dict."""
    if saved_as == "whole":
        return fixture_path(name), {}
    return fixture_path(name, ".state_dict.pt"), {"arch": arch_of(name)}
