"""TIMEX3 values (TimeML): the shapes a value may take, for validating gold and output."""
from __future__ import annotations

import re

_DATE = r"(?:\d{4}|XXXX)(?:-(?:\d{2}|XX)(?:-(?:\d{2}|XX))?)?"
_PART = r"(?:\d{4}|XXXX)-(?:W\d{2}|W\d{2}-WE|SP|SU|FA|WI|Q[1-4]|H[12])"
_TIME = _DATE + r"T(?:\d{2}(?::\d{2}(?::\d{2})?)?|MO|MI|AF|EV|NI|DT)"
_DURATION = r"P(?:(?:\d+(?:\.\d+)?|X)[YMWD])+(?:T(?:(?:\d+|X)[HMS])+)?|PT(?:(?:\d+|X)[HMS])+|P(?:\d+|X)(?:DE|CE|Q|WE|L)"
_WEEKDAY_SET = r"XXXX-WXX-[1-7]"  # "chaque lundi"
_VALUE = re.compile(rf"^(?:{_DATE}|{_PART}|{_WEEKDAY_SET}|{_TIME}|\d{{3}}|\d{{2}}|{_DURATION}|PRESENT_REF|PAST_REF|FUTURE_REF)$")


def is_value(value: str) -> bool:
    """Whether `value` is a well-formed TIMEX3 value ("2023-02-28", "2023-09", "199", "P31Y", "XXXX-11-06")."""
    return bool(_VALUE.match(value))
