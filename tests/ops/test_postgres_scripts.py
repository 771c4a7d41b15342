"""ops/postgres/start and stop: a real throwaway server on 127.0.0.1, idempotent, cleaned up."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "ops" / "postgres" / "start"
STOP = ROOT / "ops" / "postgres" / "stop"
URL = re.compile(r"postgresql://hub@127\.0\.0\.1:(\d+)/hub")


def _postgres_available() -> bool:
    """Server binaries are here, or the start script can install them (root with apt-get)."""
    if os.environ.get("HUB_PG_BIN") or shutil.which("initdb"):
        return True
    if any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return True
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


needs_postgres = pytest.mark.skipif(
    not _postgres_available() and os.environ.get("CI") != "true",
    reason="no PostgreSQL binaries and no apt-get to install them (under CI=true: a failure)",
)


def run(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a server would bind it
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def pg_dir() -> Iterator[Path]:
    """DIR for the server: under /tmp, in a parent the non-root server user can enter.

    pytest's tmp_path sits below root-only 0700 folders, which the server user cannot traverse.
    """
    base = Path(tempfile.mkdtemp(prefix="hub-pg-ops-test-", dir="/tmp"))
    base.chmod(0o777)
    folder = base / "pg"
    try:
        yield folder
    finally:
        if (folder / "PG_VERSION").exists():  # a failed test must not leave a server running
            run(STOP, folder, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def read_env(folder: Path) -> dict[str, str]:
    lines = (folder / "env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def psql(folder: Path, url: str, sql: str) -> str:
    bin_dir = read_env(folder).get("HUB_PG_BIN", "")
    exe = Path(bin_dir, "psql") if bin_dir else None
    client = str(exe) if exe and exe.exists() else shutil.which("psql")
    assert client, "no psql client"
    done = subprocess.run(
        [client, "-X", "-tA", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_postgres
def test_start_query_restart_stop(pg_dir: Path) -> None:
    started = run(START, pg_dir, timeout=600)  # 600 s: the first run may apt-get install
    assert started.returncode == 0, started.stderr
    url = started.stdout.splitlines()[-1]
    match = URL.fullmatch(url)
    assert match, f"last line of stdout is not the URL: {started.stdout!r}"
    assert started.stdout == url + "\n", "everything but the URL belongs on stderr"
    port = int(match.group(1))

    env = read_env(pg_dir)
    assert env["HUB_DATABASE_URL"] == url
    assert env["HUB_PG_DIR"] == str(pg_dir)

    assert psql(pg_dir, url, "SELECT 1") == "1"
    assert psql(pg_dir, url, "SHOW listen_addresses") == "127.0.0.1"
    assert psql(pg_dir, url, "SELECT current_user || ' ' || current_database()") == "hub hub"
    assert psql(pg_dir, url, "SHOW fsync") == "on"  # the durability tests rely on it

    again = run(START, pg_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == url

    stopped = run(STOP, pg_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert not pg_dir.exists()
    assert port_is_free(port)

    twice = run(STOP, pg_dir)  # nothing left to stop: still fine
    assert twice.returncode == 0, twice.stderr


@needs_postgres
def test_restart_after_stop_keep_and_after_sigkill_keeps_data_and_url(pg_dir: Path) -> None:
    first = run(START, pg_dir, timeout=600)
    assert first.returncode == 0, first.stderr
    url = first.stdout.splitlines()[-1]
    psql(pg_dir, url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")

    kept = run(STOP, pg_dir, "--keep")
    assert kept.returncode == 0, kept.stderr
    assert (pg_dir / "PG_VERSION").exists()

    second = run(START, pg_dir)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == url  # the port is reused while it is free
    assert psql(pg_dir, url, "SELECT n FROM kept") == "42"

    # A crash: the postmaster dies at once (it may linger as a zombie until PID 1 reaps it).
    postmaster = int((pg_dir / "postmaster.pid").read_text(encoding="utf-8").split()[0])
    os.kill(postmaster, signal.SIGKILL)
    third = run(START, pg_dir)
    assert third.returncode == 0, third.stderr
    assert third.stdout.splitlines()[-1] == url
    assert psql(pg_dir, url, "SELECT n FROM kept") == "42"  # committed, so it survives


def test_stop_refuses_a_folder_that_is_not_a_cluster(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    refused = run(STOP, tmp_path)
    assert refused.returncode != 0
    assert "PG_VERSION" in refused.stderr
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_start_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    refused = run(START, tmp_path)
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"
