"""Entity resolution: short forms to full forms within an article, spelling variants across articles.

Within an article, mentions join when they share a gazetteer key ("Chine", "République populaire
de Chine"), their folded text, or when one is a person's name and the other a short form or a
transliteration variant of it ("Blinken" -> "Antony Blinken", "Togayev" -> "Kassym-Jomart
Tokayev"); a group holding a person's name is a person.

Across articles, local entities join on the gazetteer key, on the same name (non-persons), and for
persons on transliteration-aware name matching (rules/resolve/transliteration.yml) guarded by
evidence: given names must match when both are written, a surname alone joins only the single
full name it can belong to, and known countries must agree. Every merge is written down in the
entity's `evidence` column.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from unidecode import unidecode

from .rulesdata import RulesError, load_yaml, require, rules_path
from .textnorm import fold

TRANSLITERATION = "resolve/transliteration.yml"
_LETTERS = re.compile(r"[^a-z]")
_VOWELS = re.compile(r"[aeiou]")


# --------------------------------------------------------------------------- name comparison


@dataclass(frozen=True)
class _Spelling:
    substitutions: tuple[tuple[re.Pattern, str], ...]
    voicing: dict[str, str]
    min_ratio_same_skeleton: float
    min_ratio: float
    min_length: int
    prefix: re.Pattern


@functools.lru_cache(maxsize=1)
def _spelling() -> _Spelling:
    data = load_yaml(TRANSLITERATION)
    subs = []
    for i, pair in enumerate(require(data, "substitutions", TRANSLITERATION)):
        if not isinstance(pair, list) or len(pair) != 2:
            raise RulesError(f"{rules_path(TRANSLITERATION)}: substitution {i}: expected [regex, replacement]")
        try:
            subs.append((re.compile(pair[0]), pair[1]))
        except re.error as exc:
            raise RulesError(f"{rules_path(TRANSLITERATION)}: substitution {i}: bad regex {pair[0]!r}: {exc}") from exc
    prefixes = [re.escape(str(p)) for p in require(data, "article_prefixes", TRANSLITERATION)]
    return _Spelling(tuple(subs), dict(require(data, "voicing", TRANSLITERATION)),
                     float(require(data, "min_ratio_same_skeleton", TRANSLITERATION)),
                     float(require(data, "min_ratio", TRANSLITERATION)), int(require(data, "min_length", TRANSLITERATION)),
                     re.compile(r"^(?:" + "|".join(prefixes) + r")[-‑]" if prefixes else r"^\b\B"))


@functools.lru_cache(maxsize=65536)
def spelling_key(word: str) -> str:
    """A transliteration-aware key of one name word: "Tokaïev" and "Tokayev" both give "tokaiev"."""
    key = _LETTERS.sub("", _spelling().prefix.sub("", unidecode(word).lower()))
    for pattern, replacement in _spelling().substitutions:
        key = pattern.sub(replacement, key)
    return re.sub(r"(.)\1+", r"\1", key)


@functools.lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """Consonants of a spelling key after voicing is neutralised: "togaiev" and "tokaiev" give "tkf"."""
    voiced = "".join(_spelling().voicing.get(ch, ch) for ch in key)
    return voiced[:1] + _VOWELS.sub("", voiced[1:])


def same_word(a: str, b: str) -> str | None:
    """Evidence that two name words are spellings of one name, or None."""
    ka, kb = spelling_key(a), spelling_key(b)
    if not ka or not kb:
        return None
    if ka == kb:
        return "same" if fold(a) == fold(b) else f"{a}~{b} (spelling key {ka})"
    spelling = _spelling()
    ratio = fuzz.ratio(ka, kb)
    if skeleton(ka) == skeleton(kb) and ratio >= spelling.min_ratio_same_skeleton:
        return f"{a}~{b} (skeleton {skeleton(ka)}, similarity {ratio:.0f})"
    if ratio >= spelling.min_ratio and min(len(ka), len(kb)) >= spelling.min_length:
        return f"{a}~{b} (similarity {ratio:.0f})"
    return None


def name_parts(name: str) -> tuple[tuple[str, ...], str]:
    """Given names and surname of a person's name ("Kassym-Jomart Tokaïev" -> (("Kassym-Jomart",), "Tokaïev"))."""
    words = name.split()
    return tuple(words[:-1]), words[-1] if words else ""


@functools.lru_cache(maxsize=65536)
def compare_persons(a: str, b: str) -> tuple[str, str | None]:
    """How two person names relate: ("same" | "short" | "different", evidence).

    "short" means one is a surname alone that fits the other's surname. Cached: across a corpus the
    same pairs of names (a head of state named in hundreds of articles) are compared again and again.
    """
    given_a, surname_a = name_parts(a)
    given_b, surname_b = name_parts(b)
    surname = same_word(surname_a, surname_b)
    if surname is None:
        return "different", None
    if not given_a or not given_b:
        return ("same" if not given_a and not given_b else "short"), f"surname {surname}"
    if len(given_a) != len(given_b):
        first = same_word(given_a[0], given_b[0])
        return ("same", f"surname {surname}; first name {first}") if first else ("different", None)
    evidence = [same_word(x, y) for x, y in zip(given_a, given_b)]
    if all(evidence):
        return "same", f"surname {surname}; given names " + ", ".join(evidence)
    return "different", None


def same_person(a: str, b: str) -> bool:
    """Two full names (or two surnames) that are spellings of one person's name."""
    return compare_persons(a, b)[0] == "same"


# --------------------------------------------------------------------------- ids and names


def entity_id_for(label: str, name: str) -> str:
    """A stable id for a canonical name: the same name and label give the same id in every run."""
    return "E" + hashlib.sha1(f"{label}|{name}".encode("utf-8")).hexdigest()[:12]


def _canonical(counts: Counter, first_seen: dict[str, int]) -> str:
    """The fullest form: most words, not all capitals, then most frequent, then first seen."""
    return min(counts, key=lambda a: (a.isupper(), -len(a.split()), -counts[a], first_seen.get(a, 0), a))


def _person_like(group: dict) -> bool:
    """A group that can be a person's name: a person, or a model span of 1-4 capitalised words off the gazetteer."""
    if group["key"]:
        return False
    if group["label"] == "PER":
        return True
    return all(m["source"] == "model" for m in group["mentions"]) and all(
        1 <= len(a.split()) <= 4 and all(w[:1].isupper() for w in a.split()) for a in group["aliases"])


# --------------------------------------------------------------------------- within an article


def within_document(doc_id: str, mentions: list[dict]) -> list[dict]:
    """Group an article's mentions into local entities; sets mention['local_id'] and returns the entities.

    Each local entity: local_id, name, label, aliases (list), n_mentions, key (gazetteer key or None),
    country, wikidata_id, evidence (list of merge reasons). Mention labels are made consistent
    within each entity.
    """
    groups: list[dict] = []
    by_key: dict[tuple, dict] = {}
    by_span = {(m["start"], m["end"]): m for m in mentions}
    for mention in sorted(mentions, key=lambda m: (m["start"], m["end"])):
        alias_of = mention.get("alias_of")
        target = by_span.get(tuple(alias_of)) if alias_of else None
        if target is not None and "_group" in target:
            group = target["_group"]
            group["evidence"].append(f"{mention['text']} = {target['text']} (written in parentheses after it)")
        else:
            key = ("key", mention["key"]) if mention.get("key") else ("text", fold(mention["text"]))
            group = by_key.get(key)
            if group is None:
                group = {"mentions": [], "aliases": [], "key": mention.get("key"), "label": mention["label"],
                         "evidence": [], "first": mention["start"]}
                by_key[key] = group
                groups.append(group)
            elif mention.get("key") and mention["text"] not in group["aliases"]:
                group["evidence"].append(f"{mention['text']} = {group['aliases'][0]} (gazetteer {mention['key']})")
        mention["_group"] = group
        group["mentions"].append(mention)
        if mention["text"] not in group["aliases"]:
            group["aliases"].append(mention["text"])
    for group in groups:
        group["label"] = _group_label(group)
    groups = _join_person_forms(groups)
    groups = _join_acronyms(groups)
    out = []
    for i, group in enumerate(sorted(groups, key=lambda g: g["first"])):
        local_id = f"{doc_id}#{i}"
        counts = Counter(m["text"] for m in group["mentions"])
        first_seen = {}
        for m in group["mentions"]:
            first_seen.setdefault(m["text"], m["start"])
            m["local_id"] = local_id
            m["label"] = group["label"]
            m.pop("_group", None)
        countries = Counter(m.get("country") for m in group["mentions"] if m.get("country"))
        wikidata = next((m.get("wikidata_id") for m in group["mentions"] if m.get("wikidata_id")), None)
        out.append({"local_id": local_id, "name": _canonical(counts, first_seen), "label": group["label"],
                    "aliases": sorted(counts, key=lambda a: first_seen[a]), "n_mentions": len(group["mentions"]),
                    "key": group["key"], "country": countries.most_common(1)[0][0] if countries else None,
                    "wikidata_id": wikidata, "evidence": group["evidence"]})
    return out


def initials(name: str) -> set[str]:
    """Acronyms a name can be written as: the initials of its words that are not French function words,
    also without a trailing "de/du/des + Name" ("Banque nationale pour le développement agricole du Mali"
    gives "BNDAM" and "BNDA")."""
    from spacy.lang.fr.stop_words import STOP_WORDS

    from .entities import of_words

    of = {w.rstrip("'") for w in of_words()}  # the words as split here: "d'" is "d"
    words = re.findall(r"[^\W\d_]+", name.replace("’", "'"))
    content = [w for w in words if w.casefold() not in STOP_WORDS and len(w) > 1]
    out = {"".join(w[0] for w in content).upper()}
    lowered = [w.casefold() for w in words]
    for i in range(len(words) - 1, 0, -1):
        if lowered[i - 1] in of and words[i][:1].isupper():
            head = [w for w in words[:i - 1] if w.casefold() not in STOP_WORDS and len(w) > 1]
            out.add("".join(w[0] for w in head).upper())
            break
    return {unidecode(a) for a in out if len(a) > 1}


def _join_acronyms(groups: list[dict]) -> list[dict]:
    """An acronym written alone joins the one longer name of the article whose initials it spells
    ("OTSC" and "Organisation du traité de sécurité collective"); persons and known keys keep theirs."""
    longer = [g for g in groups if g["label"] in {"ORG", "MISC"} and any(len(a.split()) > 2 for a in g["aliases"])]
    merged: set[int] = set()
    for group in groups:
        acronym = next((a for a in group["aliases"] if a.isupper() and a.isalpha() and 2 < len(a) <= 8), None)
        if acronym is None or group["label"] == "PER" or group["key"] or len(group["aliases"]) > 1:
            continue
        owners = [g for g in longer if g is not group and any(acronym in initials(a) for a in g["aliases"])]
        if len(owners) != 1:
            continue
        owner = owners[0]
        owner["mentions"].extend(group["mentions"])
        owner["aliases"].append(acronym)
        owner["evidence"].append(f"{acronym} = {owner['aliases'][0]} (initials)")
        owner["first"] = min(owner["first"], group["first"])
        merged.add(id(group))
    return [g for g in groups if id(g) not in merged]


def _group_label(group: dict) -> str:
    """Rules over the model, then the most frequent label."""
    labels = Counter(m["label"] for m in group["mentions"] if m["source"] == "rule") \
        or Counter(m["label"] for m in group["mentions"])
    return labels.most_common(1)[0][0]


def _longest(aliases: list[str]) -> str:
    return max(aliases, key=lambda a: (not a.isupper(), len(a.split()), len(a)))


def _join_person_forms(groups: list[dict]) -> list[dict]:
    """Join short forms and spelling variants to the person's fullest name in the article.

    Full names join full names they spell; a surname alone joins the nearest full name written
    before it (else the first one after it); every join needs a person on one side.
    """
    persons = [g for g in groups if _person_like(g)]
    uf = _UnionFind(len(persons))
    notes: dict[int, list[str]] = defaultdict(list)
    names = [_longest(g["aliases"]) for g in persons]
    full = [i for i, n in enumerate(names) if name_parts(n)[0]]
    short = [i for i, n in enumerate(names) if not name_parts(n)[0]]

    def join(i: int, j: int, kind: str, why: str) -> None:
        if persons[i]["label"] != "PER" and persons[j]["label"] != "PER":
            return
        if uf.union(i, j):
            relabel = [f"{names[k]}: label {persons[k]['label']} -> PER" for k in (i, j) if persons[k]["label"] != "PER"]
            notes[i].append(f"{names[j]} -> {names[i]} ({kind}: {why})" + ("; " + "; ".join(relabel) if relabel else ""))

    for i, j in itertools.chain(itertools.combinations(full, 2), itertools.combinations(short, 2)):
        relation, why = compare_persons(names[i], names[j])
        # two surnames alone join when spelt alike, not for being one surname
        if relation == "same" and (i in full or why != "surname same"):
            join(i, j, "spelling variant", why)
    for i in short:
        owners = [j for j in full if compare_persons(names[j], names[i])[0] != "different"
                  and (persons[i]["label"] == "PER" or persons[j]["label"] == "PER")]
        if not owners:  # a name word other than the last: "Lula" of "Luiz Inácio Lula da Silva", "Kishida Fumio",
            # "Xi" of "Xi Jinping" (two letters only as a capitalised word, never initials or a numeral "XI")
            word_like = len(names[i]) > 2 or (len(names[i]) == 2 and names[i].istitle())
            owners = [j for j in full if fold(names[i]) in {fold(w) for w in name_parts(names[j])[0]}
                      and word_like and (persons[i]["label"] == "PER" or persons[j]["label"] == "PER")]
            if len(owners) != 1:
                continue
            join(owners[0], i, "short form", f"{names[i]} is a name word of {names[owners[0]]}")
            continue
        before = [j for j in owners if persons[j]["first"] <= persons[i]["first"]]
        owner = max(before, key=lambda j: persons[j]["first"]) if before else min(owners, key=lambda j: persons[j]["first"])
        join(owner, i, "short form", compare_persons(names[owner], names[i])[1])

    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(persons)):
        clusters[uf.find(i)].append(i)
    merged: set[int] = set()
    for members in clusters.values():
        if len(members) == 1:
            continue
        members.sort(key=lambda k: (-len(names[k].split()), persons[k]["first"]))
        target = persons[members[0]]
        for k in members[1:]:
            group = persons[k]
            target["mentions"].extend(group["mentions"])
            target["aliases"].extend(a for a in group["aliases"] if a not in target["aliases"])
            target["evidence"].extend(group["evidence"])
            target["first"] = min(target["first"], group["first"])
            merged.add(id(group))
        for k in members:
            target["evidence"].extend(notes[k])
        target["label"] = "PER"
    return [g for g in groups if id(g) not in merged]


# --------------------------------------------------------------------------- across articles


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def across_documents(local_entities: list[dict]) -> tuple[dict[str, str], list[dict]]:
    """Join local entities of all articles into corpus entities.

    Returns the map local_id -> entity_id and the `entities` table rows
    (entity_id, name, label, aliases, n_mentions, n_docs, country, wikidata_id, evidence).
    """
    locals_ = list(local_entities)
    uf = _UnionFind(len(locals_))
    evidence: dict[int, list[str]] = defaultdict(list)
    for i, local in enumerate(locals_):
        evidence[i].extend(f"{local['local_id']}: {e}" for e in local.get("evidence", []))

    def join(i: int, j: int, why: str) -> None:
        if uf.union(i, j):
            evidence[i].append(f"{locals_[j]['local_id']} ({locals_[j]['name']}) joins {locals_[i]['local_id']} "
                               f"({locals_[i]['name']}): {why}")

    first_by: dict[tuple, int] = {}
    for i, local in enumerate(locals_):
        if local.get("key"):
            k = ("key", local["key"])
            why = f"same gazetteer key {local['key']}"
        elif local["label"] != "PER":
            k = ("name", local["label"], fold(local["name"]))
            why = "same name"
        else:
            continue
        if k in first_by:
            join(first_by[k], i, why)
        else:
            first_by[k] = i
    _join_persons(locals_, join, uf)
    _join_by_alias(locals_, join, uf)

    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(locals_)):
        clusters[uf.find(i)].append(i)
    mapping: dict[str, str] = {}
    rows = []
    for members in clusters.values():
        items = [locals_[i] for i in members]
        counts: Counter = Counter()
        first_seen: dict[str, int] = {}
        for n, local in enumerate(items):
            for alias in local["aliases"]:
                counts[alias] += 1
                first_seen.setdefault(alias, n)
        for local in items:
            counts[local["name"]] += local["n_mentions"]
        label = Counter(l["label"] for l in items).most_common(1)[0][0]
        key = next((l["key"] for l in items if l.get("key")), None)
        name = _canonical(Counter({l["name"]: counts[l["name"]] for l in items}), first_seen)
        eid = entity_id_for(label, key or name)
        countries = Counter(l["country"] for l in items if l.get("country"))
        for local in items:
            mapping[local["local_id"]] = eid
        rows.append({"entity_id": eid, "name": name, "label": label,
                     "aliases": sorted({a for l in items for a in l["aliases"]}),
                     "n_mentions": sum(l["n_mentions"] for l in items),
                     "n_docs": len({l["local_id"].rsplit("#", 1)[0] for l in items}),
                     "country": countries.most_common(1)[0][0] if countries else None,
                     "wikidata_id": next((l["wikidata_id"] for l in items if l.get("wikidata_id")), None),
                     "evidence": "; ".join(e for i in sorted(members) for e in evidence[i]) or None,
                     "_locals": {l["local_id"] for l in items}})
    _separate_homonyms(rows, mapping)
    rows.sort(key=lambda r: r["entity_id"])
    return mapping, rows


def _separate_homonyms(rows: list[dict], mapping: dict[str, str]) -> None:
    """Two entities kept apart that share a name (and so an id) get ids that also hold their country,
    or their first article: "Ali Khan" of PK and "Ali Khan" of IN."""
    by_id: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_id[row["entity_id"]].append(row)
    for eid, same in by_id.items():
        if len(same) < 2:
            continue
        same.sort(key=lambda r: (r["country"] or "", min(r["_locals"])))
        for row in same[1:]:
            first_doc = min(row["_locals"]).rsplit("#", 1)[0]
            new = entity_id_for(row["label"], f"{row['name']}|{row['country'] or first_doc}")
            for local_id in row["_locals"]:
                if mapping[local_id] == eid:
                    mapping[local_id] = new
            row["entity_id"] = new
    for row in rows:
        del row["_locals"]


def _countries_agree(a: dict, b: dict) -> bool:
    return not a.get("country") or not b.get("country") or a["country"] == b["country"]


def _join_persons(locals_: list[dict], join, uf: _UnionFind) -> None:
    """Full names join on transliteration-aware matching; a surname alone joins its single full name."""
    persons = [i for i, l in enumerate(locals_) if l["label"] == "PER"]
    blocks: dict[str, list[int]] = defaultdict(list)
    has_given: dict[int, bool] = {}
    for i in persons:
        given, surname = name_parts(locals_[i]["name"])
        blocks[skeleton(spelling_key(surname))].append(i)
        has_given[i] = bool(given)
    for block in blocks.values():
        full = [i for i in block if has_given[i]]
        short = [i for i in block if not has_given[i]]
        for i, j in itertools.chain(itertools.combinations(full, 2), itertools.combinations(short, 2)):
            if uf.find(i) == uf.find(j):
                continue  # joined already: nothing to compare
            relation, why = compare_persons(locals_[i]["name"], locals_[j]["name"])
            if relation == "same" and _countries_agree(locals_[i], locals_[j]):
                join(i, j, why)
        for i in short:
            owners = {uf.find(j): j for j in full if _countries_agree(locals_[i], locals_[j])
                      and compare_persons(locals_[j]["name"], locals_[i]["name"])[0] != "different"}
            if len(owners) == 1:
                owner = owners.popitem()[1]
                _, why = compare_persons(locals_[owner]["name"], locals_[i]["name"])
                join(owner, i, f"short form, the only full name with this surname ({why})")


def _join_by_alias(locals_: list[dict], join, uf: _UnionFind) -> None:
    """Entities of one label that share a written form ("C5+1" alias of "Asie centrale + États-Unis")."""
    first: dict[tuple[str, str], int] = {}
    for i, local in enumerate(locals_):
        if local["label"] == "PER":
            continue
        for alias in local["aliases"]:
            k = (local["label"], fold(alias))
            if k in first and uf.find(first[k]) != uf.find(i):
                join(first[k], i, f"shared alias {alias!r}")
            first.setdefault(k, i)


def _pair_runner(text: str) -> bool:
    a, b = (part.strip() for part in text.split(" / "))
    return same_person(a, b)


EXAMPLE_RUNNERS = {TRANSLITERATION: (_pair_runner, _pair_runner)}
