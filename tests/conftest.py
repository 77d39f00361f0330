import pytest

from tests.support.fixtures import FULL


def pytest_collection_modifyitems(config, items):
    if FULL:
        return
    skip = pytest.mark.skip(reason="slow: runs in `make test-full` (LGC_TEST_FULL=1)")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)
