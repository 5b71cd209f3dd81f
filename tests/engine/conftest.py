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
    saved = dict(vars(ad.Tensor))
    yield ad.Tensor
    for name in list(vars(ad.Tensor)):
        if name not in saved:
            delattr(ad.Tensor, name)
    for name, value in saved.items():
        if vars(ad.Tensor).get(name) is not value and name not in ("__dict__", "__doc__"):
            setattr(ad.Tensor, name, value)
