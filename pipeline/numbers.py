"""Numbers as French news writes them, with their character spans: digits, words, scale words.

Shared by the amounts and timexes stages. Number words are read by text2num; the digit format,
scale words and vague quantities come from rules/amounts/numbers.yml.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from text_to_num import Token, find_numbers

from . import rulesdata

RULES = "amounts/numbers.yml"
_WORD = re.compile(r"\w+(?:-\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Number:
    """A number in a text: [start, end) span, value, and whether it was written in words."""

    start: int
    end: int
    value: float
    words: bool = False
    scaled: bool = False  # a scale word is part of it ("25 millions", "deux milliards")


class _Word(Token):
    """A word of the text for text2num, keeping its match for the offsets."""

    def __init__(self, match: re.Match):
        self.match = match

    def text(self) -> str:
        return self.match.group()


def alternation(forms) -> str:
    """A regex alternation of literal forms, longest first (so "millions" wins over "million")."""
    return "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _compiled() -> dict:
    data = rulesdata.load_yaml(RULES)
    digits = rulesdata.require(data, "digits", RULES)
    scales = rulesdata.require(data, "scales", RULES)
    try:
        return {
            "digits": re.compile(digits),
            "ordinal": re.compile(rulesdata.require(data, "ordinal_suffix", RULES)),
            "scale": re.compile(rf"\s*({alternation(scales)})(?!\w)", re.IGNORECASE),
            "scales": {k.casefold(): float(v) for k, v in scales.items()},
            "half": re.compile(rulesdata.require(data, "half", RULES), re.IGNORECASE),
            "bare_scale": re.compile(rulesdata.require(data, "bare_scale", RULES), re.IGNORECASE),
            "english": {k.casefold(): float(v) for k, v in rulesdata.require(data, "english_scales", RULES).items()},
            "abbreviations": {k: float(v) for k, v in rulesdata.require(data, "abbreviations", RULES).items()},
            "vague": re.compile(rf"(?<!\w)(?:{alternation(rulesdata.require(data, 'vague', RULES))})(?!\w)", re.IGNORECASE),
        }
    except re.error as exc:
        raise rulesdata.RulesError(f"{rulesdata.rules_path(RULES)}: invalid regular expression: {exc}") from exc


def digit_value(text: str) -> float:
    """The value of digits in French format: "10 000" -> 10000, "1,5" -> 1.5, "1.000.000" -> 1e6."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", compact):
        compact = compact.replace(".", "")
    return float(compact.replace(",", "."))


def abbreviations() -> dict[str, float]:
    """Short scales ("M", "Mds", "k") that count only right before a currency."""
    return dict(_compiled()["abbreviations"])


def vague_spans(text: str) -> list[tuple[int, int]]:
    """Spans of words that stand for an unknown number ("quelques", "plusieurs")."""
    return [m.span() for m in _compiled()["vague"].finditer(text)]


def scale_of(text: str, number: Number) -> float:
    """The multiplier of the last scale word inside the number ("25 millions" -> 1e6), else 1."""
    rules = _compiled()
    words = [m.group(1).casefold() for m in rules["scale"].finditer(text, number.start, number.end)]
    return rules["scales"][words[-1]] if words else 1.0


def in_english(text: str, number: Number) -> float:
    """The value of `number` with its scale word read the English way ("$1.5 billion" -> 1.5e9)."""
    rules = _compiled()
    words = [m.group(1).casefold() for m in rules["scale"].finditer(text, number.start, number.end)]
    if not words or words[-1] not in rules["english"]:
        return number.value
    return number.value / rules["scales"][words[-1]] * rules["english"][words[-1]]


def find(text: str) -> tuple[Number, ...]:
    """Every cardinal number in `text`, digits or words, with a following scale word folded in.

    The amounts and timexes stages both read them: pipeline.extract finds them once per article and
    hands them to both."""
    rules = _compiled()
    found: list[Number] = []
    for m in rules["digits"].finditer(text):
        if rules["ordinal"].match(text, m.end()):
            continue
        found.append(Number(m.start(), m.end(), digit_value(m.group())))
    words = [_Word(m) for m in _WORD.finditer(text)]
    taken = {n.start for n in found}
    for occurrence in find_numbers(words, "fr", threshold=0):
        if occurrence.is_ordinal:
            continue
        first, last = words[occurrence.start].match, words[occurrence.end - 1].match
        if first.group()[0].isdigit() or first.start() in taken:
            continue
        if occurrence.end - occurrence.start == 1 and rules["bare_scale"].fullmatch(first.group()):
            continue  # "des millions de dollars": a plural scale word alone is no number
        scaled = bool(rules["scale"].search(text, first.start(), last.end()))
        found.append(Number(first.start(), last.end(), float(occurrence.value), words=True, scaled=scaled))
    scaled: list[Number] = []
    for number in sorted(found, key=lambda n: (n.start, -n.end)):
        if scaled and number.start < scaled[-1].end:
            continue  # a scale word already folded into the number before it
        scale = rules["scale"].match(text, number.end)
        if scale:
            number = Number(number.start, scale.end(), number.value * rules["scales"][scale.group(1).casefold()],
                            number.words, scaled=True)
        half = rules["half"].match(text, number.end) if number.scaled else None
        if half:  # "un milliard et demi": half of the last scale word
            number = Number(number.start, half.end(), number.value + scale_of(text, number) / 2, number.words,
                            scaled=True)
        scaled.append(number)
    return tuple(scaled)
