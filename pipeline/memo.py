"""Values built from the rules that take a while to build, kept on disk so that a re-run reads them back.

A few structures take a good part of a second to build, in every process that runs the per-article
stages and on every run: the gazetteer's 20,000 names tokenized by spaCy, the given-name list of
gender-guesser, the timex prefilter. A stage builds such a value through `cached(name, build)`. While a
store is open (`stored(path)`: the executors open one around each batch, at a path under the output
folder's cache that is named after the fingerprint of the code, the rules and the library versions,
see cache.memo_path), the value is read from that file, or built and added to it. With no store open
(tests, `extract_text`, Dask workers) it is simply built. A stored value must be picklable and depend
only on what the fingerprint covers. An unreadable file counts as empty and is rewritten.
"""
from __future__ import annotations

import contextlib
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from .files import write_bytes_atomic

T = TypeVar("T")


class _Store:
    """The values of one file, read on first use and written back whole when one is added."""

    def __init__(self, path: Path):
        self.path = path
        self.values: dict[str, object] | None = None

    def get(self, name: str, build: Callable[[], T]) -> T:
        if self.values is None:
            self.values = _read(self.path)
        if name not in self.values:
            self.values[name] = build()
            try:
                write_bytes_atomic(pickle.dumps(self.values, protocol=pickle.HIGHEST_PROTOCOL), self.path)
            except OSError as exc:  # a read-only output folder only costs the next run the build time
                print(f"warning: {self.path}: cannot write the cache of built rule data: {exc}", file=sys.stderr)
        return self.values[name]


def _read(path: Path) -> dict[str, object]:
    try:
        values = pickle.loads(path.read_bytes())
    except Exception:  # absent, truncated or foreign: rebuilt
        return {}
    return values if isinstance(values, dict) else {}


_current: _Store | None = None  # the open store
_last: _Store | None = None  # the store of the last block, kept read between batches of one process


def cached(name: str, build: Callable[[], T]) -> T:
    """build(), or the value stored under `name` in the open store (built and stored when absent)."""
    return build() if _current is None else _current.get(name, build)


@contextlib.contextmanager
def stored(path: Path | None) -> Iterator[None]:
    """Within the block, `cached` reads and adds values in the file `path` (no store when None)."""
    global _current, _last
    if path is None:
        yield
        return
    if _last is None or _last.path != path:
        _last = _Store(Path(path))
    previous, _current = _current, _last
    try:
        yield
    finally:
        _current = previous
