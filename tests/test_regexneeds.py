"""The prefilter of pipeline.regexneeds never skips a text its pattern matches, and does skip texts that lack
what every match needs."""
from __future__ import annotations

import re

import pytest
import yaml

from pipeline import config, regexneeds, timexes


def _example_texts() -> list[str]:
    texts = []
    for path in sorted((config.RULES_DIR / "timexes").glob("*.examples.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [item["text"] for item in data.get("positive", [])] + list(data.get("negative", []))
    return texts


def test_no_timex_rule_is_skipped_on_a_text_it_matches():
    rules, prefilter = timexes._rules(), timexes._prefilter()
    texts = _example_texts()
    texts += [t.upper() for t in texts] + [t.replace("s", "ſ").replace("i", "ı") for t in texts]
    skipped = 0
    for text in texts:
        scan = prefilter.scan(text)
        for i, rule in enumerate(rules):
            if rule.regex.search(text):
                assert scan.may_match(i), (rule.id, text)
            else:
                skipped += not scan.may_match(i)
    assert skipped > len(texts) * len(rules) // 2  # and it does skip most rules on most texts


@pytest.mark.parametrize("pattern, text, possible", [
    (r"(?<!\w)(?:mai|mars)\s+\d{4}(?!\w)", "Il est venu, mais sans rien dire.", False),  # "mai" only inside "mais"
    (r"(?<!\w)(?:mai|mars)\s+\d{4}(?!\w)", "Il est venu en MAI 2024.", True),
    (r"(?<!\w)(?:mai|mars)\s+\d{4}(?!\w)", "Il est venu en MARſ 2024.", True),  # IGNORECASE: ſ is an s
    (r"(?<!\w)le\s+\d+/\d+(?!\w)", "le 3 mars", False),  # the slash is kept as it is
    (r"(?<!\w)le\s+\d+/\d+(?!\w)", "le 3/4", True),
])
def test_prefilter_reads_boundaries_cases_and_optional_parts(pattern, text, possible):
    prefilter = regexneeds.Prefilter([(pattern, re.IGNORECASE)])
    assert bool(re.search(pattern, text, re.IGNORECASE)) == possible
    assert prefilter.scan(text).may_match(0) == possible


def test_a_pattern_with_nothing_literal_required_is_never_skipped():
    prefilter = regexneeds.Prefilter([(r"(?<!\w)(?:avant|après)?\s*\d+", re.IGNORECASE)])
    assert prefilter.needs == [()] and prefilter.scan("rien").may_match(0)


def test_case_folding_equates_what_ignorecase_equates():
    """Every code point IGNORECASE matches to a letter of the timex rules folds to that letter."""
    prefilter = timexes._prefilter()
    letters = sorted({ch for needed in prefilter.needs for strings in needed for _, s in strings for ch in s
                      if ch.isalpha()})
    every = regexneeds.every_character()
    for letter in letters:
        for other in set(re.findall(re.escape(letter), every, re.IGNORECASE)):
            assert prefilter.fold(other, spaced=False) == prefilter.fold(letter, spaced=False), (letter, other)
