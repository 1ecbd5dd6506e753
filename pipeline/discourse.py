"""Links between parse tokens and entity mentions, shared by the events and quotes stages.

Which mention a token belongs to, the entities inside a phrase, and who a pronoun points back to.
"""
from __future__ import annotations

import functools
import re

from spacy.tokens import Doc, Token

from . import rulesdata
from .entities import first_name_gender
from .textnorm import fold

TITLE_FAMILIES_FILE = "discourse/title_families.yml"
ARGUMENTS_FILE = "events/arguments.yml"

# Dependencies that open a clause of its own: a phrase stops there.
CLAUSE_DEPS = frozenset({"acl:relcl", "ccomp", "advcl", "parataxis", "csubj"})


class MentionIndex:
    """The article's mentions, reachable from token indices and character offsets."""

    def __init__(self, doc: Doc, mentions: list[dict]):
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda m: (m["start"], m["end"]))
        self.by_token: dict[int, dict] = {}
        for mention in self.mentions:
            span = doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
            if span is None:
                continue
            for token in span:
                self.by_token.setdefault(token.i, mention)

    def of(self, token: Token) -> dict | None:
        return self.by_token.get(token.i)

    def in_tokens(self, tokens) -> list[dict]:
        """Mentions touched by the tokens, in text order, each once."""
        seen, found = set(), []
        for token in sorted(tokens, key=lambda t: t.i):
            mention = self.by_token.get(token.i)
            if mention is not None and id(mention) not in seen:
                seen.add(id(mention))
                found.append(mention)
        return found

    def in_chars(self, start: int, end: int) -> list[dict]:
        return [m for m in self.mentions if m["start"] >= start and m["end"] <= end]

    def last_before(self, offset: int, labels=("PER",), *, after: int = 0) -> dict | None:
        """The closest mention of one of `labels` ending before `offset` (and starting at or after `after`)."""
        found = None
        for mention in self.mentions:
            if mention["end"] > offset:
                break
            if mention["start"] >= after and mention["label"] in labels:
                found = mention
        return found

    def antecedent(self, offset: int, *, gender: str | None = None, gender_of=None, among=None) -> dict | None:
        """Who a subject pronoun at `offset` points back to: the last person named before it, not named as the
        one spoken to ("a déclaré X à Y"), whose gender is the pronoun's `gender` or unknown.

        `gender_of` gives a mention's gender (by default its first name's, entities.first_name_gender);
        `among` are the mentions to look in, in text order (by default all of the article's)."""
        gender_of = gender_of or mention_gender
        found = None
        for mention in self.mentions if among is None else among:
            if mention["end"] > offset:
                break
            if mention["label"] == "PER" and not self.addressee(mention) \
                    and (gender is None or gender_of(mention) in {gender, None}):
                found = mention
        return found

    def addressee(self, mention: dict) -> bool:
        """A mention named as the one spoken to ("à X")."""
        span = self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
        if span is None or span.start == 0:
            return False
        return self.doc[span.start - 1].lower_ in _recipient_prepositions()


class TitleFamilies:
    """The offices (families) of rules/discourse/title_families.yml whose title phrases a text holds."""

    def __init__(self, families: dict[str, list[str]]):
        phrases = {fold(p) for forms in families.values() for p in forms}
        alone = {name: re.compile(_whole_words(fold(p) for p in forms)) for name, forms in families.items()}
        # a phrase holds the families of every phrase inside it ("chef de l'état": head_of_state, leader),
        # so one match per position of the text is enough
        self._of_phrase = {p: frozenset(name for name, pattern in alone.items() if pattern.search(p))
                           for p in phrases}
        self._pattern = re.compile(r"(?=(" + _whole_words(phrases) + r"))")
        self._heads = {name: frozenset(fold(p).split()[0] for p in forms) for name, forms in families.items()}

    def of(self, text: str) -> frozenset[str]:
        """The families of the title phrases in the text, as whole words."""
        found = frozenset()
        for match in self._pattern.finditer(fold(text)):
            found |= self._of_phrase[match.group(1)]
        return found

    def heads(self, *, leaving_out=frozenset()) -> frozenset[str]:
        """First words of the families' phrases ("président", "chef"), but those of `leaving_out`."""
        return frozenset().union(*(h for name, h in self._heads.items() if name not in leaving_out))


def _whole_words(phrases) -> str:
    """A regex alternation of the phrases as whole words, longest first."""
    forms = sorted(set(phrases), key=len, reverse=True)
    return r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])"


@functools.lru_cache(maxsize=1)
def title_families() -> TitleFamilies:
    """The matcher of rules/discourse/title_families.yml, built once."""
    families = rulesdata.require(rulesdata.load_yaml(TITLE_FAMILIES_FILE), "families", TITLE_FAMILIES_FILE)
    if not isinstance(families, dict) or not all(isinstance(v, list) and v for v in families.values()):
        raise rulesdata.RulesError(f"{rulesdata.rules_path(TITLE_FAMILIES_FILE)}: `families` must map each "
                                   "family to a non-empty list of title phrases")
    return TitleFamilies(families)


@functools.lru_cache(maxsize=1)
def _recipient_prepositions() -> frozenset[str]:
    """Prepositions before the one spoken to or given to ("à X"), from rules/events/arguments.yml."""
    return frozenset(fold(w) for w in rulesdata.require(rulesdata.load_yaml(ARGUMENTS_FILE), "recipient_prepositions",
                                                         ARGUMENTS_FILE))


def mention_gender(mention: dict) -> str | None:
    """'f' or 'm' from the first name of a person's mention ("Doris Leuthard"), None when unknown."""
    return first_name_gender(mention["text"])


def phrase_tokens(token: Token, *, stop_deps=CLAUSE_DEPS) -> list[Token]:
    """The token's subtree without the clauses hanging from it (relative, complement, adverbial).

    A relative clause closes the phrase: words the parser hangs on the head after it belong elsewhere."""
    closing = [c.left_edge.i for c in token.children if c.dep_ == "acl:relcl" and c.i > token.i]
    limit = min(closing) if closing else len(token.doc)
    out, todo = [], [token]
    while todo:
        current = todo.pop()
        out.append(current)
        for child in current.children:
            if child.dep_ in stop_deps or (child.pos_ in {"VERB", "AUX"} and child.dep_ in {"acl", "conj"}):
                continue
            if current is token and child.i > limit:
                continue
            todo.append(child)
    return sorted(out, key=lambda t: t.i)


def people_first(mentions: list[dict]) -> list[dict]:
    """The people of a phrase when it names any, else its places, organisations and other names."""
    people = [m for m in mentions if m["label"] == "PER"]
    return people or list(mentions)


def case_of(token: Token) -> str | None:
    """The lower-cased preposition (case marker) introducing the token's phrase, if any."""
    for child in token.children:
        if child.dep_ in {"case", "mark"} and child.pos_ == "ADP" or child.dep_ == "case":
            return child.text.lower().replace("’", "'")
    return None


@functools.lru_cache(maxsize=1)
def example_nlp():
    """The project's pipeline, loaded once, for the rules-examples runners of the events and quotes stages."""
    from .nlp import load_nlp

    return load_nlp()


def example_mentions(doc: Doc) -> tuple[list[dict], dict[str, str]]:
    """Mentions with article-local entity ids, and the name of each local id, as extract.analyse makes them."""
    from . import entities, resolve

    mentions = entities.find_mentions(doc)
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    local = resolve.within_document("example", mentions)
    for mention in mentions:
        mention["entity_id"] = mention.pop("local_id")
    return mentions, {e["local_id"]: e["name"] for e in local}


def _title_family_names(text: str) -> list[str]:
    return sorted(title_families().of(text))


EXAMPLE_RUNNERS = {TITLE_FAMILIES_FILE: (_title_family_names, _title_family_names)}
