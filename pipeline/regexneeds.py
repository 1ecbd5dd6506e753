"""What a regular expression's matches must contain: a cheap test that skips the scan of a text it cannot match.

`Prefilter(patterns)` reads each pattern's syntax tree (Python's own parser) for sets of literal
strings such that every match contains a string of each set. `Prefilter.scan(text).may_match(i)`
then tells, with a few substring tests, whether pattern i may match the text. The text is case
folded as IGNORECASE equates characters; a string the pattern puts a non-word character or the
edge of the text before (after) is looked for in a copy where each non-word character is a space,
with a space before (after) it, so "mai" of "mai 2024" is not found in "mais".

The test is sound, never exact: it may let through a text a pattern does not match, never skip
one it matches. tests/test_regexneeds.py checks it against `re` itself.
"""
from __future__ import annotations

import array
import itertools
import re
import sys
from re import _constants as sre, _parser as sre_parse  # Python's own parser of regular expressions

_MAX_STRINGS = 400  # alternatives of one literal stretch kept before giving up on it
_MAX_CLASS = 10  # characters of a class read as alternatives
_NON_WORD = re.compile(r"\W")
_WORD = re.compile(r"\w")
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_UNCHANGED = (sre.AT, sre.ASSERT)  # zero-width: the boundary state passes through


class Prefilter:
    """For each pattern, the sets of strings its matches contain; which patterns a text may match."""

    def __init__(self, patterns: list[tuple[str, int]]):
        trees = [list(sre_parse.parse(pattern, flags)) for pattern, flags in patterns]  # alive while memo is
        memo: dict[tuple, set[str] | None] = {}
        raw = [_needs(tree, False, False, memo) for tree in trees]
        self.table = case_table({ch for sets in raw for strings in sets for _, s, _ in strings for ch in s})
        self._uncommon = re.compile("[" + "".join(re.escape(chr(c)) for c in self.table) + "]") if self.table else None
        self.needs = []
        for sets in raw:
            written = (frozenset(self._written(strings)) for strings in sets)
            self.needs.append(tuple(dict.fromkeys(w for w in written if all(s.strip() for _, s in w))))
        # each distinct set, numbered: the whole words among its strings (one set lookup) and the other strings
        numbers: dict[frozenset, int] = {}
        self.checks = [tuple(numbers.setdefault(strings, len(numbers)) for strings in needed) for needed in self.needs]
        self.sets = [(frozenset(s.strip() for spaced, s in strings if _whole_word(spaced, s)),
                      tuple((spaced, s) for spaced, s in strings if not _whole_word(spaced, s))) for strings in numbers]

    def fold(self, text: str, *, spaced: bool) -> str:
        """The text as the strings are written: folded, and with `spaced` each non-word character a space."""
        if self._uncommon is not None and self._uncommon.search(text):  # translate is slow: only when needed
            text = text.translate(self.table)
        folded = text.lower()
        return _NON_WORD.sub(" ", folded) if spaced else folded

    def _written(self, strings: set[tuple[bool, str, bool]]) -> set[tuple[bool, str]]:
        """(spaced, string): a string with a boundary beside it is looked for in the spaced text, with a space
        on that side; one without, in the folded text as it is (punctuation kept)."""
        out = {(True, (" " if left else "") + self.fold(s, spaced=True) + (" " if right else "")) if left or right
               else (False, self.fold(s, spaced=False)) for left, s, right in strings}
        # finding the shorter of two strings looked for in one text is enough
        return {(kind, s) for kind, s in out if not any(k == kind and o != s and o in s for k, o in out)}

    def scan(self, text: str) -> "Scan":
        """The text made ready for `Scan.may_match`."""
        return Scan(self, {False: self.fold(text, spaced=False), True: " " + self.fold(text, spaced=True) + " "})


def _whole_word(spaced: bool, string: str) -> bool:
    """A string looked for with a space on both sides and none inside: a word of the spaced text."""
    return spaced and len(string) > 2 and string[0] == string[-1] == " " and " " not in string[1:-1]


class Scan:
    """One text against a Prefilter's patterns."""

    def __init__(self, prefilter: Prefilter, texts: dict[bool, str]):
        self.checks, self.sets = prefilter.checks, prefilter.sets
        self.texts = texts
        self.words = frozenset(texts[True].split())
        self._found: list[bool | None] = [None] * len(self.sets)

    def may_match(self, index: int) -> bool:
        """Whether the text holds a string of each set of pattern `index` (False: the pattern cannot match)."""
        for check in self.checks[index]:
            found = self._found[check]
            if found is None:
                words, others = self.sets[check]
                found = self._found[check] = not self.words.isdisjoint(words) \
                    or any(s in self.texts[spaced] for spaced, s in others)
            if not found:
                return False
        return True


def case_table(chars: set[str]) -> dict[int, str]:
    """A str.translate table after which lowercase equates every character that IGNORECASE equates with
    one of `chars` ("ſ" with "s", "K" with "k", "İ" with "i"), found by asking `re` over every code point."""
    cased = sorted(ch for ch in chars if ch.lower() != ch.upper() or ch.casefold() != ch)
    if not cased:
        return {}
    table: dict[int, str] = {}
    for other in set(re.findall("[" + "".join(map(re.escape, cased)) + "]", every_character(), re.IGNORECASE)):
        target = next(ch.lower() for ch in cased if re.fullmatch(re.escape(ch), other, re.IGNORECASE))
        if other.lower() != target:
            table[ord(other)] = target
    return table


def every_character() -> str:
    """Every Unicode code point but the surrogates, in one string."""
    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    return codes.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")


# --- the syntax tree -------------------------------------------------------------------------------

def _non_word_class(items) -> bool:
    """A character class (or literal) that only matches non-word characters."""
    for op, av in items:
        if op is sre.LITERAL:
            if _WORD.match(chr(av)):
                return False
        elif op is sre.CATEGORY:
            if av not in (sre.CATEGORY_SPACE, sre.CATEGORY_NOT_WORD):
                return False
        elif op is sre.RANGE:
            if any(_WORD.match(chr(c)) for c in range(av[0], av[1] + 1)):
                return False
        else:
            return False
    return bool(items)


def _word_assertion(av) -> bool:
    """(?<![\\w]) or (?![\\w]): the body of a negative lookaround over one word character."""
    body = list(av[1])
    return len(body) == 1 and body[0][0] is sre.IN and list(body[0][1]) == [(sre.CATEGORY, sre.CATEGORY_WORD)]


def _step(op, av, bounded: bool, forward: bool) -> bool:
    """Whether a non-word character (or the text's edge) stands next to the position after (`forward`)
    or before this item, given the same for the other side of it."""
    if op is sre.LITERAL:
        return not _WORD.match(chr(av))
    if op is sre.IN:
        return _non_word_class(av)
    if op is sre.SUBPATTERN:
        return _flow(list(av[3]), bounded, forward)
    if op is sre.ATOMIC_GROUP:
        return _flow(list(av), bounded, forward)
    if op is sre.BRANCH:
        return all(_flow(list(alt), bounded, forward) for alt in av[1])
    if op in _REPEATS:
        once = _flow(list(av[2]), False, forward)
        return once if av[0] >= 1 else bounded and once
    if op is sre.ASSERT_NOT:
        looks_back = av[0] < 0
        return True if looks_back == forward and _word_assertion(av) else bounded
    if op in _UNCHANGED:
        return bounded
    return False


def _flow(items: list, bounded: bool, forward: bool) -> bool:
    for op, av in (items if forward else reversed(items)):
        bounded = _step(op, av, bounded, forward)
    return bounded


def _exact(op, av, memo: dict) -> set[str] | None:
    """Every string the item can match, when they are few and literal (`memo`: by item, for one build)."""
    key = (op, id(av))
    if key not in memo:
        memo[key] = _exact_item(op, av, memo)
    return memo[key]


def _exact_item(op, av, memo: dict) -> set[str] | None:
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.IN:  # a small class of literal characters and ranges: "[/.-]", "[6-9]"
        chars: set[str] = set()
        for o, a in av:
            if o is sre.LITERAL:
                chars.add(chr(a))
            elif o is sre.RANGE and a[1] - a[0] < _MAX_CLASS:
                chars.update(map(chr, range(a[0], a[1] + 1)))
            else:
                return None
        return chars if len(chars) <= _MAX_CLASS else None
    if op is sre.SUBPATTERN:
        return _exact_seq(list(av[3]), memo)
    if op is sre.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            strings = _exact_seq(list(alt), memo)
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= _MAX_STRINGS else None
    if op in _REPEATS and av[1] == 1:
        strings = _exact_seq(list(av[2]), memo)
        return None if strings is None else strings | ({""} if av[0] == 0 else set())
    return None


def _exact_seq(items: list, memo: dict) -> set[str] | None:
    out = {""}
    for op, av in items:
        if op in _UNCHANGED or op is sre.ASSERT_NOT:
            continue
        strings = _exact(op, av, memo)
        if strings is None or len(out) * len(strings) > _MAX_STRINGS:
            return None
        out = {a + b for a, b in itertools.product(out, strings)}
    return out


def _needs(items: list, left: bool, right: bool, memo: dict) -> list[set[tuple[bool, str, bool]]]:
    """Sets of strings every match of the sequence contains, each with whether a boundary stands before and
    after it; `left`/`right`: a boundary stands before/after the sequence."""
    n = len(items)
    before = [left] * (n + 1)  # a boundary stands before item k
    for k, (op, av) in enumerate(items):
        before[k + 1] = _step(op, av, before[k], True)
    after = [right] * (n + 1)  # a boundary stands after item k - 1
    for k in range(n - 1, -1, -1):
        op, av = items[k]
        after[k] = _step(op, av, after[k + 1], False)
    out: list[set[tuple[bool, str, bool]]] = []
    k = 0
    while k < n:
        start, end, run = k, k, {""}
        while k < n:  # the longest stretch of items with few literal strings (zero-width ones let through)
            op, av = items[k]
            if op in _UNCHANGED or op is sre.ASSERT_NOT:
                if k == start:
                    break
                k += 1
                continue
            strings = _exact(op, av, memo)
            if strings is None or len(run) * len(strings) > _MAX_STRINGS:
                break
            run = {a + b for a, b in itertools.product(run, strings)}
            k = end = k + 1
        if end > start:
            if "" not in run:
                out.append({(before[start], string, after[end]) for string in run})
            k = end
            continue
        op, av = items[k]
        if op is sre.SUBPATTERN:
            out.extend(_needs(list(av[3]), before[k], after[k + 1], memo))
        elif op is sre.ATOMIC_GROUP:
            out.extend(_needs(list(av), before[k], after[k + 1], memo))
        elif op is sre.BRANCH:
            union: set[tuple[bool, str, bool]] = set()
            for alt in av[1]:
                found = _needs(list(alt), before[k], after[k + 1], memo)
                if not found:
                    union = set()
                    break
                union |= max(found, key=lambda strings: min(len(s) + left + right for left, s, right in strings))
            if union:
                out.append(union)
        elif op in _REPEATS and av[0] >= 1:
            out.extend(_needs(list(av[2]), False, False, memo))
        k += 1
    return out
