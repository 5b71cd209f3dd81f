"""Make the engine importable from source, so CPython tests need no install step."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "py"))
sys.path.insert(0, str(ROOT))  # build.py: its server and runtime checks are tested too
