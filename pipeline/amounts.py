"""Money amounts: value in units and ISO 4217 currency."""
from __future__ import annotations


def parse(text: str) -> list[dict]:
    """Every money amount in `text`: start, end, text, value, currency (and rule_id)."""
    return []
