"""Writing output files so that no reader ever sees half of one: a temporary file, then a rename."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_atomic(path: Path, write: Callable[[str], None]) -> None:
    """Call `write` with a temporary path beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(data: bytes, path: Path) -> None:
    """Write bytes through a temporary file and a rename."""
    replace_atomic(path, lambda tmp: Path(tmp).write_bytes(data))
