"""Writing files so that an interrupted run never leaves a half-written one behind."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(path: Path, *, sync: bool = True) -> Iterator[BinaryIO]:
    """A binary stream to a temporary file beside `path`, renamed into place once the block ends.

    If the block raises (or is interrupted), the temporary file is removed and `path` is left as
    it was. With `sync`, the data reaches the disk before the rename (durable across a power
    cut); without it the file is still never seen half-written, only written faster.
    """
    directory = path.parent if str(path.parent) else Path(".")
    # The process's number in the name tells a later run whether the writer is still there.
    prefix = f".{path.name}.{os.getpid()}."
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # as open() would create it, not with mkstemp's 0600
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            if sync:
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    with atomic_writer(path, sync=sync) as stream:
        stream.write(data)


def write_output(path: Path, data: bytes) -> None:
    """Write `data` to what `path` names, as a shell's `>` does, but never half-written.

    Only a regular file, or a name where nothing is yet, is replaced atomically (a temporary
    file beside it, then a rename). A symbolic link is followed on purpose: what it leads to
    is written (atomically when that is a regular file or new) and the link stays a link.
    Anything else that exists, a device such as /dev/null, a FIFO or a terminal, is opened
    and written through: a rename would put a regular file in its place (as root, over
    /dev/null). A folder is refused with IsADirectoryError; other failures are OSError.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is None or stat.S_ISREG(mode):
        write_atomic(target, data)
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    # No O_CREAT or O_TRUNC: if the name changed since, nothing new is made by mistake.
    handle = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    if stat.S_ISREG(os.fstat(handle).st_mode):  # it became a regular file meanwhile
        os.close(handle)
        write_atomic(target, data)
        return
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def remove_drafts(
    folder: Path, names: Iterable[str], is_draft: Callable[[str], bool], head: int
) -> tuple[list[Path], list[Path]]:
    """Remove those of the files `names` in `folder` that an earlier run wrote, as `is_draft`
    tells from the first `head` characters of each; a file it does not know (the user's own,
    under the same name) stays. The files removed and the files kept, in `names` order."""
    removed: list[Path] = []
    kept: list[Path] = []
    for name in names:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as stream:
            start = stream.read(head * 4).decode("utf-8", "replace")[:head]
        if is_draft(start):
            path.unlink()
            removed.append(path)
        else:
            kept.append(path)
    return removed, kept


def shown_path(path: Path | str) -> str:
    """A path as results and summaries show it: `-` as it is, a relative path as given, an
    absolute one relative to the current folder, so that no output holds the machine's own
    folders (`/home/ann/...`) and the same run gives the same bytes anywhere."""
    text = str(path)
    if text == "-" or not os.path.isabs(text):
        return Path(text).as_posix()
    try:
        return Path(os.path.relpath(text)).as_posix()
    except ValueError:  # another drive (Windows): no relative path leads there
        return Path(text).name
