"""Files private to the hub's user (issue 12): any local user could read a complainant's ID
number from ``views.db`` when the data directory followed the umask. Directories the hub makes are
0700 and its database files 0600, created so before the first byte is written (SQLite gives its
``-wal`` and ``-shm`` files the database file's mode); existing ones are tightened on open."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DIR_MODE", "FILE_MODE", "private_database", "private_dir", "private_file"]

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` 0700 if it is missing (missing parents keep the umask's mode). An existing
    directory is left as it is: it may be one the operator chose (``--data-dir .``); the files
    in it are what :func:`private_file` guards."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with 0600 if it does not exist, else set it to 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        os.chmod(path, FILE_MODE)
    else:
        os.close(fd)
    return path


def private_database(path: Path) -> Path:
    """An SQLite database file and its ``-wal`` / ``-shm`` companions, 0600."""
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.chmod(companion, FILE_MODE)
    return path
