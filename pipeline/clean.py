"""Clean stage: normalise Unicode and whitespace, strip web boilerplate, find title and dateline."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .rulesdata import load_yaml, require

BOILERPLATE_RULES = "clean/boilerplate.yml"
DATELINE_RULES = "clean/datelines.yml"

# Characters that carry no text: zero-width spaces and joiners, BOM, soft hyphen, variation selectors.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f"), None)
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u200a\u3000]+")
_TERMINAL = tuple(".!?…»\"”)’:;")


@dataclass
class Dateline:
    place: str | None
    publisher: str | None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    rule_id: str = ""


@dataclass
class Cleaned:
    text: str
    title: str | None = None
    dateline: Dateline | None = None
    removed: list[dict] = field(default_factory=list)


def normalize(raw: str) -> str:
    """NFC, one newline style, no invisible characters, single spaces, stripped lines."""
    text = unicodedata.normalize("NFC", raw).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc" or ch == "\t")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _strip_leading_symbols(line: str, categories: frozenset[str], chars: str) -> str:
    i = 0
    while i < len(line) and (unicodedata.category(line[i]) in categories or line[i] in chars or line[i] == " "):
        i += 1
    return line[i:] if i and i < len(line) else line


def _headline_like(line: str, max_chars: int) -> bool:
    return bool(line) and len(line) <= max_chars and not line.endswith(_TERMINAL)


def _compiled_line_rules() -> list[tuple[str, re.Pattern]]:
    rules = load_yaml(BOILERPLATE_RULES)
    return [(r["id"], re.compile(r["pattern"], re.IGNORECASE)) for r in require(rules, "lines", BOILERPLATE_RULES)]


def strip_boilerplate(text: str) -> tuple[list[str], list[dict], bool]:
    """Lines of the article without boilerplate, what was removed, and whether line 1 was repeated."""
    rules = load_yaml(BOILERPLATE_RULES)
    max_chars = int(require(rules, "headline_max_chars", BOILERPLATE_RULES))
    categories = frozenset(rules.get("leading_symbols", []))
    line_rules = _compiled_line_rules()
    removed: list[dict] = []
    kept: list[str] = []
    first_repeated = False
    for line in text.split("\n"):
        line = _strip_leading_symbols(line, categories, rules.get("leading_symbol_chars", ""))
        if not line:
            kept.append("")
            continue
        rule = next((rid for rid, rx in line_rules if rx.fullmatch(line)), None)
        if rule is None:
            previous = next((k for k in reversed(kept) if k), None)
            if previous == line:
                rule = "repeated-line"
                first_repeated = first_repeated or sum(1 for k in kept if k) == 1
        if rule:
            removed.append({"rule_id": rule, "text": line})
        else:
            kept.append(line)
    if rules.get("tail_headlines"):
        body = [i for i, k in enumerate(kept) if k]
        has_sentence = any(kept[i].endswith(_TERMINAL) for i in body)
        while has_sentence and len(body) > 1 and _headline_like(kept[body[-1]], max_chars):
            removed.append({"rule_id": "tail-headline", "text": kept[body[-1]]})
            kept[body[-1]] = ""
            body.pop()
    return kept, removed, first_repeated


def _join(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def find_dateline(text: str) -> Dateline | None:
    """The dateline at the start of the article ("ASTANA, 28 février (Reuters) –"), if any."""
    rules = load_yaml(DATELINE_RULES)
    months = {str(k).lower(): int(v) for k, v in require(rules, "months", DATELINE_RULES).items()}
    head = [ln for ln in text.split("\n") if ln][:3]
    for line in head:
        for rule in require(rules, "patterns", DATELINE_RULES):
            match = re.match(rule["pattern"], line)
            if not match:
                continue
            groups = match.groupdict()
            month = months.get((groups.get("month") or "").lower())
            if groups.get("month") and month is None:
                continue
            place = groups["place"].strip()
            if place.isupper():
                place = place.title()
            return Dateline(
                place=place,
                publisher=groups["publisher"].strip(),
                day=int(groups["day"]) if groups.get("day") else None,
                month=month,
                year=int(groups["year"]) if groups.get("year") else None,
                rule_id=rule["id"],
            )
    return None


def clean(raw: str) -> Cleaned:
    """Cleaned article text with its title, dateline and a report of what was removed."""
    lines, removed, first_repeated = strip_boilerplate(normalize(raw))
    text = _join(lines)
    nonempty = [ln for ln in lines if ln]
    dateline = find_dateline(text)
    title = None
    if nonempty and len(nonempty) > 1:
        first = nonempty[0]
        max_chars = int(load_yaml(BOILERPLATE_RULES)["headline_max_chars"])
        is_dateline = dateline is not None and first.startswith(dateline.place or "\0") and "/" in first
        if not is_dateline and (first_repeated or (_headline_like(first, max_chars) and not first.endswith(","))):
            title = first
    return Cleaned(text=text, title=title, dateline=dateline, removed=removed)
