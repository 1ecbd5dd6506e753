"""Temporal expressions: spans, TIMEX3 types and values resolved against an anchor date."""
from __future__ import annotations

import datetime as dt


def normalize(text: str, anchor: dt.date | None) -> list[dict]:
    """Every temporal expression in `text`: start, end, text, type, value (and resolved, anchor, rule_id)."""
    return []
