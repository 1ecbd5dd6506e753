"""Compiled regular expressions kept on disk, so loading the spaCy model skips compiling them again.

Importing spaCy's French language data compiles a few very large regular expressions (the
tokenizer exceptions, case-insensitive classes over every letter): about 2 s of each model load,
in every process of every run. A compiled pattern cannot be pickled, but what `re` compiles it to
is plain data (a list of integers, the group count and names), which `re` hands to
`_sre.compile` to make the pattern object. `reuse()` records those arguments per (pattern, flags)
while a block runs and, on later runs, passes the stored arguments to `_sre.compile` directly:
the same call with the same arguments, so the same pattern. The file is tied to the Python build
(its version and the regex engine's MAGIC number); on another build, or when the file is
unreadable, every pattern is compiled as usual and the file is rewritten.
"""
from __future__ import annotations

import _sre
import contextlib
import marshal
import sys
from collections.abc import Iterator
from pathlib import Path
from re import _compiler

from .files import write_bytes_atomic

# What a stored program is valid for: a change of any of these compiles everything afresh.
BUILD = (sys.version, _sre.MAGIC, _sre.CODESIZE)


class _Recorder:
    """Stands in for the `_sre` module inside `re._compiler`, noting the arguments of each compile."""

    def __init__(self):
        self.last: tuple | None = None

    def compile(self, pattern, flags, code, *rest):
        self.last = (int(flags), [int(op) for op in code], *rest)
        return _sre.compile(pattern, flags, code, *rest)

    def __getattr__(self, name):
        return getattr(_sre, name)


def _read(path: Path) -> dict:
    try:
        build, programs = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # absent, truncated or foreign: start empty
        return {}
    return programs if build == BUILD and isinstance(programs, dict) else {}


@contextlib.contextmanager
def reuse(path: Path) -> Iterator[None]:
    """Within the block, `re` patterns compiled in an earlier run come from `path`; new ones are added to it."""
    stored = _read(path)
    added: dict = {}
    recorder = _Recorder()
    original = _compiler.compile

    def compile(p, flags=0):
        if not isinstance(p, (str, bytes)):
            return original(p, flags)
        key = (p, int(flags))
        program = stored.get(key)
        if program is not None:
            flags_, code, *rest = program
            return _sre.compile(p, flags_, code, *rest)
        recorder.last = None
        pattern = original(p, flags)
        if recorder.last is not None:
            added[key] = recorder.last
        return pattern

    _compiler.compile, _compiler._sre = compile, recorder
    try:
        yield
    finally:
        _compiler.compile, _compiler._sre = original, _sre
        if added:
            try:
                write_bytes_atomic(marshal.dumps((BUILD, {**stored, **added})), path)
            except OSError as exc:  # a read-only output folder only costs the next run the compile time
                print(f"warning: {path}: cannot write the compiled-pattern cache: {exc}", file=sys.stderr)
