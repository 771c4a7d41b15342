"""Opening the files a user names, so that no file can hang or mislead the hub.

A FIFO with no writer blocks ``open`` forever; ``/dev/zero`` or a terminal never ends; a symlink
loop fails with ``ELOOP``, which a plain existence check reports as "does not exist". So a named
input is opened without blocking, checked to be a regular file on the descriptor itself (no race
between a check and the open), and each failure is an :class:`~hub.errors.InputError` saying
what the path is. Standard input is the one stream that may be anything; its reads are bounded
by :func:`bounded` instead.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from hub.errors import InputError

__all__ = ["bounded", "is_regular", "open_input"]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: Path) -> BinaryIO:
    """``path`` opened for reading, buffered; refuses anything but a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(_failure(path, exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(
                f"{path} is {_kind(mode)}, not a regular file: the hub reads only files"
                " (pipe data through standard input with - where a command takes it)"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return f"{path} is a symbolic link loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT:
        return f"{path} does not exist"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path} cannot be read: permission denied"
    if exc.errno == errno.EISDIR:
        return f"{path} is a directory, not a file"
    if exc.errno == errno.ENXIO:
        return f"{path} is a socket or device with no one behind it"
    return f"{path} cannot be opened: {exc.strerror}"


def is_regular(stream: Any) -> bool:
    """Whether the stream reads a regular file (a bounded size), as far as it can tell."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


class _Bounded(io.RawIOBase):
    def __init__(self, inner: Any, limit: int) -> None:
        self._inner = inner
        self._left = limit
        self._limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._left + 1)
        data = self._inner.read(want) if want else b""
        if len(data) > self._left:
            raise InputError(
                f"the input goes on past {self._limit} bytes (HUB_MAX_INPUT_BYTES): refused"
            )
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)


def bounded(stream: BinaryIO, limit: int) -> BinaryIO:
    """The stream, failing with an :class:`~hub.errors.InputError` once it has given more than
    ``limit`` bytes; a regular file or bytes in memory (whose size bounds them already) are
    left as they are. (Seekable is not enough: ``/dev/zero`` seeks.)"""
    if isinstance(stream, io.BytesIO) or is_regular(stream):
        return stream
    return io.BufferedReader(_Bounded(stream, limit), 1 << 16)
