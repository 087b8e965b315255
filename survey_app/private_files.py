"""Files the commands write that hold sealed answers, evidence or codes: owner-only (0600).

Whatever the umask, and even over an existing file that others could read, the file is
readable and writable by its owner alone before the first byte goes in.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o600


def create(path: Path) -> None:
    """Create ``path`` empty (or empty it) with mode 0600, for a program that writes it next."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    try:
        os.fchmod(descriptor, OWNER_ONLY)  # an existing file keeps its mode through os.open
    finally:
        os.close(descriptor)


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, mode 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), OWNER_ONLY)
        handle.write(data)
