import pytest

from lgc.errors import LgcError
from lgc.tools.cluster import cluster


@pytest.mark.parametrize("workers", [0, -1])
def test_a_local_cluster_of_no_workers_is_refused(workers):
    with pytest.raises(LgcError, match="at least 1"):
        with cluster(workers=workers):
            pass
