"""Money amounts: value in units and ISO 4217 currency.

A number (digits or words, scale words folded in: pipeline.numbers) becomes an amount when a
currency is written right after it ("25 millions de dollars", "10 M€") or right before it ("$10").
Currencies and the two attachment patterns are data in rules/amounts/currencies.yml.
"""
from __future__ import annotations

import functools
import re

from . import numbers, rulesdata

RULES = "amounts/currencies.yml"
_LOOKBACK = 12  # characters before a number searched for a currency symbol


@functools.lru_cache(maxsize=1)
def _compiled() -> dict:
    data = rulesdata.load_yaml(RULES)
    currencies = rulesdata.require(data, "currencies", RULES)
    patterns = rulesdata.require(data, "patterns", RULES)
    names, scaled, symbols = {}, {}, {}
    for code, spec in currencies.items():
        if not isinstance(spec, dict) or "names" not in spec:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(RULES)}: currency {code!r} needs `names`")
        for name in spec["names"]:
            names[name.casefold()] = code
        for name in spec.get("scaled_names", []):
            scaled[name.casefold()] = code
        for symbol in [*spec.get("symbols", []), code]:
            symbols[symbol] = code
    fill = {"abbrev": numbers.alternation(numbers.abbreviations()),
            "name": "(?i:" + numbers.alternation([*names, *scaled]) + ")",
            "symbol": numbers.alternation(symbols)}
    try:
        compiled = {"after": re.compile(patterns["after"].format(**fill)),
                    "before": re.compile(patterns["before"].format(**fill)),
                    "range_opener": re.compile(patterns["range_opener"]),
                    "range_joiner": re.compile(patterns["range_joiner"]),
                    "abbrev_after": re.compile(rf"\s?({fill['abbrev']})(?!\w)")}
    except (KeyError, re.error) as exc:
        raise rulesdata.RulesError(f"{rulesdata.rules_path(RULES)}: bad `patterns`: {exc}") from exc
    return {"names": names, "scaled": scaled, "symbols": symbols, **compiled}


def _currency_after(rules: dict, text: str, number: numbers.Number) -> tuple[str, int, float] | None:
    """(code, end of the amount, multiplier) when a currency follows the number."""
    m = rules["after"].match(text, number.end)
    if not m:
        return None
    multiplier = numbers.abbreviations()[m.group("abbrev")] if m.group("abbrev") else 1.0
    if m.group("symbol"):
        return rules["symbols"][m.group("symbol")], m.end(), multiplier
    name = m.group("name").casefold()
    if name in rules["names"]:
        return rules["names"][name], m.end(), multiplier
    return (rules["scaled"][name], m.end(), multiplier) if number.scaled or multiplier > 1 else None


def _currency_before(rules: dict, text: str, number: numbers.Number) -> tuple[str, int, int, float] | None:
    """(code, start, end, multiplier) when a currency symbol or code stands right before the number."""
    m = rules["before"].search(text, max(0, number.start - _LOOKBACK), number.start)
    if not m or (m.start() > 0 and text[m.start() - 1].isalnum() and m.group("symbol")[0].isalnum()):
        return None
    end, multiplier = number.end, 1.0
    abbrev = rules["abbrev_after"].match(text, number.end)
    if abbrev:
        end, multiplier = abbrev.end(), numbers.abbreviations()[abbrev.group(1)]
    return rules["symbols"][m.group("symbol")], m.start(), end, multiplier


def parse(text: str, *, found_numbers: tuple[numbers.Number, ...] | None = None) -> list[dict]:
    """Every money amount in `text`: start, end, text, value, currency (and rule_id); `found_numbers`:
    the text's numbers.find, when the caller has them."""
    rules = _compiled()
    found = []
    found_numbers = [n for n in (numbers.find(text) if found_numbers is None else found_numbers) if n.value > 0]
    for i, number in enumerate(found_numbers):
        after = _currency_after(rules, text, number)
        if after:
            code, end, multiplier = after
            start, rule = number.start, "amounts/number-currency"
            first = _range_start(rules, text, found_numbers[i - 1], number, multiplier, code) if i else None
            if first and (not found or found[-1]["start"] != first["start"]):
                found.append(first)
        else:
            before = _currency_before(rules, text, number)
            if not before:
                continue
            code, start, end, multiplier = before
            rule = "amounts/currency-number"
        value = number.value
        if rule == "amounts/currency-number" or re.search(r"\d\.\d", text[number.start:number.end]):
            value = numbers.in_english(text, number)  # "$1.5 billion" is written the English way
        found.append({"start": start, "end": end, "text": text[start:end],
                      "value": float(value * multiplier), "currency": code, "rule_id": rule})
    return found


def _range_start(rules: dict, text: str, first: numbers.Number, second: numbers.Number, multiplier: float,
                 code: str) -> dict | None:
    """ "de 5 à 10 millions de dollars": the first end, with the second's scale and currency."""
    if not rules["range_joiner"].search(text[first.end:second.start]):
        return None
    if not rules["range_opener"].search(text[max(0, first.start - 8):first.start]):
        return None
    value = first.value * (1.0 if first.scaled else numbers.scale_of(text, second)) * multiplier
    return {"start": first.start, "end": first.end, "text": text[first.start:first.end], "value": float(value),
            "currency": code, "rule_id": "amounts/range-start"}


def _amounts(text: str) -> list[list]:
    return [[a["text"], a["value"], a["currency"]] for a in parse(text)]


def _numbers(text: str) -> list[float]:
    return [n.value for n in numbers.find(text)]


EXAMPLE_RUNNERS = {
    "amounts/currencies.yml": (_amounts, _amounts),
    "amounts/numbers.yml": (_numbers, _numbers),
    "amounts/duckling.yml": (_amounts, _amounts),  # external corpus (Duckling's), no rules file of its own
}
