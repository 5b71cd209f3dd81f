"""The development server under abuse: idle connections by the thousand, a NUL byte in the path,
and the header-less mode that stands in for a bare static host."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import build

# A server in its own process, with the descriptor limit many systems start with (1024): it
# prints its port, then serves `directory` until killed.
SERVE_WITH_1024_DESCRIPTORS = """
import resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import build
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
server = build.make_server(Path(sys.argv[2]), "127.0.0.1", 0, log_file=None)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def site(tmp_path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>ok</title>")
    return tmp_path


@pytest.fixture
def served(site):
    log = site / "server.log"
    with open(log, "w") as log_file:
        server = build.make_server(site, "127.0.0.1", 0, log_file=log_file)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", log
        finally:
            server.shutdown()
            server.server_close()


def test_a_thousand_idle_connections_do_not_stop_it_serving(site):
    process = subprocess.Popen([sys.executable, "-c", SERVE_WITH_1024_DESCRIPTORS,
                                str(build.ROOT), str(site)], stdout=subprocess.PIPE, text=True)
    idle: list[socket.socket] = []
    try:
        port = int(process.stdout.readline())
        for _ in range(1100):  # connect and say nothing, as a stalled or hostile client does
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200 and b"<title>ok</title>" in response.read()
        # Served at once (the longest-idle connections made room), not after the idle timeout.
        assert time.monotonic() - started < build.IDLE_TIMEOUT_S / 2
        assert process.poll() is None
    finally:
        for s in idle:
            s.close()
        process.kill()
        process.wait()


def test_an_idle_connection_is_closed_after_the_timeout(site):
    server = build.make_server(site, "127.0.0.1", 0, log_file=None, idle_timeout=0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as s:
            assert s.recv(1) == b""  # the server hung up on the silent client
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["/%00", "/index.html%00.txt", "/a%00/b"])
def test_a_nul_byte_in_the_path_is_a_clean_400(served, path, capfd):
    url, log = served
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url + path, timeout=5)
    assert error.value.code == 400
    with urllib.request.urlopen(url + "/", timeout=5) as response:  # and it goes on serving
        assert response.status == 200
    assert "Traceback" not in log.read_text() + capfd.readouterr().err


def test_plain_mode_sends_mime_types_but_no_policy_headers(site):
    server = build.make_server(site, "127.0.0.1", 0, log_file=None, policy_headers=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            for header in ("Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy",
                           "Content-Security-Policy"):
                assert header not in response.headers
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_that_hangs_up_mid_download_is_one_line_in_the_log(served, site, capfd):
    url, log = served
    (site / "big.bin").write_bytes(b"\0" * 20_000_000)
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(1024)
        # Hang up with a reset (no linger), as a browser that navigates away may.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    deadline = time.monotonic() + 10
    while "connection ended" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "connection ended" in log.read_text()
    assert "Traceback" not in log.read_text() + capfd.readouterr().err
    with urllib.request.urlopen(url + "/", timeout=5) as response:  # and it goes on serving
        assert response.status == 200
