"""Contract behaviour of pipeline.timexes.normalize and pipeline.amounts.parse beyond the example corpora."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from pipeline import amounts, config, timexes
from pipeline.timex3 import is_value

TEXT = ("Les ministres ont tenu mardi une réunion à Astana, il y a un an, après le sommet "
        "du 6 novembre. Le prochain sommet aura lieu le 6 novembre, en 2025, et Washington versera "
        "25 millions de dollars chaque année pendant dix ans.")


def test_rows_carry_span_type_value_and_rule():
    rows = timexes.normalize(TEXT, dt.date(2024, 3, 13))
    assert rows, "no timex found"
    for row in rows:
        assert TEXT[row["start"]:row["end"]] == row["text"]
        assert row["type"] in {"DATE", "TIME", "DURATION", "SET"}
        assert row["value"] is None or is_value(row["value"]), row
        assert row["rule_id"].startswith("timexes/")
        assert isinstance(row["resolved"], bool)


def test_relative_dates_stay_unresolved_without_anchor():
    rows = {r["text"]: r for r in timexes.normalize(TEXT, None)}
    assert rows["mardi"]["value"] is None and not rows["mardi"]["resolved"]
    assert rows["il y a un an"]["value"] is None and not rows["il y a un an"]["resolved"]
    assert rows["6 novembre"]["value"] == "XXXX-11-06" and not rows["6 novembre"]["resolved"]
    assert rows["2025"]["value"] == "2025" and rows["2025"]["resolved"]
    assert rows["chaque année"]["value"] == "P1Y" and rows["chaque année"]["type"] == "SET"
    assert rows["dix ans"]["value"] == "P10Y" and rows["dix ans"]["type"] == "DURATION"


def test_the_same_day_points_back_or_forward_with_the_tense():
    values = [r["value"] for r in timexes.normalize(TEXT, dt.date(2024, 3, 13)) if r["text"] == "6 novembre"]
    assert values == ["2023-11-06", "2024-11-06"]


def test_the_anchor_moves_the_values_never_the_clock():
    earlier = {r["text"]: r["value"] for r in timexes.normalize(TEXT, dt.date(2019, 6, 5))}
    assert earlier["mardi"] == "2019-06-04" and earlier["il y a un an"] == "2018"


def test_amount_rows():
    rows = amounts.parse(TEXT)
    assert [(r["text"], r["value"], r["currency"]) for r in rows] == [("25 millions de dollars", 25000000.0, "USD")]
    assert TEXT[rows[0]["start"]:rows[0]["end"]] == rows[0]["text"] and rows[0]["rule_id"].startswith("amounts/")


def _expected_values():
    for path in sorted((config.RULES_DIR / "timexes").glob("*.examples.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data.get("positive", []) + (data.get("known_failures") or []):
            for span, type_, value in case["expect"]:
                if value is not None:  # null: an expression the text gives no way to resolve
                    yield pytest.param(value, id=f"{path.name}:{span}")


@pytest.mark.parametrize("value", list(_expected_values()))
def test_example_values_are_well_formed_timex3(value):
    assert is_value(str(value)), value


def test_a_bad_range_pattern_is_refused_with_the_rules_file_name(monkeypatch):
    from pipeline import rulesdata

    real = rulesdata.load_yaml

    def broken(relative):
        data = real(relative)
        if relative == amounts.RULES:
            data = {**data, "patterns": {**data["patterns"], "range_joiner": "(unclosed"}}
        return data

    monkeypatch.setattr(rulesdata, "load_yaml", broken)
    amounts._compiled.cache_clear()
    try:
        with pytest.raises(rulesdata.RulesError, match="currencies.yml"):
            amounts._compiled()
    finally:
        amounts._compiled.cache_clear()


def test_amounts_and_timexes_read_the_numbers_they_are_given():
    from pipeline import numbers

    found = numbers.find(TEXT)
    anchor = dt.date(2024, 3, 13)
    assert amounts.parse(TEXT, found_numbers=found) == amounts.parse(TEXT) != []
    assert timexes.normalize(TEXT, anchor, found_numbers=found) == timexes.normalize(TEXT, anchor)
    assert amounts.parse(TEXT, found_numbers=()) == []  # no number given: no amount
    assert len(timexes.normalize(TEXT, anchor, found_numbers=())) < len(timexes.normalize(TEXT, anchor))
