"""A small on-disk cache of validated rule sets, so that a command need not re-validate the same
rules files on every start. Entries are keyed by a hash of everything they were built from;
a cache that cannot be read or written is simply not used.

Where: $ADVISOR_CACHE_DIR, else $XDG_CACHE_HOME/integration-advisor, else
~/.cache/integration-advisor. Set ADVISOR_CACHE_DIR to an empty string to turn it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path | None:
    chosen = os.environ.get("ADVISOR_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "integration-advisor"


def key_of(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


def cached(kind: str, key: str, build: Callable[[], T], expected: type[T]) -> T:
    """The cached value for `key`, or `build()`'s, which is then stored for next time."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{kind}-{key}.pickle"
    with contextlib.suppress(Exception):
        value = pickle.loads(path.read_bytes())
        if isinstance(value, expected):
            return value
    value = build()
    with contextlib.suppress(OSError):
        from advisor.files import write_atomic

        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value
