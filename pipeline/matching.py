"""A spaCy Matcher run only where its patterns can match: the same matches, a fraction of the tokens.

spaCy's Matcher tries every pattern at every token of a Doc. A pattern whose words are given (a token
with LEMMA, LOWER, ORTH or TEXT set to a word or an IN list of words, outside any operator) can only
match around a token holding one of those words. `AnchoredMatcher` finds those tokens with one
vectorised look-up over the Doc's attribute arrays and runs the Matcher on the stretches of tokens
that can hold a match starting near them (windows as long as the longest pattern, merged where they
touch), then gives the matches in Doc offsets, in the order the Matcher gives them over the whole Doc.
A pattern without such a token makes it run over the whole Doc, as before.
"""
from __future__ import annotations

import re

import numpy
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import get_lang_class

# The token attributes a word can anchor a pattern on, as the Matcher compares them.
WORD_ATTRS = {"LEMMA": LEMMA, "LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}
_BOUNDED = re.compile(r"^\{(\d*),(\d*)\}$|^\{(\d+)\}$")


def repeats(spec: dict) -> tuple[int, int | None]:
    """How many tokens a token spec takes: (fewest, most), most None when unbounded."""
    op = spec.get("OP")
    if op is None or op == "!":
        return 1, 1
    if op == "?":
        return 0, 1
    if op in {"*", "+"}:
        return (0 if op == "*" else 1), None
    found = _BOUNDED.match(op)
    if not found:
        raise ValueError(f"unknown Matcher operator {op!r}")
    if found.group(3) is not None:
        return int(found.group(3)), int(found.group(3))
    low, high = found.group(1), found.group(2)
    return int(low or 0), int(high) if high else None


def _words(value) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
        return list(value["IN"])
    return None


def anchor(pattern: list[dict], stop_words: frozenset[str] = frozenset()) -> tuple[str, list[str], int, int, int] | None:
    """The required token of the pattern that names its words and is likely the rarest: (attribute,
    words, fewest and most tokens before it from the pattern's start, most tokens of the pattern).
    A token whose words are none of the language's stop words ("à", "avoir") is preferred, then the one
    with the fewest words. None when no required token names its words, or the pattern is unbounded."""
    fewest_before, most_before = 0, 0
    found = []
    for spec in pattern:
        low, high = repeats(spec)
        if high is None:
            return None
        if spec.get("OP") is None:
            for attr in WORD_ATTRS:
                words = _words(spec.get(attr))
                if words is not None:
                    found.append((attr, words, fewest_before, most_before))
                    break
        fewest_before += low
        most_before += high
    if not found:
        return None
    best = min(found, key=lambda a: (any(w.lower() in stop_words for w in a[1]), len(a[1])))
    return (*best, most_before)


class AnchoredMatcher:
    """A spaCy Matcher over `patterns` (key -> list of patterns) that runs only around anchor words."""

    def __init__(self, vocab, patterns: dict[str, list[list[dict]]]):
        self.matcher = Matcher(vocab)
        stop_words = frozenset(get_lang_class(vocab.lang).Defaults.stop_words) if vocab.lang else frozenset()
        anchors = []
        for key, alternatives in patterns.items():
            self.matcher.add(key, alternatives)
            anchors.extend(anchor(p, stop_words) for p in alternatives)
        self.whole_doc = not anchors or any(a is None for a in anchors)
        # per anchor word: how many tokens before it a match can start, and end after it
        self.extent: dict[tuple[int, int], tuple[int, int]] = {}
        for attr, words, fewest_before, most_before, longest in filter(None, anchors):
            for word in words:
                key = (WORD_ATTRS[attr], get_string_id(word))
                before, after = self.extent.get(key, (0, 0))
                self.extent[key] = (max(before, most_before), max(after, longest - fewest_before))
        self.attrs = sorted({attr for attr, _ in self.extent})
        self.hashes = [numpy.array(sorted({h for a, h in self.extent if a == attr}), dtype="uint64") for attr in self.attrs]

    def __len__(self) -> int:
        return len(self.matcher)

    def windows(self, doc: Doc) -> list[tuple[int, int]]:
        """The stretches of tokens a match can lie in, merged, in order."""
        if not len(doc):
            return []
        values = doc.to_array(self.attrs).reshape(len(doc), len(self.attrs))
        found: list[tuple[int, int]] = []
        for column, (attr, hashes) in enumerate(zip(self.attrs, self.hashes)):
            for position in numpy.flatnonzero(numpy.isin(values[:, column], hashes)).tolist():
                before, after = self.extent[(attr, int(values[position, column]))]
                found.append((max(0, position - before), min(len(doc), position + after)))
        spans: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
        return spans

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if self.whole_doc:
            return self.matcher(doc)
        return [(key, start + lo, end + lo) for lo, hi in self.windows(doc)
                for key, start, end in self.matcher(doc[lo:hi])]


class LowerPhraseMatcher:
    """Phrases found by the lowercase forms of their tokens: the matches of spaCy's
    PhraseMatcher(attr="LOWER"), built from each phrase's words instead of a Doc per phrase.

    Making a Doc of each of the gazetteer's 20,000 names (and a lexeme of each new word) took half a
    second of every process's first article; the words come from the tokenizer once (pipeline.memo
    keeps them between runs). Phrases are held as the hashes of their lowercase words, as the Doc's
    LOWER array holds them. A match is (key, start, end); all of them are given, overlapping ones
    too, by start, then end. tests/test_matching.py checks them against spaCy's PhraseMatcher."""

    def __init__(self):
        self.keys: dict[tuple[int, ...], list[str]] = {}  # a phrase's lowercase word hashes -> its keys
        self.lengths: dict[int, list[int]] = {}  # a first word's hash -> the lengths of its phrases, shortest first

    def add(self, key: str, phrases) -> None:
        """Add phrases, each given as its token texts, under `key`."""
        for phrase in phrases:
            hashes = tuple(get_string_id(word.lower()) for word in phrase)
            if not hashes:
                continue
            keys = self.keys.setdefault(hashes, [])
            if key not in keys:
                keys.append(key)
            lengths = self.lengths.setdefault(hashes[0], [])
            if len(hashes) not in lengths:
                lengths.append(len(hashes))
                lengths.sort()

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        if not len(doc):
            return []
        values = doc.to_array(LOWER).tolist()
        found = []
        for start, value in enumerate(values):
            for length in self.lengths.get(value, ()):
                keys = self.keys.get(tuple(values[start:start + length]))
                if keys:
                    found.extend((key, start, start + length) for key in keys)
        return found
