"""Temporal expressions: spans, TIMEX3 types and values resolved against an anchor date.

Built in Duckling's manner: the rules are data (rules/timexes/patterns.yml, over the tables of
calendar.yml), each naming the value function below that reads its match. Where matches overlap,
the one with the longer kept span wins, then the earlier layer (explicit, relative, fallback), then
the earlier rule. Dates are resolved against the anchor passed in (the
publication date), never the clock; a day without a year or a bare weekday points back or forward
according to the tense of its sentence (rules/timexes/tense.yml). With no anchor, what needs one
stays unresolved: an X in the value ("XXXX-11-06") or no value, and `resolved` false.
"""
from __future__ import annotations

import bisect
import calendar as _calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from . import memo, numbers, regexneeds, rulesdata
from .textnorm import fold

PATTERNS = "timexes/patterns.yml"
CALENDAR = "timexes/calendar.yml"
TENSE = "timexes/tense.yml"
_PLACEHOLDER = re.compile(r"\{([a-z]+)(\d?)\}")
LAYERS = ("explicit", "relative", "fallback")  # tried in this order when two matches tie


@dataclass(frozen=True)
class Rule:
    id: str
    layer: str
    type: str
    value: str
    regex: re.Pattern
    on_masked: bool  # the pattern reads numbers ({num}): run it where number words are masked
    params: dict = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _tables() -> dict:
    """Calendar tables: folded surface form -> value, and their regex alternations."""
    cal = rulesdata.load_yaml(CALENDAR)
    pat = rulesdata.load_yaml(PATTERNS)
    lookups = {
        "month": rulesdata.require(cal, "months", CALENDAR),
        "weekday": rulesdata.require(cal, "weekdays", CALENDAR),
        "season": rulesdata.require(cal, "seasons", CALENDAR),
        "holiday": rulesdata.require(cal, "holidays", CALENDAR),
        "fraction": rulesdata.require(cal, "fractions", CALENDAR),
        "daypart": rulesdata.require(cal, "dayparts", CALENDAR),
        "ampm": rulesdata.require(cal, "ampm", CALENDAR),
        "unit": rulesdata.require(cal, "units", CALENDAR),
        "ordinal": rulesdata.require(cal, "ordinals", CALENDAR),
        "mod": rulesdata.require(pat, "mods", PATTERNS),
        "last": dict.fromkeys(rulesdata.require(cal, "last", CALENDAR), -1),
        "next": dict.fromkeys(rulesdata.require(cal, "next", CALENDAR), 1),
        "vague": dict.fromkeys(rulesdata.load_yaml(numbers.RULES)["vague"], "X"),
    }
    cues = rulesdata.require(cal, "year_cues", CALENDAR)
    return {
        "lookup": {name: {fold(k): v for k, v in table.items()} for name, table in lookups.items()},
        "regex": {**{name: numbers.alternation(table) for name, table in lookups.items()},
                  **rulesdata.require(pat, "fixed", PATTERNS)},
        "season_starts": rulesdata.require(cal, "season_starts", CALENDAR),
        "day_by_mod": rulesdata.require(cal, "day_by_mod", CALENDAR),
        "smaller_units": rulesdata.require(cal, "smaller_units", CALENDAR),
        "roman": rulesdata.require(cal, "roman_numerals", CALENDAR),
        "year_strong": tuple(fold(c) for c in rulesdata.require(cues, "strong", CALENDAR)),
        "year_weak": tuple(fold(c) for c in rulesdata.require(cues, "weak", CALENDAR)),
        "year_followers": frozenset(fold(w) for w in rulesdata.require(cal, "year_followers", CALENDAR)),
        "not_year_before": tuple(fold(w) for w in rulesdata.require(cal, "not_year_before", CALENDAR)),
        "apposition": re.compile(rulesdata.require(pat, "apposition", PATTERNS)),
        "day_and_time": re.compile(rulesdata.require(pat, "day_and_time", PATTERNS), re.IGNORECASE),
        "clock_after_day": re.compile(rulesdata.require(pat, "clock_after_day", PATTERNS), re.IGNORECASE),
        "weekday_joiner": re.compile(rulesdata.require(pat, "weekday_joiner", PATTERNS), re.IGNORECASE),
        "day_of": re.compile(rulesdata.require(pat, "day_of", PATTERNS), re.IGNORECASE),
        "pm_from_hour": rulesdata.require(cal, "pm_from_hour", CALENDAR),
        "of_something": re.compile(rulesdata.require(pat, "of_something", PATTERNS), re.IGNORECASE),
        "generic_present": re.compile(rulesdata.require(pat, "generic_present", PATTERNS), re.IGNORECASE),
        "from_today": re.compile(rulesdata.require(pat, "from_today", PATTERNS), re.IGNORECASE),
        "stative": re.compile(rf"(?<!\w)(?:{numbers.alternation(rulesdata.require(pat, 'stative_verbs', PATTERNS))})(?!\w)",
                              re.IGNORECASE),
        "anaphoric": frozenset(fold(w) for w in rulesdata.require(cal, "anaphoric", CALENDAR)),
        "generic_season_heads": frozenset(fold(w) for w in rulesdata.require(cal, "generic_season_heads", CALENDAR)),
    }


def _expand(pattern: str, rule_id: str) -> str:
    """The rule's pattern with each {table} replaced by a named group of the table's alternation."""
    regex = _tables()["regex"]

    def group(m: re.Match) -> str:
        name = m.group(1)
        if name not in regex:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(PATTERNS)}: rule {rule_id!r}: unknown table {{{name}}}")
        return f"(?P<{name}{m.group(2)}>{regex[name]})"

    return _PLACEHOLDER.sub(group, pattern).replace("'", "['’ʼ]")


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[Rule, ...]:
    data = rulesdata.load_yaml(PATTERNS)
    rules = []
    for i, spec in enumerate(rulesdata.require(data, "rules", PATTERNS)):
        missing = {"id", "layer", "type", "value", "pattern"} - set(spec)
        if missing:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(PATTERNS)}: rule #{i}: missing {sorted(missing)}")
        if spec["layer"] not in LAYERS:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(PATTERNS)}: rule {spec['id']!r}: layer must be one of "
                                       f"{list(LAYERS)}, not {spec['layer']!r}")
        if spec["value"] not in _VALUE_FUNCTIONS:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(PATTERNS)}: rule {spec['id']!r}: unknown value "
                                       f"function {spec['value']!r} (one of {sorted(_VALUE_FUNCTIONS)})")
        try:
            regex = re.compile(rf"(?<![\w]){_expand(spec['pattern'], spec['id'])}(?![\w])", re.IGNORECASE)
        except re.error as exc:
            raise rulesdata.RulesError(f"{rulesdata.rules_path(PATTERNS)}: rule {spec['id']!r}: bad pattern: {exc}") from exc
        params = {k: v for k, v in spec.items() if k not in {"id", "layer", "type", "value", "pattern"}}
        rules.append(Rule(spec["id"], spec["layer"], spec["type"], spec["value"], regex,
                          "{num}" in spec["pattern"], params))
    return tuple(sorted(rules, key=lambda r: LAYERS.index(r.layer)))


# --- tense of the sentence around an expression ------------------------------------------------

@functools.lru_cache(maxsize=1)
def _tense_rules() -> dict:
    data = rulesdata.load_yaml(TENSE)
    fill = {name: rulesdata.require(data, name, TENSE) for name in ("adverbs", "participle", "etre_participle")}
    cues = []
    for priority, label in enumerate(("nearest", "future", "conditional", "past")):
        for pattern in rulesdata.require(data, "cues", TENSE).get(label, []):
            try:
                expanded = re.sub(r"\{(adverbs|participle|etre_participle)\}", lambda m: fill[m.group(1)], pattern)
                cues.append((label, priority, re.compile(expanded, re.IGNORECASE)))
            except re.error as exc:
                raise rulesdata.RulesError(f"{rulesdata.rules_path(TENSE)}: bad {label} cue {pattern!r}: {exc}") from exc
    def before_expression(key: str) -> re.Pattern | None:
        words = [re.escape(str(w)).replace("'", "['’ʼ]") for w in rulesdata.require(data, key, TENSE)]
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")\s*$", re.IGNORECASE) if words else None

    return {"sentence_end": re.compile(rulesdata.require(data, "sentence_end", TENSE)), "cues": cues,
            "until": before_expression("until"), "ahead": before_expression("ahead"),
            "not_verbs": frozenset(fold(w) for w in rulesdata.require(data, "not_verbs", TENSE)),
            "participles": frozenset(fold(w) for w in rulesdata.require(data, "participles", TENSE))}


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` as tense.yml's `sentence_end` cuts it."""
    bounds, start = [], 0
    for m in _tense_rules()["sentence_end"].finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    return bounds + [(start, len(text))]


def tense(text: str, start: int, end: int, *, bounds: list[tuple[int, int]] | None = None) -> str | None:
    """`past`, `future`, `conditional` or `nearest` (no tense to go by) from the verb cue nearest to text[start:end] in its sentence
    (`bounds`: the text's sentence_bounds, when the caller has them)."""
    rules = _tense_rules()
    bounds = bounds or sentence_bounds(text)
    i = max(bisect.bisect_right([b[0] for b in bounds], start) - 1, 0)
    j = max(bisect.bisect_left([b[1] for b in bounds], end), i)
    s0, s1 = bounds[i][0], bounds[min(j, len(bounds) - 1)][1]
    best = None
    for label, priority, regex in rules["cues"]:
        for m in regex.finditer(text, s0, s1):
            if m.end() > start and m.start() < end:
                continue
            words = m.group().split()
            if m.group()[:1].isupper() and text[s0:m.start()].strip():
                continue  # a capitalised word inside a sentence is a name ("à Accra", "Narendra Modi"), not a verb
            if fold(words[-1]) in rules["not_verbs"] and (len(words) == 1 or fold(words[-1]) not in rules["participles"]):
                continue
            distance = start - m.end() if m.end() <= start else m.start() - end
            if m.start() >= end and "," in text[end:m.start()]:
                # "se rendra en France les 28 et 29 avril, a annoncé mercredi le gouvernement": a verb past a
                # comma after the expression is an aside; a cue before the expression goes first
                distance += s1 - s0
            if best is None or (distance, priority) < best[:2]:
                best = (distance, priority, label)
    return best[2] if best else None


# --- resolution helpers -------------------------------------------------------------------------

@dataclass
class _Context:
    text: str
    anchor: dt.date | None
    numbers: dict[int, float]
    reference: dt.date | None = None  # the last day-precise date seen, for "la veille", "le lendemain"
    last_value: str | None = None  # the last date value seen, any granularity, for "de l'époque"
    bounds: list[tuple[int, int]] | None = None  # sentence bounds, computed on first use

    def tense(self, m: re.Match) -> str | None:
        if self.bounds is None:
            self.bounds = sentence_bounds(self.text)
        return tense(self.text, *m.span(), bounds=self.bounds)


def _look(table: str, surface: str):
    return _tables()["lookup"][table].get(fold(surface).rstrip("-").strip())


def _group(m: re.Match, name: str) -> str | None:
    return m.groupdict().get(name)


def _day(surface: str) -> int:
    return 1 if not surface[0].isdigit() or surface.startswith("1e") or surface.startswith("1ᵉ") else int(surface)


def _number(ctx: _Context, m: re.Match, name: str = "num") -> float | str:
    """The value of group `name`: a number, "X" for a vague quantity, 1 when absent."""
    if _group(m, name):
        start = m.start(name)
        return ctx.numbers.get(start, numbers.digit_value(m.group(name)) if m.group(name)[0].isdigit() else 1)
    return "X" if _group(m, "vague") else 1


def _direction(m: re.Match) -> int:
    if _group(m, "last"):
        return -1
    if _group(m, "next"):
        return 1
    return 0


def _pick(candidates: list, anchor, when: str | None):
    """Among candidates, the one the tense points to: past (latest <= anchor), future (earliest >=),
    otherwise the nearest to the anchor (the past one on a tie)."""
    if when == "past":
        before = [c for c in candidates if c <= anchor]
        return max(before) if before else None
    if when == "future":
        after = [c for c in candidates if c >= anchor]
        return min(after) if after else None
    return min(candidates, key=lambda c: (abs(c - anchor), c > anchor))


def _anchor_for(ctx: _Context, m: re.Match) -> dt.date | None:
    """The date a match counts from: the anchor, or the last date the text gave when its last/next
    word is anaphoric ("l'année suivante", "le mardi précédent")."""
    word = _group(m, "last") or _group(m, "next")
    if word is None or fold(word) not in _tables()["anaphoric"]:
        return ctx.anchor
    last = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", ctx.last_value or "")
    if last:
        return dt.date(int(last.group(1)), int(last.group(2) or 1), int(last.group(3) or 1))
    return ctx.reference or ctx.anchor


def _when(ctx: _Context, m: re.Match) -> str | None:
    direction = _direction(m)
    if direction:
        return "past" if direction < 0 else "future"
    rules, start = _tense_rules(), m.start("t") if _group(m, "t") else m.start()
    before = (ctx.text, max(0, start - 25), start)
    if rules["ahead"] is not None and rules["ahead"].search(*before):
        return "future"  # a new date set in the past for later: "a été reporté au 20 avril"
    when = ctx.tense(m)
    if when is None and rules["until"] is not None and rules["until"].search(*before):
        return "future"  # no tense to go by: a deadline ("court jusqu'au 31 décembre") lies ahead
    return when


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = _month_index(day.year, day.month) + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def _with_part(value: str, m: re.Match) -> tuple[str, str | None]:
    """A day value with the part of the day appended when the text gives one ("mardi soir")."""
    part = _look("daypart", m.group("daypart")) if _group(m, "daypart") else None
    return (f"{value}T{part}", "TIME") if part else (value, None)


def _row(m: re.Match, rule: Rule, value: str | None, *, resolved: bool, anchor: dt.date | None = None,
         group: str | None = None, type_: str | None = None) -> dict:
    if group is None:
        group = "t" if _group(m, "t") else ("t2" if _group(m, "t2") else None)
    start, end = m.span(group) if group else m.span()
    return {"start": start, "end": end, "type": type_ or rule.type, "value": value, "resolved": resolved,
            "anchor": anchor.isoformat() if anchor else None, "rule_id": f"timexes/{rule.id}"}


# --- value functions, named by the rules' `value` ----------------------------------------------

def _absolute_day(ctx, rule, m):
    if _group(m, "day") and _group(m, "month") and _group(m, "year"):  # "premier mars 2013": read from the tables
        year, month, day = int(m.group("year")), _look("month", m.group("month")), _day(m.group("day"))
        return [_row(m, rule, dt.date(year, month, day).isoformat(), resolved=True)] if _valid(year, month, day) else []
    import dateparser

    start, end = m.span()
    parsed = dateparser.parse(ctx.text[start:end], languages=["fr"],
                              settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first"})
    return [_row(m, rule, parsed.date().isoformat(), resolved=True)] if parsed else []


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= day <= _calendar.monthrange(year, month)[1]


def _resolve_day(ctx, m, month: int, day: int, year: int | None) -> tuple[str | None, bool, dt.date | None]:
    """(value, resolved, anchor used) of a day of a month, the year given or found from the tense."""
    if year is not None:
        return (dt.date(year, month, day).isoformat(), True, None) if _valid(year, month, day) else (None, False, None)
    if not _valid(2024, month, day):
        return None, False, None
    if ctx.anchor is None:
        return f"XXXX-{month:02d}-{day:02d}", False, None
    candidates = [dt.date(y, month, day) for y in range(ctx.anchor.year - 1, ctx.anchor.year + 2) if _valid(y, month, day)]
    chosen = _pick(candidates, ctx.anchor, _when(ctx, m))
    return (chosen.isoformat(), True, ctx.anchor) if chosen else (None, False, ctx.anchor)


def _day_month(ctx, rule, m):
    month, day = _look("month", m.group("month")), _day(m.group("day"))
    value, resolved, anchor = _resolve_day(ctx, m, month, day, None)
    return [_row(m, rule, value, resolved=resolved, anchor=anchor)] if value else []


def _weekday_and_day(ctx, rule, m):
    """ "mercredi 13": the 13th that is a Wednesday, in the month the tense points to."""
    weekday, day = _look("weekday", m.group("weekday")), _day(m.group("day"))
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    first = _add_months(ctx.anchor.replace(day=1), -12)
    candidates = [d for d in (_add_months(first, k) for k in range(25))
                  if _valid(d.year, d.month, day) and d.replace(day=day).isoweekday() == weekday]
    chosen = _pick([d.replace(day=day) for d in candidates], ctx.anchor, ctx.tense(m)) if candidates else None
    return [_row(m, rule, chosen.isoformat(), resolved=True, anchor=ctx.anchor)] if chosen else []


def _day_of_month_given(ctx, rule, m):
    """ "puis le 28": a day number alone, in the month of the last date the text gave."""
    last = re.fullmatch(r"(\d{4}|XXXX)-(\d{2})(?:-\d{2})?", ctx.last_value or "")
    day = _day(m.group("day"))
    if last is None:
        return _day_before_clock(ctx, rule, m, day)
    if last.group(1) == "XXXX":
        return [_row(m, rule, f"XXXX-{last.group(2)}-{day:02d}", resolved=False)]
    year, month = int(last.group(1)), int(last.group(2))
    return [_row(m, rule, dt.date(year, month, day).isoformat(), resolved=True)] if _valid(year, month, day) else []


def _day_before_clock(ctx, rule, m, day: int):
    """ "le 16 à 18h" with no date before it: the 16th of the month the tense points to."""
    if ctx.anchor is None or not _tables()["clock_after_day"].match(ctx.text, m.end()):
        return []
    chosen = _day_near_anchor(ctx, m, day)
    return [_row(m, rule, chosen.isoformat(), resolved=True, anchor=ctx.anchor)] if chosen else []


def _day_near_anchor(ctx, m, day: int) -> dt.date | None:
    """The `day` of the anchor's month, or of the month before or after it, that the tense points to."""
    months = [_add_months(ctx.anchor.replace(day=1), k) for k in (-1, 0, 1)]
    candidates = [d.replace(day=day) for d in months if _valid(d.year, d.month, day)]
    return _pick(candidates, ctx.anchor, ctx.tense(m)) if candidates else None


def _days_without_month(ctx, rule, m):
    """ "du 13 au 18" with no month: in the month of the last date the text gave, else in the month
    around the anchor the tense points to; the second day in the next month when it is smaller."""
    first_day, last_day = _day(m.group("day")), _day(m.group("day2"))
    last = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", ctx.last_value or "")
    if last and _valid(int(last.group(1)), int(last.group(2)), first_day):
        first = dt.date(int(last.group(1)), int(last.group(2)), first_day)
    elif ctx.anchor is not None:
        first = _day_near_anchor(ctx, m, first_day)
    else:
        return []
    if first is None:
        return []
    month = first.replace(day=1) if last_day > first_day else _add_months(first.replace(day=1), 1)
    if not _valid(month.year, month.month, last_day):
        return []
    anchor = None if last else ctx.anchor
    return [_row(m, rule, first.isoformat(), resolved=True, anchor=anchor, group="t"),
            _row(m, rule, month.replace(day=last_day).isoformat(), resolved=True, anchor=anchor, group="t2")]


def _numeric_day_month(ctx, rule, m):
    """ "le 16/06": a day and month in digits, the year found from the tense."""
    day, month = (int(x) for x in m.group("t").split("/"))
    if not 1 <= month <= 12:
        return []
    value, resolved, anchor = _resolve_day(ctx, m, month, day, None)
    return [_row(m, rule, value, resolved=resolved, anchor=anchor)] if value else []


def _night_of_day(ctx, rule, m):
    """ "la nuit du 2 au 3 mars": one night, the one that starts on the first day."""
    month = _look("month", m.group("month"))
    year = int(m.group("year")) if _group(m, "year") else None
    day = _day(m.group("day"))
    if _group(m, "day2") and _day(m.group("day2")) < day:  # "du 31 au 1er avril": the night starts in March
        month = month - 1 or 12
        year = year - 1 if year and month == 12 else year
    value, resolved, anchor = _resolve_day(ctx, m, month, day, year)
    return [_row(m, rule, f"{value}TNI", resolved=resolved, anchor=anchor)] if value else []


def _week_of_month(ctx, rule, m):
    """ "la première semaine de mars", "la dernière semaine de septembre": the ISO week whose Thursday
    is the month's first (or last; second, third...) Thursday."""
    month_row = _month(ctx, rule, m)[0]
    if not month_row["resolved"] or month_row["value"] is None:
        return [{**month_row, "value": None, "resolved": False}]
    year, month = int(month_row["value"][:4]), int(month_row["value"][5:7])
    thursdays = [d for d in (dt.date(year, month, k) for k in range(1, _calendar.monthrange(year, month)[1] + 1))
                 if d.isoweekday() == 4]
    n = -1 if _group(m, "final") else min(int(_look("ordinal", m.group("ordinal"))), len(thursdays))
    return [{**month_row, "value": _iso_week(thursdays[n - 1 if n > 0 else n])}]


def _day_of_month_rank(ctx, rule, m):
    """ "le dernier jour d'octobre", "le premier jour de mars 2025": that day of the month."""
    month_row = _month(ctx, rule, m)[0]
    if not month_row["resolved"] or month_row["value"] is None:
        return [{**month_row, "value": None, "resolved": False}]
    year, month = int(month_row["value"][:4]), int(month_row["value"][5:7])
    day = _calendar.monthrange(year, month)[1] if _group(m, "final") else int(_look("ordinal", m.group("ordinal")))
    return [{**month_row, "value": dt.date(year, month, day).isoformat()}] if _valid(year, month, day) else []


def _weekday_in_eight(ctx, rule, m):
    """ "lundi en huit", "jeudi en quinze": the coming weekday, one or two weeks later."""
    weeks = {8: 1, 15: 2}.get(_number(ctx, m))
    if weeks is None:
        return []
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    weekday = _look("weekday", m.group("weekday"))
    coming = next(ctx.anchor + dt.timedelta(days=k) for k in range(1, 8)
                  if (ctx.anchor + dt.timedelta(days=k)).isoweekday() == weekday)
    return [_row(m, rule, (coming + dt.timedelta(weeks=weeks)).isoformat(), resolved=True, anchor=ctx.anchor)]


def _short_year(ctx, rule, m):
    """ "en 98", "l'été 09", "mai 68": a two-digit year, in the century that puts it no more than ten
    years after the anchor; with the season, month or day when the text gives one."""
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    yy = int(m.group("yy"))
    year = 2000 + yy if 2000 + yy <= ctx.anchor.year + 10 else 1900 + yy
    if _group(m, "season"):
        suffix = f"-{_look('season', m.group('season'))}"
    elif _group(m, "day"):
        month, day = _look("month", m.group("month")), _day(m.group("day"))
        if not _valid(year, month, day):
            return []
        suffix = f"-{month:02d}-{day:02d}"
    elif _group(m, "month"):
        suffix = f"-{_look('month', m.group('month')):02d}"
    else:
        suffix = ""
    return [_row(m, rule, f"{year:04d}{suffix}", resolved=True, anchor=ctx.anchor)]


def _week_of_day(ctx, rule, m):
    year = int(m.group("year")) if _group(m, "year") else None
    if year is None and ctx.anchor and _valid(ctx.anchor.year, _look("month", m.group("month")), _day(m.group("day"))):
        day = dt.date(ctx.anchor.year, _look("month", m.group("month")), _day(m.group("day")))
        if _iso_week(day) == _iso_week(ctx.anchor):  # "la semaine du 11 février", said that week
            return [_row(m, rule, _iso_week(day), resolved=True, anchor=ctx.anchor)]
    value, resolved, anchor = _resolve_day(ctx, m, _look("month", m.group("month")), _day(m.group("day")), year)
    if value and not value.startswith("X"):
        value = _iso_week(dt.date.fromisoformat(value))
    return [_row(m, rule, value if resolved else None, resolved=resolved, anchor=anchor)] if value else []


def _day_range(ctx, rule, m):
    month = _look("month", m.group("month"))
    year = int(m.group("year")) if _group(m, "year") else None
    rows = []
    for group, day_group in (("t", "day"), ("t2", "day2")):
        value, resolved, anchor = _resolve_day(ctx, m, month, _day(m.group(day_group)), year)
        rows.append(_row(m, rule, value, resolved=resolved, anchor=anchor, group=group))
    return rows


def _in_year(ctx, rule, m, suffix: str, start_month: int, when: str | None, *, months: int = 1,
             skip_current: bool = False):
    """A month or a season ("YYYY-<suffix>"): its year written in the text, or the one `when` points
    to around the anchor (`now`: the one under way, else the nearest)."""
    if _group(m, "year"):
        return [_row(m, rule, f"{int(m.group('year')):04d}-{suffix}", resolved=True)]
    anchor = _anchor_for(ctx, m)
    if anchor is None:
        return [_row(m, rule, f"XXXX-{suffix}", resolved=False)]
    here = _month_index(anchor.year, anchor.month)
    candidates = [_month_index(y, start_month) for y in range(anchor.year - 1, anchor.year + 2)]
    current = [c for c in candidates if c <= here < c + months]
    if skip_current:
        candidates = [c for c in candidates if c not in current]
    chosen = current[0] if when == "now" and current else _pick(candidates, here, None if when == "now" else when)
    if chosen is None:
        return [_row(m, rule, None, resolved=False, anchor=anchor)]
    return [_row(m, rule, f"{chosen // 12:04d}-{suffix}", resolved=True, anchor=anchor)]


def _month(ctx, rule, m):
    month = _look("month", m.group("month"))
    return _in_year(ctx, rule, m, f"{month:02d}", month, _when(ctx, m), skip_current=bool(_direction(m)))


def _month_of_shifted_year(ctx, rule, m):
    """ "novembre de l'année prochaine": the month in the year before or after the anchor's."""
    month = _look("month", m.group("month"))
    if ctx.anchor is None:
        return [_row(m, rule, f"XXXX-{month:02d}", resolved=False)]
    return [_row(m, rule, f"{ctx.anchor.year + _direction(m):04d}-{month:02d}", resolved=True, anchor=ctx.anchor)]


def _holiday(ctx, rule, m):
    """ "à Noël", "la Toussaint 2023": a fixed-date holiday, its year given or found from the tense."""
    month, day = (int(x) for x in _look("holiday", m.group("holiday")).split("-"))
    year = int(m.group("year")) if _group(m, "year") else None
    value, resolved, anchor = _resolve_day(ctx, m, month, day, year)
    return [_row(m, rule, value, resolved=resolved, anchor=anchor)] if value else []


def _month_range(ctx, rule, m):
    """ "entre janvier et juin", "de mars à mai 2023": both months, in the same year."""
    second = _in_year(ctx, rule, m, f"{_look('month', m.group('month2')):02d}", _look("month", m.group("month2")),
                      ctx.tense(m))[0]
    first_month = _look("month", m.group("month"))
    year = second["value"][:4] if second["value"] else "XXXX"
    first_year = year if year == "XXXX" or first_month <= int(second["value"][5:7]) else f"{int(year) - 1:04d}"
    first = _row(m, rule, f"{first_year}-{first_month:02d}", resolved=second["resolved"], group="t")
    first["anchor"] = second["anchor"]
    second.update(start=m.start("t2"), end=m.end("t2"))
    return [first, second]


def _season(ctx, rule, m):
    if rule.params.get("check") == "season" and not _season_context(ctx, m):
        return []
    code = _look("season", m.group("season"))
    direction = _direction(m)
    when = {-1: "past", 1: "future"}.get(direction) or ("now" if re.match(r"ce", m.group(), re.I) else ctx.tense(m))
    return _in_year(ctx, rule, m, code, _tables()["season_starts"][code], when, months=3, skip_current=bool(direction))


def _season_context(ctx: _Context, m: re.Match) -> bool:
    """Whether "d'hiver" and the like is a date, not a kind of thing ("jardin d'hiver") or a name
    ("Cirque d'Hiver")."""
    if m.group("season")[0].isupper():
        return False
    head = re.search(r"(\w+)\s+\S*$", ctx.text[max(0, m.start() - 30):m.start("season")])
    return head is None or fold(head.group(1)) not in _tables()["generic_season_heads"]


def _part_of_year(prefix: str, count: int):
    def value(ctx, rule, m):
        n = min(int(_group(m, "qn") or _look("ordinal", m.group("ordinal"))), count)
        if _group(m, "year"):
            return [_row(m, rule, f"{int(m.group('year')):04d}-{prefix}{n}", resolved=True)]
        if ctx.anchor is None:
            return [_row(m, rule, f"XXXX-{prefix}{n}", resolved=False)]
        year = ctx.anchor.year + _direction(m)  # "de l'année dernière"
        return [_row(m, rule, f"{year:04d}-{prefix}{n}", resolved=True, anchor=ctx.anchor)]
    return value


def _decade(ctx, rule, m):
    digits = m.group("decade")
    value = digits[:3] if len(digits) == 4 else f"19{digits[0]}"
    return [_row(m, rule, value, resolved=True)]


def _century(ctx, rule, m):
    if _group(m, "cent"):  # "19e siècle"
        number = int(m.group("cent"))
    else:
        values = [_tables()["roman"][c] for c in m.group("roman").upper()]
        number = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return [_row(m, rule, f"{number - 1:02d}", resolved=True)] if 1 <= number <= 21 else []


def _after_not_year_word(ctx: _Context, start: int) -> bool:
    """Whether the number at `start` follows a word that makes it no year ("page", "n°")."""
    before = fold(ctx.text[max(0, start - 30):start]).rstrip()
    return any(before.endswith(w) and not before[:-len(w)][-1:].isalnum() for w in _tables()["not_year_before"])


def _year_context(ctx: _Context, start: int, end: int) -> bool:
    """Whether a bare four-digit number is a year: a cue word before it, a fitting word after it."""
    tables = _tables()
    before = fold(ctx.text[max(0, start - 30):start]).rstrip()
    if _after_not_year_word(ctx, start):
        return False
    ends_with = lambda cues: any(before.endswith(c) and not before[:-len(c)][-1:].isalnum() for c in cues)
    if ends_with(tables["year_strong"]):
        return True
    if not ends_with(tables["year_weak"]):
        return False
    follower = re.match(r"\s*([^\W\d]+'?)", ctx.text[end:])
    if follower is None or follower.group(1)[0].isupper():
        return True
    return fold(follower.group(1)) in tables["year_followers"]


def _year_in_list(ctx: _Context, start: int, end: int) -> bool:
    """Whether a bare four-digit number stands in a list of them ("2019, 2020 et 2021") whose first
    or last member is a year by its own context."""
    year = _tables()["regex"]["year"]
    after = re.match(rf"(?:\s*(?:,|et|ou)\s*{year})+", ctx.text[end:end + 80])
    before = re.search(rf"(?:{year}\s*(?:,|et|ou)\s*)+$", ctx.text[max(0, start - 80):start])
    if after:
        last = end + after.end()
        if _year_context(ctx, last - 4, last):
            return True
    if before:
        first = start - len(before.group())
        return _year_context(ctx, first, first + 4)
    return False


def _year(ctx, rule, m):
    if rule.params.get("check") == "year" and not (_year_context(ctx, *m.span()) or _year_in_list(ctx, *m.span())):
        return []
    return [_row(m, rule, f"{int(m.group('year')):04d}", resolved=True)]


def _weekday_date(ctx, m) -> tuple[dt.date | None, dt.date | None]:
    """(the day a weekday points to, the date counted from): by last/next words, else the tense."""
    anchor = _anchor_for(ctx, m)
    if anchor is None:
        return None, None
    weekday = _look("weekday", m.group("weekday"))
    candidates = [anchor + dt.timedelta(days=k) for k in range(-7, 8)
                  if (anchor + dt.timedelta(days=k)).isoweekday() == weekday]
    if _direction(m):
        candidates = [c for c in candidates if c != anchor]
    return _pick(candidates, anchor, _when(ctx, m)), anchor


def _weekday(ctx, rule, m):
    chosen, anchor = _weekday_date(ctx, m)
    if chosen is None:
        return [_row(m, rule, None, resolved=False, anchor=anchor)]
    value, type_ = _with_part(chosen.isoformat(), m)
    return [_row(m, rule, value, resolved=True, anchor=anchor, type_=type_)]


def _night(ctx, rule, m):
    """ "la nuit de dimanche à lundi": the night that starts on the first day."""
    chosen, anchor = _weekday_date(ctx, m)
    if chosen is None:
        return [_row(m, rule, None, resolved=False, anchor=anchor)]
    return [_row(m, rule, f"{chosen.isoformat()}TNI", resolved=True, anchor=anchor)]


def _year_range(ctx, rule, m):
    """ "2022-2023", "2022-23": both years, the second after the first."""
    first = int(m.group("t"))
    second = m.group("t2")
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    if last <= first or _after_not_year_word(ctx, m.start()):
        return []
    return [_row(m, rule, f"{first:04d}", resolved=True, group="t"), _row(m, rule, f"{last:04d}", resolved=True, group="t2")]


def _weekday_of_week(ctx, rule, m):
    """ "mardi de la semaine prochaine": that weekday in the week before, of or after the anchor's."""
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    monday = ctx.anchor - dt.timedelta(days=ctx.anchor.isoweekday() - 1)
    day = monday + dt.timedelta(weeks=_direction(m), days=_look("weekday", m.group("weekday")) - 1)
    return [_row(m, rule, day.isoformat(), resolved=True, anchor=ctx.anchor)]


def _every_weekday(ctx, rule, m):
    """ "chaque lundi", "tous les mardis", "le mercredi de chaque semaine" (a bare "le mercredi" is no set)."""
    if m.group().lower().startswith("le") and not _group(m, "each"):
        return []
    return [_row(m, rule, f"XXXX-WXX-{_look('weekday', m.group('weekday'))}", resolved=True)]


def _today(ctx, rule, m):
    """The anchor date, or PRESENT_REF (nowadays) when the context is generic: "d'aujourd'hui",
    "encore aujourd'hui", or a stative verb in a present-tense sentence ("revêt aujourd'hui")."""
    tables = _tables()
    before, after = fold(ctx.text[max(0, m.start() - 12):m.start()]), fold(ctx.text[m.end():m.end() + 12])
    generic = tables["generic_present"].search(before) or tables["generic_present"].search(after)
    if not generic and ctx.tense(m) is None and not tables["from_today"].search(before):
        if ctx.bounds is None:
            ctx.bounds = sentence_bounds(ctx.text)
        start, end = next((s, e) for s, e in ctx.bounds if s <= m.start() <= e)
        generic = tables["stative"].search(ctx.text, start, end)
    if generic:
        return [_row(m, rule, "PRESENT_REF", resolved=True)]
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    return [_row(m, rule, ctx.anchor.isoformat(), resolved=True, anchor=ctx.anchor)]


def _this_night(ctx, rule, m):
    """ "cette nuit": the night just past (the one that began the day before the anchor) in a
    past-tense sentence, else the coming one."""
    if ctx.anchor is None:
        return [_row(m, rule, None, resolved=False)]
    day = ctx.anchor - dt.timedelta(days=1 if ctx.tense(m) == "past" else 0)
    return [_row(m, rule, f"{day.isoformat()}TNI", resolved=True, anchor=ctx.anchor)]


def _shifted(day: dt.date, unit: str, n: int) -> str | None:
    """The date n units from `day`, written at the unit's granularity."""
    if unit in {"D", "H", "MIN"}:  # hours count as days once they make a whole day ("dans 48 heures")
        return (day + dt.timedelta(days={"D": n, "H": int(n / 24), "MIN": 0}[unit])).isoformat()
    if unit in {"W", "WE"}:
        return _iso_week(day + dt.timedelta(weeks=n)) + ("-WE" if unit == "WE" else "")
    if unit == "M":
        return _add_months(day, n).isoformat()[:7]
    if unit == "Q":
        shifted = _add_months(day, 3 * n)
        return f"{shifted.year:04d}-Q{(shifted.month - 1) // 3 + 1}"
    years = {"Y": 1, "DE": 10, "CE": 100}[unit] * n
    year = day.year + years
    return {"Y": f"{year:04d}", "DE": f"{year:04d}"[:3], "CE": f"{year:04d}"[:2]}[unit]


def _shift_value(ctx, rule, m, base: dt.date | None, sign: int):
    unit = rule.params.get("unit") or _look("unit", m.group("unit"))
    n = _number(ctx, m)
    if n == "X":
        ref = "PAST_REF" if sign < 0 else "FUTURE_REF"
        return [_row(m, rule, ref if rule.value == "shift" else None, resolved=rule.value == "shift")]
    if base is None:
        return [_row(m, rule, None, resolved=False)]
    value = _shifted(base, unit, int(n) * sign)
    if _group(m, "exact") and unit in {"Y", "M", "W"}:  # "il y a un an jour pour jour": the very day
        months = {"Y": 12, "M": 1}.get(unit)
        day = _add_months(base, months * int(n) * sign) if months else base + dt.timedelta(weeks=int(n) * sign)
        value = day.isoformat()
    type_ = None
    if unit == "D" and _group(m, "daypart"):
        value, type_ = _with_part(value, m)
    return [_row(m, rule, value, resolved=True, anchor=base, type_=type_)]


def _fixed_shift(ctx, rule, m, base: dt.date | None, n: int):
    """A shift by a fixed number of the rule's unit ("hier", "l'an dernier", "la veille")."""
    if base is None:
        return [_row(m, rule, None, resolved=False)]
    unit = rule.params["unit"]
    value, type_ = _shifted(base, unit, n), None
    if unit == "D" and _group(m, "daypart"):
        value, type_ = _with_part(value, m)
    return [_row(m, rule, value, resolved=True, anchor=base, type_=type_)]


def _shift(ctx, rule, m):
    if "unit" in rule.params:
        return _fixed_shift(ctx, rule, m, _anchor_for(ctx, m), rule.params.get("offset", 0) or _direction(m))
    return _shift_value(ctx, rule, m, ctx.anchor, rule.params.get("offset", 1))


def _shift_from_reference(ctx, rule, m):
    base = ctx.reference or ctx.anchor
    if "unit" in rule.params:
        if _tables()["of_something"].match(ctx.text, m.end()):
            return [_row(m, rule, None, resolved=False)]  # "la veille du sommet": the event's date is not known
        return _fixed_shift(ctx, rule, m, base, rule.params["offset"])
    sign = 1 if fold(m.group("dir")) in {"plus tard", "après"} else -1
    return _shift_value(ctx, rule, m, base, sign)


def _same_as_reference(ctx, rule, m):
    """ "de l'époque": the time of the last date the text gave, at its granularity."""
    if ctx.last_value is None:
        return [_row(m, rule, "PAST_REF", resolved=True)]
    return [_row(m, rule, ctx.last_value, resolved=True)]


def _clock_time(ctx, rule, m):
    hour = _group(m, "hour") or _group(m, "hour2") or _group(m, "hour3") or (_number(ctx, m) if _group(m, "num") else rule.params.get("hour", 0))
    minute = int(_group(m, "minute") or _group(m, "minute2") or _group(m, "minute3") or (30 if _group(m, "half") else 15 if _group(m, "quarter") else 0))
    if not float(hour).is_integer() or not 0 <= float(hour) <= 23:
        return []
    hour = int(float(hour))
    ampm = _group(m, "ampm") or _group(m, "ampm2")
    if ampm and hour < 12:  # "6 heures du soir"
        hour += _look("ampm", ampm)
    day = ctx.anchor.isoformat() if ctx.anchor else "XXXX-XX-XX"
    return [_row(m, rule, f"{day}T{hour:02d}:{minute:02d}", resolved=ctx.anchor is not None, anchor=ctx.anchor)]


def _part_of_day(ctx, rule, m):
    """ "en fin d'après-midi", "la mi-journée": a part of the last day the text gave, else of the anchor."""
    base = ctx.reference or ctx.anchor
    part = _look("daypart", m.group("daypart")) if _group(m, "daypart") else _tables()["day_by_mod"][_look("mod", m.group("mod"))]
    if base is None:
        return [_row(m, rule, None, resolved=False)]
    return [_row(m, rule, f"{base.isoformat()}T{part}", resolved=True, anchor=base)]


def _reference(ctx, rule, m):
    return [_row(m, rule, rule.params["ref"], resolved=True)]


def _amount(n) -> str:
    return "X" if n == "X" else (str(int(n)) if float(n).is_integer() else str(n))


def _period(unit: str, n) -> str:
    if unit in {"H", "MIN"}:
        return f"PT{_amount(n)}{unit[0]}"
    if unit == "Q":
        return f"P{_amount(3 * n) if n != 'X' else 'X'}M"
    return f"P{_amount(n)}{unit}"


def _duration(ctx, rule, m):
    unit = _look("unit", m.group("unit"))
    n = _number(ctx, m) if _group(m, "num") or _group(m, "vague") else "X"
    if n != "X" and re.search(r"et\s+demie?$", m.group(), re.I):
        n = n + 0.5
    return [_row(m, rule, _period(unit, n), resolved=True)]


def _fraction_duration(ctx, rule, m):
    """ "un quart de siècle" -> P25Y, "une demi-heure" -> PT30M: the fraction in the smaller unit."""
    unit, fraction = _look("unit", m.group("unit")), _look("fraction", m.group("fraction"))
    smaller = _tables()["smaller_units"].get(unit)
    if smaller is None:
        return []
    n = fraction * smaller[1]
    return [_row(m, rule, _period(smaller[0], int(n) if float(n).is_integer() else n), resolved=True)]


def _every(ctx, rule, m):
    unit = rule.params.get("unit") or _look("unit", m.group("unit"))
    n = _number(ctx, m) if _group(m, "num") and "fois" not in fold(m.group()) else 1
    return [_row(m, rule, _period(unit, n), resolved=True)]


_VALUE_FUNCTIONS = {
    "absolute_day": _absolute_day, "day_month": _day_month, "day_range": _day_range, "month": _month,
    "season": _season, "quarter": _part_of_year("Q", 4), "half": _part_of_year("H", 2), "decade": _decade,
    "century": _century, "year": _year, "weekday": _weekday, "today": _today, "shift": _shift,
    "shift_from_reference": _shift_from_reference, "clock_time": _clock_time, "reference": _reference, "part_of_day": _part_of_day,
    "duration": _duration, "every": _every, "same_as_reference": _same_as_reference, "week_of_day": _week_of_day,
    "night": _night, "month_of_shifted_year": _month_of_shifted_year, "holiday": _holiday,
    "weekday_of_week": _weekday_of_week, "fraction_duration": _fraction_duration, "every_weekday": _every_weekday, "weekday_and_day": _weekday_and_day, "day_of_month_given": _day_of_month_given, "year_range": _year_range, "month_range": _month_range,
    "days_without_month": _days_without_month, "numeric_day_month": _numeric_day_month, "night_of_day": _night_of_day,
    "week_of_month": _week_of_month, "this_night": _this_night, "day_of_month_rank": _day_of_month_rank, "weekday_in_eight": _weekday_in_eight, "short_year": _short_year,
}


# --- matching -------------------------------------------------------------------------------------

def _masked(text: str, found: list[numbers.Number]) -> str:
    """`text` with number words replaced by '#' of the same length, so {num} can match them."""
    chars = list(text)
    for number in found:
        if number.words:
            chars[number.start:number.end] = "#" * (number.end - number.start)
    return "".join(chars)


@functools.lru_cache(maxsize=1)
def _rule_ids() -> dict:
    """The rule_id of every rule by value function, every rule's `offset` by rule_id, and the
    `next_day_before` hour of the rules that have one."""
    by_value: dict = {}
    for rule in _rules():
        by_value.setdefault(rule.value, set()).add(f"timexes/{rule.id}")
    return {"weekday": frozenset(by_value.get("weekday", ())),
            "shift_from_reference": frozenset(by_value.get("shift_from_reference", ())),
            "offsets": {f"timexes/{rule.id}": rule.params.get("offset", 0) for rule in _rules()},
            "next_day_before": {f"timexes/{rule.id}": rule.params["next_day_before"] for rule in _rules()
                                if "next_day_before" in rule.params}}


@functools.lru_cache(maxsize=1)
def _prefilter() -> regexneeds.Prefilter:
    """The literal words each rule's matches contain (built once per run of the code: see pipeline.memo)."""
    return memo.cached("timexes.prefilter",
                       lambda: regexneeds.Prefilter([(rule.regex.pattern, rule.regex.flags) for rule in _rules()]))


def _matches(text: str, masked: str) -> list[tuple[re.Match, int, Rule]]:
    """Non-overlapping rule matches: the longest kept span first, then the earlier rule."""
    candidates = []
    prefilter = _prefilter()
    scans = {False: prefilter.scan(text), True: prefilter.scan(masked) if masked != text else None}
    scans[True] = scans[True] or scans[False]
    for order, rule in enumerate(_rules()):
        if not scans[rule.on_masked].may_match(order):
            continue  # the text lacks a word every match of the rule has: scanning it would find nothing
        for m in rule.regex.finditer(masked if rule.on_masked else text):
            parts = [m.span(g) for g in ("t", "t2") if m.groupdict().get(g)] or [m.span()]
            kept = max(e for _, e in parts) - min(s for s, _ in parts)
            candidates.append((-kept, order, m.start(), m, rule))
    chosen, taken = [], []
    for _, order, _, m, rule in sorted(candidates, key=lambda c: c[:3]):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        taken.append(m.span())
        chosen.append((m, order, rule))
    return sorted(chosen, key=lambda c: c[0].start())


def normalize(text: str, anchor: dt.date | None, *, found_numbers: tuple[numbers.Number, ...] | None = None) -> list[dict]:
    """Every temporal expression in `text`: start, end, text, type, value (and resolved, anchor, rule_id);
    `found_numbers`: the text's numbers.find, when the caller has them."""
    found = numbers.find(text) if found_numbers is None else found_numbers
    ctx = _Context(text, anchor, {n.start: n.value for n in found})
    rows = []
    for m, _, rule in _matches(text, _masked(text, found)):
        for row in _VALUE_FUNCTIONS[rule.value](ctx, rule, m):
            row["text"] = text[row["start"]:row["end"]]
            rows.append(row)
            if row["value"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["value"]):
                ctx.reference = dt.date.fromisoformat(row["value"])
            if row["value"] and row["type"] == "DATE" and re.match(r"\d{4}", row["value"]):
                ctx.last_value = row["value"]
    _apposition(text, rows)
    _weekday_pairs(text, rows, anchor)
    return _join_day_and_time(text, rows)


def _weekday_pairs(text: str, rows: list[dict], anchor: dt.date | None) -> None:
    """Two weekdays joined by "et", "à" or "puis" ("mercredi et jeudi") are days of one stretch: the
    second follows the first within the week, so one resolved on each side of the anchor is moved
    next to the other (the later one when the first points forward, else the earlier one)."""
    joiner = _tables()["weekday_joiner"]
    weekday_rules = _rule_ids()["weekday"]
    for first, second in zip(rows, rows[1:]):
        if anchor is None or first["rule_id"] not in weekday_rules or second["rule_id"] not in weekday_rules:
            continue
        if not (first["value"] and second["value"] and _DAY.fullmatch(first["value"]) and _DAY.fullmatch(second["value"])):
            continue
        if not joiner.fullmatch(text[first["end"]:second["start"]]):
            continue
        one, two = dt.date.fromisoformat(first["value"]), dt.date.fromisoformat(second["value"])
        delta = (two.isoweekday() - one.isoweekday()) % 7
        if 0 <= (two - one).days <= 6:
            continue
        if one > anchor:
            second["value"] = (one + dt.timedelta(days=delta)).isoformat()
        else:
            first["value"] = (two - dt.timedelta(days=delta)).isoformat()


_DAY = re.compile(r"(?:\d{4}|XXXX)-(?:\d{2}|XX)-(?:\d{2}|XX)")
_CLOCK = re.compile(r"T(\d{2}):(\d{2})")


def _join_day_and_time(text: str, rows: list[dict]) -> list[dict]:
    """A day and the time or part of the day after it are one TIME expression ("dimanche à minuit",
    "le 2 mars vers 5h", "lundi en fin d'après-midi"), as is a clock time and the part of the day
    after it ("8 heures ce soir": 20:00)."""
    joiner, pm_from_hour = _tables()["day_and_time"], _tables()["pm_from_hour"]
    out: list[dict] = []
    for row in rows:
        last = out[-1] if out else None
        if (last is None or row["type"] != "TIME" or not row["value"] or not last["value"]
                or not joiner.match(text[last["end"]:row["start"]])):
            out.append(row)
            continue
        day, time = last["value"].partition("T")[0], row["value"].partition("T")[2]
        if not _DAY.fullmatch(day):
            out.append(row)
            continue
        clock = _CLOCK.fullmatch("T" + last["value"].partition("T")[2])
        if clock and time in pm_from_hour:  # "8 heures ce soir": the part says which 8 o'clock
            hour = int(clock.group(1))
            if pm_from_hour[time] <= hour < 12:
                hour += 12
            day, time = row["value"].partition("T")[0], f"{hour:02d}:{clock.group(2)}"
            if hour < _rule_ids()["next_day_before"].get(row["rule_id"], 0):  # "2 heures cette nuit": its second day
                day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
        elif "T" in last["value"] and _CLOCK.fullmatch("T" + time) is None:
            out.append(row)  # a part of the day after a time or a part: nothing to add
            continue
        elif (last["rule_id"] in _rule_ids()["next_day_before"] and _CLOCK.fullmatch("T" + time)
              and int(time[:2]) < _rule_ids()["next_day_before"][last["rule_id"]]):  # "la nuit de lundi à mardi, vers 3h"
            day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
        out[-1] = {**last, "end": row["end"], "text": text[last["start"]:row["end"]], "type": "TIME",
                   "value": f"{day}T{time}", "resolved": last["resolved"] and row["resolved"],
                   "rule_id": f"{last['rule_id']}+{row['rule_id'].rpartition('/')[2]}"}
    return out


def _apposition(text: str, rows: list[dict]) -> None:
    """A date counted from an earlier one ("la veille") takes the value of a day set beside it
    ("À la veille du sommet, le 25 octobre"): the apposition says which day is meant; one counted
    from a day named right after it ("le lendemain du 13 février") counts from that day."""
    between, of_day = _tables()["apposition"], _tables()["day_of"]
    anaphoric, offsets = _rule_ids()["shift_from_reference"], _rule_ids()["offsets"]
    for row, following in zip(rows, rows[1:]):
        if row["rule_id"] not in anaphoric or not following["value"]:
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", following["value"]):
            continue
        gap = text[row["end"]:following["start"]]
        if between.search(gap):
            row.update(value=following["value"], resolved=following["resolved"], anchor=following["anchor"])
        elif row["value"] is None and of_day.fullmatch(gap):  # "le lendemain du 13 février"
            day = dt.date.fromisoformat(following["value"]) + dt.timedelta(days=offsets[row["rule_id"]])
            part = _look("daypart", row["text"].split()[-1]) if row["type"] == "TIME" else None
            row.update(value=day.isoformat() + (f"T{part}" if part else ""), resolved=following["resolved"],
                       anchor=following["value"])


# --- examples ------------------------------------------------------------------------------------

EXAMPLE_ANCHOR = dt.date(2024, 3, 13)  # a Wednesday: the examples files are resolved against it
# External corpora keep their own reference date: Duckling's corpus is written for Tuesday 2013-02-12.
EXAMPLE_ANCHORS = {"timexes/duckling.yml": dt.date(2013, 2, 12)}


def _examples_at(anchor: dt.date):
    def run(text: str) -> list[list]:
        return [[t["text"], t["type"], t["value"]] for t in normalize(text, anchor)]
    return run


_examples = _examples_at(EXAMPLE_ANCHOR)
EXAMPLE_RUNNERS = {
    "timexes/patterns.yml": (_examples, _examples),
    "timexes/calendar.yml": (_examples, _examples),
    "timexes/tense.yml": (_examples, _examples),
    "timexes/heideltime.yml": (_examples, _examples),  # external constructions, no rules file of its own
    **{name: (_examples_at(day), _examples_at(day)) for name, day in EXAMPLE_ANCHORS.items()},
}
