"""Throwaway PostgreSQL for tests: a server from ``ops/postgres``, and fresh databases on it.

One place for both, so the session server (``tests/conftest.py``), the runtime suite on
PostgreSQL and the restart test start, stop and clean up the same way.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def postgres_server(prefix: str) -> Iterator[tuple[str, str]]:
    """Start a server with ops/postgres/start; yield (admin url, folder); stop and remove it."""
    folder = tempfile.mkdtemp(prefix=prefix)
    os.chmod(folder, 0o777)
    started = subprocess.run(
        ["bash", str(ROOT / "ops/postgres/start"), folder],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if started.returncode != 0:
        pytest.fail(f"ops/postgres/start failed: {started.stderr[-2000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1], folder
    finally:
        subprocess.run(
            ["bash", str(ROOT / "ops/postgres/stop"), folder],
            capture_output=True,
            timeout=120,
            check=False,
        )


@contextmanager
def fresh_database(admin_url: str, prefix: str = "hub_test") -> Iterator[str]:
    """A new, empty database on the server; dropped afterwards (connections forced off)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
