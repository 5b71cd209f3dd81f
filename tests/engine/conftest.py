"""Engine tests: restore Tensor's operators after a test that reassigns them (as the seed's usage
does). `ad` and gradutil come from the tests' path (pytest.ini)."""
import pytest

import ad


@pytest.fixture
def restore_tensor():
    yield ad.Tensor
    ad.restore_tensor()
