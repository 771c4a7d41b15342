"""``hub national-sim`` as a supervisor runs it: a listening line, a live peer, a clean stop."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from hub.cli.national import national_sim
from hub.national.client import NationalClient

from .conftest import MakeItem

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"national-sim listening on (http://127\.0\.0\.1:(\d+))")


def run_sim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from hub.cli.national import national_sim; national_sim()", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def sim_process() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; any still alive at the end is killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def first_line(process: subprocess.Popen[str], timeout_s: float = 10.0) -> str:
    """The first stdout line, or a failure instead of a hang if it never comes."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not lines:
        process.kill()
        pytest.fail("national-sim printed no listening line")
    return lines[0]


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_prints_the_url_serves_and_stops_cleanly(
    sim_process: list[subprocess.Popen[str]],
    item: MakeItem,
    tmp_path: Path,
    stop_with: signal.Signals,
) -> None:
    db = tmp_path / "national.sqlite3"
    process = run_sim("--port", "0", "--reject-rate", "0", "--seed", "3", "--db", str(db))
    sim_process.append(process)
    line = first_line(process)
    match = LISTENING.fullmatch(line.strip())
    assert match, line
    url = match.group(1)
    assert int(match.group(2)) > 0
    assert httpx.get(url + "/v1/healthz").json() == {"status": "ok"}
    with NationalClient(url) as client:
        (result,) = client.push("b1", [item("r1")])
    assert result.acknowledged
    process.send_signal(stop_with)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    stderr = process.stderr.read()
    assert "test peer" in stderr and "Traceback" not in stderr
    assert db.exists()


def test_impossible_options_are_usage_errors() -> None:
    result = CliRunner().invoke(national_sim, ["--reject-rate", "1.5"])
    assert result.exit_code == 2
    assert "--reject-rate" in result.output
