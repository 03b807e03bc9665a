"""Writing files so that an interrupted run never leaves a half-written one behind."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
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
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
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
