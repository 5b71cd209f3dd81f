"""Engine tests: import `ad` from py/ when it is not installed, and restore Tensor's
operators after a test that reassigns them (as the seed's usage does)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # the tests import gradutil, whatever pytest's import mode
    sys.path.insert(0, HERE)

try:
    import ad  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(HERE, "..", "..", "py"))
    import ad  # noqa: F401


@pytest.fixture
def restore_tensor():
    yield ad.Tensor
    ad.restore_tensor()
