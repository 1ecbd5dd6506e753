"""Quoted speech with its speaker and reporting verb.

Where the quotes are comes from rules/quotes/quotes.yml; who speaks from rules/quotes/speakers.yml and
rules/quotes/reporting_verbs.yml. A speaker is tried, in order, after the quote (", a déclaré X",
", a-t-il ajouté"), before it in its sentence ("X a estimé :", "selon X", "pour lui"), as the subject of
the clause that holds it ("X a salué « ... »"), from a previous sentence that ends with a colon, and
finally from the quote just before it in the same paragraph. A speaker named by a pronoun, a title or a
description is resolved to the nearest person that fits (title family from the `roles` rows, gender,
country).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from . import entities as entities_stage
from . import nlp as nlp_stage
from . import rulesdata
from .discourse import MentionIndex, example_mentions, example_nlp, phrase_tokens, title_families
from .textnorm import fold

RULES_FILE = "quotes/quotes.yml"
SPEAKERS_FILE = "quotes/speakers.yml"
VERBS_FILE = "quotes/reporting_verbs.yml"
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MARKS = frozenset({"«", "»", "“", "”", "\""})


def _phrase_pattern(phrases) -> re.Pattern | None:
    """One regex finding any of the phrases as whole words in folded text, longest first."""
    forms = sorted({fold(p) for p in phrases}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])")


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    data = rulesdata.load_yaml(RULES_FILE)
    for key in ("marks", "min_words", "min_words_without_verb", "min_words_after_reporting_verb",
                "min_letter_share", "max_capitalised_share", "after_window", "naming_cues"):
        rulesdata.require(data, key, RULES_FILE)
    return {**data, "naming_cues": _phrase_pattern(data["naming_cues"])}


@functools.lru_cache(maxsize=1)
def _verbs() -> dict:
    data = rulesdata.load_yaml(VERBS_FILE)
    for key in ("verbs", "phrases", "passive_auxiliaries"):
        rulesdata.require(data, key, VERBS_FILE)
    lemmas = {lemma: lemma for lemma in data["verbs"]}
    # "note", "analyse", "indique": present forms the tagger often takes for nouns
    present = {lemma[:-2] + "e": lemma for lemma in data["verbs"] if lemma.endswith("er")}
    # "tweeté", "félicitée": participles the lemmatiser leaves as they are
    participles = {lemma[:-2] + "é" + end: lemma for lemma in data["verbs"] if lemma.endswith("er")
                   for end in ("", "e", "s", "es")}
    phrases = [tuple(fold(w) for w in phrase) for phrase in data["phrases"]]
    return {"lemmas": {**participles, **lemmas}, "present": present, "participles": participles,
            "phrases": sorted(phrases, key=len, reverse=True),
            "passive_auxiliaries": frozenset(fold(w) for w in data["passive_auxiliaries"])}


@dataclass(frozen=True)
class _SpeakerRules:
    pronouns: dict
    honorifics: dict
    ignored_families: frozenset  # families that tell no person apart
    family_heads: frozenset
    person_nouns: frozenset
    organisation_nouns: frozenset
    source_nouns: frozenset
    prepositions: frozenset
    person_only: frozenset
    opening: frozenset
    speaking_for: frozenset
    genderless_articles: frozenset
    feminine_endings: tuple


@functools.lru_cache(maxsize=1)
def _speaker_rules() -> _SpeakerRules:
    data = rulesdata.load_yaml(SPEAKERS_FILE)
    for key in ("pronouns", "honorifics", "ignored_families", "person_nouns", "organisation_nouns", "source_nouns",
                "source_prepositions", "person_only_prepositions", "opening_prepositions", "speaking_for_nouns",
                "genderless_articles", "feminine_title_endings"):
        rulesdata.require(data, key, SPEAKERS_FILE)
    ignored = frozenset(data["ignored_families"])
    return _SpeakerRules(
        pronouns={fold(k): v for k, v in data["pronouns"].items()},
        honorifics={fold(k): v for k, v in data["honorifics"].items()},
        ignored_families=ignored, family_heads=title_families().heads(leaving_out=ignored),
        person_nouns=frozenset(fold(w) for w in data["person_nouns"]),
        organisation_nouns=frozenset(fold(w) for w in data["organisation_nouns"]),
        source_nouns=frozenset(fold(w) for w in data["source_nouns"]),
        prepositions=frozenset(fold(w) for w in data["source_prepositions"]),
        person_only=frozenset(fold(w) for w in data["person_only_prepositions"]),
        opening=frozenset(fold(w) for w in data["opening_prepositions"]),
        speaking_for=frozenset(fold(w) for w in data["speaking_for_nouns"]),
        genderless_articles=frozenset(fold(w) for w in data["genderless_articles"]),
        feminine_endings=tuple(fold(w) for w in data["feminine_title_endings"]))


def _families(text: str) -> frozenset[str]:
    """The offices of rules/discourse/title_families.yml a title or description names."""
    return title_families().of(text) - _speaker_rules().ignored_families


# --------------------------------------------------------------------------- where the quotes are


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of the quote marks, outermost only.

    A pair lies within one paragraph, except a « or “ left open that goes on in the next paragraph opening
    with the same mark; left open otherwise, the quote ends with its paragraph.
    """
    paragraphs = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    spans = []
    for opener, closer in _rules()["marks"]:
        for p, (base, body) in enumerate(paragraphs):
            at = 0
            while True:
                start = body.find(opener, at)
                if start < 0:
                    break
                end = body.find(closer, start + 1)
                if end >= 0:
                    spans.append((base + start, base + end))
                    at = end + 1
                    continue
                if opener != closer:
                    spans.append((base + start, _open_end(paragraphs, p, opener, closer)))
                break
    spans.sort(key=lambda s: (s[0], -s[1]))
    outer = []
    for span in spans:
        if not any(o[0] <= span[0] and span[1] <= o[1] for o in outer):
            outer.append(span)
    return outer


def _open_end(paragraphs: list[tuple[int, str]], p: int, opener: str, closer: str) -> int:
    """Where a quote left open in paragraph p ends: its closer in a following paragraph that opens with
    the same mark, else the end of the last such paragraph."""
    base, body = paragraphs[p]
    end = base + len(body.rstrip())
    for next_base, next_body in paragraphs[p + 1:]:
        stripped = next_body.lstrip()
        if not stripped.startswith(opener):
            break
        lead = len(next_body) - len(stripped)
        close = next_body.find(closer, lead + 1)
        if close >= 0:
            return next_base + close
        end = next_base + len(next_body.rstrip())
    return end


def is_speech(doc: Doc, start: int, end: int, *, quoted: str, before: str = "") -> bool:
    """Quoted words that are speech: long enough, with a verb, not a capitalised name, not named as a title.

    `quoted` is doc.text[start:end], passed in because Doc.text rebuilds the whole string on each access;
    `before` is the text of the sentence before the opening mark.
    """
    rules = _rules()
    words = _WORD.findall(quoted)
    if len(words) < rules["min_words"]:
        return False
    visible = [ch for ch in quoted if not ch.isspace()]
    if sum(ch.isalpha() for ch in visible) < rules["min_letter_share"] * len(visible):
        return False  # figures, a table, or scanning noise
    capitalised = sum(w[0].isupper() for w in words[1:]) / max(1, len(words) - 1)
    if capitalised > rules["max_capitalised_share"]:
        return False
    tail = fold(before).rstrip()
    if rules["naming_cues"] is not None and tail and (tail[-1].isalpha() or tail[-1] == "'") \
            and rules["naming_cues"].search(" ".join(_WORD.findall(tail)[-3:])):
        return False  # "un plan intitulé « ... »", "le slogan « ... »": a name, not speech
    if len(words) >= rules["min_words_without_verb"]:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    if any(t.pos_ in {"VERB", "AUX"} for t in span):
        return True
    # "a dénoncé « une provocation occidentale inacceptable »": words a reporting verb takes as its object
    if len(words) < rules["min_words_after_reporting_verb"]:
        return False
    governor = span.root.head
    if governor.pos_ == "VERB" and not span.start <= governor.i < span.end and _verb_at([governor], 0):
        return True
    lead = [t for t in doc[max(0, span.start - 5):span.start] if not t.is_punct]
    while lead and lead[-1].pos_ in {"DET", "ADP"}:
        lead.pop()
    return bool(lead) and lead[-1].pos_ == "VERB" and _verb_at(lead, len(lead) - 1) is not None


# --------------------------------------------------------------------------- the article's people


@dataclass
class _Person:
    """What the article says of one person entity: gender, countries, title families, where it is named."""
    entity_id: str
    mention: dict
    gender: str | None = None
    countries: set = field(default_factory=set)
    families: set = field(default_factory=set)


def _morph_gender(token: Token) -> str | None:
    gender = token.morph.get("Gender")
    return {"Fem": "f", "Masc": "m"}.get(gender[0]) if gender else None


def _title_gender(doc: Doc, title) -> str | None:
    """The gender a title gives its holder: its article's ("la ministre"), else the title word's own
    ("présidente"); epicene titles without an article ("ministre") give none."""
    det = doc[title.start - 1] if title.start > 0 and doc[title.start - 1].pos_ == "DET" else None
    if title[0].pos_ == "DET":
        det, title = title[0], title[1:]
    rules = _speaker_rules()
    if det is not None and fold(det.text) not in rules.genderless_articles:
        return _morph_gender(det)
    word = title[0] if len(title) else None
    return _morph_gender(word) if word is not None and not fold(word.text).endswith("e") else (
        "f" if word is not None and fold(word.text).endswith(rules.feminine_endings) else None)


def _title_before(doc: Doc, span, mention_edges: set[int]) -> str:
    """The words right before a name back to a verb, another name or ten words ("le ministre des Affaires
    étrangères, Aurélien X" gives "le ministre des Affaires étrangères,")."""
    first = span.start
    while first > max(span.sent.start, span.start - 10):
        token = doc[first - 1]
        if token.pos_ in {"VERB", "AUX"} or token.idx + len(token.text) in mention_edges or "\n" in token.text:
            break
        first -= 1
    return doc[first:span.start].text


class _People:
    """Persons of the article with the facts that tell them apart when the text does not name them."""

    def __init__(self, doc: Doc, mentions: list[dict], roles: list[dict], text: str):
        rules = _speaker_rules()
        self.by_id: dict[str, _Person] = {}
        country_of = {m["entity_id"]: m.get("country") for m in mentions if m.get("country")}
        mentions_at = {m["start"] for m in mentions} | {m["end"] for m in mentions}
        for mention in mentions:
            if mention["label"] != "PER":
                continue
            person = self.by_id.setdefault(mention["entity_id"], _Person(mention["entity_id"], mention))
            if len(mention["text"]) > len(person.mention["text"]):
                person.mention = mention
            if mention.get("country"):
                person.countries.add(mention["country"])
            span = doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
            if span is None:
                continue
            person.families |= _families(_title_before(doc, span, mentions_at))
            if span.start > 0:
                honorific = rules.honorifics.get(fold(doc[span.start - 1].text))
                person.gender = person.gender or honorific
        for role in roles:
            person = self.by_id.get(role["entity_id"])
            if person is None:
                continue
            person.families |= _families(role["role"])
            for country in (role.get("country"), country_of.get(role.get("org_or_country_id"))):
                if isinstance(country, str) and country:
                    person.countries.add(country)
            title = doc.char_span(role["start"], role["end"], alignment_mode="expand")
            if title is not None and person.gender is None:
                person.gender = _title_gender(doc, title)
        for person in self.by_id.values():
            person.gender = entities_stage.first_name_gender(person.mention["text"]) or person.gender

    def gender_of(self, mention: dict) -> str | None:
        person = self.by_id.get(mention["entity_id"])
        return person.gender if person is not None else None

    def fits(self, mention: dict, *, gender: str | None, country: str | None, families: frozenset,
             untitled: bool = False) -> bool:
        person = self.by_id.get(mention["entity_id"])
        if person is None:
            return not families and gender is None
        if untitled and person.families:
            return False
        if gender and person.gender and gender != person.gender:
            return False
        if country and person.countries and country not in person.countries:
            return False
        return not families or bool(families & person.families)


# --------------------------------------------------------------------------- reporting verbs


def _verb_at(tokens: list[Token], k: int) -> tuple[str, int] | None:
    """(verb, number of tokens) of the reporting verb starting at tokens[k], if one starts there."""
    token = tokens[k]
    lemma, form = fold(token.lemma_), fold(token.text)
    for phrase in _verbs()["phrases"]:
        words = tokens[k:k + len(phrase)]
        if len(words) == len(phrase) and all(fold(w.lemma_) == p or fold(w.text) == p for w, p in zip(words, phrase)):
            return " ".join(phrase), len(phrase)
    verbs = _verbs()
    if token.pos_ in {"VERB", "AUX", "X"}:
        found = verbs["lemmas"].get(lemma) or verbs["lemmas"].get(form) or verbs["present"].get(form)
        return (found, 1) if found else None
    if token.pos_ in {"NOUN", "ADJ", "PROPN"}:
        found = verbs["present"].get(form) or verbs["participles"].get(form)
        return (found, 1) if found else None
    return None


def _sentence_tokens(doc: Doc, offset: int, *, forward: bool) -> list[Token]:
    """Tokens from a quote mark at `offset` to the end (or back to the start) of its sentence.

    Bounded by sentence punctuation, a line break or another quote mark, not by the parser's
    sentences, which often end at a closing quote mark.
    """
    span = doc.char_span(offset, offset + 1, alignment_mode="expand")
    if span is None:
        return []
    i, step, out = span[0].i + (1 if forward else -1), 1 if forward else -1, []
    while 0 <= i < len(doc):
        token = doc[i]
        if "\n" in token.text or token.text in _MARKS or (not forward and token.text in {".", "!", "?"}):
            break
        if not token.is_space:
            out.append(token)
        if forward and token.text in {".", "!", "?"}:
            break
        i += step
    return out if forward else out[::-1]


# --------------------------------------------------------------------------- who speaks


class _Speakers:
    """Speaker resolution for one article: mentions, persons, the last speakers and the last written source."""

    def __init__(self, doc: Doc, mentions: list[dict], roles: list[dict], sentences: list[dict], text: str,
                 quoted: list[tuple[int, int]]):
        self.doc, self.text, self.sentences, self.quoted = doc, text, sentences, quoted
        self.index = MentionIndex(doc, mentions)
        inside = lambda m: any(o <= m["start"] and m["end"] <= c + 1 for o, c in quoted)
        self.outside = [m for m in self.index.mentions if not inside(m)]
        self.people = _People(doc, mentions, roles, text)
        self.speakers: list[dict] = []
        self.last_source: dict | None = None
        self._learn_countries(quoted)

    def _learn_countries(self, quoted: list[tuple[int, int]]) -> None:
        """Read in text order the descriptions with a nationality that stand for a person named before
        ("Le président ukrainien était arrivé de Berlin"): the person they resolve to is of that country,
        which later tells "le chef de l'État français" from him."""
        rules = _speaker_rules()
        heads = rules.family_heads | rules.person_nouns
        for token in self.doc:
            if token.pos_ != "NOUN" or fold(token.text) not in heads or "Plur" in token.morph.get("Number") \
                    or self.index.of(token) is not None or any(o < token.idx < c for o, c in quoted):
                continue
            if self._names_follow(token):
                continue
            country = self._description(token)[2]
            found = self._descriptor(token) if country else None
            person = self.people.by_id.get(found["entity_id"]) if found else None
            if person is not None:
                person.countries.add(country)

    def _names_follow(self, token: Token) -> bool:
        """A title right before a name in its sentence ("le président Paul X"): the name is the reference."""
        named = (self.index.of(x) for x in self.doc[token.i + 1:token.i + 8] if x.sent == token.sent)
        return any(m is not None and m["label"] == "PER" for m in named)

    # -- references

    def _nearest_person(self, offset: int, *, gender=None, country=None, families=frozenset(),
                        untitled: bool = False) -> dict | None:
        """The closest person named before `offset` (outside quotes) that fits, one known to be of the
        country first; with a title family and nobody of it before, the first one after."""
        found, found_known = None, None
        for mention in self.outside:
            if mention["end"] > offset:
                break
            if mention["label"] == "PER" and not self.index.addressee(mention) and self.people.fits(
                    mention, gender=gender, country=country, families=families, untitled=untitled):
                found = mention
                if country and country in self.people.by_id[mention["entity_id"]].countries:
                    found_known = mention
        found = found_known or found
        if found is None and families:
            found = next((m for m in self.outside if m["label"] == "PER" and m["start"] >= offset
                          and self.people.fits(m, gender=gender, country=country, families=families)), None)
        return found

    def _description(self, token: Token) -> tuple[frozenset, str | None, str | None]:
        """Title families, gender and country a title or description gives ("la présidente sénégalaise")."""
        phrase = [t for t in phrase_tokens(token) if t.i >= token.i and not t.is_punct] or [token]
        words = self.doc[token.i:phrase[-1].i + 1].text
        families = _families(words)
        countries = entities_stage.demonym_countries(words)
        for t in phrase[1:]:
            mention = self.index.of(t)
            if mention is not None and mention["label"] == "LOC" and mention.get("country"):
                countries = countries or [mention["country"]]
        gender = next((g for g in map(_morph_gender, [d for d in token.children if d.dep_ == "det"] + [token]) if g),
                      None)
        return families, gender, countries[0] if countries else None

    def _descriptor(self, token: Token) -> dict | None:
        """The person a title or description stands for ("le président sénégalais", "la responsable")."""
        rules = _speaker_rules()
        families, gender, country = self._description(token)
        if families:
            found = self._nearest_person(token.idx, gender=gender, country=country, families=families)
            if found is not None:
                return found
            if fold(token.text) in rules.speaking_for and any("Yes" in d.morph.get("Poss") for d in token.children):
                # "son porte-parole" and nobody named as one: the one it speaks for, named last before
                return self.index.last_before(token.idx, ("PER", "ORG"), after=self._context_start(token))
            # nobody known to hold that title: the nearest person whose titles the text does not give
            return self._nearest_person(token.idx, gender=gender, country=country, untitled=True)
        if fold(token.lemma_) in rules.person_nouns or fold(token.text) in rules.person_nouns:
            return self._nearest_person(token.idx, gender=gender, country=country)
        return None

    def pronoun(self, token: Token) -> dict | None:
        """Who a subject or stressed pronoun stands for: the nearest person or description that fits its gender."""
        gender = _speaker_rules().pronouns.get(fold(token.text))
        person = self._last_subject(token, gender) or self.index.antecedent(
            token.idx, gender=gender, gender_of=self.people.gender_of, among=self.outside)
        described = self._described_before(token, gender)
        if described is not None and (person is None or described[0] > person["start"]):
            return described[1]
        if person is None:
            person = next((m for m in reversed(self.speakers) if m["end"] <= token.idx and m["label"] == "PER"), None)
        return person

    def _context_start(self, token: Token) -> int:
        """Where the context of a pronoun starts: the sentence before its own, or before the one where the
        quote it closes opened ("« A. B », a-t-il dit" looks before A)."""
        anchor = token.idx
        for open_, close in self.quoted:
            if close < token.idx and "\n" not in self.text[close:token.idx] and token.idx - close < 40:
                anchor = open_
        sentence = nlp_stage.sentence_of(self.sentences, anchor)
        return self.sentences[max(0, sentence - 1)]["start"] if sentence is not None else 0

    def _last_subject(self, token: Token, gender: str | None) -> dict | None:
        """The last person of the pronoun's gender that is the subject of a clause, in this sentence before
        the pronoun or in the previous one ("X a reçu Y. « ... », a-t-il dit": X)."""
        start = self._context_start(token)
        found, found_in = None, None
        for mention in self.outside:
            if mention["end"] > token.idx:
                break
            if mention["start"] < start or mention["label"] != "PER" \
                    or not self.people.fits(mention, gender=gender, country=None, families=frozenset()):
                continue
            where = nlp_stage.sentence_of(self.sentences, mention["start"])
            if where != found_in and self._is_subject(mention):
                found, found_in = mention, where  # the first subject of the latest sentence
        return found

    def _is_subject(self, mention: dict) -> bool:
        """A name the parser makes a subject, or one standing before the first verb of its sentence with no
        preposition before it (the parser often hangs names on the title before them)."""
        span = self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
        if span is None:
            return False
        if any(t.dep_ in {"nsubj", "nsubj:pass"} and t.i < t.head.i for t in span):
            return True
        row = self.sentences[nlp_stage.sentence_of(self.sentences, mention["start"])]
        before = [t for t in self.doc[:span.start] if t.idx >= row["start"]]
        if any(t.pos_ in {"VERB", "AUX"} for t in before):
            return False
        heads = _speaker_rules().family_heads | _speaker_rules().person_nouns
        lead = [t for t in before if not (t.pos_ in {"DET", "ADJ", "PUNCT"} or fold(t.text) in heads)]
        return not lead or lead[-1].pos_ != "ADP"

    def _described_before(self, token: Token, gender: str | None) -> tuple[int, dict] | None:
        """The last title or description of a person (not itself a name) in this or the previous sentence."""
        rules = _speaker_rules()
        start = self._context_start(token)
        heads = rules.family_heads | rules.person_nouns
        first = self.doc.char_span(start, start + 1, alignment_mode="expand")
        for t in reversed(self.doc[first.start if first is not None else 0:token.i]):
            if t.pos_ != "NOUN" or fold(t.text) not in heads or self.index.of(t) is not None \
                    or "Plur" in t.morph.get("Number"):
                continue
            if self._names_follow(t):
                continue  # a title before a name: the name is the antecedent
            if gender and _morph_gender(t) and _morph_gender(t) != gender:
                continue
            found = self._descriptor(t)
            if found is not None:
                return t.idx, found
        return None

    def _organisation(self, token: Token) -> dict | None:
        """The organisation a common noun stands for ("le ministère"): the last one whose name holds it."""
        noun = fold(token.text)
        found = None
        for mention in self.outside:
            if mention["end"] > token.idx:
                break
            if mention["label"] in {"ORG", "LOC"} and noun in fold(mention["text"]).split():
                found = mention
        return found

    def _issuer(self, token: Token) -> dict | None:
        """Who issued a written source: "un communiqué du ministère X" gives X; else the source named just
        before, else the last source's issuer."""
        named = self._named_by_of(token)
        if named is not None:
            self.last_source = named
            return named
        return self._source_before(token) or self.last_source

    def _named_by_of(self, token: Token) -> dict | None:
        """The name in a "de X" complement right after a noun ("communiqué du ministère X")."""
        tokens = list(self.doc[token.i + 1:token.i + 8])
        for k, t in enumerate(tokens[:-1]):
            if t.is_punct or t.pos_ in {"VERB", "AUX"}:
                break
            if fold(t.text) in entities_stage.of_words():
                return next((self.index.of(x) for x in tokens[k + 1:k + 4] if self.index.of(x) is not None), None)
        return None

    def _source_before(self, token: Token) -> dict | None:
        """The issuer of a source named in the two sentences before ("X a publié un communiqué. « ... »,
        affirme le texte"): "de X" after its noun, or the subject of the verb it is the object of."""
        sentence = nlp_stage.sentence_of(self.sentences, token.idx)
        start = self.sentences[max(0, sentence - 2)]["start"] if sentence is not None else token.idx
        for t in reversed(self.doc[:token.i]):
            if t.idx < start:
                break
            if t.pos_ != "NOUN" or not self._is_source(t):
                continue
            named = self._named_by_of(t)
            if named is not None:
                return named
            verb = t.head  # "X a publié un communiqué", "dans un communiqué (publié dimanche), X a rejeté"
            for _ in range(3):
                subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubj:pass"}]
                if subjects or verb.head is verb:
                    break
                verb = verb.head
            for subject in (c for c in verb.children if c.dep_ in {"nsubj", "nsubj:pass"}):
                speaker = self._named_in_phrase(subject)
                if speaker is not None and speaker["label"] in {"ORG", "PER", "LOC"}:
                    return speaker
        return None

    def reference(self, token: Token) -> dict | None:
        """The entity a subject token refers to: a name, a pronoun, a source, a description or an organisation."""
        rules = _speaker_rules()
        mention = self.index.of(token)
        if mention is not None:
            return mention
        folded, lemma = fold(token.text), fold(token.lemma_)
        if self._pronoun_token(token):
            return self.pronoun(token)
        if lemma in rules.source_nouns or folded in rules.source_nouns:
            return self._issuer(token)
        if token.pos_ in {"NOUN", "PROPN", "ADJ"}:
            if folded in rules.organisation_nouns or lemma in rules.organisation_nouns:
                for t in phrase_tokens(token):
                    if self.index.of(t) is not None:
                        return self.index.of(t)
                return self._organisation(token)
            if "Plur" in token.morph.get("Number"):
                return None  # "les ministres": not one speaker
            if folded in rules.family_heads or folded in rules.person_nouns or lemma in rules.person_nouns:
                return self._descriptor(token)
        return None

    def _is_reference(self, token: Token) -> bool:
        rules = _speaker_rules()
        folded, lemma = fold(token.text), fold(token.lemma_)
        if self.index.of(token) is not None:
            return True
        if folded in rules.pronouns:
            return self._pronoun_token(token)
        return token.pos_ in {"NOUN", "PROPN"} and bool(
            {folded, lemma} & (rules.source_nouns | rules.organisation_nouns | rules.family_heads | rules.person_nouns))

    # -- rules

    def after(self, close: int) -> tuple[dict | None, str | None, bool]:
        """Speaker named in the words that follow the closing mark: ', a déclaré X', ', a-t-il dit'."""
        tail = _sentence_tokens(self.doc, close, forward=True)
        if not tail or tail[0].text not in {",", ")", "-", "–"} and _verb_at(tail, 0) is None:
            return None, None, False
        rules = _speaker_rules()
        for k in range(min(len(tail), 3)):
            preposition = _preposition(tail, k)
            if preposition in rules.prepositions and preposition not in rules.person_only:
                return self._prepositional(tail[k + 1:], person_only=False), preposition, True
        for k in range(min(len(tail), _rules()["after_window"])):
            found = _verb_at(tail, k)
            if found is None:
                continue
            verb, size = found
            if _passive(tail[k]) or k > 0 and fold(tail[k - 1].text) in _verbs()["passive_auxiliaries"]:
                return None, verb, True  # "a-t-il été précisé": impersonal
            pronoun = next((t for t in tail[max(0, k - 3):k + size + 1] if self._pronoun_token(t)), None)
            if pronoun is not None:
                return self.pronoun(pronoun), verb, True
            for t in tail[k + size:]:
                if self._is_reference(t) and (self._is_source(t) or not self._after_preposition(t)):
                    return self._named_in_phrase(t), verb, True
            return None, verb, True
        return None, None, False

    @staticmethod
    def _pronoun_token(token: Token) -> bool:
        folded = fold(token.text)
        return folded in _speaker_rules().pronouns and (token.pos_ == "PRON" or folded.startswith("-"))

    @staticmethod
    def _is_source(token: Token) -> bool:
        nouns = _speaker_rules().source_nouns
        return fold(token.text) in nouns or fold(token.lemma_) in nouns

    def _after_preposition(self, token: Token) -> bool:
        """A token inside "à X", "devant X", "lors de X": not the subject."""
        head = token
        for _ in range(3):
            if any(c.dep_ == "case" and fold(c.text) not in entities_stage.of_words() for c in head.children):
                return True
            if head.dep_ in {"nsubj", "nsubj:pass"} or head.head is head:
                return False
            head = head.head
        return False

    def _named_in_phrase(self, token: Token) -> dict | None:
        """The speaker of a subject phrase: a name in it ("le président sénégalais Macky Sall") before its
        title; a written source before its issuer's name ("le communiqué du ministère")."""
        rules = _speaker_rules()
        if self.index.of(token) is None and fold(token.lemma_) not in rules.source_nouns \
                and fold(token.text) not in rules.source_nouns:
            for t in self.doc[token.i + 1:token.i + 10]:
                if t.is_punct and t.text not in {"-", ","} or t.pos_ in {"VERB", "AUX"} or "\n" in t.text:
                    break
                mention = self.index.of(t)
                if mention is not None and mention["label"] == "PER":
                    return mention
        return self.reference(token)

    def before(self, open_: int) -> tuple[dict | None, str | None]:
        """Speaker of a reporting verb or 'selon X' earlier in the sentence that holds the opening mark."""
        head = _sentence_tokens(self.doc, open_, forward=False)
        return self._before_in(head, open_)

    def _before_in(self, head: list[Token], offset: int) -> tuple[dict | None, str | None]:
        rules = _speaker_rules()
        sent_start = head[0].idx if head else offset
        for k in range(len(head) - 1, -1, -1):
            token = head[k]
            folded = _preposition(head, k)
            if folded in rules.prepositions:
                person_only = folded in rules.person_only and not (folded in rules.opening and _opens(head, k))
                speaker = self._prepositional(head[k + 1:], person_only=person_only)
                if speaker is not None or folded not in rules.person_only:
                    return speaker, folded
                continue
            found = _verb_at(head, k)
            if found is None or token.pos_ not in {"VERB", "AUX"} or _passive(token):
                continue
            finite = any(t.pos_ == "AUX" for t in head[max(0, k - 4):k])
            if token.dep_ == "acl:relcl" or token.dep_ == "acl" and not finite:
                # "X, qui a estimé que « ... »": X speaks; "l'initiative, qui vise « ... »": nobody
                speaker = self._named_in_phrase(token.head)
                if speaker is not None and speaker["label"] in {"PER", "ORG"}:
                    return speaker, found[0]
                continue
            return self._subject_of(token, head[:k], sent_start), found[0]
        if head and head[-1].text == ":":
            return self._colon_clause(head)
        return None, None

    def _colon_clause(self, head: list[Token]) -> tuple[dict | None, str | None]:
        """Speaker of "X a été clair : « ... »": the subject of the clause the colon ends; of a headline
        "X : « ... »", the one name before the colon."""
        named = self.index.in_tokens(head[:-1])
        if len(named) == 1 and named[0]["label"] in {"PER", "ORG"} \
                and all(self.index.of(t) is named[0] or t.pos_ in {"DET", "PUNCT"} for t in head[:-1]):
            return named[0], None
        root = head[-1].head
        while root.head is not root and root.head.i < head[-1].i and root.dep_ not in {"ROOT"}:
            root = root.head
        subjects = [c for c in root.children if c.dep_ in {"nsubj", "nsubj:pass"}]
        for subject in subjects:
            speaker = self._named_in_phrase(subject)
            if speaker is not None and speaker["label"] in {"PER", "ORG"}:
                return speaker, fold(root.lemma_) if root.pos_ == "VERB" else None
        return None, None

    def _prepositional(self, tokens: list[Token], *, person_only: bool) -> dict | None:
        """The speaker after 'selon' / 'pour': the first name, pronoun or description of the phrase."""
        for t in tokens[:8]:
            if t.is_punct:
                break
            if not self._is_reference(t):
                continue
            speaker = self._named_in_phrase(t)
            if person_only and (speaker is None or speaker["label"] != "PER"):
                return None
            return speaker
        return None

    def _subject_of(self, verb: Token, before: list[Token], sent_start: int) -> dict | None:
        subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubj:pass"}]
        if verb.dep_ in {"xcomp", "conj"} and not subjects:
            subjects = [c for c in verb.head.children if c.dep_ in {"nsubj", "nsubj:pass"}]
        for subject in subjects:
            speaker = self._named_in_phrase(subject)
            if speaker is not None:
                return speaker
        if subjects:
            return None
        speaker = self.index.last_before(verb.idx, ("PER", "ORG"), after=sent_start)
        if speaker is None and any(fold(t.text) in _speaker_rules().pronouns for t in before[-3:]):
            pronoun = next(t for t in reversed(before[-3:]) if fold(t.text) in _speaker_rules().pronouns)
            speaker = self.pronoun(pronoun)
        return speaker

    def clause_subject(self, start: int, end: int) -> tuple[dict | None, str | None]:
        """Speaker of a quote inside a clause: the person or organisation subject of the verb it hangs on
        ("X a appelé à une « ... »")."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None, None
        token = span.root
        for _ in range(6):
            if token.head is token:
                return None, None
            token = token.head
            if token.i < span.start or token.i >= span.end:
                if token.pos_ in {"VERB", "AUX"}:
                    break
        else:
            return None, None
        if token.pos_ not in {"VERB", "AUX"}:
            return None, None
        subjects = [c for c in token.children if c.dep_ in {"nsubj", "nsubj:pass"}]
        if token.dep_ in {"xcomp", "conj"} and not subjects:
            subjects = [c for c in token.head.children if c.dep_ in {"nsubj", "nsubj:pass"}]
        for subject in subjects:
            if subject.i >= span.start and subject.i < span.end:
                continue
            speaker = self._named_in_phrase(subject)
            if speaker is not None and speaker["label"] in {"PER", "ORG", "LOC"}:
                return speaker, fold(token.lemma_)
        return None, None

    def previous_sentence(self, open_: int) -> tuple[dict | None, str | None]:
        """Speaker of a quote standing as a sentence of its own after "X a déclaré :" or after a sentence whose
        main verb reports X's speech ("X a pris la parole devant les députés. « ... »")."""
        sentence = nlp_stage.sentence_of(self.sentences, open_)
        if sentence is None or sentence == 0 or self.text[self.sentences[sentence]["start"]:open_].strip():
            return None, None
        previous = self.sentences[sentence - 1]
        if self.text[previous["start"]:previous["end"]].rstrip().endswith(":"):
            head = _sentence_tokens(self.doc, previous["end"] - 1, forward=False)
            return self._before_in(head, previous["end"])
        span = self.doc.char_span(previous["start"], previous["end"], alignment_mode="expand")
        if span is None or any(t.text in _MARKS for t in span):
            return None, None
        tokens = list(span)
        for k, token in enumerate(tokens):
            found = _verb_at(tokens, k)
            if found is not None and token.dep_ == "ROOT" and token.pos_ == "VERB" and not _passive(token):
                speaker = self._subject_of(token, tokens[:k], previous["start"])
                if speaker is not None and speaker["label"] in {"PER", "ORG"}:
                    return speaker, found[0]
        return None, None


def _opens(head: list[Token], k: int) -> bool:
    """A preposition opening the sentence whose phrase a comma closes right before the quote, with no
    verb: "Pour la France, « ... »"."""
    return k == 0 and len(head) > 2 and head[-1].text == "," \
        and not any(t.pos_ in {"VERB", "AUX"} or t.text == "," for t in head[1:-1])


def _preposition(tokens: list[Token], k: int) -> str | None:
    """The preposition tokens[k] is or ends, folded ("selon"; "après" after "d'" gives "d'après"), or None."""
    token = tokens[k]
    if token.pos_ != "ADP" and fold(token.text) != "après":
        return None
    folded = fold(token.text)
    if k > 0 and fold(tokens[k - 1].text) == "d'" and tokens[k - 1].idx + 2 == token.idx:
        return "d'" + folded
    return folded


def _passive(verb: Token) -> bool:
    """A passive verb ("qui a été lancée", "a-t-il été précisé") reports nobody's speech."""
    return any(c.dep_ == "aux:pass" for c in verb.children)


def extract(doc: Doc, *, mentions: list[dict], roles: list[dict] | None = None,
            sentences: list[dict] | None = None) -> list[dict]:
    """Quotes of a parsed article: start, end, text, speaker_id (local entity id or None), verb, rule_id.

    `roles` are the entities stage's rows (found from the doc when not given); `sentences` the rows of
    pipeline.nlp.sentences (idem).
    """
    if roles is None:
        roles = entities_stage.find_roles(doc, mentions)
    sentences = sentences if sentences is not None else nlp_stage.sentences(doc)
    text = doc.text  # Doc.text rebuilds the string from every token: read it once
    spans = quote_spans(text)
    speakers = _Speakers(doc, mentions, roles, sentences, text, spans)
    quotes = []
    previous: dict | None = None
    for open_, close in spans:
        start, end = open_ + 1, close
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        sentence = nlp_stage.sentence_of(sentences, open_)
        before = text[sentences[sentence]["start"]:open_] if sentence is not None else ""
        if not is_speech(doc, start, end, quoted=text[start:end], before=before):
            continue
        speaker, verb, rule_id = _attribute(speakers, open_, close, start, end)
        if speaker is None and verb is None and previous is not None and previous["speaker"] is not None \
                and _follows(text, speakers, previous, open_):
            speaker, verb, rule_id = previous["speaker"], previous["verb"], "quote.same-speaker"
        if speaker is not None:
            speakers.speakers.append(speaker)
        previous = {"speaker": speaker, "verb": verb, "close": close}
        quotes.append({"start": start, "end": end, "text": text[start:end],
                       "speaker_id": speaker["entity_id"] if speaker else None, "verb": verb, "rule_id": rule_id})
    return quotes


def _attribute(speakers: _Speakers, open_: int, close: int, start: int, end: int):
    speaker, verb, found = speakers.after(close)
    if found:
        return speaker, verb, "quote.after-verb"
    speaker, verb = speakers.before(open_)
    if verb or speaker is not None:
        return speaker, verb, "quote.before-verb" if verb else "quote.before-colon"
    speaker, verb = speakers.clause_subject(start, end)
    if speaker is not None:
        return speaker, verb, "quote.clause-subject"
    speaker, verb = speakers.previous_sentence(open_)
    if verb or speaker is not None:
        return speaker, verb, "quote.previous-sentence"
    return None, None, "quote.unattributed"


def _follows(text: str, speakers: _Speakers, previous: dict, open_: int) -> bool:
    """A quote that goes on from the previous one: same paragraph or the next one opening with it, and no
    person or organisation named in between but the previous speaker."""
    between = text[previous["close"] + 1:open_]
    if between.count("\n") > 1 or "\n" in between and between.split("\n")[-1].strip():
        return False
    return not any(previous["close"] < m["start"] < open_ and m["label"] in {"PER", "ORG"}
                   and m["entity_id"] != previous["speaker"]["entity_id"] for m in speakers.outside)


def _examples(text: str) -> list[list]:
    """[first three words, speaker name, verb] per quote, for the rules/quotes/ examples files."""
    doc = example_nlp()(text)
    mentions, names = example_mentions(doc)
    return [[" ".join(q["text"].split()[:3]), names.get(q["speaker_id"]), q["verb"]]
            for q in extract(doc, mentions=mentions)]


def _attributed(text: str) -> list[list]:
    return [q for q in _examples(text) if q[1]]


def _with_verb(text: str) -> list[list]:
    return [q for q in _examples(text) if q[2]]


EXAMPLE_RUNNERS = {RULES_FILE: (_examples, _examples), SPEAKERS_FILE: (_examples, _attributed),
                   VERBS_FILE: (_examples, _with_verb)}
