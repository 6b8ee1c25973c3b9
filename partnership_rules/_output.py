"""Write an output file without damaging what is there: the one place that owns it.

What :func:`open_output` does with each kind of path:

- a new file: created when the writing succeeds, with the permissions of any new file (the
  process's umask applies);
- an existing regular file: replaced atomically (a temporary file in the same directory,
  renamed over it), keeping its permission bits (and its owner where the process may);
- a symbolic link: written through to its target, which must be an existing regular file
  (the link stays a link); a link to anything else, or to nothing, is refused;
- a directory, FIFO, device, socket or anything else that is not a regular file: refused;
- one of the inputs (the same file, by device and inode): refused.

Nothing is left behind on failure: an exception (a signal turned into one, Ctrl-C, a full
disk) removes the temporary file and leaves any existing file as it was. (Only a kill that
cannot be caught, SIGKILL, can leave the temporary ``.NAME.*.tmp`` file.) Refusals and write
errors raise :class:`OutputError` naming the file.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Protocol, TextIO

from ._errors import OutputError

__all__ = ["TextSink", "open_output"]


class TextSink(Protocol):
    """Where text is written: an open text file, standard output, an output file."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _target(path: str) -> tuple[str, os.stat_result | None]:
    """The file to replace (a link's target) and its status (None: a new file)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return path, None
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    if stat.S_ISLNK(status.st_mode):
        target = os.path.realpath(path)
        try:
            status = os.stat(target)
        except OSError:
            raise OutputError(f"{path}: a symbolic link to a missing file; not written") from None
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(
                f"{path}: a symbolic link to {_kind(status.st_mode)}, not a regular file;"
                " not written"
            )
        return target, status
    if not stat.S_ISREG(status.st_mode):
        raise OutputError(f"{path}: {_kind(status.st_mode)}, not a regular file; not written")
    return path, status


def _same_as_an_input(status: os.stat_result, inputs: Iterable[str]) -> str | None:
    for name in inputs:
        try:
            other = os.stat(name)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino):
            return name
    return None


@contextmanager
def open_output(path: str, *, inputs: Iterable[str] = ()) -> Iterator[TextSink]:
    """A text stream (UTF-8) whose content becomes the file ``path`` when the block ends
    without an exception; see the module documentation for what each kind of path gets.

    ``inputs``: the files the output was made from; overwriting one is refused. Raises
    :class:`OutputError` before the block runs for a path that is refused, and after it
    when the file cannot be written.
    """
    target, status = _target(path)
    if status is not None:
        same = _same_as_an_input(status, inputs)
        if same is not None:
            raise OutputError(f"{path}: is one of the inputs ({same}); not overwritten")
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never through a link someone put in the way. A new file gets 0666 less the
        # umask, as from any tool; an existing file's mode is copied before the rename.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        handle = os.open(temp, flags, 0o666)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    file = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    try:
        yield _Sink(file, path)
        file.flush()
        if status is not None:
            _keep_mode_and_owner(handle, status)
        os.fsync(handle)
        file.close()
        os.replace(temp, target)
    except BaseException as error:
        file.close()
        _remove(temp)
        if isinstance(error, OSError) and not isinstance(error, OutputError):
            raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
        raise


class _Sink:
    """The stream handed to the caller: a write error names the file."""

    def __init__(self, file: TextIO, path: str) -> None:
        self._file = file
        self._path = path

    def write(self, text: str) -> int:
        try:
            return self._file.write(text)
        except OSError as error:
            raise OutputError(f"{self._path}: cannot write: {error.strerror or error}") from None

    def flush(self) -> None:
        self._file.flush()


def _keep_mode_and_owner(handle: int, status: os.stat_result) -> None:
    os.fchmod(handle, stat.S_IMODE(status.st_mode))
    if (status.st_uid, status.st_gid) != (os.getuid(), os.getgid()):
        with suppress(OSError):  # only a privileged process can give a file to someone else
            os.fchown(handle, status.st_uid, status.st_gid)


def _remove(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)
