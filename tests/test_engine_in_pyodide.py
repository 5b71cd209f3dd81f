"""The engine's own test suite, run inside Pyodide (under Node.js) against the very wheel and
runtime the site ships: what passes in CPython must pass in the browser's Python too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import build

RUNNER = Path(__file__).parent / "pyodide" / "run_pytest.mjs"


def test_engine_suite_passes_inside_pyodide(tmp_path):
    site = Path(os.environ.get("AD_SITE_DIR") or build.SITE_DIR)
    wheels = Path(os.environ.get("AD_PYODIDE_TEST_WHEELS") or build.PYODIDE_TEST_WHEELS)
    if not (site / "pyodide" / "pyodide-lock.json").exists() or not any(wheels.glob("*.whl")):
        pytest.fail("the site or the test-tool wheels are missing: "
                    "run `python3 build.py test`, which makes both")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node was not found: install Node.js 20 or newer")
    log = tmp_path / "pyodide-pytest.log"
    with open(log, "w") as out:  # a file, not a pipe: a long run cannot block on a full pipe
        result = subprocess.run(
            [node, RUNNER, site, wheels, build.ROOT, "/repo/tests/engine", "-q"],
            stdout=out, stderr=subprocess.STDOUT, timeout=1200,
        )
    text = log.read_text()
    summary = text.strip().splitlines()[-1] if text.strip() else "(no output)"
    print(f"engine suite inside Pyodide: {summary}")
    assert result.returncode == 0, \
        f"pytest inside Pyodide exited {result.returncode}:\n{text[-6000:]}"
    assert "Python 3.12" in text and "emscripten" in text, text[:2000]
    assert re.search(r"\b\d+ passed\b", summary), summary
    assert "failed" not in summary and "error" not in summary, summary
