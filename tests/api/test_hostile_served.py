"""The API as ``hub api`` serves it, under attack (issue 12): slow clients are cut off, a
client that goes away logs no traceback, and ``/healthz`` answers during and after hostile
requests. A real process on loopback, real sockets."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
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


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_healthz_answers_while_a_heavy_body_is_decoded_and_memory_stays_bounded(
    served: tuple[str, str, subprocess.Popen[str]], inspection: dict[str, Any]
) -> None:
    url, token, api = served
    auth = {"Authorization": f"Bearer {token}"}
    # 5,000 records with 2,000 unknown keys between them: seconds of decoding and bounding
    wide = {**inspection, **{f"x{i}": i for i in range(1_900)}}
    heavy = orjson.dumps({"records": [wide] * 5 + [inspection] * 4_995})
    zero_size = container({"type": "record", "name": "E", "fields": []}, [(2**62, b"")])
    before = _rss_mib(api.pid)
    replies: list[int] = []

    def post_heavy() -> None:
        with httpx.Client(base_url=url, timeout=120) as heavy_client:
            for _ in range(3):
                replies.append(
                    heavy_client.post(
                        "/v1/records/inspection",
                        content=heavy,
                        headers={**auth, "Content-Type": "application/json"},
                    ).status_code
                )
                replies.append(
                    heavy_client.post(
                        "/v1/records/inspection",
                        content=zero_size,
                        headers={**auth, "Content-Type": "application/avro"},
                    ).status_code
                )

    worker = threading.Thread(target=post_heavy)
    worker.start()
    slowest = 0.0
    with httpx.Client(base_url=url, timeout=5) as client:
        while worker.is_alive():
            started = time.monotonic()
            assert client.get("/healthz").status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)
    worker.join()
    assert replies == [202, 422] * 3
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s during the heavy requests"
    assert _rss_mib(api.pid) - before < 300  # 2^62 records made no list, nothing leaked
