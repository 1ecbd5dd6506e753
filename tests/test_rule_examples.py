"""Every rules/**/X.examples.yml is run here: positives give their expected value, negatives nothing.

A stage registers how to run its examples in RUNNERS: the rules file (relative to rules/) maps to a
function text -> comparable value, where a falsy value means "nothing found".
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import config


def _clean(text):
    from pipeline.clean import clean

    return clean(text).text


def _clean_negative(text):
    from pipeline.clean import clean, normalize

    return clean(text).text if clean(text).text != normalize(text).strip("\n") else None


def _dateline(text):
    from pipeline.clean import find_dateline

    found = find_dateline(text)
    return found and {"place": found.place, "publisher": found.publisher, "month": found.month,
                      "day": found.day, "year": found.year}


# rules file -> (positive runner, negative runner)
RUNNERS = {
    "clean/boilerplate.yml": (_clean, _clean_negative),
    "clean/datelines.yml": (_dateline, _dateline),
}


def _register_optional():
    """Stages add their runners in pipeline.<stage>.EXAMPLE_RUNNERS (rules file -> (positive, negative))."""
    import importlib

    for module in ("discourse", "entities", "resolve", "timexes", "amounts", "events", "quotes"):
        mod = importlib.import_module(f"pipeline.{module}")
        RUNNERS.update(getattr(mod, "EXAMPLE_RUNNERS", {}))


_register_optional()


def _example_files():
    return sorted(config.RULES_DIR.rglob("*.examples.yml"))


def _cases():
    for path in _example_files():
        rules_file = str(path.relative_to(config.RULES_DIR)).replace(".examples.yml", ".yml")
        if not (config.RULES_DIR / rules_file).exists():
            alt = [p for p in (config.RULES_DIR / Path(rules_file).parent).glob(Path(rules_file).stem + ".*")
                   if not p.name.endswith(".examples.yml")]
            rules_file = str(alt[0].relative_to(config.RULES_DIR)) if alt else rules_file
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, case in enumerate(data.get("positive", [])):
            yield pytest.param(rules_file, "positive", case, id=f"{path.name}:+{i}")
        for i, text in enumerate(data.get("negative", [])):
            yield pytest.param(rules_file, "negative", text, id=f"{path.name}:-{i}")


def test_every_rules_file_has_examples_and_a_runner():
    for path in sorted(config.RULES_DIR.rglob("*")):
        if path.suffix not in {".yml", ".yaml", ".csv", ".jsonl"} or path.name.endswith(".examples.yml"):
            continue
        examples = path.with_name(path.stem + ".examples.yml")
        assert examples.exists(), f"{path} has no examples file {examples.name} beside it"
        relative = str(path.relative_to(config.RULES_DIR))
        assert relative in RUNNERS, f"{relative} has examples but no runner registered"


def test_every_rules_file_opens_with_a_header():
    for path in sorted(config.RULES_DIR.rglob("*")):
        if path.suffix in {".yml", ".yaml", ".csv", ".jsonl"}:
            first = path.read_text(encoding="utf-8").lstrip().splitlines()[0]
            assert first.startswith("#"), f"{path}: first line should be a header comment"


@pytest.mark.parametrize("rules_file,kind,case", list(_cases()))
def test_rule_example(rules_file, kind, case):
    positive, negative = RUNNERS[rules_file]
    if kind == "positive":
        got = positive(case["text"])
        assert got == case["expect"], f"{rules_file}: {case['text']!r} gave {got!r}, expected {case['expect']!r}"
    else:
        got = negative(case)
        assert not got, f"{rules_file}: negative example {case!r} gave {got!r}"
