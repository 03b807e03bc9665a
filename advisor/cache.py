"""A small on-disk cache of validated rule sets, so that a command need not re-validate the same
rules files on every start. Entries are keyed by a hash of everything they were built from;
a cache that cannot be read or written is simply not used.

Where: $ADVISOR_CACHE_DIR, else $XDG_CACHE_HOME/integration-advisor, else
~/.cache/integration-advisor. Set ADVISOR_CACHE_DIR to an empty string to turn it off.

Entries are pickles, which run code when they are loaded, and the folder may be shared or
writable by others (ADVISOR_CACHE_DIR=/tmp/cache, a team's folder). So nothing is unpickled
unless it is proven to be this user's own entry for this key: each entry is signed with an
HMAC-SHA256 under a secret key of the user's (`key`, 32 random bytes in the cache folder, mode
0600), checked before anything is unpickled; the signature covers the entry's name too, so that
one entry cannot stand in for another. The key is opened without following links, and used only
when it is a regular file of the current user's, with one link (a hard link to a file someone
can read is refused), that no one else can read or write: another user can neither read it nor
put a file of this user's in its place, so cannot sign an entry. An entry that fails the check
is rebuilt (and, if it can be, replaced); a key that fails it turns the cache off.

A format that cannot run code (JSON) was the alternative, but rebuilding a rule set from it
costs what validating the YAML does, which is what the cache saves; and a folder others can
write would still let them change the rules the advisor applies.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

KEY_FILE = "key"
_KEY_BYTES = 32
_SIGNATURE = 32  # bytes of HMAC-SHA256, at the start of each entry
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_MAX_ENTRY = 64 * 1024 * 1024


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
    name = f"{kind}-{key}.pickle"
    secret = _secret(folder)
    if secret is not None:
        with contextlib.suppress(Exception):
            value = _load(folder / name, name, secret)
            if isinstance(value, expected):
                return value
    value = build()
    if secret is not None:
        with contextlib.suppress(OSError):
            from advisor.files import write_atomic

            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(folder / name, _sign(secret, name, data) + data)
    return value


def _load(path: Path, name: str, secret: bytes) -> object:
    handle = os.open(path, os.O_RDONLY | _NO_FOLLOW)
    with os.fdopen(handle, "rb") as stream:
        data = stream.read(_MAX_ENTRY + 1)
    if len(data) > _MAX_ENTRY:
        raise ValueError(f"{path} is too large to be an entry")
    signature, body = data[:_SIGNATURE], data[_SIGNATURE:]
    if not hmac.compare_digest(signature, _sign(secret, name, body)):
        raise ValueError(f"{path} is not signed with this user's key")
    return pickle.loads(body)  # signed by this user's key: written by this user's advisor


def _sign(secret: bytes, name: str, data: bytes) -> bytes:
    return hmac.new(secret, name.encode("utf-8") + b"\x00" + data, hashlib.sha256).digest()


def _secret(folder: Path) -> bytes | None:
    """This user's signing key, made on first use; None when it cannot be trusted or made (the
    cache is then not used)."""
    path = folder / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o600)
    except FileExistsError:
        pass  # another run made it meanwhile: read it as it is
    except OSError:
        return None
    else:
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(secrets.token_bytes(_KEY_BYTES))
        except OSError:  # a full disk, say: no half-made key left behind
            with contextlib.suppress(OSError):
                path.unlink()
            return None
    try:
        return _read_key(path)  # checked as any later run will check it
    except (OSError, ValueError):
        return None


def _read_key(path: Path) -> bytes:
    """The key's bytes, when it is a regular file of the current user's, with one link, that
    no one else can read or write; ValueError otherwise."""
    handle = os.open(path, os.O_RDONLY | _NO_FOLLOW)
    with os.fdopen(handle, "rb") as stream:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise ValueError(f"{path} is not a regular file")
        if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
            raise ValueError(f"{path} belongs to another user")
        if status.st_mode & 0o077 or status.st_nlink != 1:
            raise ValueError(f"{path} can be read or changed by others")
        data = stream.read(_KEY_BYTES + 1)
    if len(data) != _KEY_BYTES:
        raise ValueError(f"{path} is not a key")
    return data
