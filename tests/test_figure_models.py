"""The page's pure TypeScript modules (the stepper's model, its narration and predict mode),
tested without a browser: each tests/figures/*.test.ts is bundled by the site's esbuild (its
imports of web/src/ included) and run by Node's own test runner, `node --test`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import build

TESTS = sorted((Path(__file__).parent / "figures").glob("*.test.ts"))


def test_there_are_model_tests():
    assert TESTS, "tests/figures/ holds the pure modules' tests"


@pytest.mark.parametrize("path", TESTS, ids=lambda p: p.name)
def test_pure_module(path: Path, tmp_path: Path):
    esbuild = build.NODE_MODULES / ".bin" / "esbuild"
    node = shutil.which("node")
    if not esbuild.exists() or node is None:
        pytest.fail("esbuild or node is missing: `python3 build.py build` installs the npm "
                    "packages (Node.js 20 or newer needed)")
    bundle = tmp_path / f"{path.stem}.mjs"
    subprocess.run([esbuild, path, "--bundle", "--format=esm", "--platform=node",
                    "--target=node20", "--log-level=warning", f"--outfile={bundle}"],
                   check=True, timeout=60)
    result = subprocess.run([node, "--test", "--test-reporter=tap", bundle],
                            capture_output=True, text=True, timeout=120)
    report = result.stdout + result.stderr
    passed = re.search(r"^# pass (\d+)$", report, re.M)
    print(f"{path.name}: {passed[1] if passed else 0} passed")
    assert result.returncode == 0, report[-6000:]
    assert passed is not None and int(passed[1]) > 0, report[-2000:]
