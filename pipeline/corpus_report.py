"""How much of each rules example corpus passes, and, for the timex corpora, how dateparser's
`search_dates` does on the same texts (a baseline: it has no granularity, durations or sets).

    python -m pipeline.corpus_report [--stage timexes --stage amounts] [--dateparser]

An example passes when the stage gives exactly its `expect` (positive) or nothing (negative).
`known_failures` are counted as failing; the share is passed / (positive + negative + known).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import re
import sys
from dataclasses import dataclass

import yaml

from . import config
from .textnorm import fold

STAGES = ("timexes", "amounts")


@dataclass
class CorpusScore:
    rules_file: str
    positive: int = 0
    positive_ok: int = 0
    negative: int = 0
    negative_ok: int = 0
    known_failures: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.negative + self.known_failures

    @property
    def passed(self) -> int:
        return self.positive_ok + self.negative_ok

    @property
    def share(self) -> float:
        return self.passed / self.total if self.total else 1.0


def _corpus(rules_file: str) -> dict:
    path = config.RULES_DIR / rules_file.replace(".yml", ".examples.yml")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def score(rules_file: str, positive, negative) -> CorpusScore:
    """Pass counts of one examples file given its positive and negative runners."""
    data = _corpus(rules_file)
    result = CorpusScore(rules_file)
    for case in data.get("positive", []):
        result.positive += 1
        result.positive_ok += positive(case["text"]) == case["expect"]
    for text in data.get("negative", []):
        result.negative += 1
        result.negative_ok += not negative(text)
    result.known_failures = len(data.get("known_failures") or [])
    return result


def _granular(found: dt.datetime, value: str) -> str | None:
    """`found` written at the granularity of `value`, when dateparser can express that value at all."""
    for shape, fmt in ((r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"), (r"\d{4}-\d{2}", "%Y-%m"), (r"\d{4}", "%Y")):
        if re.fullmatch(shape, value):
            return found.strftime(fmt)
    return None


def _same_span(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a in b or b in a


def dateparser_runner(anchor: dt.date):
    """A runner giving, for a text, search_dates' findings matched against an expectation."""
    from dateparser.search import search_dates

    base = dt.datetime.combine(anchor, dt.time())

    def run(text: str, expect: list | None = None) -> bool:
        found = search_dates(text, languages=["fr"], settings={"RELATIVE_BASE": base}) or []
        if expect is None:
            return not found
        if len(found) != len(expect):
            return False
        return all(_same_span(span, f_span) and _granular(f_date, str(value)) == str(value)
                   for (span, _, value), (f_span, f_date) in zip(expect, found))
    return run


def dateparser_score(rules_file: str, anchor: dt.date) -> CorpusScore:
    run = dateparser_runner(anchor)
    data = _corpus(rules_file)
    result = CorpusScore(rules_file)
    for case in data.get("positive", []) + (data.get("known_failures") or []):
        result.positive += 1
        result.positive_ok += run(case["text"], case["expect"])
    for text in data.get("negative", []):
        result.negative += 1
        result.negative_ok += run(text)
    return result


def _line(s: CorpusScore) -> str:
    return (f"{s.rules_file:<28} {s.positive_ok:>4}/{s.positive:<4} {s.negative_ok:>4}/{s.negative:<4} "
            f"{s.known_failures:>5} {s.share:>7.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.corpus_report", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="append", choices=STAGES, help="stages to report (default: all)")
    parser.add_argument("--dateparser", action="store_true", help="also score dateparser's search_dates on the timex corpora")
    args = parser.parse_args(argv)
    header = f"{'rules file':<28} {'positive':>9} {'negative':>9} {'known':>5} {'share':>7}"
    print(header)
    totals = CorpusScore("all")
    for stage in args.stage or STAGES:
        module = importlib.import_module(f"pipeline.{stage}")
        for rules_file, (positive, negative) in sorted(module.EXAMPLE_RUNNERS.items()):
            s = score(rules_file, positive, negative)
            print(_line(s))
            for name in ("positive", "positive_ok", "negative", "negative_ok", "known_failures"):
                setattr(totals, name, getattr(totals, name) + getattr(s, name))
    print(_line(totals))
    if args.dateparser:
        from . import timexes

        print("\ndateparser.search_dates on the same timex corpora (known failures counted as positives)")
        print(header)
        for rules_file in sorted(timexes.EXAMPLE_RUNNERS):
            anchor = timexes.EXAMPLE_ANCHORS.get(rules_file, timexes.EXAMPLE_ANCHOR)
            print(_line(dateparser_score(rules_file, anchor)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
