"""The API as ``hub api`` serves it, under attack (issue 12): slow clients are cut off, a
client that goes away logs no traceback, and ``/healthz`` answers during and after hostile
requests. A real process on loopback, real sockets."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hub.testing.hostile import RECURSIVE, container
from tests.processes import COUNTY_ADD, ROOT, hub_env, run_hub

TIMEOUT_S = 2


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    env = hub_env(
        tmp_path / "hub",
        HUB_API_PORT="0",
        HUB_API_BODY_TIMEOUT_S=str(TIMEOUT_S),
        HUB_API_KEEP_ALIVE_TIMEOUT_S="1",
    )
    token = json.loads(run_hub(env, *COUNTY_ADD, "--json").stdout)["token"]
    api = subprocess.Popen(
        [sys.executable, "-m", "hub", "api"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        address = tmp_path / "hub" / "api.address"
        deadline = time.monotonic() + 60
        while not address.exists():
            assert api.poll() is None and time.monotonic() < deadline, "hub api did not serve"
            time.sleep(0.1)
        yield address.read_text(encoding="utf-8").strip(), token, api
    finally:
        if api.poll() is None:
            api.send_signal(signal.SIGTERM)
            api.communicate(timeout=60)


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
    return sock


def _head(token: str, length: int) -> bytes:
    return (
        "POST /v1/records/inspection HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _closed_by_server(sock: socket.socket) -> bytes | None:
    """What the server sent before closing, or None if it still holds the connection."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def test_slow_clients_are_cut_off_and_healthz_answers_throughout(
    served: tuple[str, str, subprocess.Popen[str]],
) -> None:
    url, token, api = served
    # 20 clients that send half a request head and then nothing
    slow_heads = [_connect(url) for _ in range(20)]
    for sock in slow_heads:
        sock.sendall(b"POST /v1/records/inspection HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    # a client whose body stalls after 10 of 1,000 bytes
    slow_body = _connect(url)
    slow_body.sendall(_head(token, 1000) + b'{"records"')
    # a client that goes away in the middle of its body
    gone = _connect(url)
    gone.sendall(_head(token, 1000) + b'{"records": [')
    gone.close()
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=3) as client:
        while time.monotonic() - started < TIMEOUT_S + 1:
            assert client.get("/healthz").status_code == 200  # during the hostile requests
            refused = client.post(
                "/v1/records/inspection",
                content=container(RECURSIVE, [(1, b"")]),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/avro"},
            )
            assert refused.status_code == 422, refused.text
            time.sleep(0.3)
        for sock in [*slow_heads, slow_body]:
            sock.settimeout(TIMEOUT_S + 5)
        answered = _closed_by_server(slow_body)
        assert answered is not None and answered.startswith(b"HTTP/1.1 408"), answered
        assert b"API.TIMEOUT" in answered
        for sock in slow_heads:
            assert _closed_by_server(sock) is not None, "a slow client was never timed out"
            sock.close()
        slow_body.close()
        assert client.get("/healthz").status_code == 200  # and after them
    api.send_signal(signal.SIGTERM)
    _out, err = api.communicate(timeout=60)
    assert api.returncode == 0, err
    assert "Traceback" not in err and "Exception" not in err, err
