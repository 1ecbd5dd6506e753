"""Compiled patterns reused from disk behave exactly as freshly compiled ones."""
from __future__ import annotations

import marshal
import re

from spacy.lang.char_classes import ALPHA, ALPHA_LOWER

from pipeline import regexcache

PATTERNS = [
    (rf"(?i)^(?:[{ALPHA}]+-)?(?:l|d|qu)['’][{ALPHA_LOWER}]+$", 0),  # a large case-insensitive class, like spaCy's
    (r"(?P<day>\d{1,2}) (?P<month>janvier|février|mars)(?: (?P<year>\d{4}))?", re.IGNORECASE),
    (rb"\x00+(ab|cd)", 0),
]
TEXTS = {str: ["aujourd'hui", "Presqu’île", "l'État", "VIS-À-VIS", "le 3 Mars 2024 et 14 février", "x"],
         bytes: [b"\x00\x00cd", b"ab"]}


def _behaviour(pattern: re.Pattern) -> tuple:
    texts = TEXTS[type(pattern.pattern)]
    found = [(m.span(), m.groups(), m.groupdict()) for text in texts for m in pattern.finditer(text)]
    return pattern.pattern, pattern.flags, pattern.groups, dict(pattern.groupindex), found


def test_patterns_from_the_cache_match_like_fresh_ones(tmp_path, monkeypatch):
    path = tmp_path / "patterns.marshal"
    fresh = [_behaviour(re.compile(p, f)) for p, f in PATTERNS]

    re.purge()
    with regexcache.reuse(path):
        recorded = [_behaviour(re.compile(p, f)) for p, f in PATTERNS]
    assert recorded == fresh
    build, programs = marshal.loads(path.read_bytes())
    assert build == regexcache.BUILD and set(programs) == {(p, int(f)) for p, f in PATTERNS}

    re.purge()
    compiled = []
    monkeypatch.setattr(re._compiler, "_code", lambda *a: compiled.append(a))  # would break any real compile
    with regexcache.reuse(path):
        reused = [_behaviour(re.compile(p, f)) for p, f in PATTERNS]
    monkeypatch.undo()
    assert not compiled, "a stored pattern was compiled again"
    assert reused == fresh
    assert re._compiler.compile is not None and re.compile("a+b").match("aab")  # re is itself again after the block


def test_a_foreign_or_broken_file_compiles_as_usual(tmp_path):
    path = tmp_path / "patterns.marshal"
    for content in (b"not marshal data", marshal.dumps((("another python", 0, 4), {(PATTERNS[1][0], 0): (0, [1], 0, {}, ())}))):
        path.write_bytes(content)
        re.purge()
        with regexcache.reuse(path):
            pattern = re.compile(*PATTERNS[1])
        assert _behaviour(pattern) == _behaviour(re.compile(*PATTERNS[1]))
        assert marshal.loads(path.read_bytes())[0] == regexcache.BUILD  # rewritten for this build
