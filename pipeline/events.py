"""Rule-based events with their participants, place, date and amount, and clusters across articles.

Triggers come from spaCy Matcher patterns in rules/events/triggers.jsonl; arguments, status and the
merging of repeated mentions follow the parse, with the word lists of rules/events/*.yml.
"""
from __future__ import annotations

import argparse
import functools
import logging
import hashlib
import re
import sys
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token
from spacy.util import filter_spans

from . import entities as entities_stage
from . import nlp as nlp_stage
from . import numbers
from . import rulesdata
from .discourse import (CLAUSE_DEPS, MentionIndex, example_mentions, example_nlp, mention_gender, people_first,
                        phrase_tokens, title_families)
from .matching import AnchoredMatcher
from .textnorm import fold

_log = logging.getLogger(__name__)
TRIGGERS_FILE = "events/triggers.jsonl"
ARGUMENTS_FILE = "events/arguments.yml"
STATUS_FILE = "events/status.yml"
TYPES_FILE = "events/types.yml"
DATES_FILE = "events/dates.yml"
REQUIREMENTS = frozenset({"reflexive", "with", "amount", "amount_near", "place", "founded", "document", "office", "invited_to", "party", "event_subject",
                          "person_to", "person_object", "entity_object", "person_near", "pronoun_subject",
                          "official_object", "passive", "active", "by_agent"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubj:pass", "expl:subj"})
_OBJECT_DEPS = frozenset({"obj", "nsubj:pass", "nmod", "xcomp", "appos"})
# How strongly a mention's clause fixes the event's date and place: the verb that says the event took
# place beats the verb that is the event, which beats a noun that only names it.
PRIORITY_OCCURS, PRIORITY_VERB, PRIORITY_NOUN = 3, 2, 1


# ---------------------------------------------------------------- rules


@functools.lru_cache(maxsize=1)
def _triggers() -> tuple[dict, ...]:
    rows = rulesdata.load_jsonl(TRIGGERS_FILE)
    path = rulesdata.rules_path(TRIGGERS_FILE)
    for i, row in enumerate(rows):
        for key in ("label", "id", "pattern"):
            if key not in row:
                raise rulesdata.RulesError(f"{path}: pattern {i + 1} has no {key!r}")
        unknown = set(row.get("requires", [])) - REQUIREMENTS
        if unknown:
            raise rulesdata.RulesError(f"{path}: pattern {row['id']!r} requires unknown {sorted(unknown)}; "
                                       f"expected some of {sorted(REQUIREMENTS)}")
    return rows


def _lexicon(relative: str, *keys: str) -> dict:
    data = rulesdata.load_yaml(relative)
    return {key: rulesdata.require(data, key, relative) for key in keys}


@functools.lru_cache(maxsize=1)
def _arguments() -> dict:
    data = _lexicon(ARGUMENTS_FILE, "locative_prepositions", "genitive_prepositions", "place_nouns",
                    "companion_prepositions", "recipient_prepositions", "agent_nouns", "host_verbs",
                    "announcing_verbs", "founded_things", "agreement_documents", "offices", "ministerial_titles",
                    "ordinals", "presenting_verbs", "event_like_nouns", "compatible_types", "max_gap_words",
                    "occurrence_verbs", "topic_prepositions", "phase_verbs", "phase_dated_types",
                    "object_control_verbs", "beneficiary_nouns", "beneficiary_prepositions", "host_nouns", "placed_types",
                    "setting_prepositions", "joining_verbs", "distinct_modifiers",
                    "participant_labels", "result_verbs", "invitation_verbs", "title_groups", "holder_window",
                    "referring_pronouns", "anaphoric_places", "group_people_nouns", "demonym_heads",
                    "collective_heads", "anaphor_modifiers", "group_window",
                    "leader_families", "agent_prepositions", "object_end_words", "object_stop_words", "office_stop_words",
                    "object_reach", "purpose_prepositions", "travel_verbs", "place_relatives",
                    "indefinite_determiners")
    data.update(_lexicon(DATES_FILE, "not_date_prepositions", "dateline_end", "dateline_reach", "frame_relatives",
                         "frame_nouns", "frame_determiners"))
    out = {k: frozenset(v) if isinstance(v, list) and k not in {"compatible_types", "title_groups"} else v
           for k, v in data.items()}
    out["compatible_types"] = [frozenset(group) for group in data["compatible_types"]]
    out["title_groups"] = [frozenset(group) for group in data["title_groups"]]
    return out


@functools.lru_cache(maxsize=1)
def _status_rules() -> dict:
    data = _lexicon(STATUS_FILE, "planned_lemmas", "planned_modifiers", "planned_passives", "conditional_endings", "unknown_lemmas",
                    "unknown_marks", "today_words")
    out = {k: frozenset(v) if isinstance(v, list) else v for k, v in data.items()}
    out["conditional_endings"] = re.compile(data["conditional_endings"])
    return out


@functools.lru_cache(maxsize=1)
def _plover() -> dict:
    return _lexicon(TYPES_FILE, "plover")["plover"]


def expand_first_token(pattern: list[dict]) -> list[list[dict]]:
    """The same pattern with its first token's `IN` sets spelled out, one pattern per value.

    spaCy's Matcher checks plain attribute values in compiled code but calls a Python predicate for
    every `IN` set at every token; the first token of a pattern is tried at every token of the Doc,
    so spelling its sets out (the first token is never optional here) finds the same matches at a
    fraction of the cost. Later tokens are only tried after a first-token match and keep their sets.
    """
    first, rest = pattern[0], pattern[1:]
    if "OP" in first:
        return [pattern]
    variants = [{}]
    for attr, value in first.items():
        if isinstance(value, dict) and set(value) == {"IN"}:
            variants = [{**v, attr: item} for v in variants for item in dict.fromkeys(value["IN"])]
        else:
            variants = [{**v, attr: value} for v in variants]
    return [[v, *rest] for v in variants]


@functools.lru_cache(maxsize=4)
def _matcher(vocab) -> AnchoredMatcher:
    """The trigger patterns, keyed on their row index, run only around their anchor words."""
    return AnchoredMatcher(vocab, {str(i): expand_first_token(row["pattern"]) for i, row in enumerate(_triggers())})


def plover_code(event_type: str, status: str) -> str | None:
    """The PLOVER code of a type and status, per rules/events/types.yml."""
    codes = _plover().get(event_type, {})
    return codes.get(status, codes.get("default"))


# ---------------------------------------------------------------- parse helpers


def _ministers_without_leader(article: "_Article", predicate: Token) -> bool:
    """Whether the subjects of the verb name a minister and no head of state or government, read as the text
    writes them ("le chef de l'État et son ministre", not "chef de l' État" in tree order)."""
    ministerial = article.args["ministerial_titles"]
    phrases = [sorted(phrase_tokens(s), key=lambda t: t.i) for s in _subjects(predicate)]
    if not any(_lemma(t) in ministerial or _word(t) in ministerial for phrase in phrases for t in phrase):
        return False
    words = " ".join("".join(t.text_with_ws for t in phrase).strip() for phrase in phrases)
    return not title_families().of(words) & article.args["leader_families"]


def _numeral(token: Token) -> int | None:
    """The number a noun's numeral says ("les deux dirigeants" -> 2), None without one."""
    return next((int(found[0].value) for c in token.children
                 if c.dep_ == "nummod" and (found := numbers.find(c.text))), None)


def _lemma(token: Token) -> str:
    return fold(token.lemma_)


def _word(token: Token) -> str:
    return fold(token.text)


def _case(token: Token) -> str | None:
    for child in token.children:
        if child.dep_ in {"case", "mark"} or (child.dep_ == "fixed" and child.pos_ == "ADP"):
            return _word(child)
    return None


def _is_verb(token: Token) -> bool:
    return token.pos_ in {"VERB", "AUX"}


def _finite(token: Token) -> bool:
    # an auxiliary in the infinitive ("devraient être conclus") leaves the verb group non-finite
    return "Fin" in token.morph.get("VerbForm") or any((c.dep_.startswith("aux") or c.dep_ == "cop")
                                                        and "Inf" not in c.morph.get("VerbForm") for c in token.children)


def _is_reflexive(token: Token) -> bool:
    return any(_word(c) in {"se", "s'"} and c.dep_.startswith("expl") or _word(c) in {"se", "s'"} for c in token.children)


def _subjects(token: Token) -> list[Token]:
    return [c for c in token.children if c.dep_ in SUBJECT_DEPS and _word(c) not in {"-t", "t"}]


def _surface_subject(article: "_Article", verb: Token) -> list[dict]:
    """Names standing right before a finite verb group ("X et Y ont rencontré") when the parser found no subject."""
    first = min([verb, *[c for c in verb.children if c.dep_.startswith("aux") or c.dep_ == "expl:comp"]], key=lambda t: t.i)
    found, i = [], first.i - 1
    while i >= article.sent(verb).start:
        token = verb.doc[i]
        mention = article.index.of(token)
        if mention is not None:
            if not found or found[-1] is not mention:
                found.append(mention)
        elif _word(token) not in {"et", ","}:
            break
        i -= 1
    return people_first(found[::-1])


def _object_candidates(token: Token, deps: frozenset) -> list[Token]:
    """The words that may name what a verb acts on: its children of `deps`, the noun a participle qualifies, and
    the subject of a modal it hangs on ("Dix accords devraient être conclus", "le traité pourrait être signé")."""
    out = [c for c in token.children if c.dep_ in deps]
    if token.dep_ == "acl:relcl" or (token.dep_ == "acl" and token.pos_ == "VERB"):
        out.append(token.head)
    if token.dep_ == "xcomp" and _is_verb(token) and _is_verb(token.head):
        out += _subjects(token.head)
    return out


def _chain(token: Token, hops: int = 4) -> list[Token]:
    """The token and the words governing it, up through non-finite verbs and nouns to the first finite verb."""
    out = [token]
    current = token
    for _ in range(hops):
        if _is_verb(current) and _finite(current) and (current is not token or "Fin" in current.morph.get("VerbForm")):
            break
        if current.head is current or current.dep_ in {"ROOT", "parataxis"}:
            break
        if current.dep_ in {"conj"} and current.head.pos_ != current.pos_:
            break
        current = current.head
        out.append(current)
    return out


# ---------------------------------------------------------------- mentions of events


@dataclass
class Mention:
    """One place where the text states or names an event."""

    label: str
    rule_id: str
    trigger: Token
    predicate: Token
    clause: list[Token]
    merge_only: bool = False
    firm: bool = False  # the phrase always states an event ("à l'invitation de"), even with nobody named
    # a step of an event told before when there is one ("a été accueilli à l'aéroport par X" after the visit)
    part_of_last: bool = False
    requires: tuple = ()
    anaphoric: bool = False
    ordinal: str | None = None
    status: str = "unknown"
    date: dict | None = None
    date_text: str | None = None
    date_rule: str | None = None
    location: dict | None = None
    priority: int = PRIORITY_NOUN
    mode: str = "noun"
    participants: list[tuple[dict, str, bool]] = field(default_factory=list)  # (mention, role, explicit)
    amount: dict | None = None
    inherits: bool | int = False  # refers back to the agents of the last event, or to its N people
    document: str | None = None  # what an agreement signs ("accord", "déclaration")
    new_document: bool = False  # brought in by an indefinite determiner ("des accords")

    @property
    def start(self) -> int:
        return min(t.idx for t in self.clause)

    @property
    def end(self) -> int:
        return max(t.idx + len(t.text) for t in self.clause)


class _Article:
    """The parse, mentions, timexes and amounts of one article, with the lookups the rules need."""

    def __init__(self, doc: Doc, mentions: list[dict], timexes: list[dict], amounts: list[dict], published,
                 sentences: list[dict] | None = None):
        self.doc = doc
        self.index = MentionIndex(doc, mentions)
        self.timexes = [t for t in timexes if t.get("type") in {"DATE", "TIME"}]
        self.amounts = amounts
        self.published = published
        self.args = _arguments()
        self._sentence, self._sentence_no = {}, {}
        for number, span in enumerate(nlp_stage.sentence_spans(doc, sentences)):
            self._sentence.update(dict.fromkeys(range(span.start, span.end), span))
            self._sentence_no.update(dict.fromkeys(range(span.start, span.end), number))
        self.agents: list[tuple[Token, dict]] = []  # (trigger, person) of the events told so far
        self.holders = [m for m in self.index.mentions if m["label"] == "PER" and m.get("role") and m.get("country")]

    def sent(self, token: Token):
        """The sentence of the token, the parser's wrong cuts repaired (see pipeline.nlp.sentences)."""
        return self._sentence.get(token.i) or token.sent

    # -- tokens to things

    def timex_at(self, token: Token) -> dict | None:
        return next((t for t in self.timexes if t["start"] <= token.idx < t["end"]), None)

    def amount_at(self, token: Token) -> dict | None:
        for amount in self.amounts:
            if amount["start"] <= token.idx < amount["end"]:
                return amount
        return None

    def relative_amount(self, verb: Token) -> dict | None:
        """The amount a relative clause is about ("25 millions de dollars que X a promis"), read from the words
        when the parser hangs the clause elsewhere."""
        start = max(self.sent(verb).start, verb.i - 8)
        for token in reversed(verb.doc[start:verb.i]):
            if _word(token) in {"que", "qu'", "qui"}:
                return self.amount_at(token.nbor(-1)) if token.i > 0 else None
            if _is_verb(token) and not token.dep_.startswith("aux"):
                return None
        return None

    def entities(self, tokens) -> list[dict]:
        return self.index.in_tokens(tokens)

    def phrase_entities(self, token: Token) -> list[dict]:
        """The sides a phrase names: its entities, or the places its common nouns refer back to ("ce pays",
        "les six pays") and the countries of its demonyms ("ses homologues ouzbeks"); a country under a
        title ("les présidents du Kazakhstan") stands for the person the article names for that title
        nearby. People first when no such substitution was made."""
        tokens = phrase_tokens(token)
        found = self.entities(tokens)
        if not any(m["label"] == "PER" for m in found):
            named = _appositive_person(self, token) or (self._title_holder(token, tokens) if not found else None)
            if named is not None:
                return [named]
        named = {t.i for m in found for t in self._span(m)}
        found += [entity for t in tokens if t.i not in named for entity in self._referred(t, head=t is token or t.head is token and t.dep_ == "conj")]
        found += self._enumeration_after(tokens, found)
        found.sort(key=lambda m: m["start"])
        sides, substituted = [], False
        for entity in found:
            holder = self._holder(entity)
            substituted |= holder is not entity
            if all(holder is not s and holder["entity_id"] != s["entity_id"] for s in sides):
                sides.append(holder)
        return sides if substituted else people_first(sides)

    def _title_holder(self, token: Token, tokens: list[Token]) -> dict | None:
        """The person a title phrase that names nobody stands for: the last person before it whom the article
        gave that title ("le chef de l'État", "le président" after "le président français Emmanuel Macron")."""
        if token.pos_ != "NOUN" or "Plur" in token.morph.get("Number"):
            return None
        families = title_families().of(self.doc[tokens[0].i:tokens[-1].i + 1].text)
        if not families:
            return None
        holders = [m for m in self.index.mentions if m["label"] == "PER" and m.get("role") and m["end"] <= token.idx
                   and title_families().of(m["role"]) & families]
        return holders[-1] if holders else None

    def _enumeration_after(self, tokens: list[Token], found: list[dict]) -> list[dict]:
        """Names that go on the phrase's enumeration after the parser cut it off ("les présidents du
        Kazakhstan, du Tadjikistan | du Turkménistan et d'Ouzbékistan"): ", de X", "et de Y" of the same label."""
        if not found or not tokens:
            return []
        last, first_span = found[-1], self._span(found[0])
        out, i = [], tokens[-1].i + 1
        sent_end = self.sent(tokens[-1]).end
        while i < sent_end:
            word = _word(self.doc[i])
            if word in {",", "et"}:
                i += 1
                continue
            if word not in self.args["genitive_prepositions"] and not (word == "de" or word.startswith("d'")):
                break
            mention = self.index.of(self.doc[i + 1]) if i + 1 < sent_end else None
            if mention is None or mention["label"] != last["label"] or mention["start"] != self.doc[i + 1].idx:
                break
            out.append({**mention, "referred_at": first_span[0].i} if first_span else mention)
            i = self._span(mention)[-1].i + 1
        return out

    def _span(self, mention: dict):
        return self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand") or []

    def _is_country(self, mention: dict) -> bool:
        return mention["label"] == "LOC" and str(mention.get("key") or "").startswith("country:")

    def _referred(self, token: Token, *, head: bool = True) -> list[dict]:
        """Places a common noun refers back to: "la région" (the last region named), "ce pays" (the last
        country), "les six pays" (the last six countries), "ses homologues ouzbeks" (Uzbekistan, when named)."""
        args = self.args
        if token.pos_ != "NOUN":
            return []
        if head and (_lemma(token) in args["demonym_heads"] or _word(token) in args["demonym_heads"]):
            for child in token.children:
                if child.dep_ in {"amod", "nmod"} and child.i > token.i:
                    codes = entities_stage.demonym_countries(child.text)
                    country = self._named_country(codes[0], token) if codes else None
                    if country is None:
                        continue
                    marked = self._mark(country, token)
                    person = "Sing" in token.morph.get("Number") and _lemma(token) not in args["collective_heads"]
                    if person and self._holder(marked) is marked:
                        return []  # "le dirigeant syrien" is a person the article may not name with that title
                    return [marked]
        kind = args["anaphoric_places"].get(_lemma(token), args["anaphoric_places"].get(_word(token)))
        if kind is None or any(c.dep_ in {"nmod", "amod", "acl", "acl:relcl"} and _word(c) not in args["anaphor_modifiers"]
                               for c in token.children):
            return []
        dets = [c for c in token.children if c.dep_ == "det" or c.dep_ == "case" and "Definite=Def" in c.morph]
        count = _numeral(token)
        definite = any("Definite=Def" in d.morph or "PronType=Dem" in d.morph or "Poss=Yes" in d.morph for d in dets)
        if not definite or (count is None and "Plur" in token.morph.get("Number")):
            return []
        found: list[dict] = []
        for mention in reversed(self.index.mentions):
            if mention["end"] > token.idx or len(found) == (count or 1):
                continue
            if str(mention.get("key") or "").startswith(kind + ":") and all(m["entity_id"] != mention["entity_id"] for m in found):
                found.append(mention)
        if len(found) != (count or 1):
            return []
        return [self._mark(m, token) for m in found[::-1]]

    def _named_country(self, code: str, token: Token) -> dict | None:
        countries = [m for m in self.index.mentions if self._is_country(m) and m.get("country") == code]
        before = [m for m in countries if m["end"] <= token.idx]
        return (before or countries or [None])[-1 if before else 0]

    @staticmethod
    def _mark(mention: dict, token: Token) -> dict:
        """A copy of the mention standing at the token that refers to it (for the title above it)."""
        return {**mention, "referred_at": token.i}

    def _title_above(self, token: Token) -> frozenset | None:
        """The title group of the title noun governing a phrase ("les présidents du Kazakhstan", "celui
        des États-Unis" after "les ministres des Affaires étrangères"), from rules/events/arguments.yml."""
        args = self.args
        current = token
        for _ in range(4):
            families = title_families().of(self.doc[min(current.i, token.i):token.i + 1].text)
            for group in args["title_groups"]:
                if families & group:
                    return group
            if current.dep_ not in {"nmod", "conj", "appos", "amod", "nummod"} and current is not token \
                    and _word(current) not in args["referring_pronouns"]:
                return None
            if current.head is current:
                return None
            current = current.head
        return None

    def _holder(self, entity: dict) -> dict:
        """The person the article names near the entity for the title above it, else the entity itself."""
        if not self._is_country(entity):
            return entity
        at = entity.get("referred_at")
        token = self.doc[at] if at is not None else (self._span(entity) or [None])[-1]
        if token is None:
            return entity
        group = self._title_above(token)
        if group is None:
            return entity
        here = self._sentence_no.get(token.i, 0)
        near = []
        for person in self.holders:
            if person.get("country") != entity.get("country") or not title_families().of(person["role"]) & group:
                continue
            span = self._span(person)
            distance = abs(self._sentence_no.get(span[0].i, here) - here) if span else 99
            if distance <= self.args["holder_window"]:
                near.append((distance, person["start"], person))
        return min(near, key=lambda x: x[:2])[2] if near else entity

    def is_place_phrase(self, token: Token) -> bool:
        found = self.entities(phrase_tokens(token))
        return bool(found) and found[0]["label"] == "LOC" and self._locative_before(found[0])[0]

    # -- requirements of a pattern

    def meets(self, requirement: str, trigger: Token) -> bool:
        args = self.args
        children = list(trigger.children)
        if requirement == "reflexive":
            return _is_reflexive(trigger)
        if requirement == "with":
            # "a eu des échanges avec X": the parser may hang "avec X" on the verb
            if trigger.pos_ == "NOUN" and trigger.dep_ == "obj":
                children += [c for c in trigger.head.children if c is not trigger]
            if any(_case(c) in args["companion_prepositions"] for c in children):
                return True
            # "le président du Sénégal et son homologue guinéen devraient discuter de ...": two sides as subject
            return _is_verb(trigger) and any(any(c.dep_ == "conj" for c in s.children) and self.entities(phrase_tokens(s))
                                             for s in _subjects(trigger) + (_subjects(trigger.head) if trigger.dep_ == "xcomp" else []))
        if requirement == "amount":
            return (self.amount_at(trigger.head) is not None or self.relative_amount(trigger) is not None
                    or any(self.amount_at(c) is not None for c in children if c.dep_ in {"obj", "nsubj:pass", "obl:arg"}))
        if requirement == "amount_near":
            return any(self.amount_at(t) is not None for t in phrase_tokens(trigger)) or self.amount_at(trigger.head) is not None
        if requirement == "place":
            return self.relative_place(trigger) is not None or any(self.is_place_phrase(c) or c.dep_ in {"obj", "dep"} and any(m["label"] == "LOC" for m in self.entities([c]))
                       for c in children if c.dep_ in {"obj", "obl", "obl:arg", "obl:mod", "nmod", "dep"}) \
                or (trigger.pos_ == "VERB" and self._place_after(trigger))
        if requirement == "invited_to":
            # "inviter X à participer au sommet / à Washington", not "inviter X à ne rien fournir"; the parser may
            # hang the infinitive on X ("a invité Vladimir Poutine à se rendre en Turquie")
            children += [c for o in children if o.dep_ == "obj" for c in o.children if c.dep_ == "acl" and _is_verb(c)]
            for child in children:
                if child.dep_ in {"xcomp", "advcl", "ccomp", "acl"} and _lemma(child) in args["invitation_verbs"]:
                    return True
                if child.dep_.startswith("obl") and _case(child) in args["locative_prepositions"]:
                    if _lemma(child) in args["event_like_nouns"] or any(m["label"] == "LOC" for m in self.entities([child])):
                        return True
            return False
        if requirement == "event_subject":
            return any(_lemma(s) in args["event_like_nouns"] for s in _subjects(trigger))
        if requirement == "party":
            # "X a rencontré Y": someone named on one side, not "la loi a rencontré des résultats"
            sides = [c for c in children if c.dep_ in {"obj", "nsubj", "nsubj:pass", "obl:agent"}]
            if trigger.dep_ == "xcomp":
                sides += _subjects(trigger.head)  # "M. Jomaa doit rencontrer plusieurs responsables"
            named = [m for c in sides for m in self.entities(phrase_tokens(c))]
            # "a rencontré, jeudi à New York, ses homologues de X": a title read after the verb is a side too
            return any(m["label"] in args["participant_labels"] for m in named) or bool(_surface_subject(self, trigger)) \
                or _is_reflexive(trigger) \
                or any(s.pos_ == "PRON" and _word(s) not in {"qui", "que"} for s in _subjects(trigger)) \
                or self.object_after(trigger, args["offices"] | args["ministerial_titles"]) is not None
        if requirement == "pronoun_subject":
            return any(s.pos_ == "PRON" and "PronType=Rel" not in s.morph and _word(s) not in {"qui", "que"}
                       for s in _subjects(trigger))
        if requirement in {"person_object", "entity_object"}:
            labels = {"PER"} if requirement == "person_object" else {"PER", "LOC", "ORG", "MISC"}
            objects = [c for c in children if c.dep_ in {"obj", "nsubj:pass", "obl:agent"}]
            return any(m["label"] in labels for c in objects for m in self.entities(phrase_tokens(c))) \
                or any(_appositive_person(self, c) is not None for c in objects)
        if requirement == "official_object":
            # "a reçu l'ambassadeur de Chine": a named person or a title as object
            titles = args["offices"] | args["ministerial_titles"]
            objects = [c for c in children if c.dep_ in {"obj", "nsubj:pass", "obl:agent"}]
            return any(_lemma(c) in titles or _word(c) in titles for c in objects) \
                or self.meets("person_object", trigger) or self.object_after(trigger, titles) is not None
        if requirement == "active":
            return not self.meets("passive", trigger)
        if requirement == "by_agent":
            return any(self.entities(phrase_tokens(c)) for c in children if c.dep_ == "obl:agent")
        if requirement == "passive":
            return any(c.dep_ in {"aux:pass", "nsubj:pass"} for c in children) or "Pass" in trigger.morph.get("Voice")
        if requirement == "person_to":
            return any(_case(c) in {"à", "au", "aux"} and any(m["label"] == "PER" for m in self.entities(phrase_tokens(c)))
                       for c in children if c.dep_.startswith("obl") or c.dep_ == "iobj")
        if requirement == "person_near":
            return any(m["label"] == "PER" for m in self.entities(self.sent(trigger)))
        if requirement in {"founded", "document", "office"}:
            return self._object_in(trigger, requirement)
        return False

    def document(self, trigger: Token) -> tuple[str | None, bool]:
        """The kind of document an agreement is about ("accord", "déclaration", "mémorandum"), from its object or
        the words after its verb, a compound by its first part ("accord-cadre" -> "accord"); and whether the text
        brings it in as new ("des accords", "un mémorandum") rather than referring back ("les accords conclus")."""
        words = self.args["agreement_documents"]
        candidates = _object_candidates(trigger, _OBJECT_DEPS)
        if trigger.pos_ == "VERB":
            candidates += self._words_after(trigger, self.args["object_stop_words"])
        for token in candidates:
            for form in (_lemma(token), _word(token)):
                if form in words and token.pos_ in {"NOUN", "PROPN"}:
                    return form.split("-")[0], _indefinite(token)
        return None, False

    def _object_in(self, trigger: Token, kind: str) -> bool:
        words = {"founded": self.args["founded_things"], "document": self.args["agreement_documents"],
                 "office": self.args["offices"]}[kind]
        candidates = _object_candidates(trigger, _OBJECT_DEPS)
        opener = _sentence_opener(self, trigger)
        if opener is not None and kind == "founded":
            candidates += _subjects(opener)  # "Créée en 1963, l'Organisation ...": the main clause's subject
        for child in candidates:
            if _lemma(child) in words or _word(child) in words:
                return True
            if kind == "founded" and child.pos_ == "PRON" and child.dep_ == "nsubj:pass":
                return _lemma(child.head.head) in words if child.head.dep_ == "acl:relcl" else False
            found = self.entities([child])
            if found and kind != "office":
                first_word = fold(found[0]["text"]).split()[0]
                if kind == "founded" and found[0]["label"] in {"ORG", "MISC"}:
                    return True
                if kind == "document" and first_word in words:
                    return True
        if trigger.pos_ == "VERB" and self._word_after(trigger, words, kind):
            return True
        if kind == "founded" and trigger.pos_ == "NOUN":
            # "depuis sa création, le format C5+1": the possessive stands for the thing founded
            return any(c.dep_ == "det" and "Poss=Yes" in c.morph for c in trigger.children)
        return False

    def _words_after(self, trigger: Token, stops: frozenset = frozenset(), reach: int = 11) -> list[Token]:
        """The words after a verb up to the next verb or the end of the sentence (at most `reach`): the parser
        often hangs a verb's object or place on a date before it ("ont signé jeudi à Rabat un mémorandum", "a reçu
        Xi Jinping lundi à l'Élysée"), or cuts the sentence short ("Fondée en 1963 à Addis-Abeba, l'Organisation")."""
        out = []
        for token in trigger.doc[trigger.i + 1:trigger.i + 1 + reach]:
            if _is_verb(token) and self.index.of(token) is None or _word(token) in self.args["object_end_words"] or _word(token) in stops or "\n" in token.text:
                break
            out.append(token)
        return out

    def _word_after(self, trigger: Token, words: frozenset, kind: str) -> bool:
        """Whether the words after the verb name its object (an agreement document, a founded thing, an office)."""
        tags = {"NOUN", "PROPN"} if kind == "office" else {"NOUN", "PROPN", "ADJ"}
        stops = self.args["object_stop_words"] | (self.args["office_stop_words"] if kind == "office" else frozenset())
        for token in self._words_after(trigger, stops):
            if token.pos_ in tags and (_lemma(token) in words or _word(token) in words):
                return True
            found = self.index.of(token)
            if found is not None and kind == "founded" and found["label"] in {"ORG", "MISC"}:
                return True
        return False

    def object_after(self, trigger: Token, titles: frozenset) -> Token | None:
        """"a reçu Xi Jinping lundi", "a reçu mardi au palais, dans le cadre d'une cérémonie, son homologue": the
        first noun after the verb that no preposition introduces (past adverbs, determiners, dates and
        complements closed by a comma or by a determiner after a noun) is a named person or a title."""
        in_complement, previous, bracketed = False, trigger, 0
        for token in self._words_after(trigger, reach=self.args["object_reach"]):
            previous, before = token, previous
            if token.text in {"(", "[", ")", "]"} or bracketed:
                # "jeudi à New York (Etats-Unis), ses homologues": an aside in brackets is no object
                bracketed += {"(": 1, "[": 1, ")": -1, "]": -1}.get(token.text, 0)
                continue
            if token.pos_ == "ADP" or (token.is_punct and token.text != ","):
                in_complement = token.pos_ == "ADP"
                continue
            if token.text == "," or token.pos_ == "DET" and before.pos_ in {"NOUN", "PROPN", "ADJ"}:
                in_complement = False  # "à l'aéroport de Ouagadougou | leur homologue": a new noun phrase
                if token.text == ",":
                    continue
            if in_complement or token.pos_ in {"ADV", "DET", "ADJ"} or self.timex_at(token) is not None:
                continue
            found = self.index.of(token)
            named = (found is not None and found["label"] == "PER") or _lemma(token) in titles or _word(token) in titles
            return token if named else None
        return None

    def _place_after(self, trigger: Token) -> bool:
        """"a été accueilli dimanche à l'aéroport d'Orly": a place introduced by a locative after the verb."""
        return any(m["label"] == "LOC" and self._locative_before(m)[0] for m in self.entities(self._words_after(trigger)))

    # -- where

    def _locative_before(self, mention: dict) -> tuple[bool, Token | None]:
        """Whether a locative preposition introduces the place name, maybe through a place noun
        ("à Astana", "dans la capitale kazakhe Astana", "dans les capitales du Kazakhstan"); also the place
        noun passed through."""
        args = self.args
        span = self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
        if span is None:
            return False, None
        i, gap, place_noun = span.start - 1, 0, None
        while i >= 0 and gap <= args["max_gap_words"]:
            token = self.doc[i]
            word = _word(token)
            if word in args["locative_prepositions"]:
                return True, place_noun
            is_place = _lemma(token) in args["place_nouns"] or word in args["place_nouns"]
            if word in args["genitive_prepositions"] and i > 0:
                j = i - 1
                while j > 0 and self.doc[j].pos_ in {"ADJ"}:
                    j -= 1
                if _lemma(self.doc[j]) in args["place_nouns"] or _word(self.doc[j]) in args["place_nouns"]:
                    i = j
                    continue
                return False, None
            if is_place or token.pos_ in {"DET", "ADJ", "NUM"} or (token.pos_ in {"PROPN", "NOUN"} and token.text.islower()):
                if is_place:
                    place_noun = token
                gap += 1
                i -= 1
                continue
            return False, None
        return False, None

    def relative_place(self, verb: Token) -> dict | None:
        """The place a relative "où" on the verb stands for: the name right before it, maybe past a comma
        ("Venue du Ghana, où elle séjournait mercredi"; the parser often hangs such a clause elsewhere)."""
        where_word = next((c for c in verb.children if _word(c) in self.args["place_relatives"]), None)
        if where_word is None:
            return None
        before = [t for t in verb.doc[max(0, where_word.i - 2):where_word.i] if t.text != ","][-1:]
        found = self.index.of(before[0]) if before else None
        if found is None and verb.dep_ == "acl:relcl":
            found = next(iter(self.entities([verb.head])), None)
        return found if found is not None and found["label"] == "LOC" else None

    def recipients(self, mention: Mention) -> list[dict]:
        """Who receives a sum: "à X" on the verb, or hung by the parser on the sum or the aid it gives
        ("ont promis 160 millions d'euros à la Tunisie", "a accordé une aide de 5 millions au Niger")."""
        if mention.label != "aid":
            return []
        heads = {mention.trigger.i, mention.predicate.i}
        heads |= {c.i for h in (mention.trigger, mention.predicate) for c in h.children if c.dep_ in {"obj", "nsubj:pass", "obl:arg"}}
        args = self.args
        out = []
        for token in mention.clause:
            case = _case(token)
            if _lemma(token) in args["beneficiary_nouns"] and case in args["locative_prepositions"]:
                # "en faveur du Bénin", "au profit de la région": who the noun names
                named = [e for c in token.children if c.dep_ == "nmod" for e in self.phrase_entities(c)]
            elif case in args["beneficiary_prepositions"] or (case in args["recipient_prepositions"] and token.dep_ != "obl:mod"):
                named = self.phrase_entities(token)
            else:
                continue
            governor = token.head
            while governor.i not in heads and governor.dep_ == "nmod" and governor.head is not governor:
                governor = governor.head  # "une aide de 5 millions de dollars au Niger"
            if governor.i in heads:
                out += [e for e in named if e["label"] in args["participant_labels"]]
        return out

    def where(self, mention: Mention) -> tuple[dict | None, list[dict]]:
        """The place of the event, or the places it visits when the clause names several; never who
        receives a sum."""
        predicate = mention.predicate
        if mention.mode in {"verb", "occurs", "light"}:
            antecedent = self.relative_place(predicate)
            if antecedent is not None:
                return antecedent, []
        if mention.label == "visit" and mention.mode == "verb":
            for child in mention.trigger.children:
                if child.dep_ in {"obj", "dep"}:
                    found = self.entities([child])
                    if found and found[0]["label"] == "LOC":
                        return found[0], []
        receiving = {e["entity_id"] for e in self.recipients(mention)}
        for entity in self.entities(mention.clause):
            if entity["label"] != "LOC" or entity["entity_id"] in receiving or self._topic_of(entity, mention.trigger):
                continue
            ok, place_noun = self._locative_before(entity)
            if not ok:
                continue
            if place_noun is not None and "Plur" in place_noun.morph.get("Number"):
                hosts = [e for e in self.entities(phrase_tokens(place_noun)) if e["label"] == "LOC"]
                if len(hosts) > 1:
                    return None, hosts
            return entity, []
        return None, []

    def _topic_of(self, mention: dict, trigger: Token) -> bool:
        """Whether a name is what an event noun is about ("un sommet sur la Libye"), not where it is."""
        span = self._span(mention)
        if not span or _is_verb(trigger):
            return False
        token = span.root
        while token.head.i != token.i and token.head.i != trigger.i and _case(token) is None:
            token = token.head
        return token.head.i == trigger.i and _case(token) in self.args["topic_prepositions"]

    # -- when

    def _not_event_date(self, span, predicate: Token, trigger: Token) -> bool:
        """A date inside a phrase that gives a starting point or a bound ("depuis l'établissement ... il y a
        31 ans", "avant le 6 mai") is not the date of the event, unless the bound is the event itself
        ("depuis l'élection de X, en mars 2016"); nor is the date of a dateline ("PARIS, 20 décembre –")."""
        if self._in_dateline(span):
            return True
        words = self.args["not_date_prepositions"]
        before = self.doc[span.start - 1] if span.start > 0 else None
        if _word(span[0]) in words or (before is not None and _word(before) in words):
            return True
        for ancestor in span.root.ancestors:
            if ancestor is predicate or ancestor is trigger:
                break
            if _case(ancestor) in words:
                return True
        return False

    def _in_dateline(self, span) -> bool:
        """Whether a date is the dateline's, at the head of a paragraph before a dash ("PARIS, 20 décembre –")."""
        text = self.doc.text
        line_start = text.rfind("\n", 0, span.start_char) + 1
        return span.start_char - line_start <= self.args["dateline_reach"] \
            and re.match(self.args["dateline_end"], text[span.end_char:span.end_char + 60]) is not None

    def when(self, mention: Mention) -> tuple[dict | None, str | None, str | None]:
        """The date of the event: a temporal expression in its clause; the document date when the clause
        reports the event as today's news; else nothing."""
        clause_ids = {t.i for t in mention.clause}
        attached = {t.i for t in phrase_tokens(mention.predicate)} | {t.i for t in phrase_tokens(mention.trigger)}
        found = []
        for timex in self.timexes:
            span = self.doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
            if span is None or span.start not in clause_ids:
                continue
            if self._not_event_date(span, mention.predicate, mention.trigger):
                continue
            found.append((timex, span))
        if not found and not _is_verb(mention.trigger):
            # "depuis l'élection de X, en mars 2016": a date set off right after the noun's phrase is its own
            after = max(t.i for t in phrase_tokens(mention.trigger) if not t.is_punct) + 1
            for timex in self.timexes:
                span = self.doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
                gap = self.doc[after:span.start] if span is not None and span.start >= after else None
                if gap is not None and len(gap) <= 2 and gap[:1].text == "," \
                        and all(t.is_punct or t.pos_ in {"ADP", "DET"} for t in gap):
                    found.append((timex, span))
        if not found and mention.mode == "setting" and _is_verb(mention.predicate) and not any(
                c.dep_ == "det" and "Definite=Def" in c.morph and "Poss=Yes" not in c.morph for c in mention.trigger.children):
            # "X a annoncé le 4 décembre, lors d'une visite en Angola, ...", "lors de sa visite à Abidjan, X a
            # annoncé mardi": the event around a statement includes the statement's day (a date the parse hangs on
            # the statement's verb itself); "à l'occasion de la visite d'État de quatre jours" names one told apart
            for timex in self.timexes:
                span = self.doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
                if span is not None and span.root.head.i == mention.predicate.i and span.root.i != mention.trigger.i \
                        and not self._not_event_date(span, mention.predicate, mention.predicate):
                    found.append((timex, span))
        if not found and mention.mode in {"verb", "occurs", "light"} and mention.predicate.dep_ == "ROOT":
            # "Un accord a été conclu entre X, représentée par Y, et Z, le 5 septembre.": a date set off by a
            # comma at the very end of the sentence is the main verb's, wherever the parser hangs it
            sent = self.sent(mention.predicate)
            for timex in self.timexes:
                span = self.doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
                if span is None or not sent.start < span.start < sent.end or span.start <= mention.predicate.i:
                    continue
                lead = list(self.doc[max(sent.start, span.start - 3):span.start])
                while lead and lead[-1].pos_ in {"ADP", "DET"}:
                    lead.pop()
                rest = self.doc[span.end:sent.end]
                if lead and lead[-1].text == "," and all(t.is_punct or t.is_space for t in rest) \
                        and not self._not_event_date(span, mention.predicate, mention.trigger):
                    found.append((timex, span))
        if not found and mention.predicate.dep_ == "conj" and _is_verb(mention.predicate.head) \
                and mention.predicate.head.i < mention.predicate.i:
            # "lundi, il s'est entretenu avec X, puis a reçu Y": the first verb's date holds for the second
            own = {t.i for t in mention.predicate.subtree}
            head_ids = {t.i for t in phrase_tokens(mention.predicate.head) if t.i not in own}
            for timex in self.timexes:
                span = self.doc.char_span(timex["start"], timex["end"], alignment_mode="expand")
                if span is not None and span.start in head_ids and not self._not_event_date(span, mention.predicate.head, mention.predicate.head):
                    found.append((timex, span))
        # a date the parse attaches to the clause first, then one in a cut-off piece of the sentence
        found.sort(key=lambda pair: pair[1].start not in attached)
        today = _status_rules()["today_words"]
        for timex, span in found:
            value = timex.get("value")
            if fold(timex["text"]) in today and self.published is not None:
                return {"value": self.published.isoformat(), "text": timex["text"]}, timex["text"], "date:today-document"
            if value and not value.endswith("_REF"):
                return timex, timex["text"], "date:clause"
        return None, None, None

    # -- status

    def status(self, mention: Mention) -> str:
        rules = _status_rules()
        trigger = mention.trigger
        if any(_lemma(c) in rules["planned_modifiers"] or _word(c) in rules["planned_modifiers"]
               for c in trigger.children if c.dep_ in {"amod", "acl"}) \
                or any(_word(c) in rules["planned_modifiers"] for c in _setting_participles(trigger, frozenset())):
            return "planned"
        if _reduced_relative(trigger):
            return "occurred" if "Past" in trigger.morph.get("Tense") else "unknown"
        if _is_verb(mention.predicate) and _word(mention.predicate) in rules["planned_passives"] \
                and any(c.dep_ in {"aux:pass", "cop"} for c in mention.predicate.children):
            return "planned"
        chain = _chain(mention.predicate)
        if mention.predicate is not trigger:
            chain = [trigger, *[t for t in _chain(trigger) if t not in chain], *chain]
        chain += [s for s in _subjects(mention.predicate) if s.pos_ == "NOUN" and _lemma(s) in self.args["agent_nouns"]]
        for token in chain:
            if any(_word(c) in rules["unknown_marks"] and c.dep_ == "mark" for c in token.children):
                return "unknown"
            if token is not trigger and _lemma(token) in rules["unknown_lemmas"]:
                return "unknown"
            if token.dep_ == "ccomp" and _lemma(token.head) in rules["unknown_lemmas"]:
                return "unknown"
        for token in chain:
            if token is not trigger and _lemma(token) in rules["planned_lemmas"]:
                return "planned"
            verbs = [token, *[c for c in token.children if c.dep_.startswith("aux") or c.dep_ == "cop"]]
            if any(_is_verb(v) and ("Fut" in v.morph.get("Tense") or "Cnd" in v.morph.get("Mood")
                                    or rules["conditional_endings"].search(_word(v))) for v in verbs):
                return "planned"
            if (_is_verb(token) or any(c.dep_ == "cop" for c in token.children)) and _finite(token):
                return "occurred"
        return "occurred" if any(_is_verb(t) for t in chain) else "unknown"


def _reduced_relative(token: Token) -> bool:
    """A participle that qualifies a noun ("25 millions déjà annoncés", "les accords conclus")."""
    return token.pos_ == "VERB" and token.dep_ == "acl" and "Part" in token.morph.get("VerbForm") \
        and not any(c.dep_.startswith("aux") for c in token.children)


def _predicate(trigger: Token, article: _Article, label: str) -> tuple[Token, int, str]:
    """The word that states the event, how firmly it fixes date and place, and how the trigger hangs on it.

    Modes: `verb` (the trigger is the verb), `occurs` (a verb saying the event took place: "la réunion a eu
    lieu"), `light` (the noun is the object of a verb: "ont tenu un sommet", "a annoncé un financement"),
    `subject` (the noun is the subject of another verb), `setting` (a noun in a phrase around another
    statement: "lors de la réunion, X a dit"), `noun` (no verb governs it).
    """
    args = article.args
    occurs = args["occurrence_verbs"] | (args["phase_verbs"] if label in args["phase_dated_types"] else frozenset())
    if _is_verb(trigger):
        if trigger.dep_ in {"cop", "aux", "aux:pass"} and trigger.head is not trigger:
            return trigger.head, PRIORITY_VERB, "verb"
        return trigger, PRIORITY_OCCURS if _lemma(trigger) in occurs else PRIORITY_VERB, "verb"
    if trigger.dep_ == "conj" and article.timex_at(trigger.head) is not None and _is_verb(trigger.head.head) \
            and trigger.head.dep_.startswith("obl"):
        # "a eu mercredi un entretien avec X": the parser joins the object to the date before it
        return trigger.head.head, PRIORITY_VERB, "light"
    if trigger.dep_ in {"nsubj", "nsubj:pass"}:
        head = trigger.head
        return (head, PRIORITY_OCCURS, "occurs") if _lemma(head) in occurs else (head, PRIORITY_NOUN, "subject")
    for child in trigger.children:
        if child.dep_ == "acl:relcl" and _is_verb(child) and _lemma(child) in occurs:
            return child, PRIORITY_OCCURS, "occurs"
    sent = trigger.sent
    # "au sommet « X », qui se tiendra le 6 novembre": the parser often hangs the relative elsewhere
    for token in trigger.doc[trigger.right_edge.i + 1:sent.end]:
        if _is_verb(token) and not token.dep_.startswith("aux"):
            if _lemma(token) in occurs and any(_word(c) == "qui" for c in token.children):
                return token, PRIORITY_OCCURS, "occurs"
            break
    if _is_verb(trigger.head) and (trigger.dep_ in {"obj", "xcomp"} or _lemma(trigger.head) in args["result_verbs"]):
        return trigger.head, PRIORITY_VERB, "light"
    current = trigger
    for _ in range(4):
        if current.head is current:
            break
        if current.dep_ in {"obj", "xcomp"} and _is_verb(current.head) and current is not trigger \
                and current.pos_ in {"NOUN", "PROPN"}:
            return current.head, PRIORITY_VERB, "light"
        case = _case(current)
        current = current.head
        if _is_verb(current):
            markers = [trigger.head, *[c for c in trigger.head.children if c.dep_ in {"advmod", "case", "fixed"}],
                       *[c for c in trigger.children if c.dep_ in {"advmod", "case", "fixed"}]]
            if _lemma(current) in args["joining_verbs"] and case in args["recipient_prepositions"]:
                # "X a participé hier à Djeddah au sommet": the verb's clause dates and places the event
                return current, PRIORITY_VERB, "light"
            if _lemma(current) in args["travel_verbs"] and (case in args["purpose_prepositions"]
                                                            or any(_word(c) in args["purpose_prepositions"] for c in markers)) \
                    and any(s.pos_ == "PRON" or article.phrase_entities(s) for s in _subjects(current)):
                # "X est arrivé lundi à Dakar pour une visite": the traveller, day and place of the verb are the event's
                return current, PRIORITY_VERB, "light"
            setting = case in args["setting_prepositions"] or _lemma(current) in args["joining_verbs"] \
                or any(_word(c) in args["setting_prepositions"] for c in markers)
            return current, PRIORITY_NOUN, "setting" if setting else "noun"
    # the parser sometimes cuts a sentence in two ("ont tenu mardi dans la capitale kazakhe | Astana le sommet")
    whole = article.sent(trigger)
    if not any(_is_verb(t) for t in sent) and whole.start < sent.start:
        verbs = [t for t in trigger.doc[whole.start:sent.start] if _is_verb(t) and not t.dep_.startswith("aux")]
        if verbs:
            return verbs[-1], PRIORITY_VERB, "light"
    if not any(_is_verb(t) for t in sent) and whole.end > sent.end:
        # "Un mini-Sommet | sur la RDC, réunissant X, s'est ouvert vendredi": the verb saying it took place
        later = [t for t in trigger.doc[sent.end:whole.end] if _lemma(t) in occurs and _is_verb(t) and _finite(t)
                 and not t.dep_.startswith("aux") and not _subjects(t)[1:]]
        if later and not any(s.pos_ in {"NOUN", "PROPN"} for s in _subjects(later[0])):
            return later[0], PRIORITY_OCCURS, "occurs"
    return trigger, PRIORITY_NOUN, "noun"


def _setting_participles(trigger: Token, occurrence_verbs: frozenset) -> list[Token]:
    """Participles on an event noun that say when or where it takes place ("le sommet prévu le 9 février", "la
    réunion tenue à Rabat"), also when the parser hangs them on the noun's complement ("le sommet de l'Union
    africaine prévu demain")."""
    planned = _status_rules()["planned_modifiers"]
    phrase = [trigger, *[t for t in phrase_tokens(trigger) if t.i != trigger.i and t.dep_ == "nmod"]]
    return [c for t in phrase for c in t.children if c.dep_ == "acl" and _is_verb(c)
            and (_word(c) in planned or (t.i == trigger.i and _lemma(c) in occurrence_verbs))]


def _clause(article: _Article, trigger: Token, predicate: Token, mode: str) -> list[Token]:
    """The words that state the event: the verb's clause, or only the noun's phrase when the verb says
    something else about it ("avant la visite de X, le ministère a indiqué ..."); a participle on the noun that
    says when or where it takes place belongs to it ("le sommet prévu le 9 février", "la réunion tenue à Rabat")."""
    tokens = {t.i: t for t in phrase_tokens(trigger)}
    for child in _setting_participles(trigger, article.args["occurrence_verbs"]):
        tokens.update({t.i: t for t in phrase_tokens(child)})
    if mode in {"verb", "occurs", "light"}:
        tokens.update({t.i: t for t in phrase_tokens(predicate)})
        if predicate.sent != trigger.sent:
            tokens.update({t.i: t for t in trigger.sent})
        for fragment in _fragments(article, predicate):
            tokens.update({t.i: t for t in fragment})
    return [t for _, t in sorted(tokens.items()) if not t.is_space and not (t.is_punct and t.text not in {"»", "\""})]


def _fragments(article: _Article, predicate: Token) -> list:
    """Verbless pieces the parser cut off the predicate's sentence ("Mardi | à Astana, X a rencontré Y")."""
    whole, own, out = article.sent(predicate), predicate.sent, []
    i = whole.start
    while i < whole.end:
        piece = predicate.doc[i].sent
        if piece != own and not any(_is_verb(t) for t in piece) and len(piece) <= 12:
            out.append(piece[max(0, whole.start - piece.start):min(len(piece), whole.end - piece.start)])
        i = piece.end
    return out


def _anaphoric(trigger: Token, article: _Article) -> bool | str:
    """A noun that refers back to an event already told: definite, demonstrative ("demonstrative": it
    refers back whatever its tense) or possessive; a participle on the thing it names ("les accords
    conclus") refers back too. "Une autre réunion", "un nouveau financement" start a new event."""
    governors = [trigger, *[t for t in _chain(trigger)[1:] if _lemma(t) in article.args["agent_nouns"]]]
    if any(_lemma(c) in article.args["distinct_modifiers"] for g in governors for c in g.children if c.dep_ in {"amod", "det"}):
        return False
    if _is_verb(trigger):
        return trigger.dep_ == "acl" and "Part" in trigger.morph.get("VerbForm") and trigger.head.pos_ == "NOUN" \
            and any(c.dep_ == "det" and "Def=Def" in c.morph for c in trigger.head.children)
    for child in trigger.children:
        if child.dep_ == "det" and "PronType=Dem" in child.morph or _word(child) in {"ce", "cette", "ces", "cet"}:
            return "demonstrative"
        if child.dep_ == "det":
            definite = "Def=Def" in child.morph or "PronType=Dem" in child.morph or "Poss=Yes" in child.morph
            return definite or _word(child) in {"le", "la", "les", "l'", "ce", "cette", "ces", "cet"}
    case = _case(trigger)
    return case in {"du", "au", "aux", "des"}


def _indefinite(token: Token) -> bool:
    """A noun brought in as new: an indefinite article or a numeral ("des accords", "trois accords"), read from
    the word before it too (the parser takes many a "des" for "de les")."""
    before = token.nbor(-1) if token.i > 0 else None
    return any(c.dep_ == "det" and "Definite=Ind" in c.morph or c.dep_ == "nummod" for c in token.children) \
        or before is not None and (_word(before) in _arguments()["indefinite_determiners"] or before.like_num)


def _ordinal(trigger: Token) -> str | None:
    """The rank that tells an event of a series apart ("le IIe sommet"); none when the rank only presents the
    event told as a first for someone ("sa première visite en Guinée", "il s'agit de la première visite de X")."""
    args = _arguments()
    ordinals = args["ordinals"]
    if any(c.dep_ == "det" and "Poss=Yes" in c.morph for c in trigger.children) \
            or (trigger.head is not trigger and _lemma(trigger.head) in args["presenting_verbs"]):
        return None
    for child in trigger.children:
        if child.dep_ in {"amod", "nummod", "nmod"} and (_word(child) in ordinals or _lemma(child) in ordinals):
            return _lemma(child)
    previous = trigger.nbor(-1) if trigger.i > 0 else None
    if previous is not None and _word(previous) in ordinals:
        return _word(previous)
    return None


def _is_predicate_nominal(trigger: Token) -> bool:
    """"Le C5+1 est un sommet": a noun that classifies something rather than telling an event."""
    children = list(trigger.children)
    return any(c.dep_ == "cop" for c in children) and any(c.dep_ == "nsubj" for c in children) \
        and not any(c.dep_ == "case" for c in children)  # "X est en visite à Pékin" tells an event


def _people(article: _Article, token: Token, offset: int) -> tuple[list[dict], bool | int]:
    """Entities of a subject or object phrase (people first); a pronoun stands for the last person named.

    The flag says the phrase names nobody and refers back (plural pronoun or plural common noun)."""
    if token.pos_ == "PRON":
        word = _word(token)
        if word in {"qui", "que", "lequel", "laquelle"} and token.head.dep_ in {"acl:relcl", "acl"}:
            return article.phrase_entities(token.head.head), False
        if "Plur" in token.morph.get("Number") or word in {"ils", "elles", "-ils", "-elles"}:
            return [], True
        if word in {"il", "elle", "-il", "-elle"}:
            # the person who did the last event, when told in this sentence or the one before; else the last
            # named; never one whose first name is of the other gender
            gender = "f" if "elle" in word else "m"
            recent = article.agents[-1] if article.agents else None
            if recent is not None and _sentences_between(article, recent[0], token) <= 1 \
                    and mention_gender(recent[1]) in {gender, None}:
                return [recent[1]], False
            found = article.index.antecedent(offset, gender=gender)
            return ([found] if found else []), False
        return [], False
    found = article.phrase_entities(token)
    if not found and token.pos_ == "NOUN" and "Plur" in token.morph.get("Number"):
        count = _numeral(token)
        if count and _lemma(token) in article.args["group_people_nouns"]:
            return [], count  # "les deux dirigeants": the people of the last event with that many
        return [], True
    return found, False


def _appositive_person(article: _Article, token: Token) -> dict | None:
    """The person a title phrase names beside it, cut off by the parser: "Xi Jinping, le président de la
    Chine, a présidé", "a reçu la présidente de la Confédération suisse, Doris Leuthard"."""
    if _lemma(token) not in article.args["offices"] and _word(token) not in article.args["offices"]:
        return None
    doc = token.doc
    left, right = token.left_edge.i - 1, max(t.i for t in phrase_tokens(token)) + 1
    if left > 0 and doc[left].text == ",":
        named = article.index.of(doc[left - 1])
        if named is not None and named["label"] == "PER":
            return named
    if right + 1 < len(doc) and doc[right].text == ",":
        named = article.index.of(doc[right + 1])
        if named is not None and named["label"] == "PER" and named.get("role") and named["start"] == doc[right + 1].idx:
            return named
    return None


def _head_entity(article: _Article, token: Token, labels=("ORG", "MISC")) -> list[dict]:
    """The entity a phrase is about: the one its head word belongs to."""
    found = article.entities([token])
    return [e for e in found if e["label"] in labels][:1]


def _sentence_opener(article: _Article, trigger: Token) -> Token | None:
    """The main verb a participle opening the sentence hangs on ("Arrivé lundi à Rabat, X a signé"), if any."""
    sent = article.sent(trigger)
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is None or first.i != trigger.i or any(c.dep_.startswith("nsubj") for c in trigger.children):
        return None
    head = trigger.head
    # a name the tagger takes for a verb ("Narendra a visité") is not the main verb: go up to its own verb
    while head.head.i != head.i and (head.i < trigger.i or article.index.of(head) is not None):
        head = head.head
    return head if _is_verb(head) and head.i > trigger.i and article.index.of(head) is None else None


def _guests(article: _Article, verb: Token) -> list[dict]:
    """The people a host verb welcomes: its object, else the person or titled person first named after it
    ("a reçu lundi à Rabat le président sénégalais Macky Sall")."""
    args = article.args
    guests = [e for c in verb.children if c.dep_ == "obj" for e in article.phrase_entities(c) if e["label"] == "PER"]
    if guests:
        return guests
    token = article.object_after(verb, args["offices"] | args["ministerial_titles"])
    if token is None:
        return []
    if "Plur" in token.morph.get("Number") and _lemma(token) in args["offices"] | args["ministerial_titles"]:
        # "a rencontré jeudi ses homologues de Guinée-Bissau, X, et du Libéria, Y": everyone named after the title
        after = [t for t in article._words_after(verb, reach=article.sent(verb).end - verb.i) if t.i > token.i]
        people = [m for m in article.entities(after) if m["label"] == "PER"]
        if people:
            return people
    found = article.index.of(token)
    if found is None or found["label"] != "PER":
        found = _appositive_person(article, token) or next(
            (m for m in article.entities(phrase_tokens(token)) if m["label"] == "PER"), None)
    return [found] if found is not None else []


def _controlling_object(article: _Article, verb: Token) -> list[dict]:
    """Who an infinitive's action falls to after a verb like "inviter X à": X, not the subject ("Erdogan a invité
    Vladimir Poutine à se rendre en Turquie"), also when the parser hangs the infinitive on X."""
    if "Inf" not in verb.morph.get("VerbForm"):
        return []
    head = verb.head
    if verb.dep_ == "acl" and head.dep_ == "obj" and _lemma(head.head) in article.args["object_control_verbs"]:
        return article.phrase_entities(head)
    if verb.dep_ in {"xcomp", "advcl"} and _lemma(head) in article.args["object_control_verbs"]:
        return [e for c in head.children if c.dep_ == "obj" for e in article.phrase_entities(c)]
    return []


def _actor(article: _Article, mention: Mention) -> tuple[list[dict], str, bool]:
    """Who does the event: the verb's subject (through control verbs and "l'intention de"), the announcer
    of an announced event when a person, "de X" on the noun; and whether the subject refers back to the
    people of an earlier event ("les visiteurs", "ils")."""
    args = article.args
    trigger, predicate = mention.trigger, mention.predicate
    role = "host" if _lemma(predicate) in args["host_verbs"] and trigger is not predicate else "agent"
    if mention.label == "visit" and _is_verb(trigger) and _lemma(trigger) in args["host_verbs"]:
        # "X a accueilli à l'aéroport de Y son homologue Z": the one welcomed made the visit
        guests = _guests(article, trigger)
        if guests:
            return guests, "agent", False
    invited = _controlling_object(article, predicate)
    if invited:
        return invited, "agent", False
    opener = _sentence_opener(article, trigger)
    if opener is not None and mention.label in {"visit", "election", "founding"}:
        # "Arrivée la veille à Montevideo, Ursula von der Leyen a ...": the main clause's subject did it;
        # "Créé en 1991, le Mercosur ...": it is what was founded
        for subject in _subjects(opener)[:1]:
            found, _ = _people(article, subject, subject.idx)
            if found:
                return found, "target" if mention.label == "founding" else "agent", False
    if mention.mode in {"verb", "light", "setting"} and not _reduced_relative(trigger):
        for token in [predicate, *_chain(predicate)[1:]]:
            subjects = [s for s in _subjects(token) if s is not trigger]
            if not subjects and _is_verb(token) and _finite(token):
                found = _surface_subject(article, token)
                if found:
                    return found, role, False
            if subjects and subjects[0].pos_ == "NOUN" and _lemma(subjects[0]) in args["agent_nouns"]:
                break
            if subjects:
                found, refers_back = _people(article, subjects[0], subjects[0].idx)
                for subject in subjects[1:]:
                    found = found + _people(article, subject, subject.idx)[0]
                if token.dep_ == "ccomp" and _lemma(token.head) in args["announcing_verbs"]:
                    for announcer in _subjects(token.head)[:1]:
                        people = [p for p in _people(article, announcer, announcer.idx)[0] if p["label"] == "PER"]
                        found = people or found
                if mention.label in {"founding", "agreement", "election"} and subjects[0].dep_ == "nsubj:pass":
                    if mention.label == "founding":
                        # what was founded is one thing: the name at the subject's head, else its first name
                        found = (_head_entity(article, subjects[0], ("ORG", "MISC", "LOC", "PER")) or found)[:1]
                    return found, "target" if mention.label != "election" else "agent", False
                return found, role, refers_back if not found else False
            if token.pos_ == "NOUN" and _lemma(token) in args["agent_nouns"]:
                break
    governors = [trigger, *_chain(trigger)[1:], *[s for s in _subjects(predicate) if s.pos_ == "NOUN"]]
    for token in governors:
        if token.pos_ != "NOUN" or (token is not trigger and _lemma(token) not in args["agent_nouns"]):
            continue
        if token is trigger and mention.label in {"founding", "agreement"}:
            continue  # "la création de X": X is what is founded
        for child in token.children:
            if child.dep_ == "nmod" and _case(child) in args["genitive_prepositions"]:
                found = [e for e in article.phrase_entities(child)
                         if e["label"] != "LOC" or mention.label not in {"meeting", "summit", "visit"}]
                if found:
                    hosting = _lemma(token) in args["host_nouns"] and mention.label != "invitation"
                    return found, "host" if hosting else "agent", False
            if child.dep_ == "det" and "Poss=Yes" in child.morph and "Plur" in child.morph.get("Number"):
                return [], "agent", True
    return [], "agent", False


def _participants(article: _Article, mention: Mention) -> list[tuple[dict, str, bool]]:
    """(entity, role, explicit) for every entity the clause names as taking part."""
    args = article.args
    trigger, predicate = mention.trigger, mention.predicate
    out: list[tuple[dict, str]] = []
    actor, role, refers_back = _actor(article, mention)
    mention.inherits = refers_back
    out += [(e, role) for e in actor]
    for child in predicate.children:  # "à l'initiative de X", "par X"
        if child.dep_ == "obl:agent" or (_lemma(child) in args["agent_nouns"] and child.dep_.startswith("obl")):
            # "a été accueilli à l'aéroport par X": who welcomes is the host
            by_host = (child.dep_ == "obl:agent" and _lemma(predicate) in args["host_verbs"] and mention.label == "visit") \
                or _lemma(child) in args["host_nouns"]  # "arrivé sur invitation de X": X receives
            out += [(e, "host" if by_host else "agent") for e in article.phrase_entities(child)]
    if mention.label == "invitation" and not any(c.dep_.startswith("nsubj") for c in trigger.children):
        # "Invité par Riyad, Volodymyr Zelensky a atterri": the inviter after "par", the guest is the
        # subject of the clause the participle opens
        out += [(e, "agent") for c in trigger.children if _case(c) in args["agent_prepositions"] and c.dep_ != "obl:agent"
                for e in article.phrase_entities(c)]
        if trigger.dep_ in {"obl:mod", "advcl", "acl", "nmod"} and _is_verb(trigger.head) and trigger.i < trigger.head.i:
            out += [(e, "participant") for s in _subjects(trigger.head)[:1] for e in _people(article, s, s.idx)[0]]
    heads = [trigger] + ([predicate] if mention.mode in {"verb", "light", "occurs"} and predicate is not trigger else [])
    for head in heads:
        for child in head.children:
            if child is trigger:
                continue
            case = _case(child)
            if case in args["companion_prepositions"]:
                out += [(e, "participant") for e in article.phrase_entities(child)]
            elif child.dep_ == "obj" and head is trigger and _is_verb(trigger) and mention.label in {"meeting", "invitation", "summit"}:
                # objects the parser split ("a reçu le président de la Banque X, Maeda Tadashi"): people first
                found = article.phrase_entities(child)
                siblings = [c for c in head.children if c.dep_ == "obj" and c is not child]
                if siblings and not any(e["label"] == "PER" for e in found) \
                        and any(e["label"] == "PER" for c in siblings for e in article.phrase_entities(c)):
                    found = []
                out += [(e, "participant") for e in found]
            elif child.dep_ in {"obj", "nsubj:pass", "nmod"} and mention.label in {"founding", "agreement"}:
                out += [(e, "target") for e in _head_entity(article, child)]
            elif mention.label == "aid" and case in args["recipient_prepositions"] and child.dep_ != "obl:mod":
                out += [(e, "recipient") for e in article.phrase_entities(child)]
            elif mention.rule_id == "meeting.verb.dire-a-personne" and case in {"à", "au", "aux"}:
                out += [(e, "participant") for e in article.phrase_entities(child) if e["label"] == "PER"]
    if mention.label == "meeting" and _is_verb(trigger) and (_lemma(trigger) in args["host_verbs"] or (
            "party" in mention.requires and not any(r == "participant" for _, r in out))):
        out += [(e, "participant") for e in _guests(article, trigger)]  # also when the parser hung the guest elsewhere
    if "event_subject" in mention.requires:
        # "l'événement avait réuni X, Y et Z": everyone the clause names took part
        subject_ids = {t.i for s in _subjects(trigger) for t in phrase_tokens(s)}
        named = article.entities([t for t in mention.clause if t.i not in subject_ids])
        out += [(e, "participant") for e in people_first([e for e in named if e["label"] in args["participant_labels"]])]
    if mention.label == "election" and not out and predicate.dep_ in {"acl:relcl", "acl"}:
        out += [(e, "agent") for e in article.phrase_entities(predicate.head)]
    if mention.label == "election" and not out and trigger.i > 1 and trigger.nbor(-1).text == ",":
        # "Pour Lula, revenu au pouvoir en 2023, ...": the person the participle stands beside
        named = article.index.of(trigger.nbor(-2))
        out += [(named, "agent")] if named is not None and named["label"] == "PER" else []
    if mention.label == "founding" and trigger.pos_ == "NOUN" and not any(r == "target" for _, r in out) \
            and any(c.dep_ == "det" and "Poss=Yes" in c.morph for c in trigger.children) and _is_verb(predicate):
        # "depuis sa création, le format C5+1 est devenu ...": the possessive is the clause's subject
        for subject in _subjects(predicate)[:1]:
            out += [(e, "target") for e in article.entities(phrase_tokens(subject)) if e["label"] in {"ORG", "MISC"}][:1]
    if mention.label == "founding" and trigger.pos_ == "VERB" and trigger.dep_ in {"acl:relcl", "acl"}:
        out += [(e, "target") for e in _head_entity(article, trigger.head)]
    out += [(e, "recipient") for e in article.recipients(mention)]
    if mention.label == "aid" and trigger.dep_ in {"acl", "acl:relcl"} and article.amount_at(trigger.head) and not actor:
        governor = trigger.head.head
        for subject in (_subjects(governor) if _is_verb(governor) else [])[:1]:
            out += [(e, "agent") for e in _people(article, subject, subject.idx)[0]]
    seen, unique = set(), []
    for entity, role in out:
        if entity is mention.location or entity["entity_id"] in seen:
            continue
        if mention.label in args["placed_types"] and role == "agent" and entity["label"] == "LOC" \
                and article._locative_before(entity)[0]:
            continue  # "Le président X, arrivé vendredi à Conakry, effectue une visite": Conakry is where, not who
        if role not in {"target", "recipient"} and entity["label"] not in args["participant_labels"]:
            continue
        seen.add(entity["entity_id"])
        unique.append((entity, role, True))
    return unique


def _election_place(article: _Article, mention: Mention) -> dict | None:
    offices = article.args["offices"]
    for token in mention.clause:
        if _lemma(token) in offices:
            for child in token.children:
                if child.dep_ == "nmod":
                    found = [e for e in article.entities(phrase_tokens(child)) if e["label"] == "LOC"]
                    if found:
                        return found[0]
    return None


def _mentions(article: _Article) -> list[Mention]:
    doc = article.doc
    rows = _triggers()
    spans = []
    for match_id, start, end in _matcher(doc.vocab)(doc):
        span = doc[start:end]
        span.label_ = doc.vocab.strings[match_id]
        spans.append(span)
    found = []
    by_start: dict[int, list] = {}
    for span in spans:
        by_start.setdefault((span.start, span.end), []).append(int(span.label_))
    for span in filter_spans(spans):
        trigger = next((t for t in span if t.pos_ in {"NOUN", "VERB", "PROPN", "AUX"}), span[0])
        for row_index in by_start[(span.start, span.end)]:
            row = rows[row_index]
            if row.get("blocks"):
                break  # a longer phrase that is no event ("au sommet de l'État")
            if not all(article.meets(r, trigger) for r in row.get("requires", [])):
                continue
            if not _is_verb(trigger) and _is_predicate_nominal(trigger):
                continue
            predicate, priority, mode = _predicate(trigger, article, row["label"])
            # "le sommet X est un dialogue entre ...": a definition adds to an event told, never starts one
            defining = trigger.dep_ == "nsubj" and any(c.dep_ == "cop" for c in trigger.head.children) \
                and trigger.head.pos_ == "NOUN"
            mention = Mention(label=row["label"], rule_id=row["id"], trigger=trigger, predicate=predicate,
                              clause=_clause(article, trigger, predicate, mode),
                              merge_only=bool(row.get("merge_only")) or defining, firm=bool(row.get("firm")),
                              part_of_last=bool(row.get("part_of_last")),
                              requires=tuple(row.get("requires", ())),
                              anaphoric=_anaphoric(trigger, article), ordinal=_ordinal(trigger), priority=priority,
                              mode=mode)
            if not mention.clause:
                continue
            found.append(mention)
            break
    found.sort(key=lambda m: m.trigger.i)
    return found


def _fill(article: _Article, mention: Mention) -> None:
    mention.status = article.status(mention)
    if mention.label == "agreement":
        mention.document, mention.new_document = article.document(mention.trigger)
    mention.date, mention.date_text, mention.date_rule = article.when(mention)
    # an invitation's "à Washington" is where the guests are to go, not where they were invited
    location, hosts = article.where(mention) if mention.label != "invitation" else (None, [])
    if mention.label == "election" and location is None:
        location = _election_place(article, mention)
    mention.location = location
    mention.participants = _participants(article, mention)
    mention.participants += [(h, "host", True) for h in hosts if all(h is not p for p, _, _ in mention.participants)]
    if mention.label == "summit" and _ministers_without_leader(article, mention.predicate):
        mention.label = "meeting"  # ministers meet; a "Premier ministre" goes to summits
    for token in [mention.trigger.head, mention.trigger, *mention.clause]:
        amount = article.amount_at(token) if token is not mention.trigger.head else (
            article.amount_at(token) or article.relative_amount(mention.trigger))
        if amount is not None and amount.get("event_id") is None:
            mention.amount = amount
            break


# ---------------------------------------------------------------- events


@dataclass
class _Event:
    mentions: list[Mention]
    label: str
    status: str
    date: tuple[int, dict | None, str | None, str | None] = (0, None, None, None)
    location: tuple[int, dict | None] = (0, None)
    participants: dict[str, tuple[dict, str, bool]] = field(default_factory=dict)
    amount: dict | None = None

    @property
    def first(self) -> Mention:
        return self.mentions[0]

    def entity_ids(self, *, explicit_only: bool = False, labels=None) -> set[str]:
        return {eid for eid, (entity, _, explicit) in self.participants.items()
                if (explicit or not explicit_only) and (labels is None or entity["label"] in labels)}

    def absorb(self, mention: Mention, *, take_place: bool = True) -> None:
        self.mentions.append(mention)
        firm = [m for m in self.mentions if m.mode not in {"setting", "noun"} and not m.merge_only]
        if mention.mode not in {"setting", "noun"} and not mention.merge_only and (self.status == "unknown" or len(firm) == 1):
            self.status = mention.status
        elif not firm and self.status == "unknown":
            self.status = mention.status
        if mention.date is not None and (take_place or self.date[1] is None) and mention.priority > self.date[0]:
            self.date = (mention.priority, mention.date, mention.date_text, mention.date_rule)
        if mention.location is not None and (take_place or self.location[1] is None) and mention.priority > self.location[0]:
            self.location = (mention.priority, mention.location)
        for entity, role, explicit in mention.participants:
            self.participants.setdefault(entity["entity_id"], (entity, role, explicit))
        self.amount = self.amount or mention.amount


def _compatible(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _arguments()["compatible_types"])


def _conflicts(event: _Event, mention: Mention) -> bool:
    if event.status in {"planned", "occurred"} and mention.status in {"planned", "occurred"} \
            and event.status != mention.status and not mention.merge_only and mention.anaphoric != "demonstrative" \
            and mention.mode not in {"setting", "noun"}:
        return True
    targets = {e["entity_id"] for e, role, _ in mention.participants if role == "target"}
    known = {eid for eid, (_, role, _) in event.participants.items() if role == "target"}
    if targets and not targets & known:
        return True
    documents = {m.document for m in event.mentions if m.document}
    if mention.new_document and documents and mention.document not in documents:
        return True  # "ont adopté une déclaration" then "ont signé des accords": two agreements
    ordinals = {m.ordinal for m in event.mentions if m.ordinal}
    if mention.ordinal and mention.ordinal not in ordinals:
        return True
    if mention.merge_only:
        return False
    if mention.amount is not None and event.amount is not None and mention.amount is not event.amount \
            and (mention.amount.get("value"), mention.amount.get("currency")) != (event.amount.get("value"), event.amount.get("currency")):
        # two sums differ; the same sum told again (a headline, then the body) does not tell the event apart
        return True
    # a date or place only conflicts with one told as firmly (a headline's "sommet en Asie centrale" gives
    # way to "elle s'est tenue à New York")
    if mention.priority == PRIORITY_NOUN:
        return False  # a noun alone ("de réunions en Asie centrale") does not tell its event apart
    if mention.date is not None and event.date[1] is not None and event.date[0] >= mention.priority \
            and mention.date.get("value") != event.date[1].get("value"):
        return True
    if mention.location is not None and event.location[1] is not None and event.location[0] >= mention.priority \
            and mention.location["entity_id"] != event.location[1]["entity_id"]:
        return True
    return False


def _retold_headline(event: _Event, mention: Mention, article: _Article) -> bool:
    """Whether a mention in the body tells again an event only the headline told, at the same place ("Le PM
    achève sa visite au Japon" / "Arrivé vendredi au Japon sur invitation de X, ..."): the body may name
    people the headline left out, but not another one who does it."""
    title_end = article.doc.text.find("\n")
    agents = {e["entity_id"] for e, role, _ in mention.participants if role == "agent" and e["label"] == "PER"}
    known = event.entity_ids(labels={"PER"})
    return mention.label == event.label and 0 < title_end < mention.trigger.idx and not (known and agents - known) \
        and all(m.trigger.idx < title_end for m in event.mentions) \
        and mention.location is not None and event.location[1] is not None \
        and mention.location["entity_id"] == event.location[1]["entity_id"]


def _same_event(event: _Event, mention: Mention, article: _Article) -> bool:
    """Whether a mention tells again an event already found in the article."""
    if not _compatible(event.label, mention.label) or _conflicts(event, mention):
        return False
    if mention.label == "summit" and event.label == "meeting" and not mention.merge_only \
            and not any(m.rule_id.startswith("summit") for m in event.mentions):
        return False  # "le prochain sommet" is not the talks told before
    if mention.merge_only or mention.anaphoric:
        return True
    if _retold_headline(event, mention, article):
        return True
    # a verb or an indefinite noun: the same event only when it shares who or where, and adds no new person
    people = {e["entity_id"] for e, _, x in mention.participants if x and e["label"] == "PER"}
    if event.entity_ids(labels={"PER"}) and people - event.entity_ids(labels={"PER"}):
        return False
    ancestors = set(t.i for t in mention.predicate.ancestors)
    linked = any(mention.predicate.i == m.predicate.i or m.predicate.i in ancestors or m.trigger.i in ancestors
                 for m in event.mentions)
    shared = {e["entity_id"] for e, _, x in mention.participants if x} & event.entity_ids(explicit_only=True)
    same_place = mention.location is not None and event.location[1] is not None
    nothing_own = not any(x for _, _, x in mention.participants) and mention.location is None and mention.date is None
    same_paragraph = "\n" not in article.doc.text[event.mentions[-1].trigger.idx:mention.trigger.idx]
    same_sum = mention.amount is not None and mention.amount is event.amount  # one sum told once is one event
    return linked or bool(shared) or same_place or same_sum or (nothing_own and same_paragraph)


def _sentences_between(article: _Article, a: Token, b: Token) -> int:
    """How many sentence starts lie between two tokens (0: the same sentence)."""
    return len({article.sent(t).start for t in a.doc[a.i:b.i + 1]}) - 1


def _merge(article: _Article, mentions: list[Mention]) -> list[_Event]:
    events: list[_Event] = []
    for mention in mentions:
        _fill(article, mention)
        if mention.inherits and not isinstance(mention.inherits, bool):
            # "les deux dirigeants": the people of the last event that has that many
            group = next((e for e in reversed(events) if len(e.entity_ids(labels={"PER"})) == mention.inherits
                          and _sentences_between(article, e.mentions[-1].trigger, mention.trigger) <= article.args["group_window"]), None)
            if group is not None:
                mention.participants += [(entity, "agent", False) for entity, _, _ in group.participants.values()
                                         if entity["label"] == "PER" and all(entity is not p for p, _, _ in mention.participants)]
        elif mention.inherits:
            previous = next((e for e in reversed(events)
                             if any(r in {"agent", "host"} for _, r, _ in e.participants.values())), None)
            if previous is not None and _sentences_between(article, previous.mentions[-1].trigger, mention.trigger) <= 2:
                mention.participants += [(entity, role, False) for entity, role, _ in previous.participants.values()
                                         if role in {"agent", "host"} and all(entity is not p for p, _, _ in mention.participants)]
        article.agents += [(mention.trigger, entity) for entity, role, _ in mention.participants
                           if role in {"agent", "host"} and entity["label"] == "PER"][:1]
        target = next((e for e in reversed(events) if _same_event(e, mention, article)), None)
        if mention.part_of_last:
            # a step of the event told before adds at most its date: its place and people are the step's
            last = next((e for e in reversed(events) if e.label == mention.label and e.status == mention.status), None)
            if last is not None:
                if last.date[1] is None and mention.date is not None:
                    last.date = (mention.priority, mention.date, mention.date_text, mention.date_rule)
                continue
        _log.debug("mention %s", (mention.label, mention.rule_id, repr(mention.trigger.text), mention.mode, mention.status,
                  mention.anaphoric, mention.ordinal, [(e["text"], r) for e, r, _ in mention.participants],
                  mention.location and mention.location["text"], mention.date and mention.date.get("value"),
                  "->", "merge" if target is not None else "new", target and events.index(target)))
        if target is not None:
            target.absorb(mention, take_place=not mention.merge_only or mention.priority == PRIORITY_OCCURS)
            continue
        if mention.merge_only:
            continue
        event = _Event([], mention.label, mention.status)
        event.absorb(mention)
        events.append(event)
    _share_across(article, events)
    # a noun alone, never told by a verb and with nobody, no place, no date and no sum, is not taken as an event
    # ("a pris part au sommet" tells that it took place); nor can it be the frame of another
    joining = article.args["joining_verbs"]
    kept = [e for e in events if any(m.firm or m.mode not in {"noun", "setting"} or m.mode == "setting" and _lemma(m.predicate) in joining
                                     for m in e.mentions)
            or e.participants or e.location[1] is not None or e.date[1] is not None or e.amount is not None]
    if _log.isEnabledFor(logging.DEBUG):
        kept_ids = {id(e) for e in kept}
        _log.debug("bare nouns dropped: %s", [(e.label, m.trigger.text, m.trigger.idx) for e in events
                                              if id(e) not in kept_ids for m in e.mentions])
    events = kept
    _share_frame(article, events)
    return events


def _share_across(article: _Article, events: list[_Event]) -> None:
    """Participants, place and date passed between linked events: the event an invitation is to gets
    the invitation's people; an agreement adopted at a meeting gets the meeting's people, place and date;
    two sums of one sentence ("N en plus des N promis à X") share their recipient."""
    for event in events:
        first = event.first
        span_ids = {t.i for m in event.mentions for t in m.clause}
        for other in events:
            if other is event:
                continue
            inside = any(m.trigger.i in span_ids for m in other.mentions)
            if event.label == "invitation" and inside and other.label != "invitation":
                for eid, (entity, role, explicit) in event.participants.items():
                    other.participants.setdefault(eid, (entity, "participant" if role != "agent" else role, explicit))
            if event.label == "agreement" and inside and other.label in {"meeting", "summit"}:
                for eid, value in other.participants.items():
                    event.participants.setdefault(eid, value)
                if event.location[1] is None:
                    event.location = other.location
                if event.date[1] is None:
                    event.date = other.date
            if event.label == other.label == "aid" and article.sent(first.trigger) == article.sent(other.first.trigger):
                for eid, (entity, role, explicit) in other.participants.items():
                    if role == "recipient":
                        event.participants.setdefault(eid, (entity, role, explicit))


def _frame_of(article: _Article, event: _Event, events: list[_Event]) -> _Event | None:
    """The event the clause of an event says it happened at, read from the words before its verb: a relative
    after a setting word ("le sommet, au cours duquel les dirigeants ont adopté") stands for the event named
    just before it in the sentence; "à cette occasion" for the last event told before."""
    args = article.args
    mention = next((m for m in event.mentions if m.mode not in {"noun", "setting"}), None)
    if mention is None:
        return None
    predicate = mention.predicate
    sent = article.sent(predicate)

    def last_told(before: int, since: int = 0) -> _Event | None:
        """The other event whose last mention between `since` and `before` comes last."""
        # an event told only as a bound ("depuis sa nomination") is background, not the occasion
        told = {id(e): max((m.trigger.i for m in e.mentions if since <= m.trigger.i < before
                            and _case(m.trigger) not in args["not_date_prepositions"]), default=None)
                for e in events if e is not event}
        candidates = [e for e in events if told.get(id(e)) is not None]
        return max(candidates, key=lambda e: told[id(e)]) if candidates else None

    where_word = next((c for c in predicate.children if _word(c) in args["place_relatives"]), None)
    if where_word is not None:
        # "s'est rendu mardi à Kiev, où il a rencontré X": the event told before "où" in the sentence
        inside = last_told(where_word.i, since=sent.start)
        if inside is not None:
            return inside
    # the frame stands before the verb, or after it in the verb's own phrase ("devraient être conclus à cette occasion")
    after = [t for t in phrase_tokens(predicate) if t.i > predicate.i]
    for token in [*predicate.doc[sent.start:predicate.i], *after]:
        before = predicate.doc[max(sent.start, token.i - 3):token.i]
        if token.i < predicate.i and _word(token) in args["frame_relatives"] and any(_word(t) in args["setting_prepositions"] for t in before):
            inside = last_told(token.i, since=sent.start)
            if inside is not None:
                return inside
        if _lemma(token) in args["frame_nouns"] and any("PronType=Dem" in t.morph or _word(t) in args["frame_determiners"]
                                                       for t in before[-1:]):
            earlier = last_told(token.i)
            if earlier is not None:
                return earlier
    return None


def _share_frame(article: _Article, events: list[_Event]) -> None:
    """An event told as happening at another ("au cours duquel", "à cette occasion") takes its date and place
    when its own clause gives none."""
    for event in events:
        frame = _frame_of(article, event, events)
        if frame is None:
            continue
        if event.date[1] is None and frame.date[1] is not None:
            event.date = frame.date
        if event.location[1] is None and frame.location[1] is not None:
            event.location = frame.location


def extract(doc: Doc, *, doc_id: str, mentions: list[dict], timexes: list[dict], amounts: list[dict],
            published=None, sentences: list[dict] | None = None) -> tuple[list[dict], list[dict]]:
    """Events (event rows with local entity ids) and their participants of one parsed article.

    Sets amount['event_id'] on the amounts it links. `sentences` are the rows of pipeline.nlp.sentences
    (found from the doc when not given).
    """
    article = _Article(doc, mentions, timexes, amounts, published, sentences)
    events = _merge(article, _mentions(article))
    rows, participants = [], []
    for i, event in enumerate(events):
        first = event.first
        event_id = f"{doc_id}:e{i}"
        _, date, date_text, date_rule = event.date
        location = event.location[1]
        rule_id = first.rule_id + (f"+{date_rule}" if date_rule and date_rule != "date:clause" else "")
        amount = event.amount
        if amount is not None and amount.get("event_id") is None:
            amount["event_id"] = event_id
        else:
            amount = None
        rows.append({"event_id": event_id, "event_type": event.label, "status": event.status,
                     "trigger": first.trigger.text, "start": first.start, "end": first.end,
                     "date_value": date.get("value") if date else None, "date_text": date_text,
                     "location_id": location["entity_id"] if location else None,
                     "amount_id": amount["amount_id"] if amount else None,
                     "plover": plover_code(event.label, event.status), "rule_id": rule_id,
                     "cluster_id": None})
        for entity, role, _ in event.participants.values():
            if role == "target" and event.label == "agreement":
                continue  # the document signed tells agreements apart; it takes no part
            participants.append({"event_id": event_id, "entity_id": entity["entity_id"], "role": role})
    return rows, participants


# ---------------------------------------------------------------- baseline


def baseline_triggers(doc: Doc, *, doc_id: str) -> tuple[list[dict], list[dict]]:
    """Every trigger word as an event of its type, with nothing else: the baseline the rules are measured against."""
    rows = []
    for match_id, start, end in _matcher(doc.vocab)(doc):
        row = _triggers()[int(doc.vocab.strings[match_id])]
        if row.get("merge_only") or row.get("blocks"):
            continue
        span = doc[start:end]
        rows.append({"event_id": f"{doc_id}:b{len(rows)}", "event_type": row["label"], "status": "occurred",
                     "trigger": span.text, "start": span.start_char, "end": span.end_char, "date_value": None,
                     "date_text": None, "location_id": None, "amount_id": None,
                     "plover": plover_code(row["label"], "occurred"), "rule_id": f"baseline:{row['id']}",
                     "cluster_id": f"{doc_id}:b{len(rows)}"})
    return rows, []


# ---------------------------------------------------------------- clusters across articles


def _dates_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True
    return a.startswith(b) or b.startswith(a)


def assign_clusters(events: list[dict], participants: list[dict]) -> None:
    """Set event['cluster_id'] so that the same real-world event across articles shares one id.

    Two events of different articles are one when they have the same type and status, compatible dates
    (one contains the other), the same place or no place on one side, and share participants: none
    needed when both have a date and the same place, one when they have either, two otherwise.
    """
    people: dict[str, set[str]] = {}
    for row in participants:
        people.setdefault(row["event_id"], set()).add(row["entity_id"])
    parent = {e["event_id"]: e["event_id"] for e in events}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(events):
        for b in events[i + 1:]:
            if a["doc_id"] == b["doc_id"] or a["event_type"] != b["event_type"] or a["status"] != b["status"]:
                continue
            if not _dates_compatible(a["date_value"], b["date_value"]):
                continue
            if a["location_id"] and b["location_id"] and a["location_id"] != b["location_id"]:
                continue
            shared = len(people.get(a["event_id"], set()) & people.get(b["event_id"], set()))
            dated = bool(a["date_value"] and b["date_value"])
            same_place = bool(a["location_id"] and a["location_id"] == b["location_id"])
            needed = 0 if dated and same_place else 1 if dated or same_place else 2
            if shared >= needed:
                parent[root(b["event_id"])] = root(a["event_id"])
    for event in events:
        event["cluster_id"] = "C" + hashlib.sha1(root(event["event_id"]).encode("utf-8")).hexdigest()[:10]


def cluster_table(events, participants, entities):
    """One row per event of a cluster that spans several articles: cluster_id, doc_id, type, date, place, who."""
    import pandas as pd

    names = dict(zip(entities["entity_id"], entities["name"]))
    who = participants.groupby("event_id")["entity_id"].agg(lambda ids: ", ".join(sorted(names.get(i, i) for i in ids)))
    frame = events.assign(place=events["location_id"].map(names), participants=events["event_id"].map(who))
    sizes = frame.groupby("cluster_id")["doc_id"].transform("nunique")
    columns = ["cluster_id", "doc_id", "event_type", "status", "date_value", "place", "participants", "trigger"]
    return frame[sizes > 1].sort_values(["cluster_id", "doc_id"])[columns]


# ---------------------------------------------------------------- examples runners


def _describe(text: str, fields: tuple[str, ...]) -> list:
    """The events of a text, each reduced to `fields`, for the rules examples (anchored at 2023-02-28)."""
    import datetime as dt

    from . import amounts as amounts_stage
    from . import timexes as timexes_stage

    doc = example_nlp()(text)
    mentions, names = example_mentions(doc)
    anchor = dt.date(2023, 2, 28)
    timexes = timexes_stage.normalize(text, anchor)
    amounts = amounts_stage.parse(text)
    for i, amount in enumerate(amounts):
        amount.update(amount_id=f"a{i}", event_id=None)
    rows, parts = extract(doc, doc_id="example", mentions=mentions, timexes=timexes, amounts=amounts, published=anchor)
    out = []
    for row in rows:
        value = {"type": row["event_type"], "status": row["status"], "plover": row["plover"], "date": row["date_value"],
                 "location": names.get(row["location_id"]),
                 "participants": sorted(names[p["entity_id"]] for p in parts if p["event_id"] == row["event_id"])}
        out.append([value[f] for f in fields] if len(fields) > 1 else value[fields[0]])
    return out


def _types(text):
    return _describe(text, ("type",))


def _statuses(text):
    return _describe(text, ("type", "status"))


def _plovers(text):
    return _describe(text, ("type", "status", "plover"))


def _arguments_of(text):
    return _describe(text, ("type", "location", "participants"))


def _dates_of(text):
    return _describe(text, ("type", "date"))


EXAMPLE_RUNNERS = {
    TRIGGERS_FILE: (_types, _types),
    ARGUMENTS_FILE: (_arguments_of, _arguments_of),
    DATES_FILE: (_dates_of, _dates_of),
    STATUS_FILE: (_statuses, _statuses),
    TYPES_FILE: (_plovers, _plovers),
}


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.events --clusters` shows the clusters of the extracted tables;
    `--baseline` scores the trigger-words baseline on the seed gold."""
    from pathlib import Path

    from . import config

    parser = argparse.ArgumentParser(prog="python -m pipeline.events", description=main.__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(config.OUT_DIR), help="folder of the extracted tables")
    parser.add_argument("--clusters", action="store_true", help="print the events that several articles report")
    parser.add_argument("--baseline", action="store_true", help="score trigger words alone against the gold")
    parser.add_argument("--gold", default=str(config.GOLD_DIR))
    args = parser.parse_args(argv)
    from .evaluate import evaluate, format_table, load_gold, load_outputs

    try:
        tables = load_outputs(Path(args.out))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.baseline:
        import pandas as pd

        from .nlp import load_nlp
        from .schema import to_arrow

        nlp = load_nlp()
        rows, parts = [], []
        for doc_id, text in zip(tables["documents"]["doc_id"], tables["documents"]["text"]):
            found, found_parts = baseline_triggers(nlp(text), doc_id=doc_id)
            rows += [{**r, "doc_id": doc_id, "sentence_id": None} for r in found]
            parts += found_parts
        tables["events"] = to_arrow("events", rows).to_pandas()
        tables["event_participants"] = to_arrow("event_participants", parts).to_pandas()
        gold_docs, corpus = load_gold(Path(args.gold))
        results = evaluate(tables, gold_docs, corpus)
        print(format_table({k: v for k, v in results.items() if k.startswith("event")}))
    if args.clusters or not args.baseline:
        import pandas as pd

        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            print(cluster_table(tables["events"], tables["event_participants"], tables["entities"]).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
