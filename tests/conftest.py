import os
import pathlib

import numpy as np
import pytest

DATA = pathlib.Path(__file__).parent / "data"
FULL = os.environ.get("LGC_TEST_FULL") == "1"

DIFFLOGIC_FIXTURES = ["difflogic_digits_3x600", "difflogic_digits_cuda_3x1000",
                      "difflogic_untrained_ties"]


def fixture_path(name, suffix=".pt"):
    return DATA / f"{name}{suffix}"


def fixture_vectors(name):
    with np.load(fixture_path(name, ".vectors.npz")) as v:
        return {k: v[k] for k in v.files}


def pytest_collection_modifyitems(config, items):
    if FULL:
        return
    skip = pytest.mark.skip(reason="slow: runs in `make test-full` (LGC_TEST_FULL=1)")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)
