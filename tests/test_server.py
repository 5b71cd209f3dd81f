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

# A server in its own process, with a descriptor limit (argv[3]: 1024, which many systems start
# with, or a tight 256): it prints its port, then serves `directory` until killed.
SERVE_WITH_DESCRIPTORS = """
import resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import build
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(int(sys.argv[3]), hard), hard))
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


@pytest.mark.parametrize("descriptors,connections", [(1024, 1100), (256, 1000)])
def test_idle_connections_beyond_the_descriptors_do_not_stop_it_serving(site, descriptors,
                                                                         connections):
    process = subprocess.Popen([sys.executable, "-c", SERVE_WITH_DESCRIPTORS, str(build.ROOT),
                                str(site), str(descriptors)], stdout=subprocess.PIPE, text=True)
    idle: list[socket.socket] = []
    try:
        port = int(process.stdout.readline())
        for _ in range(connections):  # connect and say nothing, as a stalled or hostile client
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


def test_one_client_address_cannot_crowd_out_another(site):
    # Another client (127.0.0.2) holds its connections; 127.0.0.1 floods: only its own go.
    server = build.make_server(site, "127.0.0.1", 0, log_file=None, max_per_client=8)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    sockets: list[socket.socket] = []
    try:
        theirs = []
        for _ in range(4):
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", port))
            theirs.append(s)
        sockets += theirs
        for _ in range(40):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
        for s in theirs:  # still open: a request on each is answered
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            assert s.recv(12).startswith(b"HTTP/1.")
        with server.connections_lock:
            flooded = sum(h.client_address[0] == "127.0.0.1" and not h.closing
                          for h in server.connections)
        assert flooded <= 8
    finally:
        for s in sockets:
            s.close()
        server.shutdown()
        server.server_close()


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
