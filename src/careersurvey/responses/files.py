"""Files that hold answers are created readable by their owner only.

The store (and DuckDB's write-ahead log beside it) and every export that carries answers hold pay,
institutions and open comments. They are created with mode 0600 whatever the user's umask, unless a caller
asks for the umask's usual permissions (``private=False``). Files that exist already keep the mode their owner
gave them, except exports, which this package writes anew and makes owner-only again.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

#: Permission bits of a file that holds answers: read and write for its owner, nothing for anyone else.
PRIVATE_MODE = 0o600

_umask_lock = threading.Lock()
_umask_holders = 0
_umask_saved: int | None = None


@contextmanager
def private_umask() -> Iterator[None]:
    """While inside, files and folders this process creates get no group or other permissions (umask 077).

    The umask is per process; holders nest and overlap safely (the first one in sets it, the last one out
    restores it), so a store connection may hold it for as long as it writes (DuckDB creates its WAL lazily).
    """
    global _umask_holders, _umask_saved
    with _umask_lock:
        if _umask_holders == 0:
            _umask_saved = os.umask(0o077)
        _umask_holders += 1
    try:
        yield
    finally:
        with _umask_lock:
            _umask_holders -= 1
            if _umask_holders == 0 and _umask_saved is not None:
                os.umask(_umask_saved)
                _umask_saved = None


def create_private(path: Path, private: bool = True) -> None:
    """Create (or truncate) ``path`` before a writer fills it, owner-only when ``private``: the writer then opens
    an existing file, whose mode it keeps, so the answers are never readable by others, not even for a moment."""
    if not private:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.close(fd)
    os.chmod(path, PRIVATE_MODE)  # an existing file keeps its old mode through O_CREAT: set it
