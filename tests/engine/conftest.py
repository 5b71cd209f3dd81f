"""Engine tests: import `ad` from py/ when it is not installed, and restore Tensor's
operators after a test that reassigns them (as the seed's usage does)."""
import os
import sys

import pytest

try:
    import ad  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "py"))
    import ad  # noqa: F401


@pytest.fixture
def restore_tensor():
    yield ad.Tensor
    ad.restore_tensor()
